"""Ranking primitives over full score matrices: top-K selection, per-user standardising, the tail boost.

The tail boost trades some accuracy for exposure of long-tail items: scores
are standardised per user (mean 0, std 1 over the items that may be shown) and
``strength`` standard deviations are added to every tail item, so one knob
means the same for every model whatever its raw score scale.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def top_k(scores: np.ndarray, k: int, exclude: Sequence[np.ndarray] | None = None) -> np.ndarray:
    """Indices of the ``k`` highest scores per row, best first, skipping excluded items.

    Parameters
    ----------
    scores
        (n_rows, n_items) scores; modified in place when ``exclude`` is given.
    k
        List length; capped at the number of items.
    exclude
        Per row, item indices that must not be recommended (the user's history).

    Notes
    -----
    Ties are broken by item index (lower first) so results are reproducible.
    """
    n_rows, n_items = scores.shape
    k = min(k, n_items)
    row: int | np.intp  # an enumerate count below, an element of an index array further down
    if exclude is not None:
        for row, items in enumerate(exclude):
            items = np.asarray(items)
            items = items[items >= 0]  # -1 marks an id missing from the catalog, not the last item
            if len(items):
                scores[row, items] = -np.inf
    if k >= n_items:
        return np.argsort(-scores, axis=1, kind="stable")[:, :k]
    # argpartition finds the candidates in O(n); a stable sort orders only those k.
    part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    part.sort(axis=1)
    order = np.argsort(-np.take_along_axis(scores, part, axis=1), axis=1, kind="stable")
    top = np.take_along_axis(part, order, axis=1)
    # argpartition picks arbitrarily among items tied with the k-th score; redo those rows exactly.
    kth = scores[np.arange(n_rows), top[:, -1]]
    tied = np.flatnonzero((scores >= kth[:, None]).sum(axis=1) > k)
    for row in tied:
        cand = np.flatnonzero(scores[row] >= kth[row])
        top[row] = cand[np.lexsort((cand, -scores[row, cand]))[:k]]
    return top


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
