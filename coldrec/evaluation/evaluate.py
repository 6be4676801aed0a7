"""Per-user metric rows for each model: the table every breakdown and interval is computed from.

Every test user is ranked over the full catalog (minus their own history);
each row says which user segment the user is in and which item segment the
relevant items were restricted to, so results can be split both ways.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from coldrec.columns import Columns
from coldrec.metrics import accuracy as M
from coldrec.metrics.beyond import catalog_coverage, exposure_gini, per_user_beyond
from coldrec.models.base import Context, FitData, Recommender
from coldrec.ranking import top_k
from coldrec.split.base import Split

C = Columns
KS: tuple[int, ...] = (5, 10, 20, 50)
ITEM_SEGMENTS: tuple[str, ...] = ("all", "cold", "warm", "head", "tail")
# Metrics also computed on the relevant items of one item segment (e.g. recall on cold items).
SEGMENT_METRICS: tuple[str, ...] = ("recall", "ndcg", "hit_rate")


@dataclass
class EvalUsers:
    """Test users in index form: what each may use, what each must find."""

    user_ids: np.ndarray
    segments: np.ndarray
    buckets: np.ndarray
    n_history: np.ndarray
    contexts: list[Context]
    relevant: list[np.ndarray]

    def take(self, rows: np.ndarray | slice) -> EvalUsers:
        """The users at ``rows`` (positions or a slice), in that order."""
        if isinstance(rows, slice):
            return EvalUsers(self.user_ids[rows], self.segments[rows], self.buckets[rows], self.n_history[rows],
                             self.contexts[rows], self.relevant[rows])
        return EvalUsers(self.user_ids[rows], self.segments[rows], self.buckets[rows], self.n_history[rows],
                         [self.contexts[i] for i in rows], [self.relevant[i] for i in rows])


@dataclass
class ItemFacts:
    """Per catalog item: train popularity and segment masks."""

    train_counts: np.ndarray
    cold: np.ndarray
    tail: np.ndarray
    embeddings: np.ndarray | None = None

    def masks(self) -> dict[str, np.ndarray]:
        return {"cold": self.cold, "warm": ~self.cold, "head": ~self.tail, "tail": self.tail}


def fit_data(split: Split, item_ids: pd.Index, embeddings: np.ndarray | None = None,
             catalog: pd.DataFrame | None = None, encoder: str | None = None) -> FitData:
    """Index a split's train part against the catalog (``catalog`` rows in ``item_ids`` order)."""
    users = pd.Index(np.sort(split.train[C.user].unique()))
    weights = split.train[C.weight].to_numpy(dtype=np.float32) if C.weight in split.train.columns else None
    return FitData(n_items=len(item_ids), users=users.get_indexer(split.train[C.user]),
                   items=item_ids.get_indexer(split.train[C.item]),
                   timestamps=split.train[C.timestamp].to_numpy(), embeddings=embeddings,
                   catalog=catalog.reset_index(drop=True) if catalog is not None else None,
                   weights=weights, encoder=encoder)


def item_facts(split: Split, item_ids: pd.Index, embeddings: np.ndarray | None = None) -> ItemFacts:
    """Train counts and cold/tail masks aligned with ``item_ids`` (items unknown to the split are cold tail)."""
    counts = np.bincount(item_ids.get_indexer(split.train[C.item]), minlength=len(item_ids)).astype(np.int64)
    labels = split.items.set_index(C.item) if len(split.items) else pd.DataFrame()
    if len(labels):
        seg = labels["segment"].reindex(item_ids).fillna("cold").to_numpy()
        band = labels["band"].reindex(item_ids).fillna("tail").to_numpy()
    else:
        seg, band = np.where(counts > 0, "warm", "cold"), np.full(len(item_ids), "tail")
    return ItemFacts(counts, seg == "cold", band == "tail", embeddings)


def _index_lists(frame: pd.DataFrame, item_ids: pd.Index, unique: bool) -> pd.Series:
    """Per user (sorted), their items' catalog indices in row order (``unique``: sorted, once each).

    One stable sort and slices instead of a pandas groupby-apply, which spent a Python call per user
    (13 of 110 s of a cold-item curve at 80k interactions).
    """
    codes, users = pd.factorize(frame[C.user], sort=True)
    order = np.argsort(codes, kind="stable")
    items = item_ids.get_indexer(frame[C.item])[order]
    bounds = np.searchsorted(codes[order], np.arange(len(users) + 1))
    lists = [items[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
    out = pd.Series(np.empty(len(lists), dtype=object), index=pd.Index(users, name=C.user))
    out[:] = [np.unique(x) for x in lists] if unique else lists
    return out


def eval_users(split: Split, item_ids: pd.Index, n_targets: int | None = None) -> EvalUsers:
    """Contexts (train history, or revealed context for cold users) and relevant items per test user.

    Relevant items exclude what the user already has in their history: the
    ranking excludes those, so counting them would cap recall below 1.

    Parameters
    ----------
    split, item_ids
        The split and the catalog's item ids (row order of every score matrix).
    n_targets : int, optional
        The target rule. None: every test item of the user (the protocol's own
        test part). An int N: each user's next N distinct new items in time
        order, and users with fewer than N are left out.

    Notes
    -----
    NDCG, recall and hit rate depend on how many items a user must find, so
    segments scored on test parts of different sizes (a cold user's whole
    remaining history against a warm user's last 20%) differ even under a
    random ranking. The next-N rule gives every user exactly N targets, which
    makes segments comparable like for like.
    """
    history = pd.concat([split.train, split.context]).sort_values(C.timestamp, kind="stable")
    hist_idx = _index_lists(history, item_ids, unique=False)
    test_idx = _index_lists(split.test, item_ids, unique=True) if n_targets is None else \
        _next_items(split.test, item_ids, hist_idx)
    ids, contexts, relevant = [], [], []
    for user, rel in test_idx.items():
        hist = hist_idx.get(user, np.zeros(0, dtype=np.int64))
        rel = np.setdiff1d(rel, hist) if n_targets is None else rel[:n_targets]
        if len(rel) and (n_targets is None or len(rel) == n_targets):
            ids.append(user)
            contexts.append(Context(items=hist))
            relevant.append(rel)
    seg = split.users.set_index(C.user).loc[ids]
    return EvalUsers(np.asarray(ids), seg["segment"].to_numpy(), seg["history_bucket"].to_numpy(),
                     seg["n_history"].to_numpy(), contexts, relevant)


def _next_items(test: pd.DataFrame, item_ids: pd.Index, hist_idx: pd.Series) -> pd.Series:
    """Per user: test items in time order, first occurrences only, minus the user's history."""
    ordered = test.sort_values([C.user, C.timestamp], kind="stable")
    seqs = _index_lists(ordered, item_ids, unique=False)
    empty = np.zeros(0, dtype=np.int64)

    def new_items(user: object, seq: np.ndarray) -> np.ndarray:
        _, first = np.unique(seq, return_index=True)
        seq = seq[np.sort(first)]
        return seq[~np.isin(seq, hist_idx.get(user, empty))]

    return pd.Series({user: new_items(user, seq) for user, seq in seqs.items()}, dtype=object)


def rank_users(model: Recommender, users: EvalUsers, k_max: int,
               batch_size: int = 512) -> tuple[np.ndarray, np.ndarray]:
    """Top ``k_max`` per user over the full catalog minus their history, and each user's AUC."""
    tops, aucs = [], []
    for start in range(0, len(users.contexts), batch_size):
        ctx = users.contexts[start:start + batch_size]
        scores = model.score(ctx)
        exclude = [c.items for c in ctx]
        aucs.append(M.auc(scores, users.relevant[start:start + batch_size], exclude))
        tops.append(top_k(scores, k_max, exclude))
    if not tops:
        return np.zeros((0, k_max), dtype=np.int64), np.zeros(0)
    return np.concatenate(tops), np.concatenate(aucs)


def user_rows(users: EvalUsers, top: np.ndarray, auc: np.ndarray, facts: ItemFacts,
              ks: tuple[int, ...] = KS, beyond: dict[int, dict[str, np.ndarray]] | None = None) -> pd.DataFrame:
    """Long per-user rows: user_id, segment, history_bucket, n_history, item_segment, metric, k, value.

    Item-segment rows restrict the relevant set to that segment's items; users
    with no relevant item in a segment have no row for it.
    """
    frames = []
    base = {C.user: users.user_ids, "segment": users.segments, "history_bucket": users.buckets,
            "n_history": users.n_history}

    def add(item_segment: str, metric: str, k: int, values: np.ndarray, keep: np.ndarray | None = None) -> None:
        part = pd.DataFrame({**base, "item_segment": item_segment, "metric": metric, "k": k, "value": values})
        frames.append(part if keep is None else part[keep])

    hits = M.hits_matrix(top, users.relevant)
    n_rel = np.array([len(r) for r in users.relevant])
    for metric, fn in M.METRICS.items():
        for k in ks:
            add("all", metric, k, fn(hits, n_rel, k))
    add("all", "auc", 0, auc)
    for seg, mask in facts.masks().items():
        rel = [r[mask[r]] for r in users.relevant]
        n_seg = np.array([len(r) for r in rel])
        keep = n_seg > 0
        seg_hits = M.hits_matrix(top, rel)
        for metric in SEGMENT_METRICS:
            for k in ks:
                add(seg, metric, k, M.METRICS[metric](seg_hits, np.maximum(n_seg, 1), k), keep)
    frames.extend(_beyond_rows(base, beyond if beyond is not None else beyond_per_user(top, facts, ks)))
    out = pd.concat(frames, ignore_index=True)
    for col in ("segment", "history_bucket", "item_segment", "metric"):
        out[col] = out[col].astype("category")
    return out


def beyond_per_user(top: np.ndarray, facts: ItemFacts, ks: tuple[int, ...] = KS) -> dict[int, dict[str, np.ndarray]]:
    """Per-user beyond-accuracy values of each list at every K, computed once for user and list rows."""

    return {k: per_user_beyond(top[:, :k], facts.train_counts, facts.tail, facts.cold, facts.embeddings) for k in ks}


def _beyond_rows(base: dict, beyond: dict[int, dict[str, np.ndarray]]) -> list[pd.DataFrame]:
    """Per-user beyond-accuracy values of each list (tail share, popularity, diversity, cold slots)."""
    return [pd.DataFrame({**base, "item_segment": "all", "metric": metric, "k": k, "value": values})
            for k, values_by_metric in beyond.items() for metric, values in values_by_metric.items()]


def list_rows(top: np.ndarray, facts: ItemFacts, beyond: dict[int, dict[str, np.ndarray]]) -> pd.DataFrame:
    """Whole-run beyond-accuracy figures (coverage, exposure Gini, and the mean of each per-user value)."""

    n_items = len(facts.train_counts)
    rows = []
    for k, per_user in beyond.items():
        rows += [("coverage", k, catalog_coverage(top[:, :k], n_items)),
                 ("exposure_gini", k, exposure_gini(top[:, :k], n_items))]
        rows += [(metric, k, float(np.nanmean(v)) if np.isfinite(v).any() else float("nan"))
                 for metric, v in per_user.items()]
    return pd.DataFrame(rows, columns=["metric", "k", "value"])


@dataclass
class EvalResult:
    """Per-user rows and whole-list figures for every model (``model`` column in both), and the lists themselves."""

    per_user: pd.DataFrame
    lists: pd.DataFrame
    tops: pd.DataFrame  # long: model, user_id, rank (1 = best), item_index (catalog row)


def evaluate(models: Mapping[str, Recommender], split: Split, item_ids: pd.Index, ks: tuple[int, ...] = KS,
             embeddings: np.ndarray | None = None, on_model: Callable[[str], None] | None = None,
             batch_size: int = 512, n_targets: int | None = None) -> EvalResult:
    """Rank every test user with every model; see :func:`user_rows` and :func:`list_rows`.

    ``batch_size`` users are scored at a time (memory: batch x catalog floats);
    ``n_targets`` is the target rule of :func:`eval_users`.
    """
    users = eval_users(split, item_ids, n_targets)
    facts = item_facts(split, item_ids, embeddings)
    parts = []
    for name, model in models.items():
        if on_model:
            on_model(name)
        parts.append(model_tables(name, users, facts, ks, *rank_shard(model, users, facts, ks, batch_size)))
    return join_results(parts)


def rank_shard(model: Recommender, users: EvalUsers, facts: ItemFacts, ks: tuple[int, ...] = KS,
               batch_size: int = 512) -> tuple[np.ndarray, np.ndarray, dict[int, dict[str, np.ndarray]]]:
    """The per-user work of one model on some users: (top lists, AUC, beyond-accuracy values), rows in user order.

    Notes
    -----
    Every output row depends on its own user only, so the users can be split
    into shards, ranked anywhere (see :mod:`coldrec.runs.engine.on_ray`) and the
    rows concatenated; whole-list figures are then computed on the
    concatenation by :func:`model_tables`, never averaged over shards.
    """
    top, auc = rank_users(model, users, max(ks), batch_size)
    return top, auc, beyond_per_user(top, facts, ks)


def model_tables(name: str, users: EvalUsers, facts: ItemFacts, ks: tuple[int, ...], top: np.ndarray,
                 auc: np.ndarray, beyond: dict[int, dict[str, np.ndarray]]) -> tuple[pd.DataFrame, ...]:
    """One model's (per_user, lists, tops) tables from all its users' lists."""
    return (user_rows(users, top, auc, facts, ks, beyond).assign(model=name),
            list_rows(top, facts, beyond).assign(model=name), top_rows(users.user_ids, top).assign(model=name))


def join_results(parts: list[tuple[pd.DataFrame, ...]]) -> EvalResult:
    """One :class:`EvalResult` from every model's :func:`model_tables`, in model order."""
    per_user, lists, tops = zip(*parts, strict=True)
    return EvalResult(pd.concat(per_user, ignore_index=True), pd.concat(lists, ignore_index=True),
                      pd.concat(tops, ignore_index=True))


def slice_users(users: EvalUsers, start: int, stop: int) -> EvalUsers:
    """Users ``start:stop`` (a shard of the test users)."""
    return users.take(slice(start, stop))


def sample_users(users: EvalUsers, n: int, seed: int = 0, rows: np.ndarray | None = None) -> EvalUsers:
    """At most ``n`` users drawn without replacement from ``rows`` (default all), kept in their original order.

    Curves that re-score a run (tail-boost trade-off, what-if tables) use a
    sample to take seconds; the same seed gives the same users every time.
    """
    rows = np.arange(len(users.contexts)) if rows is None else np.asarray(rows)
    if len(rows) > n:
        rows = np.sort(rows[np.random.default_rng(seed).choice(len(rows), n, replace=False)])
    return users.take(rows)


def top_rows(user_ids: np.ndarray, top: np.ndarray) -> pd.DataFrame:
    """Each user's list in long form (user_id, rank, item_index), so exposure can be recounted at any K."""
    n_users, k = top.shape
    return pd.DataFrame({C.user: np.repeat(user_ids, k), "rank": np.tile(np.arange(1, k + 1, dtype=np.int16), n_users),
                         "item_index": top.ravel().astype(np.int32)})
