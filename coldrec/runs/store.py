"""A run's folder: every file name it holds, in one place, and the loaders of a finished run.

A training run writes its tables as Parquet, its facts as JSON and each model
in a folder of its own (``models/<name>/``); nothing is pickled. Views that
derive from a finished run (the tail-boost trade-off, the item table) cache
their result here too, since a finished run never changes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from coldrec.columns import Columns
from coldrec.data.workspace import Workspace
from coldrec.models.base import Recommender
from coldrec.models.registry import load_model
from coldrec.split.base import Split
from coldrec.split.protocols import make_split


@dataclass(frozen=True)
class RunStore:
    """The files of one run folder. Table names are file stems: ``store.table("summary")`` reads summary.parquet."""

    folder: Path

    RUN_INFO = "run.json"  # a training run's config, split, encoder, engine, counts and notes
    SEARCH_INFO = "search.json"  # a search job's config and best trial
    LOG = "worker.log"
    MODELS = "models"
    # Tables of a training run, then the views cached from it.
    PER_USER, LISTS, TOPS, SUMMARY = "per_user", "lists", "tops", "summary"
    FEWSHOT, FEWSHOT_ITEMS, TRIALS = "fewshot", "fewshot_items", "trials"
    ITEMS, TRADEOFF = "items", "tradeoff"

    @classmethod
    def of(cls, ws: Workspace, run_id: str) -> RunStore:
        return cls(ws.run_dir(run_id))

    def table_path(self, name: str) -> Path:
        return self.folder / f"{name}.parquet"

    def table(self, name: str) -> pd.DataFrame | None:
        """A stored table, or None when the run has none of that name."""
        path = self.table_path(name)
        return pd.read_parquet(path) if path.exists() else None

    def model_dir(self, name: str) -> Path:
        return self.folder / self.MODELS / name

    def info(self, name: str = RUN_INFO) -> dict:
        """A JSON facts file (run.json by default), or {} when absent."""
        path = self.folder / name
        return json.loads(path.read_text()) if path.exists() else {}

    @property
    def log_path(self) -> Path:
        return self.folder / self.LOG


def load_summary(ws: Workspace, job_id: str) -> pd.DataFrame | None:
    """The summary table of a finished run, or None."""
    return RunStore.of(ws, job_id).table(RunStore.SUMMARY)


def load_run_model(ws: Workspace, job_id: str, name: str) -> Recommender:
    """A model of a finished run, loaded from its folder."""
    return load_model(RunStore.of(ws, job_id).model_dir(name))


def load_table(ws: Workspace, job_id: str, name: str) -> pd.DataFrame | None:
    """One result table of a run ("per_user", "lists", "tops", "fewshot", "summary"), or None when absent."""
    return RunStore.of(ws, job_id).table(name)


def load_run_info(ws: Workspace, job_id: str) -> dict:
    """The run's run.json (config, split counts, notes), or {} when absent."""
    return RunStore.of(ws, job_id).info()


def run_split(ws: Workspace, job_id: str) -> tuple[dict, pd.DataFrame, Split, pd.Index]:
    """A finished run's (run.json, catalog, split, catalog item ids), the split rebuilt from its stored config.

    Splits are deterministic by seed, so this is the split the run was
    trained and scored on; every view that re-scores a run starts here.
    """
    info = load_run_info(ws, job_id)
    if not info:
        raise FileNotFoundError(f"run {job_id} has no run.json in {ws.run_dir(job_id)}; is it finished?")
    dataset_id = info["config"]["dataset_id"]
    catalog = ws.load_catalog(dataset_id)
    split = make_split(ws.load_interactions(dataset_id), catalog, info["split"])
    return info, catalog, split, pd.Index(catalog[Columns.item])
