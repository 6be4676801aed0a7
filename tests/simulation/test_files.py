"""Saved and imported session files (coldrec.simulation.files): what an imported file may set, where a load reads.

Every case is one hostile file or name; each must be refused with a
:class:`SessionFileError` that says what is wrong, before the Simulate page
sees it (a knob outside its slider's range crashed the page).
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from coldrec.simulation.files import (
    KNOB_BOUNDS,
    SessionFileError,
    load_session,
    parse_session,
    save_session,
    saved_sessions,
)

CATALOG = pd.DataFrame({"item_id": ["a", "b", "c"], "title": ["Mug", "Tent", "Stove"]})
GOOD = {"format": "coldrec-session", "query": "coffee", "clicked": ["a"], "alphas": [0.5], "strategies": ["content"],
        "knobs": {"alpha": 0.5, "k": 10, "blend_weight": 0.5, "blend_with": None, "tail_boost": 0.0,
                  "new_share": 0.0}}


def _with_knobs(**knobs: object) -> bytes:
    return json.dumps({**GOOD, "knobs": {**GOOD["knobs"], **knobs}}).encode()


def test_a_good_file_keeps_its_knobs():
    assert parse_session(json.dumps(GOOD).encode(), CATALOG)["knobs"] == GOOD["knobs"]


@pytest.mark.parametrize("knobs,message", [
    ({"alpha": 7}, "knob 'alpha' is '7'; it must be a number from 0 to 1"),
    ({"alpha": -0.1}, "knob 'alpha' is '-0.1'; it must be a number from 0 to 1"),
    ({"alpha": "0.5"}, "knob 'alpha' is '0.5'; it must be a number from 0 to 1"),
    ({"alpha": True}, "knob 'alpha' is 'True'"),
    ({"k": 10.5}, "knob 'k' is '10.5'; it must be a whole number from 3 to 20"),
    ({"k": 1000000}, "knob 'k' is '1000000'; it must be a whole number from 3 to 20"),
    ({"tail_boost": float("inf")}, "knob 'tail_boost' is 'inf'"),
    ({"new_share": 0.9}, "knob 'new_share' is '0.9'; it must be a number from 0 to 0.5"),
    ({"blend_weight": None}, "knob 'blend_weight' is 'None'"),
    ({"blend_with": ["ease"]}, "knob 'blend_with' must be the name of a model, or null"),
])
def test_a_knob_outside_its_range_is_refused(knobs, message):
    with pytest.raises(SessionFileError, match="^" + message.replace("(", r"\(").replace(")", r"\)")):
        parse_session(_with_knobs(**knobs), CATALOG)


def test_knobs_that_are_not_an_object_are_refused_and_unknown_ones_dropped():
    with pytest.raises(SessionFileError, match="'knobs' must be an object"):
        parse_session(json.dumps({**GOOD, "knobs": [1, 2]}).encode(), CATALOG)
    record = parse_session(_with_knobs(shell="rm -rf /"), CATALOG)
    assert "shell" not in record["knobs"]
    assert set(record["knobs"]) <= set(KNOB_BOUNDS) | {"blend_with"}


def test_a_bad_alpha_per_click_is_refused():
    with pytest.raises(SessionFileError, match="'alphas' must hold one number in"):
        parse_session(json.dumps({**GOOD, "alphas": [float("nan")]}).encode(), CATALOG)


@pytest.mark.parametrize("name", ["../outside", "../../etc/passwd", "/etc/passwd", "a/../../x", "..", ".hidden",
                                  "x" * 200, ""])
def test_load_reads_only_the_sessions_folder(ws, name):
    (ws.root / "outside.json").write_text(json.dumps(GOOD))
    with pytest.raises(SessionFileError, match="no saved session named"):
        load_session(ws, name)


def test_a_saved_session_loads_back_and_a_missing_one_is_named(ws):
    save_session(ws, "coffee lover", GOOD)
    assert saved_sessions(ws) == ["coffee lover"]
    assert json.loads(load_session(ws, "coffee lover")) == GOOD
    with pytest.raises(SessionFileError, match="no saved session named 'tea lover'"):
        load_session(ws, "tea lover")
