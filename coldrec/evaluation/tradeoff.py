"""The tail-boost trade-off: how much accuracy each model gives up for each step of tail exposure."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from coldrec.metrics import accuracy as M
from coldrec.metrics.beyond import aplt, catalog_coverage, cold_share, exposure_gini
from coldrec.models.base import Recommender
from coldrec.ranking import tail_boost, top_k

if TYPE_CHECKING:
    from coldrec.evaluation.evaluate import EvalUsers, ItemFacts

STRENGTHS: tuple[float, ...] = (0.0, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0)


def tradeoff(model: Recommender, users: EvalUsers, facts: ItemFacts, strengths: Sequence[float] = STRENGTHS,
             k: int = 20, batch_size: int = 512) -> pd.DataFrame:
    """Accuracy and tail exposure of one model's top-``k`` at every boost strength.

    ``users`` is an :class:`coldrec.evaluation.evaluate.EvalUsers`, ``facts`` an
    :class:`coldrec.evaluation.evaluate.ItemFacts`. Scores are computed once per batch and
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
