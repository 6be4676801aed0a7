"""Generated shops whose right answer is known, and a model that ranks at random.

- ``signal="taste"``: every user buys (almost only) items of one taste, with a
  popularity skew inside each taste; the "perfect" embeddings are the taste
  itself, so text predicts taste perfectly; the "noise" embeddings are random.
- ``signal="none"``: users pick items uniformly at random and text is random:
  nothing can be learned, so no model and no segment should stand out.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

import numpy as np
import pandas as pd

from coldrec.models.base import Context, FitData, Recommender


class RandomScores(Recommender):
    """Scores every item uniformly at random, seeded by the context, so a user's list never depends on batching."""

    name = "random"
    label = "Random"
    cold_users = True
    cold_items = True

    def _fit(self, data: FitData) -> None:
        pass

    def score(self, contexts: Sequence[Context]) -> np.ndarray:
        seeds = [zlib.crc32(np.asarray(c.items, dtype=np.int64).tobytes()) for c in contexts]
        return np.stack([np.random.default_rng(s).random(self.n_items_) for s in seeds]).astype(np.float32) \
            if seeds else np.zeros((0, self.n_items_), dtype=np.float32)


def shop(signal: str = "taste", n_users: int = 400, n_items: int = 160, n_tastes: int = 4, seed: int = 0,
         lengths: tuple[int, int] = (6, 40)) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, np.ndarray]]:
    """(interactions, catalog, embeddings by kind "perfect"/"noise"); timestamps interleave users at random."""
    rng = np.random.default_rng(seed)
    taste_of_item = np.arange(n_items) % n_tastes
    taste_of_user = rng.integers(0, n_tastes, n_users)
    pop = 1.0 / (1 + np.arange(n_items) // n_tastes) ** 0.8  # popularity skew inside each taste
    rows = []
    for u in range(n_users):
        n = int(rng.integers(*lengths))
        if signal == "taste":
            own = np.flatnonzero(taste_of_item == taste_of_user[u])
            items = rng.choice(own, size=min(n, len(own)), replace=False, p=pop[own] / pop[own].sum())
        else:
            items = rng.choice(n_items, size=n, replace=False)
        rows += [(f"u{u}", f"i{i}") for i in items]
    inter = pd.DataFrame(rows, columns=["user_id", "item_id"])
    inter["timestamp"] = 1_700_000_000 + rng.permutation(len(inter)) * 60
    inter = inter.sort_values(["user_id", "timestamp"]).reset_index(drop=True)
    # interactions of one user keep their drawn order in time (the permutation only interleaves users)
    inter["timestamp"] = inter.groupby("user_id")["timestamp"].transform(np.sort)
    catalog = pd.DataFrame({"item_id": [f"i{i}" for i in range(n_items)],
                            "title": [f"item {i}" for i in range(n_items)],
                            "category": [f"taste{t}" for t in taste_of_item]})
    perfect = np.eye(n_tastes, dtype=np.float32)[taste_of_item] + 1e-3 * rng.random((n_items, n_tastes))
    noise = rng.normal(size=(n_items, 16)).astype(np.float32)
    emb = {k: v / np.linalg.norm(v, axis=1, keepdims=True) for k, v in {"perfect": perfect, "noise": noise}.items()}
    return inter, catalog, emb
