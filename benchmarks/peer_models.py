"""The libraries users would pick instead of coldrec, wrapped as coldrec Recommenders for the peers benchmark.

Peers are optional (``pip install -e .[peers]`` or ``bash benchmarks/install_peers.sh``) and never a dependency
of the library: each adapter imports its library inside ``_fit``, and :func:`available_peers` says which ones
this environment can run. EASE is not here: ``coldrec.models.ease`` is a faithful closed-form EASE (Steck 2019)
and the benchmark counts it as the EASE peer baseline.

How each peer scores a test user (coldrec hands every model the user's history as a
:class:`~coldrec.models.Context`, never a user id):

- a user whose history is exactly a training user's history (warm users) gets that user's trained factors;
- anyone else (cold users with a few revealed interactions) is folded in: ALS by implicit's own exact
  least-squares step (``recalculate_user``), BPR and LightFM by the mean of their context items' factors
  (neither library offers a fold-in; the mean is the usual stand-in);
- ALS and BPR cannot rank an item with no training interactions: like coldrec's own CF models such items are
  placed below every seen item (``unseen_last``). LightFM reads item features (identity + bag of words of the
  item text), so it ranks a cold item by its words.

All peers run on one thread, as coldrec's models do in the app's worker.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from coldrec.columns import Columns
from coldrec.models.base import Context, FitData, ModelConfig, Recommender
from coldrec.models.itemknn import binarize, context_matrix, unseen_last


def available_peers() -> dict[str, bool]:
    """Peer name -> whether its library is installed."""
    has = {lib: importlib.util.find_spec(lib) is not None for lib in ("implicit", "lightfm")}
    return {"als": has["implicit"], "bpr_implicit": has["implicit"], "lightfm": has["lightfm"],
            "lightfm_text": has["lightfm"]}


def _history_key(items: np.ndarray) -> bytes:
    return np.sort(np.asarray(items, dtype=np.int64)).tobytes()


class FactorPeer(Recommender):
    """Base of the factor-model peers: warm users by lookup, others folded in; scores ``u @ V.T + b``."""

    def _remember_users(self, data: FitData) -> None:
        order = np.argsort(data.users, kind="stable")
        users, items = data.users[order], data.items[order]
        bounds = np.flatnonzero(np.diff(users)) + 1
        self.user_row_ = {_history_key(block): int(u[0]) for u, block in
                          zip(np.split(users, bounds), np.split(items, bounds), strict=True) if len(block)}
        self.seen_ = np.bincount(data.items, minlength=data.n_items) > 0

    def user_vectors(self, contexts: Sequence[Context]) -> np.ndarray:
        out = np.zeros((len(contexts), self.item_factors_.shape[1]), dtype=np.float32)
        fold = []
        for row, ctx in enumerate(contexts):
            known = self.user_row_.get(_history_key(ctx.items)) if len(ctx.items) else None
            if known is not None:
                out[row] = self.user_factors_[known]
            elif len(ctx.items):
                fold.append(row)
        if fold:
            out[fold] = self._fold_in([contexts[r] for r in fold])
        return out

    def _fold_in(self, contexts: Sequence[Context]) -> np.ndarray:
        """Mean of the context items' factors."""
        return np.stack([self.item_factors_[c.items].mean(axis=0) for c in contexts])

    def score(self, contexts: Sequence[Context]) -> np.ndarray:
        scores = self.user_vectors(contexts) @ self.item_factors_.T + self.item_bias_[None, :]
        scores = np.asarray(scores, dtype=np.float32)
        return scores if self.cold_items else unseen_last(scores, self.seen_)


@dataclass
class ALSConfig(ModelConfig):
    """implicit's AlternatingLeastSquares on the binarised matrix (confidence ``1 + alpha``)."""

    factors: int = 64
    regularization: float = 0.1
    alpha: float = 10.0
    iterations: int = 15
    seed: int = 0


class ImplicitALS(FactorPeer):
    """implicit ALS (Hu, Koren & Volinsky 2008); cold users by implicit's exact fold-in."""

    name = "als"
    label = "implicit ALS (peer)"
    config_cls = ALSConfig
    cold_users = True

    def _fit(self, data: FitData) -> None:
        from implicit.cpu.als import AlternatingLeastSquares

        cfg = self.config
        self._remember_users(data)
        self.model_ = AlternatingLeastSquares(factors=cfg.factors, regularization=cfg.regularization,
                                              alpha=cfg.alpha, iterations=cfg.iterations, num_threads=1,
                                              random_state=cfg.seed)
        self.model_.fit(binarize(data.matrix()), show_progress=False)
        self.user_factors_ = np.asarray(self.model_.user_factors, dtype=np.float32)
        self.item_factors_ = np.asarray(self.model_.item_factors, dtype=np.float32)
        self.item_bias_ = np.zeros(data.n_items, dtype=np.float32)

    def _fold_in(self, contexts: Sequence[Context]) -> np.ndarray:
        x = binarize(context_matrix(contexts, self.n_items_))
        return np.asarray(self.model_.recalculate_user(np.arange(len(contexts)), x), dtype=np.float32)


@dataclass
class BPRPeerConfig(ModelConfig):
    """implicit's BayesianPersonalizedRanking (its item factors carry a bias column)."""

    factors: int = 64
    learning_rate: float = 0.05
    regularization: float = 0.01
    iterations: int = 100
    seed: int = 0


class ImplicitBPR(FactorPeer):
    """implicit BPR (Rendle et al. 2009); cold users by the mean of their items' factors."""

    name = "bpr_implicit"
    label = "implicit BPR (peer)"
    config_cls = BPRPeerConfig
    cold_users = True

    def _fit(self, data: FitData) -> None:
        from implicit.cpu.bpr import BayesianPersonalizedRanking

        cfg = self.config
        self._remember_users(data)
        model = BayesianPersonalizedRanking(factors=cfg.factors, learning_rate=cfg.learning_rate,
                                            regularization=cfg.regularization, iterations=cfg.iterations,
                                            num_threads=1, random_state=cfg.seed)
        model.fit(binarize(data.matrix()), show_progress=False)
        self.user_factors_ = np.asarray(model.user_factors, dtype=np.float32)
        self.item_factors_ = np.asarray(model.item_factors, dtype=np.float32)
        self.item_bias_ = np.zeros(data.n_items, dtype=np.float32)

    def _fold_in(self, contexts: Sequence[Context]) -> np.ndarray:
        vecs = super()._fold_in(contexts)
        vecs[:, -1] = 1.0  # implicit's user factors hold a constant 1 against the item-bias column
        return vecs


@dataclass
class LightFMConfig(ModelConfig):
    """LightFM WARP with item features = identity + bag of words of the item text (rows normalised to sum 1)."""

    no_components: int = 64
    loss: str = "warp"
    learning_rate: float = 0.05
    item_alpha: float = 1e-6
    epochs: int = 30
    max_words: int = 10_000
    min_df: int = 2
    identity: bool = True
    seed: int = 0


class LightFMPeer(FactorPeer):
    """LightFM (Kula 2015), the hybrid users would pick for cold items: an item is the sum of its feature vectors.

    Notes
    -----
    A cold item has an identity vector trained only as a WARP negative plus its word vectors, so it is ranked by
    the words it shares with warm items. Users are identity features; cold users use the mean of their context
    items' representations.
    """

    name = "lightfm"
    label = "LightFM WARP, identity + text features (peer)"
    config_cls = LightFMConfig
    cold_users = True
    cold_items = True

    def _fit(self, data: FitData) -> None:
        from lightfm import LightFM

        cfg = self.config
        self._remember_users(data)
        features = self._item_features(data)
        self.model_ = LightFM(no_components=cfg.no_components, loss=cfg.loss, learning_rate=cfg.learning_rate,
                              item_alpha=cfg.item_alpha, random_state=cfg.seed)
        x = binarize(data.matrix()).tocoo()
        self.model_.fit(x, item_features=features, epochs=cfg.epochs, num_threads=1)
        bias, emb = self.model_.get_item_representations(features)
        self.item_bias_, self.item_factors_ = bias.astype(np.float32), emb.astype(np.float32)
        _, self.user_factors_ = self.model_.get_user_representations()
        self.user_factors_ = self.user_factors_.astype(np.float32)

    def _item_features(self, data: FitData) -> sp.csr_matrix:
        """Identity plus binary words of the item text, each row scaled to sum to 1 (LightFM's advice)."""
        identity = sp.identity(data.n_items, format="csr", dtype=np.float32)
        if data.catalog is None or Columns.text not in data.catalog:
            if not self.config.identity:
                raise ValueError("LightFM without identity features needs the catalog text")
            return identity
        from sklearn.feature_extraction.text import CountVectorizer

        texts = data.catalog[Columns.text].fillna("").astype(str).tolist()
        try:
            words = CountVectorizer(binary=True, min_df=self.config.min_df, max_features=self.config.max_words,
                                    stop_words="english").fit_transform(texts).astype(np.float32)
        except ValueError:  # no word occurs often enough: identity only
            return identity
        both = sp.hstack([identity, words], format="csr") if self.config.identity else words.tocsr()
        if not self.config.identity:  # an item with no kept word gets a feature of its own, or it has no vector
            empty = np.flatnonzero(np.diff(both.indptr) == 0)
            extra = sp.csr_matrix((np.ones(len(empty), dtype=np.float32), (empty, np.arange(len(empty)))),
                                  shape=(data.n_items, len(empty)))
            both = sp.hstack([both, extra], format="csr")
        return sp.diags(1.0 / np.asarray(both.sum(axis=1)).ravel()).astype(np.float32) @ both


@dataclass
class LightFMTextConfig(LightFMConfig):
    """LightFM on word features only (no identity features)."""

    identity: bool = False


class LightFMTextPeer(LightFMPeer):
    """LightFM with word features only: every item, warm or cold, is the sum of its words' vectors.

    Notes
    -----
    The variant a LightFM user picks for pure cold-start: with identity features, WARP only ever meets a
    never-interacted item as a sampled negative, so its identity vector learns to rank it low.
    """

    name = "lightfm_text"
    label = "LightFM WARP, text features only (peer)"
    config_cls = LightFMTextConfig


PEERS: dict[str, type[Recommender]] = {m.name: m for m in (ImplicitALS, ImplicitBPR, LightFMPeer, LightFMTextPeer)}
# Smoke mode: schedules short enough for a test.
QUICK_PEER_PARAMS: dict[str, dict] = {"als": {"iterations": 3}, "bpr_implicit": {"iterations": 5},
                                      "lightfm": {"epochs": 2}, "lightfm_text": {"epochs": 2}}


class CandidatesOnly(Recommender):
    """Wraps a fitted model so that only the ``allowed`` items can be recommended (e.g. cold items only)."""

    name = "candidates_only"

    def __init__(self, model: Recommender, allowed: np.ndarray) -> None:
        super().__init__()
        self.model, self.allowed = model, np.asarray(allowed, dtype=bool)
        self.n_items_ = model.n_items_

    def score(self, contexts: Sequence[Context]) -> np.ndarray:
        scores = np.array(self.model.score(contexts), dtype=np.float32)
        scores[:, ~self.allowed] = -1e30  # below any real score, above the -inf of excluded history
        return scores
