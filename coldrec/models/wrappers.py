"""Models made of other models: a per-user standardised blend of two, and a tail-boosted re-ranking of one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from coldrec.models.base import Context, Recommender
from coldrec.ranking import standardise, tail_boost


class Blend(Recommender):
    """``w * standardise(content) + (1 - w) * standardise(cf)`` per user.

    Notes
    -----
    Raw scores live on different scales (cosines vs co-occurrence counts), so
    each side is standardised per user first (mean 0, std 1): ``w`` is then a
    share of influence, not of units. The content side reads the interest
    vector alone (when there is one), as in a session; the collaborative side
    gets the whole context, clicks included.
    """

    name = "blend"
    label = "Blend (text + collaborative)"
    cold_users = True
    uses_text = True  # its text side reads the words; fitted parts are given, never fitted here

    def __init__(self, content: Recommender, cf: Recommender, weight: float) -> None:
        if not 0.0 <= weight <= 1.0:
            raise ValueError(f"blend weight must be in [0, 1], got {weight}")
        super().__init__()
        self.content, self.cf, self.weight = content, cf, weight
        self.n_items_ = cf.n_items_

    def score(self, contexts: Sequence[Context]) -> np.ndarray:
        text_ctx = [replace(c, items=np.zeros(0, dtype=np.int64)) if c.query is not None else c for c in contexts]
        text = standardise(self.content.score(text_ctx))
        cf = standardise(self.cf.score(contexts))
        return self.weight * text + (1.0 - self.weight) * cf


class TailBoosted(Recommender):
    """Another model's scores re-ranked by :func:`coldrec.ranking.tail_boost`.

    Standardising happens before the user's own items are excluded (the
    wrapper does not know them); with a handful of clicks in a catalog of
    thousands that moves the mean and spread negligibly.
    """

    label = "Tail-boosted"
    cold_users = True

    def __init__(self, inner: Recommender, tail_mask: np.ndarray, strength: float) -> None:
        super().__init__()
        self.inner, self.tail_mask, self.strength = inner, np.asarray(tail_mask, dtype=bool), strength
        self.name = inner.name  # type: ignore[misc]  # explanations and labels follow the wrapped model
        self.uses_text = inner.uses_text  # type: ignore[misc]  # so do the reasons a card gives
        self.reads_interest_only = inner.reads_interest_only  # type: ignore[misc]  # follows the wrapped model
        self.n_items_ = inner.n_items_

    def score(self, contexts: Sequence[Context]) -> np.ndarray:
        return tail_boost(self.inner.score(contexts), self.tail_mask, self.strength)
