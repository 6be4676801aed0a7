"""Hyperparameter search on a validation split carved out of the training part.

The test part of the split is never looked at: the train part is split again
with the same protocol and seed + 1, models are fitted on the inner train part
and scored on the validation part.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from coldrec.columns import Columns
from coldrec.data.workspace import Workspace
from coldrec.evaluation.evaluate import evaluate, fit_data
from coldrec.models.base import FitData
from coldrec.models.registry import MODELS, make_model
from coldrec.runs.engine import open_engine
from coldrec.runs.experiment import catalog_embeddings
from coldrec.runs.store import RunStore
from coldrec.split.base import Split
from coldrec.split.protocols import make_split
from coldrec.types import Progress


@dataclass
class SearchConfig:
    """``space`` maps a config field of ``model`` to the values to try."""

    dataset_id: str
    model: str
    space: dict[str, list] = field(default_factory=dict)
    n_trials: int = 10
    metric: str = "ndcg"
    k: int = 20
    segment: str = "all"
    split: dict = field(default_factory=dict)
    encoder: str | None = None
    seed: int = 0
    # Where trials run: None/"local" or a Ray setting (see coldrec.runs.engine); one Ray task per trial.
    engine: str | None = None

    @classmethod
    def from_dict(cls, d: dict) -> SearchConfig:
        return cls(**d)


def candidates(space: dict[str, list], n_trials: int, seed: int = 0) -> list[dict]:
    """Every combination when there are at most ``n_trials``, else a seeded random sample of them."""
    names = sorted(space)
    grid = [dict(zip(names, values, strict=True)) for values in itertools.product(*(space[n] for n in names))]
    if len(grid) <= n_trials:
        return grid
    pick = np.random.default_rng(seed).choice(len(grid), size=n_trials, replace=False)
    return [grid[i] for i in sorted(pick)]


def validation_split(interactions: pd.DataFrame, catalog: pd.DataFrame, split_cfg: dict) -> Split:
    """The inner (train, validation) split of the outer split's train part.

    The same protocol with seed + 1, except new-domain: its category is already
    absent from the outer train part, so validation holds out the newest items
    instead, the closest cold-start question left to ask.
    """
    outer = make_split(interactions, catalog, split_cfg)
    inner_cfg = dict(split_cfg, seed=int(split_cfg.get("seed", 0)) + 1)
    if split_cfg.get("protocol") == "new_domain":
        inner_cfg = {"protocol": "cold_item", "seed": inner_cfg["seed"]}
    return make_split(outer.train, catalog, inner_cfg)


def run_search(ws: Workspace, cfg: SearchConfig, run_dir: Path, progress: Progress | None = None) -> pd.DataFrame:
    """Fit one model per candidate config; returns the trials table, best first, and saves it."""

    if cfg.model not in MODELS:
        raise ValueError(f"unknown model '{cfg.model}'; choose from {', '.join(MODELS)}")
    fields = set(MODELS[cfg.model].config_cls().to_dict())
    unknown = sorted(set(cfg.space) - fields)
    if unknown:
        raise ValueError(f"{cfg.model} has no parameter(s) {unknown}; it has {sorted(fields)}")
    report = progress or (lambda f, s: None)
    interactions, catalog = ws.load_interactions(cfg.dataset_id), ws.load_catalog(cfg.dataset_id)
    item_ids = pd.Index(catalog[Columns.item])
    split = validation_split(interactions, catalog, cfg.split)
    trials = candidates(cfg.space, cfg.n_trials, cfg.seed)

    def on_done(done: int, total: int) -> None:
        if done < total:
            report(done / total, f"trial {done + 1}/{total}: {trials[done]}")

    with open_engine(cfg.engine) as engine:
        emb = catalog_embeddings(ws, catalog, cfg.encoder, engine=engine)[0] if MODELS[cfg.model].uses_text else None
        data = fit_data(split, item_ids, emb, catalog, cfg.encoder)
        rows = engine.map(trial_row, trials, cfg, data, split, item_ids, on_done=on_done)
        facts = engine.describe()
    table = pd.DataFrame(rows).sort_values("value", ascending=False, kind="stable").reset_index(drop=True)
    ws.write_parquet(RunStore(run_dir).table_path(RunStore.TRIALS), table)
    best = table.iloc[0].to_dict() if len(table) else {}
    ws.write_json(run_dir / RunStore.SEARCH_INFO, {"config": vars(cfg), "best": best, "engine": facts})
    report(1.0, "done")
    return table


def trial_row(params: dict, cfg: SearchConfig, data: FitData, split: Split, item_ids: pd.Index) -> dict:
    """One trial: fit ``cfg.model`` with ``params`` on the inner train part, score the validation users."""
    model = make_model(cfg.model, params).fit(data)
    per_user = evaluate({cfg.model: model}, split, item_ids, (cfg.k,)).per_user
    sel = per_user[(per_user["metric"] == cfg.metric) & (per_user["item_segment"] == "all")]
    if cfg.segment != "all":
        sel = sel[sel["segment"] == cfg.segment]
    return {**params, "value": float(sel["value"].mean()), "n_users": int(len(sel))}
