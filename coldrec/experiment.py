"""One training run: split, encode text, fit models, evaluate; everything saved under the run folder.

The same function serves the background worker, the CLI and notebooks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from coldrec.evaluate import evaluate, fit_data, summarize
from coldrec.models import MODELS, Recommender, make_model
from coldrec.schema import Columns
from coldrec.split import describe, make_split
from coldrec.text import EmbeddingCache, load_encoder
from coldrec.workspace import Workspace

# progress(fraction in [0, 1], step description); may raise to cancel.
Progress = Callable[[float, str], None]


@dataclass
class ExperimentConfig:
    """What to train and how to split; round-trips through plain dicts (stored with the job)."""

    dataset_id: str
    models: list[str] = field(default_factory=lambda: ["popularity", "content"])
    split: dict = field(default_factory=dict)
    model_params: dict[str, dict] = field(default_factory=dict)
    encoder: str | None = None
    ks: list[int] = field(default_factory=lambda: [20])

    @classmethod
    def from_dict(cls, d: dict) -> ExperimentConfig:
        return cls(**d)


def _noop(fraction: float, step: str) -> None:
    pass


def catalog_embeddings(ws: Workspace, catalog: pd.DataFrame, encoder_spec: str | None,
                       progress: Progress = _noop) -> tuple[np.ndarray, str]:
    """Embeddings of the catalog text, from the cache where possible; returns (vectors, encoder key)."""
    encoder = load_encoder(encoder_spec)
    texts = catalog[Columns.text].tolist()
    def report(done: int, total: int) -> None:
        progress(done / max(total, 1), f"encoding item text {done}/{total}")

    vecs = EmbeddingCache(ws.root / "embeddings").embed(encoder, texts, progress=report)
    return vecs, encoder.key


def run_experiment(ws: Workspace, cfg: ExperimentConfig, run_dir: Path,
                   progress: Progress = _noop) -> pd.DataFrame:
    """Train and evaluate every model of ``cfg``; writes the run folder and returns the summary.

    Progress is split between stages: text encoding 0-50%, fitting 50-80%,
    evaluation 80-100%.
    """
    unknown = [m for m in cfg.models if m not in MODELS]
    if unknown:
        raise ValueError(f"unknown models {unknown}; choose from {list(MODELS)}")
    progress(0.0, "loading dataset")
    interactions, catalog = ws.load_interactions(cfg.dataset_id), ws.load_catalog(cfg.dataset_id)
    item_ids = pd.Index(catalog[Columns.item])
    split = make_split(interactions, catalog, cfg.split)
    emb, enc_key = None, None
    if any(MODELS[m].uses_text for m in cfg.models):
        emb, enc_key = catalog_embeddings(ws, catalog, cfg.encoder, lambda f, s: progress(0.5 * f, s))
    data = fit_data(split, item_ids, emb, catalog, cfg.encoder)
    models: dict[str, Recommender] = {}
    n = len(cfg.models)
    for i, name in enumerate(cfg.models):
        def fit_progress(f: float, step: str, i: int = i, name: str = name) -> None:
            progress(0.5 + 0.3 * (i + f) / n, f"fitting {name}: {step}")

        fit_progress(0.0, "start")
        models[name] = make_model(name, cfg.model_params.get(name)).fit(data, fit_progress)
        models[name].save(run_dir / "models" / name)
    done = iter(range(len(models)))
    per_user = evaluate(models, split, item_ids, tuple(cfg.ks),
                        on_model=lambda n: progress(0.8 + 0.2 * next(done) / len(models), f"evaluating {n}"))
    summary = summarize(pd.concat([per_user, per_user.assign(segment="all")]))
    ws.write_parquet(run_dir / "per_user.parquet", per_user)
    ws.write_parquet(run_dir / "summary.parquet", summary)
    ws.write_json(run_dir / "run.json", {"config": vars(cfg), "split": split.config, "encoder": enc_key,
                                         "split_counts": describe(split),
                                         "n_train": len(split.train), "n_test": len(split.test),
                                         "n_test_users": int(per_user[Columns.user].nunique())})
    progress(1.0, "done")
    return summary


def load_summary(ws: Workspace, job_id: str) -> pd.DataFrame | None:
    """The summary table of a finished run, or None."""
    path = ws.run_dir(job_id) / "summary.parquet"
    return pd.read_parquet(path) if path.exists() else None


def load_run_model(ws: Workspace, job_id: str, name: str) -> Recommender:
    return Recommender.load(ws.run_dir(job_id) / "models" / name)
