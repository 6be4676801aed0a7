"""Split protocol choice for the Train page, drawn from the protocol config dataclasses."""

from __future__ import annotations

import inspect
from dataclasses import fields

import streamlit as st

from coldrec.split.protocols import PROTOCOLS

LABELS = {"cold_user": "Cold users (hold out a share of users)", "temporal": "Temporal (cut at a point in time)",
          "cold_item": "Cold items (hold out the newest items)", "new_domain": "New domain (hold out a category)",
          "leave_last_out": "Warm: leave last out"}
HELP = {"cold_share": "Share held out entirely.", "n_reveal": "Interactions a held-out user reveals as context.",
        "warm_test_share": "Share of each warm user's latest interactions used as test.",
        "test_share": "Share of interactions (by time) used as test.",
        "head_share": "Head items are the most popular ones covering this share of train interactions.",
        "seed": "Same seed, same split."}


def protocol_notes(protocol: str) -> str:
    """The analyst-facing description: the config's summary line and its Notes section."""
    doc = inspect.getdoc(PROTOCOLS[protocol]) or ""
    summary, _, rest = doc.partition("\n")
    notes = rest.split("-----", 1)[-1].strip() if "Notes" in rest else ""
    return f"**{summary}** {' '.join(notes.split())}"


def split_form(categories: list[str]) -> dict:
    """Widgets for the protocol and its settings; returns the split config as a plain dict."""
    protocol = st.selectbox("Split protocol", list(PROTOCOLS), format_func=lambda p: LABELS.get(p, p),
                            key="split_protocol")
    st.caption(protocol_notes(protocol))
    cfg: dict = {"protocol": protocol}
    settable = [f for f in fields(PROTOCOLS[protocol]) if f.init]
    cols = st.columns(max(len(settable), 1))
    for col, f in zip(cols, settable, strict=False):
        key = f"split_{protocol}_{f.name}"
        if f.name == "category":
            if not categories:
                col.error("This dataset's catalog has no category column.")
                continue
            cfg[f.name] = col.selectbox("Category held out", categories, key=key)
        elif f.name.endswith("_share"):
            cfg[f.name] = col.slider(f.name.replace("_", " "), 0.05, 0.95, float(f.default), 0.05, key=key,
                                     help=HELP.get(f.name))
        else:
            cfg[f.name] = int(col.number_input(f.name.replace("_", " "), 0, 10_000, int(f.default), key=key,
                                               help=HELP.get(f.name)))
    return cfg
