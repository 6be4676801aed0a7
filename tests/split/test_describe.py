"""Every protocol has a label and a description drawn from its own docstring."""

from __future__ import annotations

from coldrec.split.describe import PROTOCOL_LABELS, protocol_label, protocol_notes
from coldrec.split.protocols import PROTOCOLS


def test_every_protocol_is_labelled_and_described():
    assert set(PROTOCOL_LABELS) <= set(PROTOCOLS)
    for name in PROTOCOLS:
        notes = protocol_notes(name)
        assert notes.startswith("**") and len(notes) > 10
        assert protocol_label(name)
    assert protocol_label("cold_item") == "Cold items (hold out the newest items)"
