"""Like-for-like scoring of a finished run: every segment on the same target and candidate rule.

A protocol's own test part gives segments test sets of different sizes (a
held-out user is tested on all their remaining interactions, a warm user on
their last 20%), and accuracy metrics depend on how many items a user must
find. :func:`rescore` re-reads a run's stored top lists under the next-N rule
of :func:`coldrec.evaluation.evaluate.eval_users`, so the cold-vs-warm gap it
shows is about cold start, not test-set size. No model is scored again: the
stored lists are the ranking over every catalog item but the user's history.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from coldrec.columns import Columns
from coldrec.evaluation.evaluate import KS, eval_users, item_facts, user_rows
from coldrec.split.base import Split

C = Columns
# Default next-N. Warm users' test is their last 20%, so few have many targets: on the sample shop N = 10
# keeps 125 of 1,600 warm users, N = 3 keeps 695 (and 335 of 382 held-out users); pages let the user raise it.
N_TARGETS = 3
TARGET_RULE = ("each user's next {n} new items after what the models may see (users with fewer are left out)")
CANDIDATE_RULE = "every catalog item except the user's own history, for every segment"


def rescore(tops: pd.DataFrame, split: Split, item_ids: pd.Index, n_targets: int = N_TARGETS,
            ks: tuple[int, ...] = KS) -> pd.DataFrame:
    """Per-user accuracy rows of every model under the next-``n_targets`` rule, from stored top lists.

    Parameters
    ----------
    tops : pandas.DataFrame
        The run's ``tops`` table (model, user_id, rank, item_index).
    split : Split
        The run's split, rebuilt from its config.
    item_ids : pandas.Index
        Catalog item ids in row order (``item_index`` refers to them).
    n_targets : int
        Targets per user; users with fewer new test items are left out.
    ks : tuple of int
        List lengths; those longer than the stored lists are dropped.

    Returns
    -------
    pandas.DataFrame
        :func:`~coldrec.evaluation.evaluate.user_rows` columns plus ``model``
        (accuracy metrics only: AUC needs every score and is not stored).
    """
    if n_targets < 1:
        raise ValueError("n_targets must be at least 1")
    users = eval_users(split, item_ids, n_targets)
    facts = item_facts(split, item_ids)
    depth = int(tops["rank"].max()) if len(tops) else 0
    ks = tuple(k for k in ks if k <= depth)
    frames = []
    for model, part in tops.groupby("model", sort=False, observed=True):
        lists = part.pivot(index=C.user, columns="rank", values="item_index")
        keep = np.isin(users.user_ids, lists.index)
        sub = users.take(np.flatnonzero(keep))
        top = lists.reindex(sub.user_ids).to_numpy(dtype=np.int64)
        rows = user_rows(sub, top, np.full(len(sub.user_ids), np.nan), facts, ks, beyond={})
        frames.append(rows[rows["metric"] != "auc"].assign(model=model))
    if not frames:
        return pd.DataFrame(columns=[C.user, "segment", "history_bucket", "n_history", "item_segment", "metric",
                                     "k", "value", "model"])
    return pd.concat(frames, ignore_index=True)


def target_counts(split: Split, item_ids: pd.Index, n_targets: int = N_TARGETS) -> pd.DataFrame:
    """Per user segment: test users, and how many have at least ``n_targets`` new test items (kept).

    Lets a page say how many users the like-for-like view keeps before the user
    moves the slider.
    """
    every = eval_users(split, item_ids)
    kept = set(eval_users(split, item_ids, n_targets).user_ids.tolist())
    frame = pd.DataFrame({"segment": every.segments, "kept": [u in kept for u in every.user_ids]})
    out = frame.groupby("segment").agg(users=("kept", "size"), kept=("kept", "sum")).reset_index()
    return out
