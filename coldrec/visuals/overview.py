"""What the landing page shows: the state of an analyst's work at a glance, and the next thing to do.

Counts of datasets and runs by status, the latest finished run with its
headline and findings, and a short list of next steps chosen from that state
(load data, train, follow a running job, read a failure, try another
protocol, simulate, export). Nothing here draws: the Overview page does.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from coldrec.data.workspace import DatasetInfo, Workspace
from coldrec.runs.history import dataset_names, headline_text, latest_finished, protocol_of, run_label
from coldrec.runs.jobs import ACTIVE, Job, JobStore

# Protocols that ask about new users, and those that ask about new items or a new domain.
USER_QUESTIONS = ("cold_user", "temporal", "leave_last_out")
ITEM_QUESTIONS = ("cold_item", "new_domain")


@dataclass
class Overview:
    """The workspace's state: datasets, jobs by status, the latest finished run and the next steps."""

    datasets: pd.DataFrame
    counts: dict[str, int]  # running (queued included), done, failed, cancelled
    latest: Job | None
    latest_label: str = ""
    latest_headline: str = ""
    next_steps: list[str] = field(default_factory=list)


def dataset_table(datasets: list[DatasetInfo]) -> pd.DataFrame:
    """One row per dataset, newest last: name, users, items, interactions."""
    return pd.DataFrame([{"dataset": d.name, "users": d.n_users, "items": d.n_items,
                          "interactions": d.n_interactions} for d in datasets],
                        columns=["dataset", "users", "items", "interactions"])


def job_counts(jobs: list[Job]) -> dict[str, int]:
    """Jobs by status: running (queued counted with running), done, failed, cancelled."""
    counts = {"running": 0, "done": 0, "failed": 0, "cancelled": 0}
    for job in jobs:
        key = "running" if job.status in ACTIVE else job.status
        counts[key] = counts.get(key, 0) + 1
    return counts


def next_steps(n_datasets: int, jobs: list[Job]) -> list[str]:
    """What to do next, most pressing first (at most three), from the datasets and jobs there are."""
    if n_datasets == 0:
        return ["Load the sample shop or upload your interactions and catalog on the **Data** page."]
    steps: list[str] = []
    running = [j for j in jobs if j.status in ACTIVE]
    if running:
        steps.append(f"{len(running)} job(s) running: follow their progress on the **Train** page.")
    trains = [j for j in jobs if j.kind == "train"]
    done = [j for j in trains if j.status == "done"]
    last = latest_finished(trains)
    if last is not None and last.status == "failed":
        steps.append(f"The latest run `{last.id}` failed: read its worker log on the **Train** page.")
    if not done:
        if not running:
            steps.append("Train a first run on the **Train** page: popularity and content on the cold-user "
                         "split take about a minute on the sample shop.")
        return steps[:3]
    protocols = {protocol_of(j) for j in done}
    steps.append("Read the findings of the latest run on the **Cold start** page.")
    if not protocols & set(ITEM_QUESTIONS):
        steps.append("Train with the **cold items** protocol to see how brand-new products fare.")
    elif not protocols & set(USER_QUESTIONS):
        steps.append("Train with the **cold users** protocol to see how new customers fare.")
    else:
        steps.append("Type what a new customer wants on the **Simulate** page, or export a **Report**.")
    return steps[:3]


def overview(ws: Workspace) -> Overview:
    """The landing page's facts for a workspace."""
    datasets = ws.datasets()
    jobs = JobStore(ws).list()
    trains = [j for j in jobs if j.kind == "train"]
    latest = latest_finished([j for j in trains if j.status == "done"])
    view = Overview(dataset_table(datasets), job_counts(jobs), latest, next_steps=next_steps(len(datasets), jobs))
    if latest is not None:
        view.latest_label = run_label(latest, dataset_names(ws))
        view.latest_headline = headline_text(ws, latest.id)
    return view
