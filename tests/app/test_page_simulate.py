"""The Simulate page through AppTest: session, timeline, save/load, replay of held-out users, what-if knobs.

One training run (popularity, content, itemknn, ease on the sample shop, cold-user split, hashing encoder) is
trained once for the module; each test opens the page on that workspace.
"""

from __future__ import annotations

import json
import os
import re
import time

import pytest
from streamlit.testing.v1 import AppTest

from coldrec.data.ingest import load_sample
from coldrec.data.workspace import Workspace
from coldrec.runs.experiment import ExperimentConfig
from coldrec.runs.jobs import JobStore, submit
from tests.conftest import REPO

TIMEOUT = 120


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A workspace holding the sample shop and one finished run; returns (root, run id)."""
    root = tmp_path_factory.mktemp("sim") / "ws"
    ws = Workspace(root)
    ds = load_sample(ws)
    ds_id = getattr(ds, "id", None) or ws.datasets()[0].id
    cfg = ExperimentConfig(dataset_id=ds_id, models=["popularity", "content", "itemknn", "ease"], encoder="hashing")
    before = os.environ.get("COLDREC_ENCODER")
    os.environ["COLDREC_ENCODER"] = "hashing"  # the worker subprocess inherits it
    try:
        job_id = submit(ws, "train", vars(cfg), ds_id)
        deadline = time.time() + 300
        while JobStore(ws).get(job_id).status not in ("done", "failed") and time.time() < deadline:
            time.sleep(0.5)
    finally:
        if before is None:
            os.environ.pop("COLDREC_ENCODER")
        else:
            os.environ["COLDREC_ENCODER"] = before
    assert JobStore(ws).get(job_id).status == "done", JobStore(ws).get(job_id).error
    return root, job_id


def _open(root, monkeypatch, run_id=None) -> AppTest:
    monkeypatch.setenv("COLDREC_WORKSPACE", str(root))
    monkeypatch.setenv("COLDREC_ENCODER", "hashing")
    monkeypatch.chdir(REPO)
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=TIMEOUT)
    at.run()
    at.switch_page("pages/simulate.py").run()
    if run_id:
        at.selectbox(key="sim_run").set_value(run_id).run()
    assert not at.exception, at.exception
    return at


def _texts(at: AppTest) -> str:
    return " ".join(str(e.value) for kind in ("markdown", "caption", "info", "success", "error", "warning", "text")
                    for e in getattr(at, kind))


def _charts(at: AppTest) -> list[dict]:
    return [json.loads(e.proto.spec) for e in at.main if hasattr(getattr(e, "proto", None), "spec")]


def _titles(at: AppTest) -> list[str]:
    return [c["layout"]["title"]["text"] for c in _charts(at)]


@pytest.fixture
def fresh(tmp_path, monkeypatch):
    return _open(tmp_path / "ws", monkeypatch)


def test_without_a_run_replay_and_whatif_say_how_to_get_one(fresh):
    text = _texts(fresh)
    assert "Replay needs a finished training run" in text and "**Train** page" in text
    assert "trade-off curve and the share-as-new comparison are measured on a run's held-out users" in text


def test_clicks_draw_a_timeline_of_what_entered_and_left(fresh):
    fresh.text_input(key="sim_query").set_value("gift for a coffee lover").run()
    assert "appears after the first click" in _texts(fresh)
    for _ in range(2):
        next(b for b in fresh.button if b.key and b.key.startswith("click_content_")).click().run()
    assert not fresh.exception
    assert "2 click(s)" in _texts(fresh)
    assert any(t.startswith("How content's top 10 moves") for t in _titles(fresh))
    table = next(d.value for d in fresh.dataframe if "change" in d.value.columns)
    assert set(table["change"]) <= {"entered", "left the list", "moved up", "moved down"}
    assert "left the list" in set(table["change"])  # a clicked item leaves the list
    chart = next(c for c in _charts(fresh) if c["layout"]["title"]["text"].startswith("How content"))
    assert chart["layout"]["yaxis"]["title"]["text"] == "rank in list (1 = top)"
    assert "hovertemplate" in chart["data"][0]


def test_save_then_load_reproduces_the_lists(fresh):
    fresh.text_input(key="sim_query").set_value("camping tent").run()
    next(b for b in fresh.button if b.key and b.key.startswith("click_content_")).click().run()
    first = [t.value for t in fresh.text][:10]
    fresh.text_input(key="sim_save_name").set_value("camper").run()
    fresh.button(key="sim_save").click().run()
    assert any("Saved session" in s.value for s in fresh.success)
    fresh.text_input(key="sim_query").set_value("baby").run()  # start over, then load the saved one
    assert [t.value for t in fresh.text][:10] != first
    fresh.selectbox(key="sim_saved").set_value("camper")
    fresh.button(key="sim_load").click().run()
    assert not fresh.exception
    assert any("reproduce the saved ones exactly" in s.value for s in fresh.success)
    assert [t.value for t in fresh.text][:10] == first and "1 click(s)" in _texts(fresh)


def test_bad_session_file_is_refused_with_the_reason(fresh):
    fresh.file_uploader(key="sim_import").set_value(("s.json", b'{"query": "tea", "clicked": ["nope"]}',
                                                     "application/json"))
    fresh.run()
    errors = " ".join(e.value for e in fresh.error)
    assert "Could not load this session file" in errors and "not in this dataset's catalog: nope" in errors


def test_replay_a_held_out_user_step_by_step(trained, monkeypatch):
    root, run_id = trained
    at = _open(root, monkeypatch, run_id)
    at.multiselect(key="sim_strategies").set_value(["content", "itemknn"]).run()
    assert not at.exception
    user = at.selectbox(key="sim_replay_user")
    assert user.value is not None and "interactions" in user.format_func(user.value)
    cards = [str(t.value) for t in at.text if re.match(r"\d+\. ", str(t.value))]  # item cards: "rank. title"
    assert len(cards) == 20 and sum(c.startswith("1. ") for c in cards) == 2  # two strategies, ten items each
    titles = _titles(at)
    assert any(t.startswith("Replay: how much of the rest") for t in titles)
    assert any(t.startswith("All replayed held-out users") for t in titles)
    assert "sampled at random to keep it to a few seconds" in _texts(at) or "(all " in _texts(at)
    steps = at.select_slider(key="sim_replay_step")
    steps.set_value(steps.options[1]).run()  # move one step on: the first revealed item joins the context
    assert not at.exception and "Revealed so far (2)" in _texts(at)


def test_tail_boost_knob_moves_lists_and_rings_the_tradeoff_point(trained, monkeypatch):
    root, run_id = trained
    at = _open(root, monkeypatch, run_id)
    at.text_input(key="sim_query").set_value("gift for a coffee lover").run()
    tradeoff = next(c for c in _charts(at) if c["layout"]["title"]["text"].startswith("Tail boost trade-off"))
    assert len(tradeoff["data"]) == 2  # the curve and the ringed current strength (0)
    assert "held-out users sampled at random" in _texts(at)
    before = [t.value for t in at.text][:10]
    at.slider(key="sim_tail").set_value(3.0).run()
    assert not at.exception
    assert [t.value for t in at.text][:10] != before


def test_blend_and_share_as_new_knobs(trained, monkeypatch):
    root, run_id = trained
    at = _open(root, monkeypatch, run_id)
    at.selectbox(key="sim_blend_with").set_value("itemknn").run()
    assert "blend" in at.multiselect(key="sim_strategies").options
    at.multiselect(key="sim_strategies").set_value(["content", "blend"]).run()
    at.text_input(key="sim_query").set_value("running shoes").run()
    assert {b.key.split("_")[1] for b in at.button if b.key and b.key.startswith("click_")} == {"content", "blend"}
    at.slider(key="sim_new_share").set_value(0.3).run()
    assert not at.exception
    table = next(d.value for d in at.dataframe if "fit" in d.value.columns)
    assert set(table["fit"]) == {"all interactions", "new items hidden"}
    assert set(table["strategy"]) == {"popularity", "itemknn", "ease"}
    hidden = table[table["fit"] == "new items hidden"].set_index("strategy")
    assert hidden.loc["popularity", "new items' share of list slots"] == 0.0  # no counts left: never recommended
