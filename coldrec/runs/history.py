"""The run history an analyst reads: which runs exist, on what, how they went, and which finished last.

Pages show these tables as they are; the wording (dataset names, not ids;
"running for", not "in"; "latest finished" meaning the newest to finish)
lives here so every page and the CLI say the same thing.
"""

from __future__ import annotations

import time

import pandas as pd

from coldrec.data.workspace import Workspace
from coldrec.evaluation.aggregate import headline
from coldrec.runs.engine import run_engine
from coldrec.runs.jobs import ACTIVE, Job, JobStore
from coldrec.runs.store import load_summary
from coldrec.text.factory import DEFAULT_ENCODER

DEFAULT_PROTOCOL = "cold_user"  # what make_split uses when a run's split names no protocol
_HEADLINES: dict[tuple[str, str, int], str] = {}
_ENGINES: dict[str, str] = {}


def dataset_names(ws: Workspace) -> dict[str, str]:
    """Dataset id -> its name, for labels (ids are content hashes nobody recognises)."""
    return {d.id: d.name for d in ws.datasets()}


def protocol_of(job: Job) -> str:
    return str(job.params.get("split", {}).get("protocol", DEFAULT_PROTOCOL))


def encoder_of(job: Job) -> str:
    """The encoder spec a run used (the default when it named none)."""
    return str(job.params.get("encoder") or DEFAULT_ENCODER)


def finished_runs(ws: Workspace, dataset_id: str | None = None, encoder: str | None = None) -> list[Job]:
    """Finished training runs, the newest to finish first; optionally only one dataset's, or one encoder's."""
    runs = [j for j in JobStore(ws).list() if j.kind == "train" and j.status == "done"]
    if dataset_id is not None:
        runs = [j for j in runs if j.dataset_id == dataset_id]
    if encoder is not None:
        runs = [j for j in runs if encoder_of(j) == (encoder or DEFAULT_ENCODER)]
    return sorted(runs, key=lambda j: j.finished or 0.0, reverse=True)


def last_settings(ws: Workspace, dataset_id: str) -> dict | None:
    """The settings of the newest training run on a dataset (what the Train form offers again), or None."""
    runs = [j for j in JobStore(ws).list() if j.kind == "train" and j.dataset_id == dataset_id]
    return dict(runs[0].params) if runs else None


def run_label(job: Job, names: dict[str, str] | None = None) -> str:
    """One line naming a run: id, models, protocol and the dataset by name."""
    dataset = (names or {}).get(job.dataset_id or "", job.dataset_id or "?")
    return f"{job.id} · {', '.join(job.params.get('models', []))} · {protocol_of(job)} split · {dataset}"


def duration_text(job: Job) -> str:
    """'running for 84.8 s' while a job runs, 'took 84.8 s' once it ended, '' before it started."""
    if job.duration is None:
        return ""
    return f"{'running for' if job.status in ACTIVE else 'took'} {job.duration:.1f} s"


def latest_finished(jobs: list[Job]) -> Job | None:
    """The job that ended last (done, failed or cancelled), not the one started last."""
    ended = [j for j in jobs if j.status not in ACTIVE and j.finished is not None]
    return max(ended, key=lambda j: j.finished or 0.0) if ended else None


def headline_text(ws: Workspace, job_id: str, metric: str = "ndcg", k: int = 20) -> str:
    """'model value · model value' of a finished run over all test users ('' when it has no summary).

    Memoised per run folder: a finished run never changes, and the Train page redraws its history every second.
    """
    key = (str(ws.run_dir(job_id)), metric, k)
    if key not in _HEADLINES:
        summary = load_summary(ws, job_id)
        if summary is None or "by" not in summary:
            return ""
        top = headline(summary, metric=metric, k=k)
        rows = top[top["users"] == "all"][["model", "mean"]].itertuples(index=False)
        _HEADLINES[key] = " · ".join(f"{m} {v:.3f}" for m, v in rows)
    return _HEADLINES[key]


def engine_text(ws: Workspace, job: Job) -> str:
    """Where a job ran; memoised once it has finished (its run file no longer changes), like the headline."""
    key = str(ws.run_dir(job.id))
    if key in _ENGINES:
        return _ENGINES[key]
    label = run_engine(ws, job.id)
    if job.status not in ACTIVE:
        _ENGINES[key] = label
    return label


def run_history(ws: Workspace, jobs: list[Job] | None = None) -> pd.DataFrame:
    """One row per job, newest first: what ran, on which dataset (by name), with which protocol, and how it went."""
    jobs = JobStore(ws).list() if jobs is None else jobs
    names = dataset_names(ws)
    rows = [{
        "job": j.id, "kind": j.kind, "status": j.status,
        "dataset": names.get(j.dataset_id or "", j.dataset_id or ""),
        "protocol": protocol_of(j) if j.kind in ("train", "search") else "",
        "models": ", ".join(j.params.get("models", [j.params.get("model", "")])),
        "NDCG@20 (all users)": headline_text(ws, j.id) if j.kind == "train" and j.status == "done" else "",
        "started": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(j.started)) if j.started else "",
        "duration (s)": round(j.duration, 1) if j.duration else None,
        "engine": engine_text(ws, j), "message": j.message,
    } for j in jobs]
    return pd.DataFrame(rows, columns=["job", "kind", "status", "dataset", "protocol", "models",
                                       "NDCG@20 (all users)", "started", "duration (s)", "engine", "message"])
