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
            "lightfm_text": has["lightfm"], "cb2cf_ease": True, "cb2cf_als": has["implicit"], "ease_meta": True,
            "ease_baseline": True}


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


def ridge_columns(targets: np.ndarray, text: np.ndarray, warm: np.ndarray, l2: float) -> np.ndarray:
    """Ridge (unpenalised intercept) of warm items' target rows on their text; the prediction for every item.

    ``targets`` is (n_items, m): one row per item (its EASE column, its ALS factors); ``text`` (n_items, dim).
    """
    x, y = text[warm].astype(np.float64), targets[warm].astype(np.float64)
    mx, my = x.mean(axis=0), y.mean(axis=0)
    w = np.linalg.solve((x - mx).T @ (x - mx) + l2 * np.eye(x.shape[1]), (x - mx).T @ (y - my))
    return ((text - mx) @ w + my).astype(np.float32)


@dataclass
class EASEBaselineConfig(ModelConfig):
    """``l2``: EASE's lambda, given (the benchmark's validation grid picks it)."""

    l2: float = 200.0


class EASEBaseline(Recommender):
    """coldrec's closed-form EASE at a given lambda, as the EASE baseline (coldrec's own ``ease`` picks its own)."""

    name = "ease_baseline"
    label = "EASE, lambda from the validation grid (baseline)"
    config_cls = EASEBaselineConfig
    cold_users = True

    def _fit(self, data: FitData) -> None:
        from coldrec.models.ease import EASE, EASEConfig

        self.model_ = EASE(EASEConfig(l2=self.config.l2)).fit(data)

    def score(self, contexts: Sequence[Context]) -> np.ndarray:
        return self.model_.score(contexts)


@dataclass
class CB2CFPeerConfig(ModelConfig):
    """``l2``: EASE's lambda; ``map_l2``: ridge penalty of the text -> EASE column map."""

    l2: float = 200.0
    map_l2: float = 1.0


class CB2CFPeer(Recommender):
    """CB2CF (Barkan et al. 2019) on EASE: a ridge map from the text embedding to the item's EASE column.

    Notes
    -----
    Warm items keep their EASE column; a never-seen item gets the column its text predicts (fitted on warm
    items), so ``x @ B`` scores it on the warm items' scale. The usual strong baseline for cold items.
    """

    name = "cb2cf_ease"
    label = "CB2CF: ridge text -> EASE columns (baseline)"
    config_cls = CB2CFPeerConfig
    uses_text = True
    cold_users = True
    cold_items = True

    def _fit(self, data: FitData) -> None:
        from coldrec.models.ease import EASE, EASEConfig

        ease = EASE(EASEConfig(l2=self.config.l2)).fit(data)
        b = ease.weights_.copy()
        cold = ~ease.seen_
        if cold.any() and ease.seen_.any():
            text = np.asarray(data.embeddings, dtype=np.float32)
            b[:, cold] = ridge_columns(b.T, text, ease.seen_, self.config.map_l2)[cold].T
        self.weights_ = b

    def score(self, contexts: Sequence[Context]) -> np.ndarray:
        return np.asarray(context_matrix(contexts, self.n_items_) @ self.weights_, dtype=np.float32)


@dataclass
class CB2CFALSConfig(ALSConfig):
    """ALS as in :class:`ALSConfig`, plus ``map_l2``: ridge penalty of the text -> item factor map."""

    map_l2: float = 1.0


class CB2CFALSPeer(ImplicitALS):
    """CB2CF on implicit ALS: a never-seen item's factors are predicted from its text by ridge on warm items."""

    name = "cb2cf_als"
    label = "CB2CF: ridge text -> ALS item factors (baseline)"
    config_cls = CB2CFALSConfig
    uses_text = True
    cold_items = True

    def _fit(self, data: FitData) -> None:
        super()._fit(data)
        cold = ~self.seen_
        if cold.any() and self.seen_.any():
            text = np.asarray(data.embeddings, dtype=np.float32)
            self.item_factors_[cold] = ridge_columns(self.item_factors_, text, self.seen_, self.config.map_l2)[cold]
            self.model_.item_factors = self.item_factors_  # the fold-in solves against these factors


@dataclass
class EASEMetaConfig(ModelConfig):
    """``l2``: EASE's lambda; ``alpha``: weight of the text rows appended to the user-item matrix."""

    l2: float = 200.0
    alpha: float = 10.0


class EASEMetaPeer(Recommender):
    """EASE with metadata alignment in closed form (in the spirit of MARec, Monteil et al. RecSys 2024).

    Notes
    -----
    The item text is appended to the user-item matrix as ``dim`` pseudo-users (``alpha * E^T``), so the Gram
    matrix becomes ``X^T X + alpha^2 E E^T`` and EASE's closed form learns item-item weights that agree with
    co-occurrence where there is any and with text similarity everywhere, including never-seen items' columns.
    """

    name = "ease_meta"
    label = "EASE + text rows, closed form (MARec-style baseline)"
    config_cls = EASEMetaConfig
    uses_text = True
    cold_users = True
    cold_items = True

    def _fit(self, data: FitData) -> None:
        import scipy.linalg

        x = binarize(data.matrix())
        text = np.asarray(data.embeddings, dtype=np.float64)
        gram = np.asarray((x.T @ x).todense(), dtype=np.float64) + self.config.alpha ** 2 * (text @ text.T)
        gram[np.diag_indices(data.n_items)] += self.config.l2
        p = scipy.linalg.inv(gram, overwrite_a=True, check_finite=False)
        p /= -np.diag(p)[None, :]
        p[np.diag_indices(data.n_items)] = 0.0
        self.weights_ = np.ascontiguousarray(p, dtype=np.float32)

    def score(self, contexts: Sequence[Context]) -> np.ndarray:
        return np.asarray(context_matrix(contexts, self.n_items_) @ self.weights_, dtype=np.float32)


PEERS: dict[str, type[Recommender]] = {m.name: m for m in (ImplicitALS, ImplicitBPR, LightFMPeer, LightFMTextPeer,
                                                            CB2CFPeer, CB2CFALSPeer, EASEMetaPeer, EASEBaseline)}
# Smoke mode: schedules short enough for a test.
QUICK_PEER_PARAMS: dict[str, dict] = {"als": {"iterations": 3}, "bpr_implicit": {"iterations": 5},
                                      "lightfm": {"epochs": 2}, "lightfm_text": {"epochs": 2},
                                      "cb2cf_als": {"iterations": 3}}


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
