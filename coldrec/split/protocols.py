"""Train/test splits for cold-start evaluation, deterministic by seed.

Every protocol returns a :class:`Split`: ``train`` is what models fit on;
``context`` is what a cold user reveals at test time (scored as history, never
trained on); ``test`` is what must be predicted; ``users`` labels each test
user with its segment and history length; ``items`` labels every item cold/warm
and head/tail. :func:`make_split` runs any protocol of :data:`PROTOCOLS` from a
plain dict; each protocol's config explains it in its Notes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from typing import Self

import numpy as np
import pandas as pd

from coldrec.columns import Columns
from coldrec.split.base import Split
from coldrec.split.segments import (
    HEAD_SHARE,
    HISTORY_BUCKETS,
    describe,
    history_bucket,
    label_items,
    label_users,
    user_table,
)

__all__ = ["HISTORY_BUCKETS", "PROTOCOLS", "ColdItemConfig", "ColdUserConfig", "LeaveLastOutConfig",
           "NewArrivalsConfig", "NewDomainConfig", "Split", "TemporalConfig", "cold_user_split", "describe",
           "history_bucket", "label_items", "label_users", "make_split"]


C = Columns


class _DictConfig:
    """Round-trips a protocol config through a plain dict, ``protocol`` included."""

    protocol: str

    def to_dict(self) -> dict:
        return asdict(self)  # type: ignore[call-overload]

    @classmethod
    def from_dict(cls, d: dict) -> Self:
        """Build from a dict; unknown keys or shares outside [0, 1] raise ValueError."""
        d = dict(d)
        name = d.pop("protocol", cls.protocol)
        if name != cls.protocol:
            raise ValueError(f"a {name!r} config was given to the {cls.protocol!r} split")
        allowed = [f.name for f in fields(cls) if f.init]  # type: ignore[arg-type]
        unknown = sorted(set(d) - set(allowed))
        if unknown:
            raise ValueError(f"unknown settings {unknown} for the {cls.protocol} split; it takes {allowed}")
        cfg = cls(**d)
        for key in allowed:
            value = getattr(cfg, key)
            if key.endswith("_share") and not 0.0 <= value <= 1.0:
                raise ValueError(f"{key} must be between 0 and 1, got {value}")
        return cfg


@dataclass
class ColdUserConfig(_DictConfig):
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
    head_share: float = HEAD_SHARE
    protocol: str = field(default="cold_user", init=False)


@dataclass
class TemporalConfig(_DictConfig):
    """Cut the log at one point in time: the past is train, the future is test.

    Notes
    -----
    The cutoff is the time by which ``1 - test_share`` of all interactions had
    happened; everything from the cutoff on is test, everything before is
    train, so no model sees the future. Interactions at the very cutoff time
    go to test, so the test share can be a little above ``test_share``. Users
    who first appear after the cutoff have no history: they are the cold users.
    Items first seen after the cutoff are the cold items. This is closest to
    what happens in production, and cold users and items come in their
    natural proportions. There is no randomness; ``seed`` is kept for a
    uniform interface.
    """

    test_share: float = 0.2
    seed: int = 0
    head_share: float = HEAD_SHARE
    protocol: str = field(default="temporal", init=False)


@dataclass
class ColdItemConfig(_DictConfig):
    """Hold out the newest items entirely, as if they had just been launched.

    Notes
    -----
    Items are ordered by their first interaction; the newest ``cold_share`` of
    them are held out (items first seen at the same moment are ordered at
    random by ``seed``). Every interaction with a held-out item is test, and
    all other interactions are train. A user's test is their interactions
    with the held-out items; their train history is everything else. Users
    who only ever touched held-out items are cold users. Measures how well a
    model recommends products nobody has bought yet, which only item content
    (text, category, brand) can do.
    """

    cold_share: float = 0.2
    seed: int = 0
    head_share: float = HEAD_SHARE
    protocol: str = field(default="cold_item", init=False)


@dataclass
class NewDomainConfig(_DictConfig):
    """Hold out one whole category, as if the shop were launching it.

    Notes
    -----
    Every interaction with an item of ``category`` (from the catalog) is test,
    and all other interactions are train, so every item of the category is
    cold. Users who only ever bought in that category are cold users. Measures
    whether a model can carry what it learned elsewhere into a new domain.
    There is no randomness; ``seed`` is kept for a uniform interface.
    """

    category: str = ""
    seed: int = 0
    head_share: float = HEAD_SHARE
    protocol: str = field(default="new_domain", init=False)


@dataclass
class NewArrivalsConfig(_DictConfig):
    """Cut the log in time and score everything after the cut: warm and newly launched items compete.

    Notes
    -----
    The cut is placed as in the temporal protocol (the moment by which
    ``1 - test_share`` of the interactions had happened); every interaction
    from it on is test, whatever the item. Items first interacted with after
    the cut are the new arrivals: no model saw them in train, yet they must
    win slots against the warm catalog, in the proportion users actually
    chose them. Read it with three numbers (``benchmarks/new_arrivals.py``):
    overall NDCG, recall of new items alone, and new items' share of the
    recommended slots against their share of the test interactions. A model
    that hides new items scores 0 on the second and third; one that floods
    the list with them loses the first.
    """

    test_share: float = 0.2
    seed: int = 0
    head_share: float = HEAD_SHARE
    protocol: str = field(default="new_arrivals", init=False)


@dataclass
class LeaveLastOutConfig(_DictConfig):
    """Predict each user's latest interaction from the ones before (the classic warm split).

    Notes
    -----
    For every user with at least two interactions, the latest one is test and
    the rest are train; users with a single interaction keep it in train
    (nothing to predict it from). When several interactions share the latest
    time, the one that comes last in the file is test. All test users are
    warm. The most common academic protocol: a baseline for the cold-start
    ones, not a cold-start test itself. There is no randomness; ``seed`` is
    kept for a uniform interface.
    """

    seed: int = 0
    head_share: float = HEAD_SHARE
    protocol: str = field(default="leave_last_out", init=False)


class _Log:
    """The interactions ordered by user then time (stable), with each row's user code."""

    def __init__(self, interactions: pd.DataFrame) -> None:
        codes, self.user_ids = pd.factorize(interactions[C.user], sort=True)
        order = np.lexsort((interactions[C.timestamp].to_numpy(), codes))
        self.df = interactions.take(order).reset_index(drop=True)
        self.user = codes[order]  # ascending, so each user's rows are contiguous

    def counts(self, mask: np.ndarray | None = None) -> np.ndarray:
        """Rows per user code, over the rows of ``mask`` (all rows when None)."""
        codes = self.user if mask is None else self.user[mask]
        return np.bincount(codes, minlength=len(self.user_ids))

    def split(self, train: np.ndarray, context: np.ndarray, test: np.ndarray, cold_user: np.ndarray,
              config: _DictConfig) -> Split:
        """Cut the log by row masks and label the test users (``cold_user`` is per user code)."""
        train_part, context_part, test_part = (self.df[m].reset_index(drop=True) for m in (train, context, test))
        test_users = pd.unique(self.user[test])
        n_history = self.counts(train | context)[test_users]
        users = user_table(np.asarray(self.user_ids[test_users]), n_history, cold_user[test_users])
        return Split(train_part, context_part, test_part, users, config.to_dict())


def cold_user_split(interactions: pd.DataFrame, config: ColdUserConfig | None = None) -> Split:
    """Split ``interactions`` by holding out a share of users entirely (see :class:`ColdUserConfig`)."""
    cfg = config or ColdUserConfig()
    log = _Log(interactions)
    n_users = len(log.user_ids)
    cold_user = np.zeros(n_users, dtype=bool)
    n_cold = int(round(cfg.cold_share * n_users))
    if n_cold:
        cold_user[np.random.default_rng(cfg.seed).choice(n_users, size=n_cold, replace=False)] = True
    is_cold = cold_user[log.user]
    size = log.counts()
    pos = np.arange(len(log.user)) - (np.cumsum(size) - size)[log.user]
    size = size[log.user]
    # Warm users with one interaction keep it in train: nothing to predict from nothing.
    n_warm_test = np.where(size >= 2, np.maximum(1, np.floor(cfg.warm_test_share * size)), 0)
    warm_test = ~is_cold & (pos >= size - n_warm_test)
    context_mask = is_cold & (pos < cfg.n_reveal)
    test_mask = warm_test | (is_cold & ~context_mask)
    train_mask = ~is_cold & ~warm_test
    return log.split(train_mask, context_mask, test_mask, cold_user, cfg)


def _by_train(log: _Log, test: np.ndarray, config: _DictConfig) -> Split:
    """Everything not in ``test`` is train; users without train interactions are cold."""
    train = ~test
    return log.split(train, np.zeros_like(test), test, log.counts(train) == 0, config)


def _temporal(interactions: pd.DataFrame, catalog: pd.DataFrame | None,
              cfg: TemporalConfig | NewArrivalsConfig) -> Split:
    log = _Log(interactions)
    ts = log.df[C.timestamp].to_numpy()
    first = len(ts) - int(round(cfg.test_share * len(ts)))  # position of the cutoff in time order
    test = ts >= np.partition(ts, first)[first] if first < len(ts) else np.zeros(len(ts), dtype=bool)
    return _by_train(log, test, cfg)


def _cold_item(interactions: pd.DataFrame, catalog: pd.DataFrame | None, cfg: ColdItemConfig) -> Split:
    log = _Log(interactions)
    items, item_ids = pd.factorize(log.df[C.item], sort=True)
    first_seen = pd.Series(log.df[C.timestamp].to_numpy()).groupby(items).min().to_numpy()
    n_cold = int(round(cfg.cold_share * len(item_ids)))
    tiebreak = np.random.default_rng(cfg.seed).permutation(len(item_ids))
    cold_item = np.zeros(len(item_ids), dtype=bool)
    cold_item[np.lexsort((tiebreak, first_seen))[len(item_ids) - n_cold:]] = True
    return _by_train(log, cold_item[items], cfg)


def _new_domain(interactions: pd.DataFrame, catalog: pd.DataFrame | None, cfg: NewDomainConfig) -> Split:
    if catalog is None or C.category not in catalog.columns:
        raise ValueError(f"the new_domain split needs the catalog with a '{C.category}' column")
    category = catalog[C.category].dropna().astype(str)
    available = sorted(category.unique())
    if cfg.category not in available:
        what = f"category {cfg.category!r} is not in the catalog" if cfg.category else "no category chosen"
        raise ValueError(f"the new_domain split: {what}; available categories: {', '.join(available)}")
    domain = catalog.loc[category.index[category == cfg.category], C.item].unique()
    log = _Log(interactions)
    return _by_train(log, log.df[C.item].isin(domain).to_numpy(), cfg)


def _leave_last_out(interactions: pd.DataFrame, catalog: pd.DataFrame | None, cfg: LeaveLastOutConfig) -> Split:
    log = _Log(interactions)
    last = np.append(log.user[1:] != log.user[:-1], True) if len(log.user) else np.zeros(0, dtype=bool)
    return _by_train(log, last & (log.counts()[log.user] >= 2), cfg)


PROTOCOLS: dict[str, type[ColdUserConfig | TemporalConfig | ColdItemConfig | NewDomainConfig | LeaveLastOutConfig
                          | NewArrivalsConfig]] = {
    "cold_user": ColdUserConfig, "temporal": TemporalConfig, "cold_item": ColdItemConfig,
    "new_domain": NewDomainConfig, "leave_last_out": LeaveLastOutConfig, "new_arrivals": NewArrivalsConfig}


_SPLITTERS: dict[str, Callable[..., Split]] = {
    "cold_user": lambda interactions, catalog, cfg: cold_user_split(interactions, cfg),
    "temporal": _temporal, "cold_item": _cold_item, "new_domain": _new_domain, "leave_last_out": _leave_last_out,
    "new_arrivals": _temporal,
}


def make_split(interactions: pd.DataFrame, catalog: pd.DataFrame | None = None, config: dict | None = None) -> Split:
    """Run the split protocol named in ``config`` and label its users and items.

    Parameters
    ----------
    interactions : pandas.DataFrame
        user_id, item_id, timestamp, plus any other columns (carried into the parts).
    catalog : pandas.DataFrame, optional
        item_id (and category, for ``new_domain``). ``items`` has one row per
        catalog item then per interacted item missing from it; without a
        catalog, one row per interacted item.
    config : dict, optional
        ``protocol`` (a key of :data:`PROTOCOLS`, default "cold_user") and that
        protocol's settings; missing ones take their defaults. The split's
        ``config`` holds every setting used.
    """
    settings = dict(config or {})
    name = settings.get("protocol", "cold_user")
    if name not in PROTOCOLS:
        raise ValueError(f"unknown split protocol {name!r}; choose from {list(PROTOCOLS)}")
    cfg = PROTOCOLS[name].from_dict(settings)
    split = _SPLITTERS[name](interactions, catalog, cfg)
    seen = pd.Index(interactions[C.item].unique()).sort_values()
    item_ids = seen if catalog is None else pd.Index(catalog[C.item].unique())
    split.items = label_items(split.train, item_ids.append(seen.difference(item_ids)), cfg.head_share)
    return split
