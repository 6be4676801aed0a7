"""Background jobs: state in the workspace database, work in a detached worker process.

A worker subprocess (not a thread, not a fork of the server) keeps the app
responsive, survives page reloads and server restarts, and can be killed.
Cancellation is cooperative: the worker checks a flag at every progress
step; a worker that does not stop within a grace period is sent SIGTERM.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import coldrec
from coldrec.data.io.limits import MAX_ACTIVE_JOBS
from coldrec.data.workspace import Workspace
from coldrec.runs.store import RunStore

ACTIVE = ("queued", "running")
FINAL = ("done", "failed", "cancelled")


class JobCancelled(Exception):
    """Raised inside a worker when the user asked to cancel."""


class JobQuotaError(ValueError):
    """Too many jobs queued or running in the workspace to start another."""


@dataclass(frozen=True)
class Job:
    """One job row."""

    id: str
    kind: str
    dataset_id: str | None
    params: dict
    status: str
    progress: float
    step: str
    message: str
    created: float
    started: float | None
    finished: float | None
    pid: int | None
    cancel_requested: int

    @property
    def engine(self) -> str:
        """The engine setting the job asked for ("local" unless its params name one; see coldrec.runs.engine)."""
        return self.params.get("engine") or "local"

    @property
    def duration(self) -> float | None:
        if self.started is None:
            return None
        return (self.finished or time.time()) - self.started


class JobStore:
    """Reads and writes job rows; every method is one short transaction."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws

    def create(self, kind: str, params: dict, dataset_id: str | None = None, quota: int | None = None) -> str:
        """A new queued job; with ``quota``, refused (:class:`JobQuotaError`) when that many are already active.

        The count and the insert are one transaction, so two pages submitting
        at once cannot both pass the quota.
        """
        job_id = time.strftime("%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:6]
        with self.ws.db() as con:
            if quota is not None:
                active = con.execute(f"SELECT COUNT(*) FROM jobs WHERE status IN ({','.join('?' * len(ACTIVE))})",
                                     ACTIVE).fetchone()[0]
                if active >= quota:
                    raise JobQuotaError(f"{active} jobs are already queued or running; {MAX_ACTIVE_JOBS.advice()}: "
                                        "wait for one to finish, or cancel one on the Train page")
            con.execute("INSERT INTO jobs (id, kind, dataset_id, params, status, created) VALUES (?,?,?,?,?,?)",
                        (job_id, kind, dataset_id, json.dumps(params), "queued", time.time()))
        return job_id

    def get(self, job_id: str) -> Job:
        with self.ws.db() as con:
            row = con.execute("SELECT * FROM jobs WHERE id=?", (job_id,)).fetchone()
        if row is None:
            raise KeyError(f"no job '{job_id}'")
        return _job(row)

    def list(self, limit: int = 100) -> list[Job]:
        with self.ws.db() as con:
            rows = con.execute("SELECT * FROM jobs ORDER BY created DESC LIMIT ?", (limit,)).fetchall()
        return [_job(r) for r in rows]

    def mark_running(self, job_id: str, pid: int) -> None:
        with self.ws.db() as con:
            con.execute("UPDATE jobs SET status='running', started=?, pid=? WHERE id=?", (time.time(), pid, job_id))

    def set_progress(self, job_id: str, fraction: float, step: str) -> bool:
        """Record progress; returns True when the user has asked to cancel."""
        with self.ws.db() as con:
            con.execute("UPDATE jobs SET progress=?, step=? WHERE id=? AND status='running'",
                        (float(min(max(fraction, 0.0), 1.0)), step, job_id))
            row = con.execute("SELECT cancel_requested FROM jobs WHERE id=?", (job_id,)).fetchone()
        return bool(row and row[0])

    def finish(self, job_id: str, status: str, message: str = "") -> None:
        assert status in FINAL, status
        with self.ws.db() as con:
            con.execute("UPDATE jobs SET status=?, message=?, finished=?, "
                        "progress=CASE WHEN ?='done' THEN 1 ELSE progress END WHERE id=? AND status IN (?,?)",
                        (status, message, time.time(), status, job_id, *ACTIVE))

    def delete(self, job_id: str) -> int:
        """Forget a finished job and remove its run folder; returns the bytes freed.

        Runs hold saved models (a fine-tuned encoder is about 90 MB), so old
        ones are worth deleting. The row goes first, then the files: a crash in
        between leaves only an orphan folder, never a listed run without files.
        An active job must be cancelled first.
        """
        job = self.get(job_id)
        if job.status in ACTIVE:
            raise ValueError(f"job {job_id} is {job.status}; cancel it and wait for it to stop before deleting it")
        folder = self.ws.run_dir(job_id)
        size = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) if folder.exists() else 0
        with self.ws.db() as con:
            con.execute("DELETE FROM jobs WHERE id=?", (job_id,))
        shutil.rmtree(folder, ignore_errors=True)
        return size

    def request_cancel(self, job_id: str) -> None:
        with self.ws.db() as con:
            con.execute("UPDATE jobs SET cancel_requested=? WHERE id=?", (int(time.time()), job_id))
            con.execute("UPDATE jobs SET status='cancelled', finished=?, message='cancelled before it started' "
                        "WHERE id=? AND status='queued' AND pid IS NULL", (time.time(), job_id))

    def reconcile(self, grace: float = 10.0) -> None:
        """Fail jobs whose worker died; SIGTERM workers that ignore a cancel past ``grace`` seconds."""
        for job in self.list():
            if job.status not in ACTIVE or job.pid is None:
                continue
            if not _alive(job.pid):
                self.finish(job.id, "failed", "the worker process ended without reporting (killed or crashed)")
            elif job.cancel_requested and time.time() - job.cancel_requested > grace:
                _terminate(job.pid)
                self.finish(job.id, "cancelled", "cancelled (worker terminated after the grace period)")


def launch(ws: Workspace, job_id: str) -> subprocess.Popen:
    """Start the worker for ``job_id`` detached from the caller's session."""
    log_dir = ws.run_dir(job_id)
    log_dir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    # One core stays free for the UI on a small machine.
    env.setdefault("OMP_NUM_THREADS", "1")
    env.setdefault("MKL_NUM_THREADS", "1")
    env.setdefault("TOKENIZERS_PARALLELISM", "false")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(Path(coldrec.__file__).resolve().parent.parent),
                                                      env.get("PYTHONPATH")]))
    with open(log_dir / RunStore.LOG, "ab") as log:
        proc = subprocess.Popen([sys.executable, "-m", "coldrec.runs.worker", str(ws.root), job_id],
                                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True, env=env)
    with ws.db() as con:
        # Recorded now so a crash before the worker reports is still detected.
        con.execute("UPDATE jobs SET pid=? WHERE id=? AND pid IS NULL", (proc.pid, job_id))
    return proc


def submit(ws: Workspace, kind: str, params: dict, dataset_id: str | None = None) -> str:
    """Create a job row and start its worker; returns the job id.

    Raises :class:`JobQuotaError` when ``COLDREC_MAX_JOBS`` jobs (default 4)
    are already queued or running: each worker takes a core and gigabytes
    of memory, so anyone who can reach the app could otherwise start
    enough of them to stop the server.
    """
    store = JobStore(ws)
    store.reconcile()  # a worker that died no longer holds a place
    job_id = store.create(kind, params, dataset_id, quota=MAX_ACTIVE_JOBS.value)
    launch(ws, job_id)
    return job_id


def _job(row: sqlite3.Row) -> Job:
    d = dict(row)
    d["params"] = json.loads(d["params"])
    return Job(**d)


def _alive(pid: int) -> bool:
    """True when ``pid`` runs and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, IndexError):
        return False


def _terminate(pid: int) -> None:
    try:
        os.killpg(os.getpgid(pid), signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        pass


def read_log(ws: Workspace, job_id: str, max_lines: int = 200) -> str:
    """The last lines of a job's worker log ("" when it has none)."""
    path = RunStore.of(ws, job_id).log_path
    if not path.exists():
        return ""
    return "\n".join(path.read_text(errors="replace").splitlines()[-max_lines:])
