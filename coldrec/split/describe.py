"""How the split protocols and their settings are described to a person (Train page, report, CLI help).

The words come from one place: short labels, one help line per setting,
and each protocol's own docstring (its summary and Notes section).
"""

from __future__ import annotations

import inspect

from coldrec.split.protocols import PROTOCOLS

PROTOCOL_LABELS: dict[str, str] = {
    "cold_user": "Cold users (hold out a share of users)",
    "temporal": "Temporal (cut at a point in time)",
    "cold_item": "Cold items (hold out the newest items)",
    "new_domain": "New domain (hold out a category)",
    "leave_last_out": "Warm: leave last out",
}
SETTING_HELP: dict[str, str] = {
    "cold_share": "Share held out entirely.",
    "n_reveal": "Interactions a held-out user reveals as context.",
    "warm_test_share": "Share of each warm user's latest interactions used as test.",
    "test_share": "Share of interactions (by time) used as test.",
    "head_share": "Head items are the most popular ones covering this share of train interactions.",
    "seed": "Same seed, same split.",
}


def protocol_label(protocol: str) -> str:
    return PROTOCOL_LABELS.get(protocol, protocol)


def protocol_notes(protocol: str) -> str:
    """The analyst-facing description in Markdown: the config's summary line, then its Notes section."""
    doc = inspect.getdoc(PROTOCOLS[protocol]) or ""
    summary, _, rest = doc.partition("\n")
    notes = rest.split("-----", 1)[-1].strip() if "Notes" in rest else ""
    return f"**{summary}** {' '.join(notes.split())}"
