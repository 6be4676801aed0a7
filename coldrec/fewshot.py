"""Few-shot curves: how fast each model learns a new user, one revealed interaction at a time.

For held-out (cold) users, reveal their first k interactions in time order,
recommend, and score the rest. The same users are scored at every k (those
with more than ``max(shots)`` interactions), so the curve shows learning, not
a changing population. k = 0 uses the user's own words (a query/summary/tag
column) when the data has one; without one there is nothing to personalise
on, so k = 0 is left out and the result says so.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from coldrec import metrics as M
from coldrec.aggregate import bootstrap_ci
from coldrec.models.base import Context, Recommender
from coldrec.ranking import top_k
from coldrec.schema import Columns
from coldrec.split import Split

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
    queries = _query_vectors(seqs, encode) if has_words else None
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
    from coldrec.evaluate import EvalUsers

    ids, contexts, relevant = [], [], []
    for row, (user, items) in enumerate(zip(seqs[C.user], seqs["items"], strict=True)):
        rel = np.setdiff1d(items[shots:], items[:shots])
        if len(rel):
            q = queries[row] if queries is not None else None
            ids.append(user)
            contexts.append(Context(items=items[:shots], query=q))
            relevant.append(rel)
    n = len(ids)
    users = EvalUsers(np.asarray(ids), np.full(n, "cold"), np.full(n, ""), np.full(n, shots), contexts, relevant)
    return _score_users(model, users, ks)


def curve_summary(per_user: pd.DataFrame, n_boot: int = 1000) -> pd.DataFrame:
    """Mean and 95% interval per model x shots x metric x k."""
    if per_user.empty:
        return pd.DataFrame(columns=["model", "shots", "metric", "k", "mean", "ci_low", "ci_high", "n_users"])
    rows = []
    for (model, shots, metric, k), grp in per_user.groupby(["model", "shots", "metric", "k"], sort=True):
        lo, hi = bootstrap_ci(grp["value"].to_numpy(), n_boot=n_boot)
        rows.append((model, shots, metric, k, float(grp["value"].mean()), lo, hi, len(grp)))
    return pd.DataFrame(rows, columns=["model", "shots", "metric", "k", "mean", "ci_low", "ci_high", "n_users"])


def item_few_shot(make: Callable[[], Mapping[str, Recommender]], split: Split, item_ids: pd.Index,
                  fit: Callable[[Mapping[str, Recommender], Split], None], shots: tuple[int, ...] = SHOTS,
                  ks: tuple[int, ...] = (20,)) -> FewShotResult:
    """The cold-item curve: each cold item gains its first k interactions, models are refitted, the rest is scored.

    Only cold items with more than ``max(shots)`` test interactions take part,
    so every k scores the same items; a user's relevant set is their
    remaining interactions with those items. ``make`` builds fresh models and
    ``fit`` fits them on a split (the caller owns embeddings and configs).
    """
    from coldrec.evaluate import eval_users

    cold = split.items.loc[split.items["segment"] == "cold", C.item]
    test = split.test.sort_values([C.item, C.timestamp], kind="stable")
    test = test[test[C.item].isin(cold)]
    order = test.groupby(C.item).cumcount()
    sizes = test.groupby(C.item)[C.item].transform("size")
    test, order = test[sizes > max(shots)], order[sizes > max(shots)]
    rows = []
    for s in shots:
        shifted = Split(pd.concat([split.train, test[order < s]]), split.context, test[order >= s], split.users,
                        split.config, split.items)
        models = make()
        fit(models, shifted)
        users = eval_users(shifted, item_ids)
        for name, model in models.items():
            rows.append(_score_users(model, users, ks).assign(model=name, shots=s))
    per_user = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()
    note = (f"{test[C.item].nunique()} cold items with more than {max(shots)} test interactions; at each k every "
            "model is refitted with those items' first k interactions and scored on the rest.")
    return FewShotResult(per_user, curve_summary(per_user), note)


def _score_users(model: Recommender, users, ks: tuple[int, ...]) -> pd.DataFrame:  # noqa: ANN001 - EvalUsers
    tops = [top_k(model.score(users.contexts[i:i + 512]), max(ks), [c.items for c in users.contexts[i:i + 512]])
            for i in range(0, len(users.contexts), 512)]
    top = np.concatenate(tops) if tops else np.zeros((0, max(ks)), dtype=np.int64)
    hits = M.hits_matrix(top, users.relevant)
    n_rel = np.array([len(r) for r in users.relevant])
    return pd.concat([pd.DataFrame({C.user: users.user_ids, "metric": metric, "k": k,
                                    "value": M.METRICS[metric](hits, n_rel, k)})
                      for metric in ("recall", "ndcg") for k in ks], ignore_index=True)
