"""Accuracy metrics, one value per user, over full rankings (no sampled negatives).

The @K metrics take ``hits`` (bool, n_users x K, rank order: ``hits[u, r]`` is
True when the item at rank r+1 of user u's list is relevant, see
:func:`hits_matrix`) and ``n_relevant`` (|rel| per user, where ``rel`` is the
user's test items not already in their history). Binary relevance throughout.

- Precision@K = |top-K ∩ rel| / K
- Recall@K = |top-K ∩ rel| / |rel|
- HitRate@K = 1 if |top-K ∩ rel| > 0 else 0
- MRR@K = 1 / rank of the first hit within K, 0 without a hit
- MAP@K = Σ_{r ≤ K, hit at r} Precision@r / |rel|  (``|rel|``, not ``min(|rel|, K)``:
  the TREC and ranx convention, so a user with more than K relevant items
  cannot reach 1)
- NDCG@K = DCG@K / IDCG@K with DCG@K = Σ_{r<K} hits[r] / log2(r + 2) and
  IDCG@K the DCG of a perfect list, Σ_{r < min(|rel|, K)} 1 / log2(r + 2)

A user with no relevant item cannot be evaluated: every @K metric is NaN for
them (aggregate with a NaN-skipping mean, or drop them first). When fewer than
K items were ranked, the missing slots count as misses (Precision still divides
by K).

:func:`auc` works on the full score vector rather than the top K, and
:func:`rating_errors` on rating predictions. ``DEFINITIONS`` holds the
plain-English definition of every metric the app shows, beyond-accuracy ones
(:mod:`coldrec.metrics.beyond`) included.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

DEFINITIONS: dict[str, str] = {
    "precision": "Share of the K recommended slots filled with a held-out item: hits / K.",
    "recall": "Share of the user's held-out items that appear in the top K: hits / |held-out|.",
    "hit_rate": "Whether at least one held-out item appears in the top K (1 or 0); "
                "averaged over users, the share of users with a hit.",
    "mrr": "Reciprocal rank of the first held-out item in the top K (1 at rank 1, 1/2 at rank 2, ...), "
           "0 when none is in the top K.",
    "map": "Average precision: the precision at the rank of each hit in the top K, summed and "
           "divided by the number of held-out items |held-out| (not by min(|held-out|, K)).",
    "ndcg": "Discounted cumulative gain of the top K (1/log2(rank+1) per hit), divided by that of a "
            "perfect list with min(|held-out|, K) hits at the top; rewards hits near the top.",
    "auc": "Probability that a random held-out item is scored above a random other item, over the "
           "whole catalog minus the user's history (ties count 1/2); 0.5 is a random ranking.",
    "mae": "Mean absolute error of predicted ratings: mean |predicted - true|.",
    "rmse": "Root mean squared error of predicted ratings: sqrt(mean (predicted - true)^2); "
            "punishes large errors more than MAE.",
    "coverage": "Share of the catalog recommended to at least one user: distinct items in all "
                "top-K lists / catalog size.",
    "exposure_gini": "Gini coefficient of how often each catalog item appears across all top-K lists "
                     "(never-shown items count 0): 0 = every item shown equally, towards 1 = a few items "
                     "get all slots.",
    "aplt": "Average percentage of long tail: share of each top-K list that is tail items, "
            "averaged over users.",
    "arp": "Average recommendation popularity: mean number of train interactions of the items in "
           "each top-K list, averaged over users.",
    "novelty": "Mean self-information -log2(p) of the recommended items, in bits, with p = "
               "(train interactions + 1) / (all train interactions + catalog size); higher = less "
               "popular items.",
    "diversity": "Intra-list diversity: mean cosine distance 1 - cos(a, b) over all pairs of items in "
                 "each top-K list (text embeddings), averaged over users; 0 = all alike.",
    "cold_share": "Share of the top-K slots given to cold items (no train interactions), averaged "
                  "over users.",
    "tail_recall": "Recall restricted to held-out items from the tail: tail hits in the top K / "
                   "|tail held-out|; users without tail held-out items are left out.",
}


def hits_matrix(top: np.ndarray, relevant: Sequence[np.ndarray]) -> np.ndarray:
    """Boolean (n_users, K): is the item at each rank relevant to that user.

    Parameters
    ----------
    top : numpy.ndarray
        (n_users, K) item indices, best first.
    relevant : sequence of numpy.ndarray
        Per user, the relevant item indices; negative indices (items unknown to
        the catalog) never match.

    Notes
    -----
    Vectorised over users: each (user, item) pair becomes one integer key
    ``user * n + item``; one binary search of the top-K keys in the sorted
    relevant keys matches them all.
    """
    top = np.asarray(top)
    if len(top) != len(relevant):
        raise ValueError(f"{len(top)} lists but {len(relevant)} relevant sets")
    if top.size == 0:
        return np.zeros(top.shape, dtype=bool)
    rel_rows, rel_items = _pairs(relevant)
    n = int(max(top.max(), rel_items.max(initial=-1))) + 1
    valid = rel_items >= 0
    rel_keys = np.sort(rel_rows[valid] * n + rel_items[valid])
    if not len(rel_keys):
        return np.zeros(top.shape, dtype=bool)
    top_keys = np.arange(len(top), dtype=np.int64)[:, None] * n + top.astype(np.int64)
    found = rel_keys[np.minimum(np.searchsorted(rel_keys, top_keys), len(rel_keys) - 1)] == top_keys
    return found & (top >= 0)


def _pairs(lists: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(row, item) int64 arrays of per-row item lists, flattened in order."""
    sizes = np.fromiter((len(x) for x in lists), dtype=np.int64, count=len(lists))
    rows = np.repeat(np.arange(len(lists), dtype=np.int64), sizes)
    if not sizes.sum():
        return rows, np.zeros(0, dtype=np.int64)
    return rows, np.concatenate([np.asarray(x, dtype=np.int64).ravel() for x in lists])


def _per_user(values: np.ndarray, n_relevant: np.ndarray) -> np.ndarray:
    """NaN where the user has no relevant item."""
    return np.where(np.asarray(n_relevant) > 0, values, np.nan)


def _cut(hits: np.ndarray, k: int) -> np.ndarray:
    """The first k columns of ``hits`` as bool; k must be positive."""
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    return np.asarray(hits, dtype=bool)[:, :k]


def _safe_div(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den, NaN (without a warning) where den is 0."""
    den = np.asarray(den, dtype=float)
    return np.divide(num, den, out=np.full(np.broadcast(num, den).shape, np.nan), where=den > 0)


def precision_at_k(hits: np.ndarray, n_relevant: np.ndarray, k: int) -> np.ndarray:
    """Precision@k per user: hits in the top k / k."""
    return _per_user(_cut(hits, k).sum(axis=1) / k, n_relevant)


def recall_at_k(hits: np.ndarray, n_relevant: np.ndarray, k: int) -> np.ndarray:
    """Recall@k per user: hits in the top k / |rel|."""
    return _safe_div(_cut(hits, k).sum(axis=1).astype(float), n_relevant)


def hit_rate_at_k(hits: np.ndarray, n_relevant: np.ndarray, k: int) -> np.ndarray:
    """HitRate@k per user: 1.0 when any of the top k is relevant, else 0.0."""
    return _per_user(_cut(hits, k).any(axis=1).astype(float), n_relevant)


def mrr_at_k(hits: np.ndarray, n_relevant: np.ndarray, k: int) -> np.ndarray:
    """Reciprocal rank of the first hit within the top k per user (0.0 without a hit)."""
    h = _cut(hits, k)
    first = h.argmax(axis=1) if h.shape[1] else np.zeros(len(h), dtype=np.int64)
    return _per_user(np.where(h.any(axis=1), 1.0 / (first + 1), 0.0), n_relevant)


def map_at_k(hits: np.ndarray, n_relevant: np.ndarray, k: int) -> np.ndarray:
    """Average precision at k per user, normalised by |rel|.

    Notes
    -----
    AP@K = Σ_{r ≤ K, hit at r} Precision@r / |rel|. Dividing by ``|rel|`` (as
    ranx and trec_eval do) rather than ``min(|rel|, K)`` (as some recommender
    libraries do) means a user with more relevant items than K cannot reach 1;
    the two agree whenever |rel| ≤ K.
    """
    h = _cut(hits, k).astype(float)
    precision_at_r = np.cumsum(h, axis=1) / np.arange(1, h.shape[1] + 1)
    return _safe_div((precision_at_r * h).sum(axis=1), n_relevant)


def ndcg_at_k(hits: np.ndarray, n_relevant: np.ndarray, k: int) -> np.ndarray:
    """NDCG@k per user with binary relevance; IDCG over min(|rel|, k) hits."""
    h = _cut(hits, k).astype(float)
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    dcg = h @ discounts[:h.shape[1]]
    n_rel = np.asarray(n_relevant, dtype=np.int64)
    ideal = np.concatenate([[0.0], np.cumsum(discounts)])[np.clip(n_rel, 0, k)]
    return _safe_div(dcg, ideal)


METRICS: dict[str, Callable[[np.ndarray, np.ndarray, int], np.ndarray]] = {
    "precision": precision_at_k, "recall": recall_at_k, "hit_rate": hit_rate_at_k,
    "mrr": mrr_at_k, "map": map_at_k, "ndcg": ndcg_at_k,
}


def _flat(lists: Sequence[np.ndarray], n_items: int) -> tuple[np.ndarray, np.ndarray]:
    """Distinct (row, item) pairs of per-row item lists; negative items (unknown to the catalog) dropped."""
    rows, items = _pairs(lists)
    if (items >= n_items).any():
        raise ValueError(f"item index out of range for {n_items} items")
    keys = np.unique(rows[items >= 0] * n_items + items[items >= 0])
    return keys // n_items, keys % n_items


def _count_below(sorted_rows: np.ndarray, rows: np.ndarray, values: np.ndarray, inclusive: bool) -> np.ndarray:
    """Per (row, value): how many entries of ``sorted_rows[row]`` are < value (<= when inclusive).

    A binary search vectorised over all queries at once; NaN entries sit at the
    end of each sorted row and never count.
    """
    lo = np.zeros(len(rows), dtype=np.int64)
    hi = np.full(len(rows), sorted_rows.shape[1], dtype=np.int64)
    for _ in range(int(np.ceil(np.log2(sorted_rows.shape[1] + 1))) + 1):
        active = lo < hi
        if not active.any():
            break
        mid = (lo + hi) // 2
        entry = sorted_rows[rows, np.minimum(mid, sorted_rows.shape[1] - 1)]
        below = (entry <= values) if inclusive else (entry < values)
        lo = np.where(active & below, mid + 1, lo)
        hi = np.where(active & ~below, mid, hi)
    return lo


def _count_by_comparison(s: np.ndarray, rows: np.ndarray, values: np.ndarray,
                          chunk_cells: int = 1 << 22) -> tuple[np.ndarray, np.ndarray]:
    """Per (row, value): entries of ``s[row]`` < value and <= value, by direct comparison (NaN never counts).

    ``n_pairs * n_items`` comparisons against ``n_users * n_items * log(n_items)`` for sorting every row: the
    cheaper path when users have few relevant items (a quarter of an evaluation's time went to the sort).
    """
    less = np.empty(len(rows), dtype=np.int64)
    less_equal = np.empty(len(rows), dtype=np.int64)
    step = max(1, chunk_cells // max(s.shape[1], 1))
    for start in range(0, len(rows), step):
        block = s[rows[start:start + step]]
        v = values[start:start + step, None]
        less[start:start + step] = (block < v).sum(axis=1)
        less_equal[start:start + step] = (block <= v).sum(axis=1)
    return less, less_equal


def auc(scores: np.ndarray, relevant: Sequence[np.ndarray],
        exclude: Sequence[np.ndarray] | None = None) -> np.ndarray:
    """Per-user AUC over the full score vector, excluded items left out.

    Parameters
    ----------
    scores : numpy.ndarray
        (n_users, n_items) scores, higher = better; not modified. Must not
        contain NaN (``-inf``/``inf`` are fine).
    relevant : sequence of numpy.ndarray
        Per user, the relevant (held-out) item indices; negative indices
        (items unknown to the catalog, which have no score) are ignored.
    exclude : sequence of numpy.ndarray, optional
        Per user, item indices that are neither positive nor negative (their
        history, which the ranking also excludes). An item both relevant and
        excluded is excluded.

    Returns
    -------
    numpy.ndarray
        (n_users,) AUC = P(score of a relevant item > score of a non-relevant,
        non-excluded item), ties counting 1/2; NaN for users with no relevant
        or no non-relevant item left.

    Notes
    -----
    This is the Mann-Whitney statistic: with midranks ``R`` of the relevant
    items among the n_pos + n_neg eligible ones, AUC = (Σ R - n_pos (n_pos + 1) / 2)
    / (n_pos n_neg). Every relevant item's number of lower and equal scores
    (excluded items set to NaN never count) comes from direct comparisons when
    users have few relevant items, else from sorting each row once and a
    vectorised binary search; either way no per-user Python loop and no float
    ranks (midranks are exact half-integers).
    """
    s = np.array(scores, dtype=np.result_type(scores, np.float32), copy=True)
    if s.ndim != 2 or len(s) != len(relevant):
        raise ValueError("scores must be (n_users, n_items) with one relevant set per user")
    if np.isnan(s).any():
        raise ValueError("scores contain NaN")
    n_users, n_items = s.shape
    if exclude is not None:
        if len(exclude) != n_users:
            raise ValueError(f"{n_users} users but {len(exclude)} exclusion sets")
        s[_flat(exclude, n_items)] = np.nan
    rows, items = _flat(relevant, n_items)  # a repeated relevant item counts once
    pos_scores = s[rows, items]
    eligible = ~np.isnan(pos_scores)
    rows, pos_scores = rows[eligible], pos_scores[eligible]
    n_valid = n_items - np.isnan(s).sum(axis=1)
    if len(rows) <= n_users * np.log2(n_items + 1):  # few relevant items per user: compare, do not sort
        less, less_equal = _count_by_comparison(s, rows, pos_scores)
    else:
        s.sort(axis=1)
        less = _count_below(s, rows, pos_scores, inclusive=False)
        less_equal = _count_below(s, rows, pos_scores, inclusive=True)
    midrank = (less + less_equal + 1) / 2.0  # 1-based rank among eligible items, ties averaged
    n_pos = np.bincount(rows, minlength=n_users).astype(float)
    n_neg = n_valid - n_pos
    u_stat = np.bincount(rows, weights=midrank, minlength=n_users) - n_pos * (n_pos + 1) / 2
    return _safe_div(u_stat, n_pos * n_neg)


def rating_errors(pred: np.ndarray, true: np.ndarray) -> tuple[float, float]:
    """MAE and RMSE of rating predictions.

    Parameters
    ----------
    pred, true : numpy.ndarray
        Predicted and true ratings, same shape.

    Returns
    -------
    tuple of float
        ``(mae, rmse)``; NaN for empty input.
    """
    pred, true = np.asarray(pred, dtype=float), np.asarray(true, dtype=float)
    if pred.shape != true.shape:
        raise ValueError(f"pred {pred.shape} and true {true.shape} differ in shape")
    if pred.size == 0:
        return float("nan"), float("nan")
    err = pred - true
    return float(np.abs(err).mean()), float(np.sqrt(np.square(err).mean()))
