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
    return FewShotResult(per_user, curve_summary(per_user), note + f" {len(seqs)} held-out users with more "
                         f"than {max(shots, default=0)} interactions are scored at every k.")


def _query_vectors(seqs: pd.DataFrame, encode: Encode) -> list[np.ndarray | None]:
    texts = seqs["query"].fillna("").astype(str).tolist()
    vecs = encode([t for t in texts if t])
    it = iter(vecs)
    return [next(it) if t else None for t in texts]


def _score_shot(model: Recommender, seqs: pd.DataFrame, shots: int, ks: tuple[int, ...],
                queries: list[np.ndarray | None] | None) -> pd.DataFrame:
    """Per-user metrics for one model at one number of revealed interactions."""
    contexts, relevant = [], []
    for row, items in enumerate(seqs["items"]):
        q = queries[row] if queries is not None else None
        contexts.append(Context(items=items[:shots], query=q))
        relevant.append(np.setdiff1d(items[shots:], items[:shots]))
    keep = np.array([len(r) > 0 for r in relevant], dtype=bool)
    contexts = [c for c, k in zip(contexts, keep, strict=True) if k]
    relevant = [r for r, k in zip(relevant, keep, strict=True) if k]
    tops = [top_k(model.score(contexts[i:i + 512]), max(ks), [c.items for c in contexts[i:i + 512]])
            for i in range(0, len(contexts), 512)]
    top = np.concatenate(tops) if tops else np.zeros((0, max(ks)), dtype=np.int64)
    hits = M.hits_matrix(top, relevant)
    n_rel = np.array([len(r) for r in relevant])
    users = seqs[C.user].to_numpy()[keep]
    frames = [pd.DataFrame({C.user: users, "metric": metric, "k": k, "value": M.METRICS[metric](hits, n_rel, k)})
              for metric in ("recall", "ndcg") for k in ks]
    return pd.concat(frames, ignore_index=True)


def curve_summary(per_user: pd.DataFrame, n_boot: int = 1000) -> pd.DataFrame:
    """Mean and 95% interval per model x shots x metric x k."""
    if per_user.empty:
        return pd.DataFrame(columns=["model", "shots", "metric", "k", "mean", "ci_low", "ci_high", "n_users"])
    rows = []
    for (model, shots, metric, k), grp in per_user.groupby(["model", "shots", "metric", "k"], sort=True):
        lo, hi = bootstrap_ci(grp["value"].to_numpy(), n_boot=n_boot)
        rows.append((model, shots, metric, k, float(grp["value"].mean()), lo, hi, len(grp)))
    return pd.DataFrame(rows, columns=["model", "shots", "metric", "k", "mean", "ci_low", "ci_high", "n_users"])
