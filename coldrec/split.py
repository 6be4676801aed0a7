"""Train/test splits for cold-start evaluation, deterministic by seed.

Every protocol returns a :class:`Split`: ``train`` is what models fit on;
``context`` is what a cold user reveals at test time (scored as history, never
trained on); ``test`` is what must be predicted; ``users`` labels each test
user with its segment.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from coldrec.schema import Columns

C = Columns


@dataclass
class ColdUserConfig:
    """Hold out a share of users entirely.

    Notes
    -----
    Held-out (cold) users reveal their first ``n_reveal`` interactions in time
    order as context; the rest are their test. Warm users keep their earliest
    interactions in train and their last ``warm_test_share`` as test, so both
    segments are scored on their own future.
    """

    cold_share: float = 0.2
    n_reveal: int = 3
    warm_test_share: float = 0.2
    seed: int = 0
    protocol: str = field(default="cold_user", init=False)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Split:
    """The parts of one split."""

    train: pd.DataFrame
    context: pd.DataFrame
    test: pd.DataFrame
    users: pd.DataFrame  # user_id, segment ("cold" | "warm"), n_history
    config: dict


def cold_user_split(interactions: pd.DataFrame, config: ColdUserConfig | None = None) -> Split:
    """Split ``interactions`` by holding out a share of users entirely (see :class:`ColdUserConfig`)."""
    cfg = config or ColdUserConfig()
    df = interactions.sort_values([C.user, C.timestamp], kind="stable").reset_index(drop=True)
    users = np.sort(df[C.user].unique())
    rng = np.random.default_rng(cfg.seed)
    n_cold = int(round(cfg.cold_share * len(users)))
    cold = set(rng.choice(users, size=n_cold, replace=False).tolist()) if n_cold else set()
    is_cold = df[C.user].isin(cold).to_numpy()
    pos = df.groupby(C.user, sort=False).cumcount().to_numpy()
    size = df.groupby(C.user, sort=False)[C.user].transform("size").to_numpy()
    # Warm users with one interaction keep it in train: nothing to predict from nothing.
    n_warm_test = np.where(size >= 2, np.maximum(1, np.floor(cfg.warm_test_share * size)), 0)
    warm_test = ~is_cold & (pos >= size - n_warm_test)
    context_mask = is_cold & (pos < cfg.n_reveal)
    test_mask = warm_test | (is_cold & ~context_mask)
    train_mask = ~is_cold & ~warm_test
    split = Split(df[train_mask].reset_index(drop=True), df[context_mask].reset_index(drop=True),
                  df[test_mask].reset_index(drop=True), pd.DataFrame(), cfg.to_dict())
    split.users = label_users(split, cold)
    return split


def label_users(split: Split, cold: set) -> pd.DataFrame:
    """One row per test user: segment and the length of the history a model may use."""
    test_users = split.test[C.user].unique()
    hist = pd.concat([split.train, split.context]).groupby(C.user).size()
    out = pd.DataFrame({C.user: test_users})
    out["segment"] = np.where(out[C.user].isin(cold), "cold", "warm")
    out["n_history"] = out[C.user].map(hist).fillna(0).astype(int)
    return out
