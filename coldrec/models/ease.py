"""EASE (Steck 2019): a closed-form linear item-item model with a zero diagonal."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.linalg

from coldrec.models.base import Context, FitData, ModelConfig, Recommender
from coldrec.models.itemknn import binarize, context_matrix, unseen_last


@dataclass
class EASEConfig(ModelConfig):
    """``l2``: the ridge penalty lambda (larger = smoother, closer to co-occurrence
    counts); ``max_items``: refuse catalogs above this, as the model is a dense
    ``n_items**2`` float32 matrix."""

    l2: float = 200.0
    max_items: int = 30_000


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

    def _fit(self, data: FitData) -> None:
        n = data.n_items
        if n > self.config.max_items:
            raise ValueError(f"EASE needs a dense {n:,} x {n:,} float32 matrix ({4 * n * n / 1e9:.1f} GB) for "
                             f"{n:,} items, above max_items={self.config.max_items:,}; raise max_items if the "
                             "memory is there, or use itemknn")
        x = binarize(data.matrix())
        self._progress(0.0, "item co-occurrence")
        gram = np.asarray((x.T @ x).todense(), dtype=np.float32)
        self.seen_ = np.asarray(gram.diagonal() > 0)
        gram[np.diag_indices(n)] += self.config.l2
        self._progress(0.2, f"inverting {n:,} x {n:,}")
        p = scipy.linalg.inv(gram, overwrite_a=True, check_finite=False)
        self._progress(0.9, "weights")
        p /= -np.diag(p)[None, :]
        p[np.diag_indices(n)] = 0.0
        # C order: scipy's csr @ dense copies a Fortran-ordered matrix on every batch (88 s -> 6 s at 12k items).
        self.weights_ = np.ascontiguousarray(p, dtype=np.float32)

    def score(self, contexts: Sequence[Context]) -> np.ndarray:
        scores = np.asarray(context_matrix(contexts, self.n_items_) @ self.weights_, dtype=np.float32)
        return self.empty_as_popular(contexts, unseen_last(scores, self.seen_))

    def state(self) -> dict[str, np.ndarray]:
        return {"weights": self.weights_, "seen": self.seen_}

    def set_state(self, arrays: dict[str, np.ndarray]) -> None:
        self.weights_ = np.ascontiguousarray(arrays["weights"], dtype=np.float32)
        self.seen_ = arrays["seen"]

