"""Item-based nearest neighbours: shrunk cosine similarity between items' user sets."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from coldrec.models.base import Context, FitData, ModelConfig, Progress, Recommender, train_counts
from coldrec.models.tuning import Rows, best_of, leave_last_out_inner_split, ndcg_rows, objective, try_in_turn

# Dense similarity block computed at a time: about this many floats (64 MB of float32).
_BLOCK_FLOATS = 1 << 24


@dataclass
class ItemKNNConfig(ModelConfig):
    """``k_neighbors``: similar items kept per item; ``shrink``: added to the cosine's
    denominator, pulling similarities computed from few shared users toward 0.
    ``tune``: pick ``k_neighbors`` and ``shrink`` on an inner leave-last-out split of the train part
    (see :func:`choose_neighbours`; the given pair is tried first); off keeps the given pair.
    ``tune_seconds``: time budget of that choice."""

    k_neighbors: int = 100
    shrink: float = 50.0
    tune: bool = True
    tune_seconds: float = 60.0


class ItemKNN(Recommender):
    """Scores an item by the summed similarity of the context items to it.

    Notes
    -----
    Items are compared by the users who interacted with them (binary, train
    only): ``sim(i, j) = |U_i & U_j| / (sqrt(|U_i|) sqrt(|U_j|) + shrink)``.
    The shrink term is the usual guard against an item pair that looks
    perfectly similar because both were seen by the same one user. Each item
    keeps only its ``k_neighbors`` most similar items, so the model is a
    sparse ``(n_items, n_items)`` matrix ``S`` and a context scores
    ``w @ S``, ``w`` being the context's item weights (1 by default, summed
    over repeats).

    A cold user needs nothing but a context: nothing is user-specific, so
    warm and cold users are scored the same way (an empty context scores
    every seen item 0). A cold (never-seen) item has no users, hence no
    similarity to anything; rather than tie at 0 with unrelated items it is
    moved below every seen item (``cold_items = False``), so its place never
    depends on catalog order.
    """

    name = "itemknn"
    label = "Item kNN (co-occurrence)"
    config: ItemKNNConfig
    config_cls = ItemKNNConfig
    cold_users = True
    cold_items = False
    folds_in = "the rows of new items and of the items that share users with them recomputed (exact)"

    def fold_in(self, data: FitData) -> ItemKNN:
        """The similarity rows that new interactions can change, recomputed; the result equals a refit.

        Notes
        -----
        New interactions here are with items the model has not seen (the
        cold-item curve's reveals). They change the similarity of those items
        to every item that shares one of their users, and nothing else: a
        pair of seen items keeps its shared users and its norms. So only the
        rows of the new items and of the items co-occurring with them are
        computed again, with the same neighbours and shrink, by the same
        routine as a fit (the same top-``k``, ties included). Interactions
        with items already seen change their norms everywhere: then it refits.
        """
        x = binarize(data.matrix())
        grown = np.asarray(x.getnnz(axis=0) > 0)
        new = np.flatnonzero(grown & ~self.seen_)
        if self._touches_seen(data, new):
            return self.refit_cheaply(data)
        if not len(new):
            return self
        users = np.unique(x[:, new].nonzero()[0])
        rows = np.union1d(new, np.flatnonzero(x[users].getnnz(axis=0) > 0))
        fresh = similarity_rows(x, rows, self.k_neighbors_, self.shrink_)
        keep = np.ones(self.n_items_, dtype=bool)
        keep[rows] = False
        old = sp.diags(keep.astype(np.float32)) @ self.similarity_
        folded = self.frozen_copy()
        folded.n_items_, folded.k_neighbors_, folded.shrink_ = self.n_items_, self.k_neighbors_, self.shrink_
        folded.item_counts_ = train_counts(data)
        folded.seen_ = grown
        folded.similarity_ = sp.csr_matrix(old + fresh, dtype=np.float32)
        return folded

    def _touches_seen(self, data: FitData, new: np.ndarray) -> bool:
        """Does ``data`` hold more interactions with seen items than the fit did (then norms change: refit)?"""
        counts = train_counts(data)
        was = getattr(self, "item_counts_", None)
        if was is None:
            return True
        on_seen = np.ones(self.n_items_, dtype=bool)
        on_seen[new] = False
        return bool((counts[on_seen] != was[on_seen]).any())

    def _fit(self, data: FitData) -> None:
        c = self.config
        self.k_neighbors_, self.shrink_ = c.k_neighbors, c.shrink
        if c.tune:
            self._progress(0.0, "choosing neighbours and shrink on an inner split")
            (self.k_neighbors_, self.shrink_), self.tuning_ = choose_neighbours(data, (c.k_neighbors, c.shrink),
                                                                               c.tune_seconds)
        x = binarize(data.matrix())
        self.seen_ = np.asarray(x.getnnz(axis=0) > 0)
        self.similarity_ = item_similarity(x, self.k_neighbors_, self.shrink_, self._progress)

    @property
    def chosen_(self) -> dict[str, float]:
        """What the fit chose for itself (or was given)."""
        return {"k_neighbors": self.k_neighbors_, "shrink": self.shrink_}

    def score(self, contexts: Sequence[Context]) -> np.ndarray:
        scores = np.asarray((context_matrix(contexts, self.n_items_) @ self.similarity_).todense())
        return self.empty_as_popular(contexts, unseen_last(scores, self.seen_))

    def state(self) -> dict[str, np.ndarray]:
        s = self.similarity_
        return {"indptr": s.indptr, "indices": s.indices, "data": s.data, "seen": self.seen_,
                "chosen": np.array(json.dumps(self.chosen_))}

    def set_state(self, arrays: dict[str, np.ndarray]) -> None:
        self.similarity_ = sp.csr_matrix((arrays["data"], arrays["indices"], arrays["indptr"]),
                                         shape=(self.n_items_, self.n_items_))
        self.seen_ = arrays["seen"]
        chosen = json.loads(str(arrays["chosen"])) if "chosen" in arrays else {}  # folders saved before the choice
        self.k_neighbors_ = int(chosen.get("k_neighbors", self.config.k_neighbors))
        self.shrink_ = float(chosen.get("shrink", self.config.shrink))


K_GRID = (100, 200, 50, 400, 20)
SHRINK_GRID = (50.0, 10.0, 200.0, 0.0)  # shrink-major: one similarity matrix (at the largest k) per shrink


def neighbour_grid(given: tuple[int, float]) -> list[tuple[int, float]]:
    """The given (k, shrink) first, then :data:`K_GRID` x :data:`SHRINK_GRID`, shrink by shrink."""
    grid = [(k, s) for s in SHRINK_GRID for k in K_GRID]
    return [given] + [p for p in grid if p != given]


def choose_neighbours(data: FitData, given: tuple[int, float],
                      budget_s: float) -> tuple[tuple[int, float], dict[str, float]]:
    """(k_neighbors, shrink) by NDCG@20 on an inner leave-last-out split of ``data``; (choice, mean NDCG of each
    pair tried, keyed "k/shrink").

    Each train user's last interaction is held out (train rows only, so no test row can matter) and ranked from
    the rest of the history, for each pair of :func:`neighbour_grid` in turn until the next would overrun
    ``budget_s``. Per shrink the similarities are computed once, at the largest k, and cut to each k's top.
    The best pair replaces ``given`` only if it is clearly better (:func:`coldrec.models.tuning.best_of`);
    with too few users to measure, ``given``.
    """
    inner = leave_last_out_inner_split(data)
    if inner is None:
        return given, {}
    fit, contexts, relevant = inner
    x = binarize(fit.matrix())
    ctx = context_matrix(contexts, data.n_items)
    k_max = max(max(K_GRID), given[0])
    cache: dict[float, RankedSimilarity] = {}

    def value(point: tuple[int, float]) -> Rows:
        k, shrink = point
        if shrink not in cache:
            cache.clear()
            cache[shrink] = RankedSimilarity(item_similarity(x, k_max, shrink))
        scores = np.asarray((ctx @ cache[shrink].top(k)).todense(), dtype=np.float32)
        for row, c in enumerate(contexts):
            scores[row, c.items] = -np.inf
        return [ndcg_rows(scores, relevant)]

    tried = try_in_turn(neighbour_grid(given), value, budget_s)
    return best_of(tried), {f"{k}/{s:g}": objective(v) for (k, s), v in tried.items()}


class RankedSimilarity:
    """A similarity matrix with each stored value's rank within its row (largest first, ties: lower column first),
    so that cutting it to any smaller k is one mask."""

    def __init__(self, s: sp.csr_matrix) -> None:
        s = s.tocsr()
        rows = np.repeat(np.arange(s.shape[0]), np.diff(s.indptr))
        order = np.lexsort((s.indices, -s.data, rows))
        self.shape = s.shape
        self.rows, self.cols, self.data = rows[order], s.indices[order], s.data[order]
        self.rank = np.arange(len(order)) - s.indptr[self.rows]

    def top(self, k: int) -> sp.csr_matrix:
        """Each row's ``k`` largest stored values."""
        keep = self.rank < k
        return sp.csr_matrix((self.data[keep], (self.rows[keep], self.cols[keep])), shape=self.shape,
                             dtype=np.float32)


def top_per_row(s: sp.csr_matrix, k: int) -> sp.csr_matrix:
    """``s`` keeping each row's ``k`` largest stored values (ties: lower column first)."""
    return RankedSimilarity(s).top(k)


def item_similarity(x: sp.csr_matrix, k: int, shrink: float, progress: Progress | None = None) -> sp.csr_matrix:
    """Top-``k`` shrunk cosine similarities per row item of the (users, items) matrix ``x``.

    Row ``i`` of the result holds item ``i``'s ``k`` most similar other items
    (positive similarities only; the diagonal is excluded).
    """
    return similarity_rows(x, np.arange(x.shape[1]), k, shrink, progress)


def similarity_rows(x: sp.csr_matrix, items: np.ndarray, k: int, shrink: float,
                    progress: Progress | None = None) -> sp.csr_matrix:
    """The rows ``items`` of :func:`item_similarity` (the others empty), computed in dense blocks of rows."""
    n_items = x.shape[1]
    xt = x.T.tocsr()
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=0)).ravel()).astype(np.float32)
    block = max(1, _BLOCK_FLOATS // max(n_items, 1))
    rows, cols, vals = [], [], []
    for start in range(0, len(items), block):
        part = items[start:start + block]
        dots = np.asarray((xt[part] @ x).todense(), dtype=np.float32)  # (block, n_items)
        sims = dots / (norms[part, None] * norms[None, :] + shrink + 1e-12)
        sims[np.arange(len(part)), part] = 0.0
        top = _top_k_columns(sims, k)
        r = np.repeat(part, top.shape[1])
        v = np.take_along_axis(sims, top, axis=1).ravel()
        keep = v > 0
        rows.append(r[keep])
        cols.append(top.ravel()[keep])
        vals.append(v[keep])
        if progress is not None:
            progress(min(start + block, len(items)) / len(items),
                     f"similarities {min(start + block, len(items))}/{len(items)} items")
    if not rows:
        return sp.csr_matrix((n_items, n_items), dtype=np.float32)
    return sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                         shape=(n_items, n_items), dtype=np.float32)


def context_matrix(contexts: Sequence[Context], n_items: int) -> sp.csr_matrix:
    """(len(contexts), n_items) sparse rows of context item weights (1 each unless given; repeats sum)."""
    rows, cols, vals = [np.zeros(0, dtype=np.int64)] * 2 + [np.zeros(0, dtype=np.float32)]
    if contexts:
        rows = np.repeat(np.arange(len(contexts)), [len(c.items) for c in contexts])
        cols = np.concatenate([np.asarray(c.items, dtype=np.int64) for c in contexts])
        vals = np.concatenate([np.ones(len(c.items), dtype=np.float32) if c.weights is None
                               else np.asarray(c.weights, dtype=np.float32) for c in contexts])
    return sp.csr_matrix((vals, (rows, cols)), shape=(len(contexts), n_items), dtype=np.float32)


def binarize(x: sp.csr_matrix) -> sp.csr_matrix:
    """The same sparsity pattern with every stored value 1."""
    x = x.tocsr(copy=True)
    x.sum_duplicates()
    x.eliminate_zeros()
    x.data[:] = 1.0
    return x


def unseen_last(scores: np.ndarray, seen: np.ndarray) -> np.ndarray:
    """Set never-seen items' scores (in place) to 1 below each row's lowest seen score.

    Models that cannot score cold items use this so that a never-seen item
    never outranks a seen one, whatever the sign of the seen items' scores.
    """
    if seen.all() or not seen.any():
        return scores
    scores[:, ~seen] = scores[:, seen].min(axis=1, keepdims=True) - 1.0
    return scores


def _top_k_columns(a: np.ndarray, k: int) -> np.ndarray:
    """Column indices of the ``k`` largest values per row (unordered)."""
    k = min(k, a.shape[1])
    if k >= a.shape[1]:
        return np.broadcast_to(np.arange(a.shape[1]), a.shape).copy()
    return np.argpartition(-a, k - 1, axis=1)[:, :k]
