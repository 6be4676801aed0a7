"""The Cold start page follows the protocol: a cold-item run leads with items, findings and an absolute lift."""

from __future__ import annotations

import json
import time

import pytest
from streamlit.testing.v1 import AppTest

from coldrec.runs.experiment import ExperimentConfig
from coldrec.runs.jobs import JobStore, submit
from tests.conftest import REPO
from ui import state


@pytest.fixture
def cold_item_app(tmp_path, monkeypatch):
    monkeypatch.setenv("COLDREC_WORKSPACE", str(tmp_path / "ws"))
    monkeypatch.setenv("COLDREC_ENCODER", "hashing")
    monkeypatch.chdir(REPO)
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=120)
    at.run()
    ws = state.workspace()
    ds = ws.datasets()[0].id
    cfg = ExperimentConfig(dataset_id=ds, models=["popularity", "content", "itemknn"], encoder="hashing",
                           split={"protocol": "cold_item"})
    job_id = submit(ws, "train", vars(cfg), ds)
    store, deadline = JobStore(ws), time.time() + 300
    while store.get(job_id).status not in ("done", "failed") and time.time() < deadline:
        time.sleep(0.5)
    assert store.get(job_id).status == "done", store.get(job_id).message
    at.switch_page("pages/coldstart.py").run()
    assert not at.exception, at.exception
    return at


def _texts(at: AppTest) -> str:
    return " ".join(str(e.value) for kind in ("markdown", "caption", "info", "subheader") for e in getattr(at, kind))


def test_cold_item_run_leads_with_findings_items_and_an_absolute_lift(cold_item_app):
    at = cold_item_app
    text = _texts(at)
    assert "**Findings**" in text and "content has the highest NDCG@20" in text
    assert "Cold vs warm items" in text and "Cold vs warm users" not in text
    assert "scores 0 here, so only the absolute difference means anything" in text
    assert "no held-out users" not in text  # the user-curve sentence no longer contradicts the item curve
    charts = [json.loads(e.proto.spec) for e in at.main if hasattr(getattr(e, "proto", None), "spec")]
    titles = [c["layout"]["title"]["text"] for c in charts]
    assert titles[0].startswith("Cold vs warm items")
    assert any("New items' exposure" in t for t in titles) and any("a new item gains" in t for t in titles)
    assert any(t.startswith("Lift of content over") and "absolute difference" in t for t in titles)
    at.number_input(key="cs_n").set_value(1).run()
    assert not at.exception and "next 1 new items" in _texts(at)
