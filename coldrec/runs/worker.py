"""Worker process entry point: ``python -m coldrec.runs.worker WORKSPACE JOB_ID``."""

from __future__ import annotations

import os
import signal
import sys
import traceback
from pathlib import Path

from coldrec.data.workspace import Workspace
from coldrec.runs.experiment import ExperimentConfig, run_experiment
from coldrec.runs.jobs import JobCancelled, JobStore
from coldrec.runs.search import SearchConfig, run_search
from coldrec.types import Progress


def _train(ws: Workspace, params: dict, run_dir: Path, progress: Progress) -> None:

    run_experiment(ws, ExperimentConfig.from_dict(params), run_dir, progress)


def _search(ws: Workspace, params: dict, run_dir: Path, progress: Progress) -> None:

    run_search(ws, SearchConfig.from_dict(params), run_dir, progress)


# Job kind -> what the worker runs; imports stay inside so a worker loads only what its job needs.
RUNNERS = {"train": _train, "search": _search}


def _on_sigterm(signum: int, frame: object) -> None:
    raise JobCancelled("terminated by signal")


def run_job(ws: Workspace, job_id: str) -> str:
    """Run one job to a final state; returns that state."""
    store = JobStore(ws)
    job = store.get(job_id)
    if job.status != "queued":
        return job.status  # never run a job twice (e.g. a second launch after a reload)
    store.mark_running(job_id, os.getpid())

    def progress(fraction: float, step: str) -> None:
        if store.set_progress(job_id, fraction, step):
            raise JobCancelled("cancelled by the user")

    print(f"job {job_id} ({job.kind}) on engine {job.engine}", flush=True)
    try:
        if job.kind not in RUNNERS:
            raise ValueError(f"unknown job kind '{job.kind}'; known: {', '.join(RUNNERS)}")
        RUNNERS[job.kind](ws, job.params, ws.run_dir(job_id), progress)
    except JobCancelled as exc:
        store.finish(job_id, "cancelled", str(exc))
        return "cancelled"
    except Exception as exc:  # noqa: BLE001 - any failure must end as a readable state
        traceback.print_exc()
        store.finish(job_id, "failed", f"{type(exc).__name__}: {exc}")
        return "failed"
    store.finish(job_id, "done")
    return "done"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        import torch

        torch.set_num_threads(1)
    except ImportError:
        pass
    status = run_job(Workspace(args[0]), args[1])
    return 0 if status == "done" else 1


if __name__ == "__main__":
    sys.exit(main())
