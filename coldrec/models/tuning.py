"""Inner validation splits cut from a model's own train part, for models that pick their settings in ``fit``.

Everything here reads only the :class:`FitData` a model is fitted on, so a
choice made with it can never depend on a test row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from coldrec.models.base import Context, FitData

K = 20


def mean_ndcg(scores: np.ndarray, relevant: Sequence[np.ndarray], k: int = K) -> float:
    """Mean binary NDCG@k of score rows against per-row relevant column indices (ties: lower index first)."""
    if not len(relevant):
        return 0.0
    k = min(k, scores.shape[1])
    top = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    disc = 1.0 / np.log2(np.arange(2, k + 2))
    total = 0.0
    for row, rel in zip(top, relevant, strict=True):
        hits = np.isin(row, rel)
        total += float((hits * disc).sum() / disc[:min(len(rel), k)].sum())
    return total / len(relevant)


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
