"""Replay a real held-out user: reveal their interactions one by one and watch each strategy's list.

At step ``s`` the user's first ``s`` interactions (time order) are known;
every strategy ranks the catalog (those items excluded) and the list is
checked against what the user really did next. The interest vector that text
strategies read is built exactly as in a live session: it starts at the
embedding of the user's own words (when the data has a query column) or of
their first item, and moves by ``u <- u + alpha * (e - u)`` for every
further revealed item. Revealing and scoring are the few-shot curves' own
functions (:func:`coldrec.evaluation.fewshot.reveal`), so the batch replay and the
few-shot curve differ only in what each model is shown.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from coldrec.columns import Columns
from coldrec.data.workspace import Workspace
from coldrec.evaluation.evaluate import ItemFacts, fit_data, item_facts
from coldrec.evaluation.fewshot import ContextFn, Revealed, cold_sequences, rank_revealed, reveal, score_revealed
from coldrec.models.base import Context, FitData, Recommender
from coldrec.runs.store import run_split
from coldrec.simulation.session import Session, session_context, update_interest
from coldrec.split.base import Split

C = Columns


@dataclass
class RunData:
    """What replay and the what-if knobs need from a finished run: its split, item facts, held-out sequences."""

    run_id: str
    config: dict
    split: Split
    item_ids: pd.Index
    facts: ItemFacts
    sequences: pd.DataFrame  # held-out users with at least 2 interactions: user_id, items, query?
    train: FitData  # the split's train part indexed (for refitting with items hidden)


def load_run_data(ws: Workspace, run_id: str) -> RunData:
    """Rebuild a finished run's split (deterministic by seed) and index it against the catalog."""

    info, _, split, item_ids = run_split(ws, run_id)
    return RunData(run_id, info["config"], split, item_ids, item_facts(split, item_ids),
                   cold_sequences(split, item_ids, 2), fit_data(split, item_ids))


def interest_after(items: np.ndarray, item_vectors: np.ndarray, alpha: float,
                   words: np.ndarray | None) -> np.ndarray | None:
    """The interest vector once ``items`` are revealed: from the words (or the first item), one update per item."""
    if words is None and not len(items):
        return None
    u = np.asarray(words if words is not None else item_vectors[items[0]], dtype=np.float32)
    for i in items if words is not None else items[1:]:
        u = update_interest(u, item_vectors[i], alpha)
    return u


def interest_contexts(model: Recommender, seqs: pd.DataFrame, item_vectors: np.ndarray, alpha: float,
                      words: Sequence[np.ndarray | None] | None = None) -> ContextFn:
    """What ``model`` sees after some items are revealed: the same context a live session with those clicks gets."""
    queries: list[Any] = seqs["query"].tolist() if "query" in seqs else [None] * len(seqs)

    def context(row: int, revealed: np.ndarray) -> Context:
        w = words[row] if words is not None else None
        u = interest_after(revealed, item_vectors, alpha, w)
        if u is None:  # nothing known yet: only non-personal strategies (popularity) have an answer
            return Context(items=revealed)
        session = Session(queries[row] if isinstance(queries[row], str) else "", u, tuple(int(i) for i in revealed))
        return session_context(model, session)

    return context


def replay(models: Mapping[str, Recommender], seqs: pd.DataFrame, item_vectors: np.ndarray, steps: Sequence[int],
           alpha: float = 0.5, k: int = 10, words: Sequence[np.ndarray | None] | None = None,
           keep_lists: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-user metrics at every step for every strategy, and (``keep_lists``) the top-``k`` lists.

    Returns ``(per_user, lists)``: per_user has model, step, user_id, metric
    (``hit_next``: the next item is in the list; ``recall``/``ndcg``: of all
    items still to come), k, value; lists has model, step, user_id, rank,
    index, taken (``next``, ``later`` or empty).
    """
    rows, lists = [], []
    for name, model in models.items():
        for step in steps:
            users = reveal(seqs, step, interest_contexts(model, seqs, item_vectors, alpha, words))
            if not len(users.user_ids):
                continue
            top = rank_revealed(model, users, k)
            hit_next = (top == users.next_item[:, None]).any(axis=1).astype(float)
            rows.append(pd.concat([score_revealed(model, users, (k,), top=top),
                                   pd.DataFrame({C.user: users.user_ids, "metric": "hit_next", "k": k,
                                                 "value": hit_next})], ignore_index=True)
                        .assign(model=name, step=step))
            if keep_lists:
                lists.append(_lists(top, users, seqs).assign(model=name, step=step))
    per_user = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(
        columns=[C.user, "metric", "k", "value", "model", "step"])
    return per_user, pd.concat(lists, ignore_index=True) if lists else pd.DataFrame()


def _lists(top: np.ndarray, users: Revealed, seqs: pd.DataFrame) -> pd.DataFrame:
    n, k = top.shape
    taken = np.full(top.shape, "", dtype=object)
    for r in range(n):
        later = seqs["items"].iloc[users.rows[r]][users.shots + 1:]
        taken[r][np.isin(top[r], later)] = "later"
        taken[r][top[r] == users.next_item[r]] = "next"
    return pd.DataFrame({C.user: np.repeat(users.user_ids, k), "rank": np.tile(np.arange(1, k + 1), n),
                         "index": top.ravel(), "taken": taken.ravel()})


@dataclass
class UserReplay:
    """One held-out user's replay: their sequence, every strategy's list per step, and per-step metrics."""

    user_id: str
    sequence: pd.DataFrame  # step, index, item_id, title (the items in the order the user took them)
    lists: pd.DataFrame  # step, strategy, rank, index, item_id, title, taken
    metrics: pd.DataFrame  # step, strategy, hit_next, recall, ndcg


def replay_user(models: Mapping[str, Recommender], seqs: pd.DataFrame, user_id: str, catalog: pd.DataFrame,
                item_vectors: np.ndarray, alpha: float = 0.5, k: int = 10, words: np.ndarray | None = None,
                max_steps: int = 30) -> UserReplay:
    """Replay ``user_id`` of ``seqs`` (from :func:`coldrec.evaluation.fewshot.cold_sequences`) step by step.

    Step 0 exists only when the user has words (``words``): without them
    nothing is known before the first interaction.
    """
    one = seqs[seqs[C.user] == user_id].reset_index(drop=True)
    if one.empty:
        raise KeyError(f"user {user_id!r} is not among the held-out users")
    items = one["items"].iloc[0]
    steps = range(0 if words is not None else 1, min(len(items), max_steps + 1))
    per_user, lists = replay(models, one, item_vectors, steps, alpha, k, [words], keep_lists=True)
    titles = catalog[C.title].astype(str).to_numpy()
    ids = catalog[C.item].astype(str).to_numpy()
    sequence = pd.DataFrame({"step": np.arange(1, len(items) + 1), "index": items, C.item: ids[items],
                             C.title: titles[items]})
    if lists.empty:
        return UserReplay(user_id, sequence, pd.DataFrame(), pd.DataFrame())
    lists = lists.rename(columns={"model": "strategy"}).assign(**{C.item: lambda d: ids[d["index"]],
                                                                  C.title: lambda d: titles[d["index"]]})
    lists = lists[["step", "strategy", "rank", "index", C.item, C.title, "taken"]]
    metrics = per_user.pivot_table(index=["step", "model"], columns="metric", values="value").reset_index()
    metrics = metrics.rename(columns={"model": "strategy"})[["step", "strategy", "hit_next", "recall", "ndcg"]]
    return UserReplay(user_id, sequence, lists, metrics)


def replay_curve(per_user: pd.DataFrame) -> pd.DataFrame:
    """Mean of every metric per strategy and step (the batch replay's curve): model, step, metric, k, mean, n_users."""
    if per_user.empty:
        return pd.DataFrame(columns=["model", "step", "metric", "k", "mean", "n_users"])
    return (per_user.groupby(["model", "step", "metric", "k"], sort=True)["value"]
            .agg(mean="mean", n_users="size").reset_index())


def timeline(lists: pd.DataFrame) -> pd.DataFrame:
    """What changed in each strategy's list from one step to the next.

    ``lists`` needs step, strategy, rank, item_id and title (session lists
    or replay lists). One row per strategy x step x item that is in the list
    at that step or left it: rank (NaN when it left), previous_rank (NaN when
    it entered), change (``start``, ``entered``, ``left``, ``up``, ``down``,
    ``same``) and move (places gained; positive is up).
    """
    cols = ["strategy", "step", C.item, C.title, "rank", "previous_rank", "change", "move"]
    if lists.empty:
        return pd.DataFrame(columns=cols)
    out = []
    for strategy, part in lists.groupby("strategy", sort=False):
        steps = sorted(part["step"].unique())
        prev = None
        for step in steps:
            cur = part[part["step"] == step].set_index(C.item)
            if prev is None:
                frame = cur.assign(previous_rank=np.nan, change="start")
            else:
                frame = cur.join(prev["rank"].rename("previous_rank"), how="outer")
                frame[C.title] = frame[C.title].fillna(prev[C.title].reindex(frame.index))
                frame["change"] = np.select(
                    [frame["rank"].isna(), frame["previous_rank"].isna(), frame["rank"] < frame["previous_rank"],
                     frame["rank"] > frame["previous_rank"]], ["left", "entered", "up", "down"], "same")
            frame = frame.assign(strategy=strategy, step=step, move=frame["previous_rank"] - frame["rank"])
            out.append(frame.reset_index()[cols])
            prev = cur
    result = pd.concat(out, ignore_index=True)
    return result.sort_values(["strategy", "step", "rank"], na_position="last", kind="stable").reset_index(drop=True)
