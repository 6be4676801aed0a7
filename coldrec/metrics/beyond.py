"""Beyond-accuracy figures of a model run's recommendation lists: coverage, popularity bias, novelty, diversity.

Accuracy alone hides the cold-start failure this project measures: a model can
score well by recommending the same popular warm items to everyone. These
figures describe the lists themselves, ``top`` (n_users x K item indices, best
first), against facts about the items:

- ``train_counts`` (n_items,): train interactions per item (repeats count);
- ``tail_mask`` (bool, n_items): tail band of the split (``Split.items.band == "tail"``);
- ``cold_mask`` (bool, n_items): no train interactions;
- ``embeddings`` (n_items x d, optional): text embeddings for diversity.

Per-user figures (one value per list, so they can be split by user segment)
come from :func:`per_user_beyond`; whole-run figures from :func:`beyond_accuracy`.
For a smaller K, pass ``top[:, :k]``. Definitions shown in the app are in
:data:`coldrec.metrics.accuracy.DEFINITIONS` under the same names.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from coldrec.metrics.accuracy import recall_at_k
from coldrec.metrics.inequality import gini


def _check(top: np.ndarray, n_items: int, **masks: np.ndarray) -> np.ndarray:
    """``top`` as an array, after checking its shape, its item range and the item arrays' lengths."""
    top = np.asarray(top)
    if top.ndim != 2:
        raise ValueError(f"top must be (n_users, K), got shape {top.shape}")
    if top.size and (top.min() < 0 or top.max() >= n_items):
        raise ValueError(f"top holds item indices outside 0..{n_items - 1}")
    for name, mask in masks.items():
        if len(mask) != n_items:
            raise ValueError(f"{name} has {len(mask)} entries for {n_items} items")
    return top


def _mean(values: np.ndarray) -> float:
    """Mean over users; NaN (without a warning) when there are none or all are NaN."""
    values = values[~np.isnan(values)]
    return float(values.mean()) if len(values) else float("nan")


def exposure(top: np.ndarray, n_items: int) -> np.ndarray:
    """Times each catalog item appears across all lists, (n_items,) ints; never-shown items are 0."""
    return np.bincount(_check(top, n_items).ravel(), minlength=n_items)


def catalog_coverage(top: np.ndarray, n_items: int) -> float:
    """Share of the catalog recommended at least once: distinct items in all lists / n_items."""
    return float((exposure(top, n_items) > 0).mean()) if n_items else float("nan")


def exposure_gini(top: np.ndarray, n_items: int) -> float:
    """Gini of item exposure over the whole catalog (0 = equal exposure); see :func:`coldrec.metrics.inequality.gini`.

    Notes
    -----
    Items never shown count as 0, so a run that recommends only part of the
    catalog is unequal even if it spreads its slots evenly over that part.
    """
    return gini(exposure(top, n_items))


def aplt(top: np.ndarray, tail_mask: np.ndarray) -> np.ndarray:
    """Average percentage of long tail, per user: share of the list that is tail items."""
    tail_mask = np.asarray(tail_mask, dtype=bool)
    return tail_mask[_check(top, len(tail_mask))].mean(axis=1)


def arp(top: np.ndarray, train_counts: np.ndarray) -> np.ndarray:
    """Average recommendation popularity, per user: mean train interactions of the listed items."""
    counts = np.asarray(train_counts, dtype=float)
    return counts[_check(top, len(counts))].mean(axis=1)


def novelty(top: np.ndarray, train_counts: np.ndarray) -> np.ndarray:
    """Mean self-information of the listed items in bits, per user.

    Notes
    -----
    Self-information of item i is ``-log2 p_i`` with ``p_i`` its share of train
    interactions, add-one (Laplace) smoothed so cold items are finite:
    ``p_i = (c_i + 1) / (Σ_j c_j + n_items)``. Interactions rather than users
    are the denominator so ``p`` is a distribution (sums to 1) even when users
    repeat purchases. An item with every interaction scores about 0 bits; a
    cold item ``log2(Σ c + n_items)`` bits, the maximum.
    """
    counts = np.asarray(train_counts, dtype=float)
    info = -np.log2((counts + 1.0) / (counts.sum() + len(counts)))
    return info[_check(top, len(counts))].mean(axis=1)


def cold_share(top: np.ndarray, cold_mask: np.ndarray) -> np.ndarray:
    """Share of each user's top-K slots given to cold items."""
    cold_mask = np.asarray(cold_mask, dtype=bool)
    return cold_mask[_check(top, len(cold_mask))].mean(axis=1)


def intra_list_diversity(top: np.ndarray, embeddings: np.ndarray) -> np.ndarray:
    """Mean pairwise cosine distance ``1 - cos(a, b)`` within each list, per user; NaN when K < 2.

    Notes
    -----
    Rows are normalised here, so embeddings need not be unit length; an
    all-zero row has cosine 0 to everything (distance 1). With unit vectors
    ``e``, the sum of cosines over the K (K - 1) ordered pairs of a list is
    ``||Σ e||² - Σ ||e||²``, so each list needs only the sum of its vectors:
    one sparse (lists x items) by (items x d) product, without gathering a
    (n_users, K, d) array or a K x K similarity matrix per user.
    """
    emb = np.asarray(embeddings, dtype=np.float64)
    top = _check(top, len(emb))
    n_users, k = top.shape
    if k < 2:
        return np.full(n_users, np.nan)
    norms = np.linalg.norm(emb, axis=1)
    unit = emb / np.where(norms > 0, norms, 1.0)[:, None]
    slots = sparse.csr_matrix((np.ones(top.size), top.ravel(), np.arange(0, top.size + 1, k)),
                              shape=(n_users, len(emb)))
    summed = np.asarray(slots @ unit)
    self_sim = (norms > 0)[top].sum(axis=1)
    mean_cos = (np.einsum("ij,ij->i", summed, summed) - self_sim) / (k * (k - 1))
    return 1.0 - mean_cos


def tail_recall(hits_tail: np.ndarray, n_relevant_tail: np.ndarray, k: int | None = None) -> np.ndarray:
    """Recall on tail items only, per user; NaN for users without a tail held-out item.

    Parameters
    ----------
    hits_tail : numpy.ndarray
        (n_users, K) bool, from :func:`coldrec.metrics.accuracy.hits_matrix` on the
        relevant sets restricted to tail items, e.g.
        ``hits_matrix(top, [r[tail_mask[r]] for r in relevant])``.
    n_relevant_tail : numpy.ndarray
        Number of tail relevant items per user.
    k : int, optional
        List length to score; all K columns when None.

    Notes
    -----
    Users with no tail item among their held-out items are excluded (NaN), not
    counted as 0: they had nothing in the tail to find, so averaging with
    :func:`numpy.nanmean` gives the recall of tail items over the users who
    have some.
    """
    hits_tail = np.asarray(hits_tail, dtype=bool)
    return recall_at_k(hits_tail, n_relevant_tail, hits_tail.shape[1] if k is None else k)


def per_user_beyond(top: np.ndarray, train_counts: np.ndarray, tail_mask: np.ndarray,
                    cold_mask: np.ndarray, embeddings: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Per-user beyond-accuracy values of each list.

    Returns
    -------
    dict of str to numpy.ndarray
        ``aplt``, ``arp``, ``novelty``, ``cold_share`` and, with embeddings,
        ``diversity``; each (n_users,), in the order of ``top``'s rows.
    """
    _check(top, len(train_counts), tail_mask=tail_mask, cold_mask=cold_mask)
    out = {"aplt": aplt(top, tail_mask), "arp": arp(top, train_counts),
           "novelty": novelty(top, train_counts), "cold_share": cold_share(top, cold_mask)}
    if embeddings is not None:
        out["diversity"] = intra_list_diversity(top, embeddings)
    return out


def beyond_accuracy(top: np.ndarray, train_counts: np.ndarray, tail_mask: np.ndarray,
                    cold_mask: np.ndarray, embeddings: np.ndarray | None = None) -> dict[str, float]:
    """Whole-run beyond-accuracy figures.

    Returns
    -------
    dict of str to float
        ``coverage`` and ``exposure_gini`` of the run, plus the mean over users
        of every :func:`per_user_beyond` value (NaN when there are no users).
    """
    n_items = len(train_counts)
    out = {"coverage": catalog_coverage(top, n_items), "exposure_gini": exposure_gini(top, n_items)}
    out.update({name: _mean(values) for name, values in
                per_user_beyond(top, train_counts, tail_mask, cold_mask, embeddings).items()})
    return out
