"""Hyperparameter search: candidates, validation split that never sees test, the job."""

from __future__ import annotations

import pandas as pd
import pytest

from coldrec.data.ingest import ingest
from coldrec.data.synth import generate_shop, write_shop
from coldrec.runs.jobs import JobStore, submit
from coldrec.runs.search import SearchConfig, candidates, run_search, validation_split
from tests.runs.test_experiment import _wait


def test_candidates_grid_then_random_sample():
    space = {"a": [1, 2], "b": [10, 20, 30]}
    assert len(candidates(space, 10)) == 6
    few = candidates(space, 3, seed=1)
    assert len(few) == 3 and all(c in candidates(space, 10) for c in few)
    assert few == candidates(space, 3, seed=1)


def test_validation_split_uses_only_the_outer_train_part():
    inter, cat = generate_shop(n_users=200, n_items=300, n_interactions=3000, seed=0)
    cfg = {"protocol": "cold_user", "seed": 0}
    from coldrec.split.protocols import make_split

    outer = make_split(inter, cat, cfg)
    inner = validation_split(inter, cat, cfg)
    key = ["user_id", "item_id", "timestamp"]
    outer_train = set(map(tuple, outer.train[key].to_numpy().tolist()))
    for part in (inner.train, inner.test, inner.context):
        assert set(map(tuple, part[key].to_numpy().tolist())) <= outer_train


def test_search_ranks_trials_and_saves(ws, tmp_path):
    ip, cp = write_shop(tmp_path / "shop", n_users=200, n_items=300, n_interactions=3000, seed=0)
    ds = ingest(ws, ip, cp).dataset.id
    cfg = SearchConfig(dataset_id=ds, model="popularity", space={"window_days": [0.0, 1.0, 30.0]})
    table = run_search(ws, cfg, tmp_path / "run")
    assert len(table) == 3 and table["value"].is_monotonic_decreasing
    assert pd.read_parquet(tmp_path / "run" / "trials.parquet").equals(table)


def test_search_rejects_unknown_parameters(ws, tmp_path):
    with pytest.raises(ValueError, match="has no parameter"):
        run_search(ws, SearchConfig(dataset_id="x", model="popularity", space={"nope": [1]}), tmp_path)


def test_search_runs_as_a_job(ws, tmp_path):
    ip, cp = write_shop(tmp_path / "shop", n_users=200, n_items=300, n_interactions=3000, seed=0)
    ds = ingest(ws, ip, cp).dataset.id
    cfg = SearchConfig(dataset_id=ds, model="popularity", space={"window_days": [0.0, 30.0]})
    job_id = submit(ws, "search", vars(cfg), ds)
    assert _wait(JobStore(ws), job_id) == "done", JobStore(ws).get(job_id).message
    assert (ws.run_dir(job_id) / "trials.parquet").exists()


def test_search_records_its_engine(ws, tmp_path):
    import json

    from coldrec.runs.engine import run_engine

    ip, cp = write_shop(tmp_path / "shop", n_users=200, n_items=300, n_interactions=3000, seed=0)
    ds = ingest(ws, ip, cp).dataset.id
    assert SearchConfig.from_dict({"dataset_id": ds, "model": "popularity"}).engine is None  # older params load
    cfg = SearchConfig(dataset_id=ds, model="popularity", space={"window_days": [0.0, 30.0]}, engine="local")
    run_search(ws, cfg, ws.run_dir("s1"))
    assert json.loads((ws.run_dir("s1") / "search.json").read_text())["engine"] == {"kind": "local"}
    assert run_engine(ws, "s1").startswith("local")
