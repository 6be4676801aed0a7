"""The run history says what ran on which dataset (by name), with which protocol, and which run finished last."""

from __future__ import annotations

import pandas as pd

from coldrec.data.ingest import ingest_frames
from coldrec.runs.history import (
    duration_text,
    finished_runs,
    latest_finished,
    run_history,
    run_label,
)
from coldrec.runs.jobs import JobStore


def _job(ws, store, ds, *, started, finished, status="done", protocol=None, encoder=None):
    params = {"models": ["popularity", "ease"], "split": {"protocol": protocol} if protocol else {}}
    if encoder:
        params["encoder"] = encoder
    job_id = store.create("train", params, ds)
    with ws.db() as con:
        con.execute("UPDATE jobs SET status=?, started=?, finished=? WHERE id=?", (status, started, finished, job_id))
    return job_id


def _dataset(ws, tiny_shop):
    inter, catalog = tiny_shop
    return ingest_frames(ws, inter, catalog, "coffee and camping", digest="tiny-shop").dataset.id


def test_latest_finished_is_the_newest_to_end_not_the_newest_started(ws, tiny_shop):
    ds, store = _dataset(ws, tiny_shop), JobStore(ws)
    long_run = _job(ws, store, ds, started=100.0, finished=500.0)
    short_run = _job(ws, store, ds, started=200.0, finished=300.0)
    running = _job(ws, store, ds, started=400.0, finished=None, status="running")
    jobs = store.list()
    assert jobs[0].id == running  # newest created first
    assert latest_finished(jobs).id == long_run
    assert [j.id for j in finished_runs(ws)] == [long_run, short_run]


def test_runs_filter_by_dataset_and_encoder(ws, tiny_shop):
    ds, store = _dataset(ws, tiny_shop), JobStore(ws)
    default = _job(ws, store, ds, started=1.0, finished=2.0)
    hashing = _job(ws, store, ds, started=1.0, finished=3.0, encoder="hashing")
    other = _job(ws, store, "another-dataset", started=1.0, finished=4.0)
    assert [j.id for j in finished_runs(ws, ds)] == [hashing, default]
    assert [j.id for j in finished_runs(ws, ds, "minilm")] == [default]
    assert [j.id for j in finished_runs(ws, None, "hashing")] == [hashing]
    assert other not in [j.id for j in finished_runs(ws, ds)]


def test_duration_wording_says_for_while_running_and_took_once_ended(ws, tiny_shop):
    ds, store = _dataset(ws, tiny_shop), JobStore(ws)
    done = _job(ws, store, ds, started=10.0, finished=94.8)
    queued = store.create("train", {}, ds)
    jobs = {j.id: j for j in store.list()}
    assert duration_text(jobs[done]) == "took 84.8 s"
    assert duration_text(jobs[queued]) == ""
    store.mark_running(queued, pid=1)
    assert duration_text(store.get(queued)).startswith("running for ")


def test_history_names_the_dataset_and_the_protocol(ws, tiny_shop):
    ds, store = _dataset(ws, tiny_shop), JobStore(ws)
    job_id = _job(ws, store, ds, started=1.0, finished=2.0, protocol="cold_item")
    table = run_history(ws)
    row = table.set_index("job").loc[job_id]
    assert row["dataset"] == "coffee and camping" and row["protocol"] == "cold_item"
    assert row["duration (s)"] == 1.0
    assert isinstance(table, pd.DataFrame) and "NDCG@20 (all users)" in table
    label = run_label(store.get(job_id), {ds: "coffee and camping"})
    assert "coffee and camping" in label and "cold_item split" in label and ds not in label


def test_engine_is_read_once_per_finished_run_and_every_time_while_running(ws, tiny_shop, monkeypatch):
    from coldrec.runs import history

    ds, store = _dataset(ws, tiny_shop), JobStore(ws)
    done = _job(ws, store, ds, started=1.0, finished=2.0)
    running = _job(ws, store, ds, started=3.0, finished=None, status="running")
    reads = []
    monkeypatch.setattr(history, "run_engine", lambda ws, job_id: reads.append(job_id) or "local")
    for _ in range(3):  # the Train page redraws its history every second
        run_history(ws)
    assert reads.count(done) == 1 and reads.count(running) == 3
