"""Split protocol choice for the Train page, drawn from the protocol config dataclasses."""

from __future__ import annotations

from dataclasses import fields

import streamlit as st

from coldrec.split.describe import SETTING_HELP, protocol_label, protocol_notes
from coldrec.split.protocols import PROTOCOLS


def split_form(categories: list[str]) -> dict:
    """Widgets for the protocol and its settings; returns the split config as a plain dict."""
    protocol = st.selectbox("Split protocol", list(PROTOCOLS), format_func=protocol_label,
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
                                     help=SETTING_HELP.get(f.name))
        else:
            cfg[f.name] = int(col.number_input(f.name.replace("_", " "), 0, 10_000, int(f.default), key=key,
                                               help=SETTING_HELP.get(f.name)))
    return cfg
