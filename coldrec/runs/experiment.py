"""One training run: split, encode text, fit models, evaluate; everything saved under the run folder.

The same function serves the background worker, the CLI and notebooks."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from coldrec.columns import Columns
from coldrec.data.workspace import Workspace
from coldrec.evaluation.aggregate import summarize
from coldrec.evaluation.evaluate import KS, fit_data
from coldrec.evaluation.fewshot import item_few_shot
from coldrec.evaluation.targets import N_TARGETS
from coldrec.models.base import FitData, Recommender
from coldrec.models.registry import MODELS, make_model
from coldrec.runs.engine import engine_label, open_engine
from coldrec.runs.engine.base import Engine
from coldrec.runs.engine.local import LocalEngine
from coldrec.runs.store import RunStore, load_run_model, run_split
from coldrec.runs.timings import StageTimer, fit_stage
from coldrec.split.base import Split
from coldrec.split.protocols import make_split
from coldrec.split.segments import describe
from coldrec.types import Progress, no_progress


@dataclass
class ExperimentConfig:
    """What to train and how to split; round-trips through plain dicts (stored with the job)."""

    dataset_id: str
    models: list[str] = field(default_factory=lambda: ["popularity", "content"])
    split: dict = field(default_factory=dict)
    model_params: dict[str, dict] = field(default_factory=dict)
    encoder: str | None = None
    ks: list[int] = field(default_factory=lambda: list(KS))
    # Where the heavy stages run: None/"local", "ray", "ray:HOST:PORT", "ray://HOST:PORT" or "auto"
    # (see coldrec.runs.engine); the results are the same on every engine.
    engine: str | None = None
    # The like-for-like target rule of comparison views (each user's next N new items; see
    # coldrec.evaluation.targets); the stored tables keep the protocol's own test part.
    n_targets: int = N_TARGETS
    # The cold-item few-shot curve: models that cannot fold new interactions in (BPR, two-tower, the fine-tuned
    # encoders) are refitted at every k only when this is set (a refit per k each; the Train page estimates it).
    item_curve_refits: bool = False

    @classmethod
    def from_dict(cls, d: dict) -> ExperimentConfig:
        return cls(**d)




def catalog_embeddings(ws: Workspace, catalog: pd.DataFrame, encoder_spec: str | None,
                       progress: Progress = no_progress, engine: Engine | None = None) -> tuple[np.ndarray, str]:
    """Embeddings of the catalog text, from the cache where possible; returns (vectors, encoder key).

    Texts missing from the workspace's embedding cache are encoded by
    ``engine`` (this process by default, or Ray actors) and added to the cache;
    the vectors are in catalog order either way.
    """
    texts = catalog[Columns.text].tolist()

    def report(done: int, total: int) -> None:
        progress(done / max(total, 1), f"encoding item text {done}/{total}")

    return (engine or LocalEngine()).embed(ws, texts, encoder_spec, report)


def run_experiment(ws: Workspace, cfg: ExperimentConfig, run_dir: Path,
                   progress: Progress = no_progress) -> pd.DataFrame:
    """Train and evaluate every model of ``cfg``; writes the run folder and returns the summary.

    Progress is split between stages: text encoding 0-40%, fitting 40-75%,
    evaluation 75-95%, few-shot curves 95-100%. Seconds per stage are stored
    in run.json as ``timings``.
    """
    unknown = [m for m in cfg.models if m not in MODELS]
    if unknown:
        raise ValueError(f"unknown models {unknown}; choose from {list(MODELS)}")
    progress(0.0, "loading dataset")
    interactions, catalog = ws.load_interactions(cfg.dataset_id), ws.load_catalog(cfg.dataset_id)
    with open_engine(cfg.engine) as engine:
        if cfg.engine not in (None, "local"):
            progress(0.0, f"running on {engine_label(engine.describe())}")
        return _run(ws, cfg, run_dir, progress, engine, interactions, catalog)


def _run(ws: Workspace, cfg: ExperimentConfig, run_dir: Path, progress: Progress, engine: Engine,
         interactions: pd.DataFrame, catalog: pd.DataFrame) -> pd.DataFrame:
    """The stages of :func:`run_experiment` on an open engine, each timed into run.json's ``timings``."""
    clock = StageTimer()
    item_ids = pd.Index(catalog[Columns.item])
    with clock.stage("split"):
        split = make_split(interactions, catalog, cfg.split)
    emb, enc_key = None, None
    if any(MODELS[m].uses_text for m in cfg.models):
        with clock.stage("encode item text"):
            emb, enc_key = catalog_embeddings(ws, catalog, cfg.encoder, lambda f, s: progress(0.4 * f, s), engine)
    store = RunStore(run_dir)
    models = _fit_models(cfg, fit_data(split, item_ids, emb, catalog, cfg.encoder), run_dir, progress, clock)
    done = iter(range(len(models)))
    with clock.stage("evaluate"):
        result = engine.evaluate(models, split, item_ids, tuple(cfg.ks), embeddings=emb,
                                 on_model=lambda n: progress(0.75 + 0.2 * next(done) / len(models),
                                                             f"evaluating {n}"))
    progress(0.95, "summarising with bootstrap intervals")
    with clock.stage("bootstrap intervals"):
        summary = summarize(result.per_user)
    ws.write_parquet(store.table_path(store.PER_USER), result.per_user)
    ws.write_parquet(store.table_path(store.LISTS), result.lists)
    ws.write_parquet(store.table_path(store.TOPS), result.tops)
    ws.write_parquet(store.table_path(store.SUMMARY), summary)
    progress(0.96, "few-shot curves")
    with clock.stage("few-shot curve (users)"):
        shots = _few_shot(ws, cfg, models, split, item_ids, run_dir, engine)
    if split.config.get("protocol") == "cold_item":
        with clock.stage("few-shot curve (items)"):
            shots += " " + _item_few_shot(ws, cfg, models, split, item_ids, catalog, emb, run_dir,
                                          lambda f, s: progress(0.97 + 0.03 * f, f"cold-item curve, {s}"))
    ws.write_json(store.folder / store.RUN_INFO, {"config": vars(cfg), "split": split.config, "encoder": enc_key,
                                         "engine": engine.describe(),
                                         "split_counts": describe(split), "few_shot_note": shots,
                                         "n_test_users": int(result.per_user[Columns.user].nunique()),
                                         "chosen": chosen_settings(models), "timings": clock.records()})
    progress(1.0, "done")
    return summary


def chosen_settings(models: Mapping[str, Recommender]) -> dict[str, dict]:
    """Per model, the settings its fit chose for itself on an inner split of train (EASE's lambda, CB2CF's map)."""
    return {name: dict(getattr(m, "chosen_")) for name, m in models.items() if hasattr(m, "chosen_")}  # noqa: B009


def _fit_models(cfg: ExperimentConfig, data: FitData, run_dir: Path, progress: Progress,
                clock: StageTimer) -> dict[str, Recommender]:
    """Fit and save every model; progress 40-75%."""
    models: dict[str, Recommender] = {}
    n = len(cfg.models)
    for i, name in enumerate(cfg.models):
        def fit_progress(f: float, step: str, i: int = i, name: str = name) -> None:
            progress(0.4 + 0.35 * (i + f) / n, f"fitting {name}: {step}")

        fit_progress(0.0, "start")
        with clock.stage(fit_stage(name)):
            models[name] = make_model(name, cfg.model_params.get(name)).fit(data, fit_progress)
        models[name].save(RunStore(run_dir).model_dir(name))
    return models


def _few_shot(ws: Workspace, cfg: ExperimentConfig, models: dict[str, Recommender], split: Split,
              item_ids: pd.Index, run_dir: Path, engine: Engine) -> str:
    """Few-shot curves for held-out users, when the protocol has them; returns the note for the reader."""
    if not (split.users["segment"] == "cold").any():
        return "This split has no held-out users, so there is no few-shot curve."
    result = engine.few_shot(models, split, item_ids, tuple(k for k in cfg.ks if k in (10, 20)) or (20,), cfg.encoder)
    ws.write_parquet(RunStore(run_dir).table_path(RunStore.FEWSHOT), result.curve)
    return result.note


def _item_few_shot(ws: Workspace, cfg: ExperimentConfig, models: Mapping[str, Recommender], split: Split,
                   item_ids: pd.Index, catalog: pd.DataFrame, emb: np.ndarray | None, run_dir: Path,
                   progress: Progress) -> str:
    """The cold-item curve from the fitted models (fold-in; refits only if ``cfg`` asks); returns its note."""
    def data_for(part: Split) -> FitData:
        return fit_data(part, item_ids, emb, catalog, cfg.encoder)

    result = item_few_shot(models, split, item_ids, data_for, refit=cfg.item_curve_refits, ks=(20,),
                           progress=progress)
    ws.write_parquet(RunStore(run_dir).table_path(RunStore.FEWSHOT_ITEMS), result.curve)
    return result.note


def reevaluate(ws: Workspace, job_id: str, ks: tuple[int, ...] = KS,
               engine: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Score a finished run's saved models again on its split; returns (summary, lists).

    The split is rebuilt from the run's stored config (splits are
    deterministic by seed) and the models are loaded from their saved
    artifacts, so this gives the run's own numbers, at other K if asked, on any
    ``engine`` (see :mod:`coldrec.runs.engine`; default this process).
    """
    info, _, split, item_ids = run_split(ws, job_id)
    cfg = ExperimentConfig.from_dict(info["config"])
    models = {name: load_run_model(ws, job_id, name) for name in cfg.models}
    emb = getattr(models.get("content"), "embeddings_", None)
    with open_engine(engine) as eng:
        result = eng.evaluate(models, split, item_ids, ks, embeddings=emb)
    return summarize(result.per_user), result.lists
