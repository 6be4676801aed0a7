"""Per-user metric rows for each model, and their aggregation by segment with intervals."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from coldrec.metrics import METRICS, hits_matrix
from coldrec.models.base import Context, FitData, Recommender
from coldrec.ranking import top_k
from coldrec.schema import Columns
from coldrec.split import Split

C = Columns


@dataclass
class EvalUsers:
    """Test users in index form: what each may use, what each must find."""

    user_ids: np.ndarray
    segments: np.ndarray
    n_history: np.ndarray
    contexts: list[Context]
    relevant: list[np.ndarray]


def fit_data(split: Split, item_ids: pd.Index, embeddings: np.ndarray | None = None,
             catalog: pd.DataFrame | None = None, encoder: str | None = None) -> FitData:
    """Index a split's train part against the catalog (``catalog`` rows in ``item_ids`` order)."""
    users = pd.Index(np.sort(split.train[C.user].unique()))
    weights = split.train[C.weight].to_numpy(dtype=np.float32) if C.weight in split.train.columns else None
    return FitData(n_items=len(item_ids), users=users.get_indexer(split.train[C.user]),
                   items=item_ids.get_indexer(split.train[C.item]),
                   timestamps=split.train[C.timestamp].to_numpy(), embeddings=embeddings,
                   catalog=catalog.reset_index(drop=True) if catalog is not None else None,
                   weights=weights, encoder=encoder)


def eval_users(split: Split, item_ids: pd.Index) -> EvalUsers:
    """Contexts (train history, or revealed context for cold users) and relevant items per test user.

    Relevant items exclude what the user already has in their history: the
    ranking excludes those, so counting them would cap recall below 1.
    """
    history = pd.concat([split.train, split.context]).sort_values(C.timestamp, kind="stable")
    hist_idx = history.assign(i=item_ids.get_indexer(history[C.item])).groupby(C.user)["i"].apply(np.asarray)
    test_idx = split.test.assign(i=item_ids.get_indexer(split.test[C.item])).groupby(C.user)["i"].apply(np.unique)
    users = split.users.set_index(C.user)
    ids, contexts, relevant = [], [], []
    for user, rel in test_idx.items():
        hist = hist_idx.get(user, np.zeros(0, dtype=np.int64))
        rel = np.setdiff1d(rel, hist)
        if len(rel):
            ids.append(user)
            contexts.append(Context(items=hist))
            relevant.append(rel)
    seg = users.loc[ids]
    return EvalUsers(np.asarray(ids), seg["segment"].to_numpy(), seg["n_history"].to_numpy(),
                     contexts, relevant)


def evaluate_model(model: Recommender, users: EvalUsers, ks: tuple[int, ...] = (20,),
                   batch_size: int = 512) -> pd.DataFrame:
    """Long per-user rows: user_id, segment, n_history, metric, k, value."""
    k_max = max(ks)
    tops = []
    for start in range(0, len(users.contexts), batch_size):
        ctx = users.contexts[start:start + batch_size]
        scores = model.score(ctx)
        tops.append(top_k(scores, k_max, [c.items for c in ctx]))
    top = np.concatenate(tops) if tops else np.zeros((0, k_max), dtype=np.int64)
    hits = hits_matrix(top, users.relevant)
    n_rel = np.array([len(r) for r in users.relevant])
    frames = []
    for metric, fn in METRICS.items():
        for k in ks:
            frames.append(pd.DataFrame({C.user: users.user_ids, "segment": users.segments,
                                        "n_history": users.n_history, "metric": metric, "k": k,
                                        "value": fn(hits, n_rel, k)}))
    return pd.concat(frames, ignore_index=True)


def evaluate(models: Mapping[str, Recommender], split: Split, item_ids: pd.Index,
             ks: tuple[int, ...] = (20,), on_model: Callable[[str], None] | None = None) -> pd.DataFrame:
    """Per-user rows for every model, with a ``model`` column."""
    users = eval_users(split, item_ids)
    frames = []
    for name, model in models.items():
        if on_model:
            on_model(name)
        frames.append(evaluate_model(model, users, ks).assign(model=name))
    return pd.concat(frames, ignore_index=True)


def bootstrap_ci(values: np.ndarray, n_boot: int = 1000, level: float = 0.95,
                 seed: int = 0) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean."""
    values = np.asarray(values, dtype=float)
    if len(values) < 2:
        m = float(values.mean()) if len(values) else float("nan")
        return m, m
    rng = np.random.default_rng(seed)
    means = values[rng.integers(0, len(values), size=(n_boot, len(values)))].mean(axis=1)
    lo, hi = np.quantile(means, [(1 - level) / 2, 1 - (1 - level) / 2])
    return float(lo), float(hi)


def summarize(per_user: pd.DataFrame, by: tuple[str, ...] = ("model", "segment", "metric", "k"),
              n_boot: int = 1000, seed: int = 0) -> pd.DataFrame:
    """Mean per group with its 95% bootstrap interval and the number of users."""
    rows = []
    for key, grp in per_user.groupby(list(by), sort=True):
        lo, hi = bootstrap_ci(grp["value"].to_numpy(), n_boot=n_boot, seed=seed)
        rows.append((*key, float(grp["value"].mean()), lo, hi, len(grp)))
    return pd.DataFrame(rows, columns=[*by, "mean", "ci_low", "ci_high", "n_users"])
