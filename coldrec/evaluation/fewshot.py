"""Few-shot curves: how fast each model learns a new user, one revealed interaction at a time.

For held-out (cold) users, reveal their first k interactions in time order,
recommend, and score the rest. The same users are scored at every k (those
with more than ``max(shots)`` interactions), so the curve shows learning, not
a changing population. k = 0 uses the user's own words (a query/summary/tag
column) when the data has one; without one there is nothing to personalise
on, so k = 0 is left out and the result says so.

:func:`reveal` / :func:`rank_revealed` / :func:`score_revealed` are the one
"reveal the first s items, score the rest" step; the replay of held-out users
(:mod:`coldrec.simulation.replay`) uses them too, with the session's interest vector as
the context instead of the raw history.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from coldrec.columns import Columns
from coldrec.evaluation.aggregate import bootstrap_ci
from coldrec.evaluation.evaluate import EvalUsers, eval_users
from coldrec.metrics import accuracy as M
from coldrec.models.base import Context, FitData, Recommender
from coldrec.ranking import top_k
from coldrec.split.base import Split
from coldrec.types import Progress, no_progress

C = Columns
SHOTS: tuple[int, ...] = (0, 1, 2, 3, 5, 10)
Encode = Callable[[list[str]], np.ndarray]


@dataclass
class FewShotResult:
    """Per-user rows (model, user_id, shots, metric, k, value), the curve summary, and a note for the reader."""

    per_user: pd.DataFrame
    curve: pd.DataFrame
    note: str


def cold_sequences(split: Split, item_ids: pd.Index, min_length: int) -> pd.DataFrame:
    """Held-out users' full sequences (context + test) in time order: user_id, items (array), query."""
    cold = split.users.loc[split.users["segment"] == "cold", C.user]
    seq = pd.concat([split.context, split.test])
    seq = seq[seq[C.user].isin(cold)].sort_values([C.user, C.timestamp], kind="stable")
    seq = seq.assign(i=item_ids.get_indexer(seq[C.item]))
    grouped = seq.groupby(C.user, sort=True)
    out = pd.DataFrame({"items": grouped["i"].apply(np.asarray)})
    if C.query in seq.columns:
        words = seq[seq[C.query].fillna("").astype(str).str.strip() != ""]
        out["query"] = words.groupby(C.user)[C.query].first().reindex(out.index)
    out = out[out["items"].map(len) >= min_length]
    return out.reset_index()


def few_shot(models: Mapping[str, Recommender], split: Split, item_ids: pd.Index, shots: tuple[int, ...] = SHOTS,
             ks: tuple[int, ...] = (20,), encode: Encode | None = None) -> FewShotResult:
    """Recall/NDCG@K of every model after revealing k = ``shots`` interactions of each held-out user."""
    seqs = cold_sequences(split, item_ids, max(shots) + 1)
    has_words = "query" in seqs and seqs["query"].notna().any() and encode is not None
    note = ("k = 0 uses each user's own words (the query column)." if has_words else
            "The data has no query/summary/tag column, so there is no k = 0 point: with nothing revealed no "
            "model can personalise.")
    shots = tuple(s for s in shots if s > 0 or has_words)
    queries = _query_vectors(seqs, encode) if has_words and encode is not None else None
    rows = []
    for name, model in models.items():
        for s in shots:
            rows.append(_score_shot(model, seqs, s, ks, queries if s == 0 else None).assign(model=name, shots=s))
    per_user = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()
    most = max(shots, default=0)
    if seqs.empty:
        note = f"No held-out user has more than {most} interactions, so there is no user curve."
    else:
        note += f" {len(seqs)} held-out users with more than {most} interactions are scored at every k."
    return FewShotResult(per_user, curve_summary(per_user), note)


def _query_vectors(seqs: pd.DataFrame, encode: Encode) -> list[np.ndarray | None]:
    texts = seqs["query"].fillna("").astype(str).tolist()
    vecs = encode([t for t in texts if t])
    it = iter(vecs)
    return [next(it) if t else None for t in texts]


def _score_shot(model: Recommender, seqs: pd.DataFrame, shots: int, ks: tuple[int, ...],
                queries: list[np.ndarray | None] | None) -> pd.DataFrame:
    """Per-user metrics for one model at one number of revealed interactions."""
    def context(row: int, revealed: np.ndarray) -> Context:
        return Context(items=revealed, query=queries[row] if queries is not None else None)

    return score_revealed(model, reveal(seqs, shots, context), ks)


# (row of the sequences table, the items revealed so far) -> what the model sees
ContextFn = Callable[[int, np.ndarray], Context]


@dataclass
class Revealed:
    """Users after their first ``shots`` interactions are revealed: what each model sees, what is left to find.

    ``revealed`` is what the ranking excludes: a model's context may hold the
    same items in another form (the content model reads them through the
    interest vector), so exclusion does not depend on ``contexts``.
    """

    shots: int
    user_ids: np.ndarray
    rows: np.ndarray  # row of each user in the sequences table
    contexts: list[Context]
    revealed: list[np.ndarray]
    relevant: list[np.ndarray]  # the rest of the sequence, minus anything already revealed
    next_item: np.ndarray  # the item the user really took next

    def eval_users(self) -> EvalUsers:
        """The same users as :class:`coldrec.evaluation.evaluate.EvalUsers` (contexts as history)."""
        n = len(self.user_ids)
        return EvalUsers(self.user_ids, np.full(n, "cold"), np.full(n, ""), np.full(n, self.shots),
                         self.contexts, self.relevant)


def reveal(seqs: pd.DataFrame, shots: int, context: ContextFn) -> Revealed:
    """Reveal the first ``shots`` items of every sequence; users with nothing left to find are dropped."""
    ids, rows, contexts, revealed, relevant, nxt = [], [], [], [], [], []
    for row, (user, items) in enumerate(zip(seqs[C.user], seqs["items"], strict=True)):
        rel = np.setdiff1d(items[shots:], items[:shots])
        if len(rel):
            ids.append(user)
            rows.append(row)
            contexts.append(context(row, items[:shots]))
            revealed.append(items[:shots])
            relevant.append(rel)
            nxt.append(items[shots])
    return Revealed(shots, np.asarray(ids), np.asarray(rows, dtype=np.int64), contexts, revealed, relevant,
                    np.asarray(nxt, dtype=np.int64))


def rank_revealed(model: Recommender, users: Revealed, k: int, batch_size: int = 512) -> np.ndarray:
    """Top-``k`` item indices per user, revealed items excluded; (n_users, k)."""
    tops = [top_k(model.score(users.contexts[i:i + batch_size]), k, users.revealed[i:i + batch_size])
            for i in range(0, len(users.contexts), batch_size)]
    return np.concatenate(tops) if tops else np.zeros((0, k), dtype=np.int64)


def score_revealed(model: Recommender, users: Revealed, ks: tuple[int, ...],
                   top: np.ndarray | None = None) -> pd.DataFrame:
    """Per-user recall and NDCG at every K of the items still to find (``top`` when already ranked)."""
    top = rank_revealed(model, users, max(ks)) if top is None else top
    return _metric_rows(users.user_ids, top, users.relevant, ks)


def curve_summary(per_user: pd.DataFrame, n_boot: int = 1000) -> pd.DataFrame:
    """Mean and 95% interval per model x shots x metric x k."""
    if per_user.empty:
        return pd.DataFrame(columns=["model", "shots", "metric", "k", "mean", "ci_low", "ci_high", "n_users"])
    rows = []
    for (model, shots, metric, k), grp in per_user.groupby(["model", "shots", "metric", "k"], sort=True):
        lo, hi = bootstrap_ci(grp["value"].to_numpy(), n_boot=n_boot)
        rows.append((model, shots, metric, k, float(grp["value"].mean()), lo, hi, len(grp)))
    return pd.DataFrame(rows, columns=["model", "shots", "metric", "k", "mean", "ci_low", "ci_high", "n_users"])


ITEM_CURVE_USERS = 2_000  # users scored at every k; sampled above this (one ranking per user, model and k)


def item_few_shot(models: Mapping[str, Recommender], split: Split, item_ids: pd.Index,
                  data_for: Callable[[Split], FitData], refit: bool = False, shots: tuple[int, ...] = SHOTS,
                  ks: tuple[int, ...] = (20,), progress: Progress = no_progress, max_users: int = ITEM_CURVE_USERS,
                  seed: int = 0) -> FewShotResult:
    """The cold-item curve: each cold item gains its first k interactions, models learn them, the rest is scored.

    Only cold items with more than ``max(shots)`` test interactions take part, so every k scores the same
    items; a user's relevant set is their remaining interactions with those items. ``models`` are fitted on
    ``split``'s train part and ``data_for`` turns a split into fit data (the caller owns embeddings). At each
    k a model learns the revealed interactions by :meth:`Recommender.fold_in`, which never tunes again; a
    model that cannot fold in is refitted with the settings it chose when ``refit`` is set, and otherwise left
    out of the curve (the note names it). At k = 0 every model is the fitted one. An item's first k
    interactions are revealed whoever made them; the users scored are at most ``max_users``, drawn once
    (``seed``) and the same at every k. ``progress(fraction, step)`` is called before every model at every k.
    """
    test, order = _item_curve_rows(split, max(shots))
    if test.empty:
        return FewShotResult(pd.DataFrame(), curve_summary(pd.DataFrame()),
                             f"No cold item has more than {max(shots)} test interactions, so there is no "
                             "cold-item curve.")
    scored = _scored_users(test[C.user], max_users, seed)
    rows: list[pd.DataFrame] = []
    how: dict[str, str] = {}
    steps = len(shots) * max(len(models), 1)
    for n_shot, s in enumerate(shots):
        rest = test[(order >= s) & scored]
        shifted = Split(pd.concat([split.train, test[order < s]]), split.context, rest, split.users,
                        split.config, split.items)
        data = data_for(shifted) if s > 0 else None
        users = eval_users(shifted, item_ids)
        for n_model, (name, model) in enumerate(models.items()):
            progress((n_shot * len(models) + n_model) / steps, f"k = {s}: {name}")
            learned, how[name] = _learn(model, data, refit) if data is not None else (model, how.get(name, ""))
            if learned is not None:
                rows.append(_score_users(learned, users, ks).assign(model=name, shots=s))
    per_user = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()
    left_out = [m for m, h in how.items() if h == "left out"]
    if left_out:  # a lone k = 0 point is no curve
        per_user = per_user[~per_user["model"].isin(left_out)].reset_index(drop=True)
    note = _item_curve_note(test, shots, how)
    if not scored.all():
        note += (f" {max_users:,} of the {test[C.user].nunique():,} users with those items are scored (drawn at "
                 "random, the same at every k).")
    return FewShotResult(per_user, curve_summary(per_user), note)


def _item_curve_rows(split: Split, most: int) -> tuple[pd.DataFrame, pd.Series]:
    """Test rows of cold items with more than ``most`` of them, by item and time, and each row's rank in its item."""
    cold = split.items.loc[split.items["segment"] == "cold", C.item]
    test = split.test.sort_values([C.item, C.timestamp], kind="stable")
    test = test[test[C.item].isin(cold)]
    order = test.groupby(C.item).cumcount()
    sizes = test.groupby(C.item)[C.item].transform("size")
    return test[sizes > most], order[sizes > most]


def _scored_users(users: pd.Series, max_users: int, seed: int) -> pd.Series:
    """Per row, whether its user is scored: everyone, or ``max_users`` of them drawn with ``seed``."""
    pool = np.sort(users.unique())
    if len(pool) > max_users:
        pool = np.random.default_rng(seed).choice(pool, max_users, replace=False)
    return users.isin(pool)


def _learn(model: Recommender, data: FitData, refit: bool) -> tuple[Recommender | None, str]:
    """(the model after learning ``data``, how: "fold-in", "refit" or "left out")."""
    folded = model.fold_in(data)
    if folded is not None:
        return folded, "fold-in"
    if refit:
        return model.frozen_copy().fit(data), "refit"
    return None, "left out"


def _item_curve_note(test: pd.DataFrame, shots: tuple[int, ...], how: dict[str, str]) -> str:
    groups = {kind: [m for m, h in how.items() if h == kind] for kind in ("fold-in", "refit", "left out")}
    note = (f"{test[C.item].nunique()} cold items with more than {max(shots)} test interactions; at each k they "
            "gain their first k interactions and the rest is scored.")
    if groups["fold-in"]:
        note += f" Learned without a refit (fold-in): {', '.join(groups['fold-in'])}."
    if groups["refit"]:
        note += f" Refitted at every k with the settings they chose: {', '.join(groups['refit'])}."
    if groups["left out"]:
        note += (f" Left out, as they learn new items only by a full refit: {', '.join(groups['left out'])} "
                 "(ask for refits on the Train page to include them).")
    return note


def _score_users(model: Recommender, users: EvalUsers, ks: tuple[int, ...]) -> pd.DataFrame:
    tops = [top_k(model.score(users.contexts[i:i + 512]), max(ks), [c.items for c in users.contexts[i:i + 512]])
            for i in range(0, len(users.contexts), 512)]
    top = np.concatenate(tops) if tops else np.zeros((0, max(ks)), dtype=np.int64)
    return _metric_rows(users.user_ids, top, users.relevant, ks)


def _metric_rows(user_ids: np.ndarray, top: np.ndarray, relevant: list[np.ndarray],
                 ks: tuple[int, ...]) -> pd.DataFrame:
    hits = M.hits_matrix(top, relevant)
    n_rel = np.array([len(r) for r in relevant])
    return pd.concat([pd.DataFrame({C.user: user_ids, "metric": metric, "k": k,
                                    "value": M.METRICS[metric](hits, n_rel, k)})
                      for metric in ("recall", "ndcg") for k in ks], ignore_index=True)
