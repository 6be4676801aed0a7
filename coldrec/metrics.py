"""Ranking metrics, one value per user, over full rankings (no sampled negatives).

Definitions (binary relevance; ``rel`` = the user's test items not already in
their history; ``hits[r]`` = 1 when the item at rank r+1 is in ``rel``):

- Recall@K = |top-K ∩ rel| / |rel|
- NDCG@K = DCG@K / IDCG@K with DCG@K = Σ_{r<K} hits[r] / log2(r + 2) and
  IDCG@K the DCG of a perfect list, Σ_{r < min(|rel|, K)} 1 / log2(r + 2)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

DEFINITIONS: dict[str, str] = {
    "recall": "Share of the user's held-out items that appear in the top K.",
    "ndcg": "Discounted cumulative gain of the top K (1/log2(rank+1) per hit), "
            "divided by that of a perfect list; rewards hits near the top.",
}


def hits_matrix(top: np.ndarray, relevant: Sequence[np.ndarray]) -> np.ndarray:
    """Boolean (n_users, K): is the item at each rank relevant to that user."""
    return np.stack([np.isin(row, rel) for row, rel in zip(top, relevant, strict=True)]) \
        if len(top) else np.zeros(top.shape, dtype=bool)


def recall_at_k(hits: np.ndarray, n_relevant: np.ndarray, k: int) -> np.ndarray:
    """Recall@k per user."""
    return hits[:, :k].sum(axis=1) / np.asarray(n_relevant, dtype=float)


def ndcg_at_k(hits: np.ndarray, n_relevant: np.ndarray, k: int) -> np.ndarray:
    """NDCG@k per user with binary relevance."""
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    kk = min(k, hits.shape[1])
    dcg = hits[:, :kk].astype(float) @ discounts[:kk]
    ideal = np.cumsum(discounts)[np.minimum(np.asarray(n_relevant), k) - 1]
    return dcg / ideal


METRICS = {"recall": recall_at_k, "ndcg": ndcg_at_k}
