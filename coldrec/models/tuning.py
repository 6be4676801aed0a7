"""Inner validation splits cut from a model's own train part, for models that pick their settings in ``fit``.

Everything here reads only the :class:`FitData` a model is fitted on, so a
choice made with it can never depend on a test row.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable, Sequence
from dataclasses import replace
from typing import TypeVar

import numpy as np

from coldrec.models.base import Context, FitData

K = 20
T = TypeVar("T", bound=Hashable)
V = TypeVar("V")


def mean_ndcg(scores: np.ndarray, relevant: Sequence[np.ndarray], k: int = K) -> float:
    """Mean binary NDCG@k of score rows against per-row relevant column indices (ties: lower index first)."""
    if not len(relevant):
        return 0.0
    return sum(ndcg_rows(scores, relevant, k).tolist()) / len(relevant)


def ndcg_rows(scores: np.ndarray, relevant: Sequence[np.ndarray], k: int = K) -> np.ndarray:
    """Binary NDCG@k of each score row against its relevant column indices (ties: lower index first).

    Only the relevant items' ranks are computed (items scored higher, plus equal ones at a lower index: the
    position a stable sort gives), not a sort of the row; a NaN-scored relevant item is a miss.
    """
    k = min(k, scores.shape[1])
    disc = 1.0 / np.log2(np.arange(2, k + 2))
    cols = np.arange(scores.shape[1])
    out = np.zeros(len(relevant))
    for i, (row, rel) in enumerate(zip(scores, relevant, strict=True)):
        items = np.unique(np.asarray(rel, dtype=np.int64))
        items = items[~np.isnan(row[items])]
        value = row[items][:, None]
        rank = (row[None, :] > value).sum(axis=1) + ((row[None, :] == value) & (cols[None, :] < items[:, None])).sum(1)
        hits = np.zeros(k, dtype=bool)
        hits[rank[rank < k]] = True
        out[i] = float((hits * disc).sum() / disc[:min(len(rel), k)].sum())
    return out


def first_seen_order(data: FitData) -> np.ndarray:
    """Items with train interactions, oldest first interaction first (ties by item index)."""
    order = np.lexsort((data.items, data.timestamps))
    items = data.items[order]
    _, first = np.unique(items, return_index=True)
    return items[np.sort(first)]


def cold_item_inner_split(data: FitData, share: float = 0.2, max_users: int = 500, seed: int = 0,
                          min_users: int = 10) -> tuple[FitData, list[Context], list[np.ndarray], np.ndarray] | None:
    """(inner train, contexts, relevant positions within ``held``, ``held`` item indices), or None if too small.

    The newest ``share`` of the items with train interactions are held out; the inner train keeps every other
    interaction. Users with a held-out item and some other history are the validation users (at most
    ``max_users``, drawn with ``seed``): their context is their inner train history, oldest first, and their
    relevant items are the held-out items they interacted with.
    """
    order = first_seen_order(data)
    n_held = int(round(share * len(order)))
    if n_held < 2 or len(order) - n_held < 2:
        return None
    held = np.sort(order[-n_held:])
    is_held = np.zeros(data.n_items, dtype=bool)
    is_held[held] = True
    on_held = is_held[data.items]
    keep = ~on_held
    inner = replace(data, users=data.users[keep], items=data.items[keep], timestamps=data.timestamps[keep],
                    weights=None if data.weights is None else data.weights[keep])
    position = np.full(data.n_items, -1, dtype=np.int64)
    position[held] = np.arange(len(held))
    users = np.intersect1d(np.unique(data.users[on_held]), np.unique(inner.users))
    if len(users) < min_users:
        return None
    if len(users) > max_users:
        users = np.sort(np.random.default_rng(seed).choice(users, max_users, replace=False))
    contexts, relevant = [], []
    time_order = np.lexsort((np.arange(len(inner.items)), inner.timestamps))
    by_user_items, by_user = inner.items[time_order], inner.users[time_order]
    for u in users:
        contexts.append(Context(items=by_user_items[by_user == u]))
        relevant.append(np.unique(position[data.items[on_held & (data.users == u)]]))
    return inner, contexts, relevant, held


def leave_last_out_inner_split(data: FitData, max_users: int = 1000, seed: int = 0,
                               min_users: int = 10) -> tuple[FitData, list[Context], list[np.ndarray]] | None:
    """(inner train, contexts, relevant items) holding out each train user's last interaction, or None if too small.

    Users with at least two train interactions lose their last one (in time, ties by row order) to validation;
    their context is the rest of their history, oldest first. At most ``max_users`` validation users (``seed``);
    a held-out item already in the user's context is not a target (the ranking excludes it).
    """
    order = np.lexsort((np.arange(len(data.users)), data.timestamps, data.users))
    users = data.users[order]
    last = np.append(users[1:] != users[:-1], True) if len(users) else np.zeros(0, dtype=bool)
    counts = np.bincount(users, minlength=data.n_users) if len(users) else np.zeros(0, dtype=np.int64)
    held = last & (counts[users] >= 2)
    if held.sum() < min_users:
        return None
    keep = np.ones(len(data.users), dtype=bool)
    keep[order[held]] = False
    inner = replace(data, users=data.users[keep], items=data.items[keep], timestamps=data.timestamps[keep],
                    weights=None if data.weights is None else data.weights[keep])
    candidates = users[held]
    if len(candidates) > max_users:
        candidates = np.sort(np.random.default_rng(seed).choice(candidates, max_users, replace=False))
    held_item = dict(zip(users[held].tolist(), data.items[order[held]].tolist(), strict=True))
    bounds = np.searchsorted(users, np.arange(data.n_users + 1))
    items_in_order = data.items[order]
    contexts, relevant = [], []
    for u in candidates.tolist():
        history = items_in_order[bounds[u]:bounds[u + 1] - 1]  # all but the held-out last
        target = held_item[u]
        if target in set(history.tolist()):
            continue
        contexts.append(Context(items=history))
        relevant.append(np.array([target]))
    return (inner, contexts, relevant) if len(contexts) >= min_users else None


def cold_user_inner_split(data: FitData, share: float = 0.2, max_reveal: int = 3, max_users: int = 500,
                          seed: int = 0, min_users: int = 10) -> tuple[FitData, list[Context], list[np.ndarray]] | None:
    """(inner train, contexts, relevant items) holding ``share`` of the train users out, or None if too small.

    Users with at least two train interactions are drawn (``seed``) as cold users; all their interactions leave
    the inner train part. Each reveals its first 1, 2, ..., ``max_reveal`` interactions in turn (user ``i``
    reveals ``1 + i % max_reveal``, always leaving one to find), as a context oldest first; its relevant items
    are the other items it interacted with. At most ``max_users`` of them are validation users.
    """
    order = np.lexsort((np.arange(len(data.users)), data.timestamps, data.users))
    users, items = data.users[order], data.items[order]
    counts = np.bincount(users, minlength=data.n_users) if len(users) else np.zeros(0, dtype=np.int64)
    eligible = np.flatnonzero(counts >= 2)
    n_cold = min(int(round(share * len(eligible))), max_users)
    if n_cold < min_users:
        return None
    cold = np.sort(np.random.default_rng(seed).choice(eligible, n_cold, replace=False))
    keep = ~np.isin(data.users, cold)
    inner = replace(data, users=data.users[keep], items=data.items[keep], timestamps=data.timestamps[keep],
                    weights=None if data.weights is None else data.weights[keep])
    bounds = np.searchsorted(users, np.arange(data.n_users + 1))
    contexts, relevant = [], []
    for i, u in enumerate(cold.tolist()):
        history = items[bounds[u]:bounds[u + 1]]
        reveal = min(1 + i % max_reveal, len(history) - 1)
        target = np.setdiff1d(history[reveal:], history[:reveal])
        if len(target):
            contexts.append(Context(items=history[:reveal]))
            relevant.append(target)
    return (inner, contexts, relevant) if len(contexts) >= min_users else None


def try_in_turn(points: Sequence[T], value: Callable[[T], V], budget_s: float) -> dict[T, V]:
    """``value`` of each point in order, stopping before the next would overrun ``budget_s`` (timed on the mean so
    far); the first point is always tried."""
    tried: dict[T, V] = {}
    start = time.perf_counter()
    for i, point in enumerate(points):
        if i and (time.perf_counter() - start) / i * (i + 1) > budget_s:
            break
        tried[point] = value(point)
    return tried


Rows = list[np.ndarray]  # one value per validation user, one array per inner split
GAIN_Z = 2.0


def objective(rows: Rows) -> float:
    """The mean over splits of each split's mean per-user value."""
    return float(np.mean([r.mean() for r in rows]))


def clear_gain(rows: Rows, base: Rows, z: float = GAIN_Z) -> bool:
    """Whether ``rows`` beat ``base`` (the same users) by more than ``z`` standard errors of the paired difference."""
    diffs = [r - b for r, b in zip(rows, base, strict=True)]
    gain = float(np.mean([d.mean() for d in diffs]))
    se = float(np.sqrt(sum(d.var(ddof=1) / len(d) for d in diffs if len(d) > 1))) / len(diffs)
    return gain > z * se + 1e-9


def best_of(tried: dict[T, Rows], z: float = GAIN_Z) -> T:
    """The first (given) point unless the point with the best :func:`objective` (ties: the earlier) beats it
    clearly (:func:`clear_gain`).

    Notes
    -----
    Inner splits of a small train part hold few users, and the best of a few dozen points beats the given one
    by chance alone; a setting changes only when the paired per-user difference clears ``z`` standard errors.
    On the #14 benchmark (Gift Cards, Magazines, the sample shop) z = 1 let the hybrid move on Gift Cards' inner
    split (z 1.1) and lose 0.009-0.013 NDCG@20 on its cold users; the moves that paid off (Magazines) had z 2.6-3.8.
    """
    first = next(iter(tried))
    best = first
    for point, rows in tried.items():
        if objective(rows) > objective(tried[best]) + 1e-9:
            best = point
    return best if clear_gain(tried[best], tried[first], z) else first
