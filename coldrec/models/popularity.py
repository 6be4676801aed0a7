"""Most popular items: the list every cold start collapses to."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from coldrec.models.base import Context, FitData, ModelConfig, Recommender


@dataclass
class PopularityConfig(ModelConfig):
    """``window_days``: count only the last days of train (0 = all time)."""

    window_days: float = 0.0


class Popularity(Recommender):
    """Ranks items by how often they were interacted with in train; the same list for everyone.

    Notes
    -----
    A cold item has no count, so it ranks last: this is the baseline whose
    failure on new items the text models are measured against.
    """

    name = "popularity"
    label = "Popularity"
    config: PopularityConfig
    config_cls = PopularityConfig
    cold_users = True
    cold_items = False
    folds_in = "counts updated"

    def fold_in(self, data: FitData) -> Popularity:
        return self.refit_cheaply(data)

    def _fit(self, data: FitData) -> None:
        keep = np.ones(len(data.items), dtype=bool)
        if self.config.window_days > 0 and len(data.timestamps):
            keep = data.timestamps >= data.timestamps.max() - self.config.window_days * 86400
        self.counts_ = np.bincount(data.items[keep], minlength=data.n_items).astype(np.float32)

    def score(self, contexts: Sequence[Context]) -> np.ndarray:
        return np.broadcast_to(self.counts_, (len(contexts), self.n_items_)).copy()

    def state(self) -> dict[str, np.ndarray]:
        return {"counts": self.counts_}

    def set_state(self, arrays: dict[str, np.ndarray]) -> None:
        self.counts_ = arrays["counts"]
