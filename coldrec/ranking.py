"""Top-K selection over full score matrices."""

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
