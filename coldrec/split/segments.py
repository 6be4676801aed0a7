"""Segments of a split's users and items: cold/warm, head/tail, history buckets.

Results are usually read per segment: a model that shines on warm users with
long histories can be useless on cold users, and one that pushes head items
can look good overall while never surfacing the tail.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from coldrec.columns import Columns

if TYPE_CHECKING:
    from coldrec.split.base import Split

C = Columns

# The head: the most-popular items holding this share of train interactions, items tied with the last one
# taken included (see head_mask). One owner: split configs default to it and the Data page's profile uses it.
HEAD_SHARE = 0.8
HISTORY_BUCKETS: tuple[str, ...] = ("0", "1-2", "3-5", "6-10", "11-20", "21+")
_BUCKET_UPPER = np.array([0, 2, 5, 10, 20])  # inclusive upper end of every bucket but the last


def history_bucket(n: np.ndarray) -> np.ndarray:
    """Label history lengths with their bucket of :data:`HISTORY_BUCKETS`.

    Parameters
    ----------
    n : numpy.ndarray
        Non-negative history lengths (interactions a model may use for a user).

    Returns
    -------
    numpy.ndarray
        Object array of labels, same shape as ``n``: 0 -> "0", 1 and 2 -> "1-2",
        3 to 5 -> "3-5", 6 to 10 -> "6-10", 11 to 20 -> "11-20", above -> "21+".
    """
    n = np.asarray(n)
    if n.size and n.min() < 0:
        raise ValueError("history lengths must be >= 0")
    return np.asarray(HISTORY_BUCKETS, dtype=object)[np.searchsorted(_BUCKET_UPPER, n, side="left")]


def user_table(user_ids: np.ndarray, n_history: np.ndarray, is_cold: np.ndarray) -> pd.DataFrame:
    """The ``users`` frame of a split: user_id, segment, n_history, history_bucket."""
    return pd.DataFrame({C.user: user_ids, "segment": np.where(is_cold, "cold", "warm"),
                         "n_history": n_history.astype(np.int64), "history_bucket": history_bucket(n_history)})


def label_users(split: Split, cold: Collection) -> pd.DataFrame:
    """One row per test user of ``split``: segment (cold when in ``cold``) and history length."""
    test_users = split.test[C.user].unique()
    hist = pd.concat([split.train[C.user], split.context[C.user]]).value_counts()
    n_history = hist.reindex(test_users, fill_value=0).to_numpy()
    return user_table(np.asarray(test_users), n_history, pd.Index(test_users).isin(list(cold)))


def head_mask(n_train: np.ndarray, head_share: float) -> np.ndarray:
    """True for head items: the most popular ones, which together cover ``head_share`` of train.

    Notes
    -----
    Items are taken in decreasing train count until their interactions reach
    ``head_share`` of all train interactions; the item that crosses the line is
    included. Ties follow the count, not the item id: every item with as many
    train interactions as the last one taken is head too, so an item's band
    depends only on its popularity, and the head can cover a little more than
    ``head_share``. Items without train interactions are always tail.
    """
    counts = np.asarray(n_train, dtype=np.int64)
    ranked = np.sort(counts)[::-1]
    taken_before = np.cumsum(ranked) - ranked
    # Rows still needed before an item is taken; the epsilon keeps 0.7 * 10 from asking for 7.000001.
    needed = np.ceil(head_share * ranked.sum() - 1e-9)
    taken = ranked[(taken_before < needed) & (ranked > 0)]
    if not len(taken):
        return np.zeros(len(counts), dtype=bool)
    return counts >= taken.min()


def label_items(train: pd.DataFrame, item_ids: pd.Index, head_share: float) -> pd.DataFrame:
    """One row per item of ``item_ids``: item_id, segment (cold/warm), band (head/tail), n_train.

    An item is cold when it has no train interactions; the head/tail rule is
    that of :func:`head_mask`.
    """
    n_train = train[C.item].value_counts().reindex(item_ids, fill_value=0).to_numpy()
    return pd.DataFrame({C.item: np.asarray(item_ids), "segment": np.where(n_train > 0, "warm", "cold"),
                         "band": np.where(head_mask(n_train, head_share), "head", "tail"),
                         "n_train": n_train.astype(np.int64)})


def describe(split: Split) -> dict:
    """Counts of a split for display: rows per part, test users per segment, items per segment and band.

    Returns
    -------
    dict
        ``protocol``; ``train_rows``, ``context_rows``, ``test_rows``;
        ``test_users``, ``test_users_cold``, ``test_users_warm``; ``items``,
        ``items_cold``, ``items_cold_in_test`` (cold items someone must find),
        ``items_head`` and ``head_train_share`` (share of train rows on head items).
    """
    users, items = split.users, split.items
    seg = users["segment"].value_counts() if len(users) else pd.Series(dtype=int)
    out = {"protocol": split.config.get("protocol", ""), "train_rows": len(split.train),
           "context_rows": len(split.context), "test_rows": len(split.test), "test_users": len(users),
           "test_users_cold": int(seg.get("cold", 0)), "test_users_warm": int(seg.get("warm", 0))}
    if len(items):
        cold = items.loc[items["segment"] == "cold", C.item]
        head = items["band"] == "head"
        total = int(items["n_train"].sum())
        out |= {"items": len(items), "items_cold": len(cold),
                "items_cold_in_test": int(cold.isin(split.test[C.item].unique()).sum()),
                "items_head": int(head.sum()),
                "head_train_share": float(items.loc[head, "n_train"].sum() / total) if total else 0.0}
    return out
