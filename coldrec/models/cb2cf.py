"""CB2CF: a new item's collaborative column predicted from its text by a closed-form ridge map."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

import numpy as np
import scipy.sparse as sp

from coldrec.models.base import Context, FitData, ModelConfig, Recommender, train_counts
from coldrec.models.content import ContentConfig, ContentModel
from coldrec.models.ease import EASE, EASEConfig
from coldrec.models.itemknn import ItemKNN, ItemKNNConfig, context_matrix
from coldrec.ranking import standardise


class _TextAndCFParts(Protocol):
    cf_: EASE | ItemKNN
    content_: ContentModel
    item_counts_: np.ndarray


TextAndCF = TypeVar("TextAndCF", bound=_TextAndCFParts)  # CB2CF and Hybrid

CF_KINDS = ("ease", "itemknn", "auto")


@dataclass
class TextMap:
    """Ridge map from an item's text vector to its collaborative column: ``col(j) = bias + W (e_j - mean)``."""

    weights: np.ndarray  # (n_items, dim): row i = how item i in a context reacts to each text direction
    bias: np.ndarray  # (n_items,): the mean warm column
    mean: np.ndarray  # (dim,): the mean warm text vector

    def context_scores(self, x: sp.csr_matrix, embeddings: np.ndarray) -> np.ndarray:
        """Predicted collaborative scores ``x @ col(j)`` of every item ``j`` for context rows ``x``."""
        user = np.asarray(x @ self.weights, dtype=np.float32)  # (m, dim): the context in text space
        base = np.asarray(x @ self.bias, dtype=np.float32).reshape(-1, 1)
        return user @ (embeddings - self.mean).T + base


def fit_text_map(columns: np.ndarray | sp.spmatrix, embeddings: np.ndarray, warm: np.ndarray, l2: float) -> TextMap:
    """Ridge regression of warm items' collaborative columns on their text vectors (intercept unpenalised).

    ``columns`` is an (n_items, n_items) item-item weight matrix whose column ``j`` says how much each context
    item raises item ``j`` (EASE's ``B``, item kNN's similarity). Solved in the text dimension: one
    ``dim x dim`` system, so the cost is ``O(n_items * n_warm * dim)`` whatever the catalog size.
    """
    e = np.asarray(embeddings, dtype=np.float64)
    if not warm.any():
        return TextMap(np.zeros((columns.shape[0], e.shape[1]), np.float32), np.zeros(columns.shape[0], np.float32),
                       np.zeros(e.shape[1], np.float32))
    x = e[warm]
    mean = x.mean(axis=0)
    xc = x - mean
    block = columns[:, warm]
    if sp.issparse(block):  # item kNN: never densify, (n_items, n_warm) float64 is 40 GB at 100k items
        bias = np.asarray(block.mean(axis=1), dtype=np.float64).ravel()
        yx = np.asarray(sp.csr_matrix(block, dtype=np.float64) @ xc)
    else:
        y = np.asarray(block)
        bias = y.mean(axis=1)
        yx = np.asarray(y @ xc, dtype=np.float64)  # centring y is unnecessary: xc's columns sum to zero
    gram = xc.T @ xc + max(l2, 1e-9) * np.eye(x.shape[1])
    weights = np.linalg.solve(gram, yx.T).T
    return TextMap(weights.astype(np.float32), bias.astype(np.float32), mean.astype(np.float32))


@dataclass
class CB2CFConfig(ModelConfig):
    """``cf``: the collaborative part, "ease", "itemknn" or "auto" (EASE up to ``ease_max_items``);
    ``map_l2``: ridge penalty of the text -> column map; ``w_text`` / ``w_cf``: weights of the standardised text
    similarity and collaborative score (``w_text = 0``: pure CB2CF; ``w_cf = 0``: text only); ``tune``: pick
    ``map_l2``, ``w_text`` and ``w_cf`` on an inner cold-item split of the train part (see :func:`tune_cb2cf`),
    at most ``tune_users`` of its users; the rest configure the components."""

    cf: str = "auto"
    ease_max_items: int = 10_000
    ease_l2: float = 200.0  # 0: EASE picks it on an inner split
    k_neighbors: int = 100
    shrink: float = 50.0
    map_l2: float = 10.0
    w_text: float = 0.5
    w_cf: float = 1.0
    half_life: float = 5.0
    query_weight: float = 0.5
    tune: bool = True
    tune_users: int = 500


class CB2CF(Recommender):
    """Collaborative scores for warm items, text-predicted collaborative scores for new ones, on one scale.

    Notes
    -----
    A collaborative item-item model (EASE or item kNN) scores item ``j`` for a
    context ``x`` as ``x @ B[:, j]``. A never-seen item has an empty column.
    CB2CF (Barkan et al. 2019) learns, on warm items only, a map from text
    to that column: the closed-form ridge ``B[:, warm] ~ bias + W (E_warm -
    mean)^T``, and scores a new item with its predicted column. Because the
    prediction is a least-squares estimate of the very quantity a warm item is
    scored by, warm and new items share one scale and new items win slots
    when their words resemble what the user's items predict. The standardised
    content similarity (``w_text``) is added to every item; a context with a
    query but no items is ranked by text alone, and a context with neither by
    popularity (as every cold-capable model does).
    """

    name = "cb2cf"
    label = "CB2CF (text -> collaborative columns)"
    config: CB2CFConfig
    config_cls = CB2CFConfig
    uses_text = True
    cold_users = True
    cold_items = True
    folds_in = "its collaborative part folds in (EASE: new columns; item kNN: refitted); the text map is kept"

    def _fit(self, data: FitData) -> None:
        c = self.config
        self.cf_kind_ = cf_kind(self.name, c.cf, data.n_items, c.ease_max_items)
        self._progress(0.0, self.cf_kind_)
        self.chosen_ = {"map_l2": c.map_l2, "w_text": c.w_text, "w_cf": c.w_cf}
        if c.tune:
            self.chosen_ = tune_cb2cf(data, self._component, self.chosen_, c.tune_users)
        self._progress(0.5, self.cf_kind_)
        self.cf_ = self._component().fit(data)
        self.content_ = ContentModel(ContentConfig(c.half_life, c.query_weight)).fit(data)
        self._progress(0.9, "text -> collaborative map")
        self.map_ = fit_text_map(cf_columns(self.cf_), self.content_.embeddings_, self.cf_.seen_,
                                 self.chosen_["map_l2"])

    def fold_in(self, data: FitData) -> CB2CF | None:
        """The collaborative part folded in (new items then score by their observed column); text map kept."""
        return fold_in_parts(self, data)

    def _component(self) -> EASE | ItemKNN:
        c = self.config
        return new_cf(self.cf_kind_, c.ease_l2, c.ease_max_items, c.k_neighbors, c.shrink)

    def cf_scores(self, contexts: Sequence[Context]) -> np.ndarray:
        """Collaborative scores: observed for seen items, text-predicted for never-seen ones."""
        x = context_matrix(contexts, self.n_items_)
        seen = self.cf_.seen_
        product = x @ cf_columns(self.cf_)
        observed = np.asarray(product.toarray() if sp.issparse(product) else product, dtype=np.float32)
        if seen.all():
            return observed
        predicted = self.map_.context_scores(x, self.content_.embeddings_[~seen])
        observed[:, ~seen] = predicted
        return observed

    def score(self, contexts: Sequence[Context]) -> np.ndarray:
        out = blend(self, contexts, self.chosen_["w_text"], self.chosen_["w_cf"])
        return self.empty_as_popular(contexts, out)

    def state(self) -> dict[str, np.ndarray]:
        parts = {"content": self.content_.state(), "cf": self.cf_.state()}
        arrays = {f"{p}.{k}": v for p, s in parts.items() for k, v in s.items()}
        return arrays | {"map.weights": self.map_.weights, "map.bias": self.map_.bias, "map.mean": self.map_.mean,
                         "cf_kind": np.array(self.cf_kind_), "chosen": np.array(json.dumps(self.chosen_))}

    def set_state(self, arrays: dict[str, np.ndarray]) -> None:
        c = self.config
        self.cf_kind_ = str(arrays["cf_kind"])
        self.chosen_ = json.loads(str(arrays["chosen"]))
        self.map_ = TextMap(arrays["map.weights"], arrays["map.bias"], arrays["map.mean"])
        self.content_ = ContentModel(ContentConfig(c.half_life, c.query_weight))
        self.cf_ = self._component()
        for prefix, model in (("content.", self.content_), ("cf.", self.cf_)):
            model.n_items_ = self.n_items_
            model.set_state({k[len(prefix):]: v for k, v in arrays.items() if k.startswith(prefix)})


def fold_in_parts(model: TextAndCF, data: FitData) -> TextAndCF | None:
    """A shallow copy of a text + collaborative model whose parts have folded ``data`` in; None if the cf part
    cannot. What the text learned (the map, the weights chosen) is kept."""
    cf = model.cf_.fold_in(data)
    if cf is None:
        return None
    folded = copy.copy(model)
    folded.cf_, folded.content_ = cf, model.content_.fold_in(data)
    folded.item_counts_ = train_counts(data)
    return folded


def cf_kind(model: str, kind: str, n_items: int, ease_max_items: int) -> str:
    """The collaborative part a model uses: ``kind`` as asked, or for "auto" EASE up to ``ease_max_items`` items
    (a dense ``n_items**2`` inverse) and item kNN above; an unknown kind is a ValueError naming the choices."""
    if kind not in CF_KINDS:
        raise ValueError(f"{model} cf must be one of {', '.join(CF_KINDS)}, got '{kind}'")
    return kind if kind != "auto" else ("ease" if n_items <= ease_max_items else "itemknn")


def new_cf(kind: str, ease_l2: float, ease_max_items: int, k_neighbors: int, shrink: float) -> EASE | ItemKNN:
    """An unfitted collaborative component by kind, with the given settings (a component does not tune itself:
    its owner tunes what matters for it, and item kNN's own search cost CB2CF 80 s at 12k items, #16)."""
    if kind == "ease":
        return EASE(EASEConfig(l2=ease_l2, max_items=max(ease_max_items, 1)))
    return ItemKNN(ItemKNNConfig(k_neighbors=k_neighbors, shrink=shrink, tune=False))


def cf_columns(model: EASE | ItemKNN) -> np.ndarray | sp.csr_matrix:
    """The item-item matrix a context row multiplies: EASE's weights or item kNN's similarities."""
    return model.weights_ if isinstance(model, EASE) else model.similarity_


def blend(model: CB2CF, contexts: Sequence[Context], w_text: float, w_cf: float) -> np.ndarray:
    """``w_text z(content) + w_cf z(cf)`` per row; rows without items have no collaborative evidence."""
    out = w_text * standardise(model.content_.score(contexts))
    has_items = np.array([len(ctx.items) > 0 for ctx in contexts], dtype=bool)
    if w_cf != 0 and has_items.any():
        out[has_items] += w_cf * standardise(model.cf_scores([ctx for ctx in contexts if len(ctx.items)]))
    return out


MAP_L2_GRID = (1.0, 10.0, 100.0, 1000.0)
WEIGHT_GRID = ((1.0, 0.0), (1.0, 0.25), (1.0, 0.5), (1.0, 1.0), (1.0, 2.0), (0.5, 1.0), (0.0, 1.0))


def tune_cb2cf(data: FitData, component: Callable[[], EASE | ItemKNN], default: dict[str, float],
               max_users: int, seed: int = 0) -> dict[str, float]:
    """``map_l2``, ``w_text`` and ``w_cf`` chosen on an inner cold-item split of ``data`` (train rows only).

    The newest 20% of the train part's items (by first interaction) play the new items: their interactions
    leave the inner train part, and each user who had any must find them among those items, from the rest of
    their history. The grid point with the best mean NDCG@20 wins; with too few users or items to measure,
    ``default`` is kept.
    """
    from coldrec.models.tuning import cold_item_inner_split, mean_ndcg

    inner = cold_item_inner_split(data, max_users=max_users, seed=seed)
    if inner is None:
        return dict(default)
    fit, contexts, relevant, held = inner
    model = CB2CF(CB2CFConfig(tune=False))
    model.n_items_ = data.n_items
    model.cf_kind_ = "ease"
    model.cf_ = component().fit(fit)
    model.content_ = ContentModel().fit(fit)
    columns = cf_columns(model.cf_)
    best, best_score = dict(default), -1.0
    for l2 in MAP_L2_GRID:
        model.map_ = fit_text_map(columns, model.content_.embeddings_, model.cf_.seen_, l2)
        content = standardise(model.content_.score(contexts))
        cf = standardise(model.cf_scores(contexts))
        for w_text, w_cf in WEIGHT_GRID:
            scores = w_text * content + w_cf * cf
            value = mean_ndcg(scores[:, held], relevant)
            if value > best_score + 1e-9:
                best, best_score = {"map_l2": l2, "w_text": w_text, "w_cf": w_cf}, value
    return best
