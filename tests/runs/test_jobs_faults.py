"""Job and storage faults (#17): a CLI job's pid, a full disk, two ingests at once, the job quota.

Each test forces one fault and checks the outcome a user sees: a job that
stays running, a readable error with the workspace unchanged, one stored
dataset, a refused job that names its limit.
"""

from __future__ import annotations

import errno
import hashlib
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pytest

from coldrec import cli
from coldrec.data.ingest import ingest
from coldrec.data.workspace import Workspace
from coldrec.runs.jobs import JobQuotaError, JobStore, submit

BAD = Path(__file__).resolve().parents[1] / "data" / "bad_files"
INTERACTIONS, CATALOG = BAD / "good_interactions.csv", BAD / "good_catalog.csv"


def _files(ws: Workspace) -> dict[str, str]:
    return {str(p.relative_to(ws.root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for sub in ("datasets", "tmp") for p in sorted((ws.root / sub).rglob("*")) if p.is_file()}


def test_a_training_run_from_the_cli_survives_the_apps_reconcile(ws, monkeypatch):
    """Regression: `coldrec train` recorded pid 0, so the app's reconcile marked the live run failed."""
    ds = ingest(ws, INTERACTIONS, CATALOG).dataset
    seen: dict[str, object] = {}

    def fake_run(workspace, cfg, run_dir, progress):  # noqa: ANN001, ANN202 - stands in for run_experiment
        store = JobStore(workspace)
        (job,) = store.list()
        store.reconcile()  # what the Train page does on every rerun, while this run is live
        seen.update(pid=job.pid, status=store.get(job.id).status)
        return pd.DataFrame()

    monkeypatch.setattr("coldrec.runs.experiment.run_experiment", fake_run)
    monkeypatch.setattr("coldrec.evaluation.aggregate.headline", lambda summary: pd.DataFrame({"model": []}))
    assert cli.main(["--workspace", str(ws.root), "train", ds.id, "--models", "popularity"]) == 0
    assert seen == {"pid": os.getpid(), "status": "running"}
    assert JobStore(ws).list()[0].status == "done"


def test_a_full_disk_during_ingest_is_a_message_and_stores_nothing(ws, monkeypatch):
    before = _files(ws)

    def full(self, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", full)
    result = ingest(ws, INTERACTIONS, CATALOG)
    assert result.dataset is None and ws.datasets() == []
    (issue,) = result.report.errors
    assert issue.file == "good_interactions.csv" and issue.message.startswith(
        "the dataset could not be written to the workspace (No space left on device); nothing was stored: free "
        "some disk space")
    assert _files(ws) == before


def test_a_failed_commit_leaves_no_dataset_folder(ws, monkeypatch):
    """The folder moves into place inside the transaction; when the row cannot be written it is removed again."""
    real_db = Workspace.db

    @contextmanager
    def db_failing_insert(self: Workspace) -> Iterator[object]:
        with real_db(self) as con:
            yield _FailingInsert(con)

    monkeypatch.setattr(Workspace, "db", db_failing_insert)
    result = ingest(ws, INTERACTIONS, CATALOG)
    monkeypatch.undo()
    assert result.dataset is None and "(disk I/O error)" in result.report.errors[0].message
    assert ws.datasets() == [] and _files(ws) == {}


class _FailingInsert:
    """A connection whose INSERT into datasets fails as a full disk would."""

    def __init__(self, con: sqlite3.Connection) -> None:
        self.con = con

    def execute(self, sql: str, *args: object) -> sqlite3.Cursor:
        if sql.startswith("INSERT INTO datasets"):
            raise OSError(errno.EIO, "disk I/O error")
        return self.con.execute(sql, *args)


def test_the_same_files_ingested_at_the_same_moment_store_one_dataset(ws):
    """Regression: check-then-insert let two uploads both pass the check and the second hit an IntegrityError."""
    n = 4
    barrier, results, errors = threading.Barrier(n), [], []

    def upload() -> None:
        barrier.wait()
        try:
            results.append(ingest(Workspace(ws.root), INTERACTIONS, CATALOG))
        except Exception as exc:  # noqa: BLE001 - the test reports any
            errors.append(exc)

    threads = [threading.Thread(target=upload) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    assert len({r.dataset.id for r in results}) == 1 and sum(r.created for r in results) == 1
    assert len(ws.datasets()) == 1
    assert not any((ws.root / "tmp").iterdir())
    assert sorted(p.name for p in (ws.root / "datasets").iterdir()) == [results[0].dataset.id]


def test_the_job_quota_refuses_one_more_job_and_names_its_limit(ws, monkeypatch):
    monkeypatch.setenv("COLDREC_MAX_JOBS", "2")
    launched: list[str] = []
    monkeypatch.setattr("coldrec.runs.jobs.launch", lambda workspace, job_id: launched.append(job_id))
    submit(ws, "train", {})
    submit(ws, "train", {})
    with pytest.raises(JobQuotaError, match=r"2 jobs are already queued or running; the limit is 2 jobs queued or "
                                            r"running at once \(COLDREC_MAX_JOBS\); set COLDREC_MAX_JOBS to raise it"):
        submit(ws, "train", {})
    assert len(JobStore(ws).list()) == 2 and len(launched) == 2
    JobStore(ws).request_cancel(launched[0])  # a queued job without a worker is cancelled at once
    submit(ws, "train", {})
    assert len(launched) == 3


def test_a_worker_records_its_own_pid(ws, monkeypatch):
    """The worker, not its parent, is the process reconcile watches."""
    from coldrec.runs import worker

    store = JobStore(ws)
    job_id = store.create("train", {})
    monkeypatch.setitem(worker.RUNNERS, "train", lambda *a: None)
    assert worker.run_job(ws, job_id) == "done"
    assert store.get(job_id).pid == os.getpid()


def test_a_local_ray_without_its_token_is_refused(monkeypatch):
    """Ray listens on every interface (it turns 127.0.0.1 into the routable address); the token is the guard."""
    pytest.importorskip("ray")
    from coldrec.runs.engine.base import EngineError
    from coldrec.runs.engine.on_ray import RayEngine

    monkeypatch.setenv("RAY_AUTH_MODE", "disabled")
    with pytest.raises(EngineError, match="RAY_AUTH_MODE=disabled: a local Ray without token authentication"):
        with RayEngine.connect(None, num_cpus=1):
            pass
