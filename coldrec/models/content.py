"""Content model: cosine similarity between a user vector and item text embeddings."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from coldrec.models.base import Context, FitData, ModelConfig, Recommender


@dataclass
class ContentConfig(ModelConfig):
    """``half_life``: interactions after which an item's weight halves (recency);
    ``query_weight``: share of the user vector taken from the query when both exist."""

    half_life: float = 5.0
    query_weight: float = 0.5


class ContentModel(Recommender):
    """Scores items by the cosine of their text embedding with the user's vector.

    Notes
    -----
    The user vector is the recency-weighted mean of the embeddings of the items
    in the context (the latest counts most), optionally mixed with the
    embedding of the user's own words. Nothing is learned from interactions,
    so a cold item is scored exactly like a warm one and a new user needs only
    a query or a click.
    """

    name = "content"
    label = "Content (text embeddings)"
    config: ContentConfig
    config_cls = ContentConfig
    uses_text = True
    cold_users = True
    cold_items = True
    reads_interest_only = True  # the session's interest vector already holds every click
    folds_in = "nothing to learn: item vectors are their text"

    def fold_in(self, data: FitData) -> ContentModel:
        return self.refit_cheaply(data)  # copies the embeddings and updates the counts behind empty contexts

    def _fit(self, data: FitData) -> None:
        self.embeddings_ = np.ascontiguousarray(data.embeddings, dtype=np.float32)

    def user_vectors(self, contexts: Sequence[Context]) -> np.ndarray:
        """One unit vector per context (zeros when the context is empty)."""
        out = np.zeros((len(contexts), self.embeddings_.shape[1]), dtype=np.float32)
        for row, ctx in enumerate(contexts):
            out[row] = self._user_vector(ctx)
        return out

    def _user_vector(self, ctx: Context) -> np.ndarray:
        vec = np.zeros(self.embeddings_.shape[1], dtype=np.float32)
        if len(ctx.items):
            age = np.arange(len(ctx.items))[::-1]
            weights = 0.5 ** (age / max(self.config.half_life, 1e-9))
            vec = _unit(weights @ self.embeddings_[ctx.items])
        if ctx.query is not None:
            w = self.config.query_weight if len(ctx.items) else 1.0
            vec = _unit((1 - w) * vec + w * _unit(np.asarray(ctx.query, dtype=np.float32)))
        return vec

    def score(self, contexts: Sequence[Context]) -> np.ndarray:
        return self.empty_as_popular(contexts, self.user_vectors(contexts) @ self.embeddings_.T)

    def state(self) -> dict[str, np.ndarray]:
        return {"embeddings": self.embeddings_}

    def set_state(self, arrays: dict[str, np.ndarray]) -> None:
        self.embeddings_ = arrays["embeddings"]


def _unit(v: np.ndarray) -> np.ndarray:
    n = float(np.linalg.norm(v))
    return v / n if n > 0 else v
