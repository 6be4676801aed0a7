"""EASE (Steck 2019): a closed-form linear item-item model with a zero diagonal."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.linalg
import scipy.sparse as sp

from coldrec.models.base import Context, FitData, ModelConfig, Recommender, train_counts
from coldrec.models.itemknn import binarize, context_matrix, unseen_last
from coldrec.models.tuning import leave_last_out_inner_split, mean_ndcg


@dataclass
class EASEConfig(ModelConfig):
    """``l2``: the ridge penalty lambda (larger = smoother, closer to co-occurrence
    counts); 0 picks it on an inner leave-last-out split of the train part (see
    :func:`choose_l2`); ``max_items``: refuse catalogs above this, as the model is
    a dense ``n_items**2`` float32 matrix; ``tune_seconds``: time budget of the choice."""

    l2: float = 0.0
    max_items: int = 30_000
    # 60 s: at 12,000 items one inverse takes ~25 s on one core, so lambdas 200 and 50 are tried (50 won on the
    # held-out 12k-item shop of #14) and the whole default run stays near 5 minutes (#16); small catalogs try all.
    tune_seconds: float = 60.0


class EASE(Recommender):
    """Embarrassingly Shallow Autoencoder: scores are ``x_context @ B`` for a learned item-item ``B``.

    Notes
    -----
    ``B`` minimises ``||X - X B||^2 + l2 ||B||^2`` subject to ``diag(B) = 0``
    (an item may not predict itself), with ``X`` the binary (users, items)
    train matrix. The solution is closed form: with
    ``P = (X^T X + l2 I)^-1``, ``B = I - P diag(1 / diag(P))``, i.e.
    ``B_ij = -P_ij / P_jj`` off the diagonal. Unlike item kNN the weights can
    be negative (items that substitute for each other) and account for one
    another, which usually ranks better; the price is a dense inverse:
    ``n_items**2`` float32 (3.6 GB at 30,000 items) and cubic time.

    Scoring folds a user in for free: the context's item weights are the row
    ``x`` and the scores are ``x @ B``, so a cold user with a revealed context
    is scored exactly like a warm one. A never-seen item has an all-zero
    column in ``X^T X``, hence a zero column in ``B``; it is moved below every
    seen item's score (``cold_items = False``: without text there is nothing to
    rank it by).
    """

    name = "ease"
    label = "EASE (linear item-item)"
    config: EASEConfig
    config_cls = EASEConfig
    cold_users = True
    cold_items = False
    folds_in = "new items' columns solved against the fixed warm weights (same lambda)"

    def _fit(self, data: FitData) -> None:
        n = data.n_items
        if self.size_note(n):
            raise ValueError(self.size_note(n))
        self.l2_ = self.config.l2
        if self.l2_ <= 0:
            self._progress(0.0, "choosing lambda on an inner split")
            self.l2_, self.tuning_ = choose_l2(data, self.config.tune_seconds)
        self._progress(0.5, "item co-occurrence")
        x = binarize(data.matrix())
        gram = np.asarray((x.T @ x).todense(), dtype=np.float32)
        self.seen_ = np.asarray(gram.diagonal() > 0)
        self._progress(0.6, f"inverting {n:,} x {n:,}")
        self.pdiag_: np.ndarray | None
        self.weights_, self.pdiag_ = ease_solve(gram, self.l2_)

    def size_note(self, n_items: int) -> str:
        n = n_items
        if n <= self.config.max_items:
            return ""
        return (f"EASE needs a dense {n:,} x {n:,} float32 matrix ({4 * n * n / 1e9:.1f} GB) for {n:,} items, "
                f"above max_items={self.config.max_items:,}; raise max_items if the memory is there, or use itemknn")

    def fold_in(self, data: FitData) -> EASE | None:
        """New items' columns of ``B`` from their interactions in ``data``, the warm weights kept.

        Notes
        -----
        With ``A = (G_ww + l2 I)^-1`` the warm block of the fitted inverse, the
        exact EASE column of one item added to the model is ``B[w, c] = A G_wc``
        (block inversion; the Schur complement cancels in ``-P_wc / P_cc``),
        so a single new item gets exactly the column a refit would give it.
        ``A`` is recovered from ``B`` and ``diag(P)``: ``A = (I - B) diag(P)``
        on the warm block, and as ``A`` is symmetric, ``A g = D (g - B^T g)``.
        What a refit would change besides is left out: the warm columns'
        response to the new item, new items predicting each other and new
        items as context (their rows stay zero). The cost is
        ``O(n_items * nnz(G_wc))`` instead of a cubic inverse. A model loaded
        from a folder saved before ``diag(P)`` was stored, or already folded,
        returns None (refit).
        """
        pdiag = getattr(self, "pdiag_", None)
        if pdiag is None:
            return None
        x = binarize(data.matrix())
        new = np.flatnonzero((x.getnnz(axis=0) > 0) & ~self.seen_)
        folded = EASE(self.config)
        folded.n_items_, folded.l2_, folded.pdiag_ = self.n_items_, self.l2_, None
        folded.item_counts_ = train_counts(data)
        folded.seen_ = self.seen_.copy()
        folded.seen_[new] = True
        folded.weights_ = self.weights_.copy() if len(new) else self.weights_
        if len(new):
            warm = self.seen_.astype(np.float32)
            gt = sp.csr_matrix(x[:, new].T @ x) @ sp.diags(warm)  # (m, n): G_cw, zero off warm columns
            # A g = D (g - B^T g) as A = (I - B) D is symmetric; g^T B reads B by rows, so B's C order is never
            # copied (B^T would be, 576 MB per call at 12k items). B's rows of unseen items are zero.
            cols = (gt.toarray() - np.asarray(gt @ self.weights_)) * (warm * pdiag)[None, :]
            folded.weights_[:, new] = cols.T
        return folded

    def score(self, contexts: Sequence[Context]) -> np.ndarray:
        scores = np.asarray(context_matrix(contexts, self.n_items_) @ self.weights_, dtype=np.float32)
        return self.empty_as_popular(contexts, unseen_last(scores, self.seen_))

    def state(self) -> dict[str, np.ndarray]:
        diag = getattr(self, "pdiag_", None)
        pdiag = {} if diag is None else {"pdiag": diag}
        return {"weights": self.weights_, "seen": self.seen_, "l2": np.array(self.l2_)} | pdiag

    def set_state(self, arrays: dict[str, np.ndarray]) -> None:
        self.weights_ = np.ascontiguousarray(arrays["weights"], dtype=np.float32)
        self.seen_ = arrays["seen"]
        self.l2_ = float(arrays["l2"]) if "l2" in arrays else self.config.l2  # folders saved before the choice
        self.pdiag_ = arrays.get("pdiag")  # folders saved before fold-in: None (a refit instead)

    @property
    def chosen_(self) -> dict[str, float]:
        """What the fit chose for itself (or was given)."""
        return {"l2": self.l2_}


FALLBACK_L2 = 200.0
L2_GRID = (200.0, 50.0, 500.0, 100.0, 1000.0)  # tried in this order until the time budget runs out


def ease_weights(gram: np.ndarray, l2: float) -> np.ndarray:
    """EASE's ``B`` from the Gram matrix ``X^T X`` (modified in place): zero diagonal, C order."""
    return ease_solve(gram, l2)[0]


def ease_solve(gram: np.ndarray, l2: float) -> tuple[np.ndarray, np.ndarray]:
    """(``B``, ``diag(P)``) from the Gram matrix (modified in place); ``diag(P)`` lets new items fold in."""
    n = gram.shape[0]
    gram[np.diag_indices(n)] += l2
    p = scipy.linalg.inv(gram, overwrite_a=True, check_finite=False)
    pdiag = np.diag(p).astype(np.float32)
    p /= -np.diag(p)[None, :]
    p[np.diag_indices(n)] = 0.0
    # C order: scipy's csr @ dense copies a Fortran-ordered matrix on every batch (88 s -> 6 s at 12k items).
    return np.ascontiguousarray(p, dtype=np.float32), pdiag


def choose_l2(data: FitData, budget_s: float) -> tuple[float, dict[str, float]]:
    """Lambda with the best NDCG@20 on an inner leave-last-out split of ``data``; (choice, NDCG per lambda tried).

    Each train user's last interaction is held out (train rows only, so no test row can matter), EASE is fitted on
    the rest for each lambda of :data:`L2_GRID` in turn, and the held-out items are ranked from the rest of each
    user's history. Grid points stop when the next would overrun ``budget_s`` (timed on the first); with too few
    users to measure, :data:`FALLBACK_L2`.
    """
    inner = leave_last_out_inner_split(data)
    if inner is None:
        return FALLBACK_L2, {}
    fit, contexts, relevant = inner
    x = binarize(fit.matrix())
    gram = np.asarray((x.T @ x).todense(), dtype=np.float32)
    ctx = context_matrix(contexts, data.n_items)
    seen_in_context = [c.items for c in contexts]
    tried: dict[str, float] = {}
    start = time.perf_counter()
    for i, l2 in enumerate(L2_GRID):
        if i and (time.perf_counter() - start) / i * (i + 1) > budget_s:
            break
        scores = np.asarray(ctx @ ease_weights(gram.copy(), l2), dtype=np.float32)
        for row, items in enumerate(seen_in_context):
            scores[row, items] = -np.inf
        tried[f"{l2:g}"] = mean_ndcg(scores, relevant)
    best = max(tried, key=lambda k: tried[k])
    return float(best), tried

