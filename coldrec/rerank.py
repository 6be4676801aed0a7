"""Tail boost: re-ranking that trades some accuracy for exposure of long-tail items.

Model scores live on different scales (dot products, EASE weights, counts),
so a fixed additive bonus would mean something different for every model.
Each user's scores are first standardised over the items they can be shown
(mean 0, standard deviation 1), then every tail item gets ``strength`` added:
``strength = 0.5`` lifts a tail item by half a standard deviation of that
user's scores. ``strength = 0`` keeps the model's own order exactly.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from coldrec import metrics as M
from coldrec.beyond import aplt, catalog_coverage, cold_share, exposure_gini
from coldrec.models.base import Recommender
from coldrec.ranking import top_k

STRENGTHS: tuple[float, ...] = (0.0, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0)


def standardise(scores: np.ndarray) -> np.ndarray:
    """Per row (score - mean) / std over finite entries; -inf (excluded) stays -inf, a flat row becomes 0."""
    scores = np.asarray(scores, dtype=np.float64)
    finite = np.isfinite(scores)
    n = np.maximum(finite.sum(axis=1, keepdims=True), 1)
    filled = np.where(finite, scores, 0.0)
    mean = filled.sum(axis=1, keepdims=True) / n
    var = (np.where(finite, filled - mean, 0.0) ** 2).sum(axis=1, keepdims=True) / n
    std = np.sqrt(var)
    out = (filled - mean) / np.where(std > 0, std, 1.0)
    return np.where(finite, out, -np.inf)


def tail_boost(scores: np.ndarray, tail_mask: np.ndarray, strength: float) -> np.ndarray:
    """Standardised scores with ``strength`` added to tail items; (n_rows, n_items), excluded items stay -inf."""
    if strength < 0:
        raise ValueError(f"tail boost strength must be >= 0, got {strength}")
    scores = np.atleast_2d(scores)
    tail_mask = np.asarray(tail_mask, dtype=bool)
    if tail_mask.shape != (scores.shape[1],):
        raise ValueError(f"tail_mask has {tail_mask.shape[0]} entries for {scores.shape[1]} items")
    if strength == 0:
        return np.asarray(scores, dtype=np.float64).copy()
    return standardise(scores) + strength * tail_mask


def tradeoff(model: Recommender, users, facts, strengths: Sequence[float] = STRENGTHS,  # noqa: ANN001
             k: int = 20, batch_size: int = 512) -> pd.DataFrame:
    """Accuracy and tail exposure of one model's top-``k`` at every boost strength.

    ``users`` is an :class:`coldrec.evaluate.EvalUsers`, ``facts`` an
    :class:`coldrec.evaluate.ItemFacts`. Scores are computed once per batch and
    re-ranked at every strength, so the curve costs one scoring pass.
    Columns: strength, ndcg, recall, aplt (tail share of the list), coverage,
    exposure_gini, cold_share, n_users.
    """
    strengths = sorted({float(s) for s in strengths})
    tops: dict[float, list[np.ndarray]] = {s: [] for s in strengths}
    for start in range(0, len(users.contexts), batch_size):
        ctx = users.contexts[start:start + batch_size]
        scores = np.asarray(model.score(ctx), dtype=np.float64)
        exclude = [c.items for c in ctx]
        top_k(scores, 1, exclude)  # marks history as -inf in place so standardising ignores it
        for s in strengths:
            tops[s].append(top_k(tail_boost(scores, facts.tail, s), k))
    n_items = len(facts.tail)
    n_rel = np.array([len(r) for r in users.relevant])
    rows = []
    for s in strengths:
        top = np.concatenate(tops[s]) if tops[s] else np.zeros((0, k), dtype=np.int64)
        hits = M.hits_matrix(top, users.relevant)
        rows.append({
            "strength": s,
            "ndcg": float(np.mean(M.METRICS["ndcg"](hits, n_rel, k))) if len(top) else float("nan"),
            "recall": float(np.mean(M.METRICS["recall"](hits, n_rel, k))) if len(top) else float("nan"),
            "aplt": float(np.mean(aplt(top, facts.tail))) if len(top) else float("nan"),
            "coverage": catalog_coverage(top, n_items),
            "exposure_gini": exposure_gini(top, n_items),
            "cold_share": float(np.mean(cold_share(top, facts.cold))) if len(top) else float("nan"),
            "n_users": len(top),
        })
    return pd.DataFrame(rows)
