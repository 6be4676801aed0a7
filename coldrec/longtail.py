"""Long-tail view of a finished run: item popularity, exposure Lorenz curves, tail figures, the tail-boost curve.

Everything is read from the run folder where the run already wrote it
(``lists.parquet`` and ``summary.parquet``), so the numbers match the Cold
start page. Two things are derived and cached next to them: the split's item
labels (``items.parquet``: train interactions and head/tail band per item)
and the tail-boost trade-off (``tradeoff.parquet``), which needs the split
rebuilt and the models loaded, so it is computed once per run and K.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from coldrec.profile import lorenz_curve
from coldrec.workspace import Workspace

# Test users scored for the trade-off curve: enough for a stable mean, few enough to take seconds on a CPU.
TRADEOFF_USERS = 500
TAIL_COLUMNS = ("coverage", "aplt", "tail_recall", "exposure_gini", "cold_share")


def item_popularity(items: pd.DataFrame) -> pd.DataFrame:
    """Items by decreasing train interactions: rank (1 = most popular), item_id, n_train, band, segment.

    ``items`` is a split's item table (:attr:`coldrec.split.Split.items`); the
    band is the split's own head/tail label, so the cut drawn is the one every
    tail metric of the run used.
    """
    out = items.sort_values(["n_train", "item_id"], ascending=[False, True], kind="stable").reset_index(drop=True)
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out[["rank", "item_id", "n_train", "band", "segment"]]


def exposure_lorenz(tops: pd.DataFrame, n_items: int, k: int, max_points: int = 200) -> pd.DataFrame:
    """Lorenz curve of item exposure in every model's top-``k`` lists.

    Parameters
    ----------
    tops : pandas.DataFrame
        The run's ``tops.parquet``: model, user_id, rank (1 = best), item_index (catalog row).
    n_items : int
        Catalog size; items never recommended count as exposure 0.
    k : int
        List length; ranks above ``k`` are ignored.

    Returns
    -------
    pandas.DataFrame
        model, item_share (x: cumulative share of catalog items, least exposed first),
        slot_share (y: cumulative share of recommendation slots). The diagonal is
        equal exposure; the further below, the more the slots go to few items.
    """
    frames = []
    for model, part in tops[tops["rank"] <= k].groupby("model", sort=False):
        counts = np.bincount(part["item_index"].to_numpy(), minlength=n_items)
        curve = lorenz_curve(counts, max_points).rename(columns={"interaction_share": "slot_share"})
        frames.append(curve.assign(model=model))
    if not frames:
        return pd.DataFrame(columns=["model", "item_share", "slot_share"])
    return pd.concat(frames, ignore_index=True)[["model", "item_share", "slot_share"]]


def top_matrix(tops: pd.DataFrame, model: str, k: int) -> np.ndarray:
    """One model's lists as (n_users, k) catalog rows, best first (for :mod:`coldrec.beyond`)."""
    part = tops[(tops["model"] == model) & (tops["rank"] <= k)].sort_values(["user_id", "rank"], kind="stable")
    return part["item_index"].to_numpy().reshape(-1, k)


def tail_table(lists: pd.DataFrame, summary: pd.DataFrame, k: int) -> pd.DataFrame:
    """Per model at ``k``: coverage, APLT, tail recall, exposure Gini, cold-item share of slots.

    Coverage, APLT, Gini and cold share come from the run's ``lists`` table;
    tail recall is the run's recall restricted to tail items over all test
    users who have one (``summary``, item segment "tail"). Missing figures are NaN.
    """
    part = lists[lists["k"] == k].pivot_table(index="model", columns="metric", values="value", observed=True)
    tail = summary[(summary["by"] == "segment") & (summary["group"] == "all") & (summary["item_segment"] == "tail")
                   & (summary["metric"] == "recall") & (summary["k"] == k)].set_index("model")["mean"]
    out = part.reindex(columns=[c for c in TAIL_COLUMNS if c != "tail_recall"]).assign(tail_recall=tail)
    models = list(dict.fromkeys(list(lists["model"].unique()) + list(summary["model"].unique())))
    return out.reindex(models)[list(TAIL_COLUMNS)].rename_axis(index="model", columns=None).reset_index()


def run_items(ws: Workspace, run_id: str) -> pd.DataFrame:
    """The run split's item table over the catalog (item_id, segment, band, n_train), cached as ``items.parquet``.

    Rows are in catalog order, so row ``i`` is ``item_index`` ``i`` of ``tops.parquet``.
    """
    path = ws.run_dir(run_id) / "items.parquet"
    if path.exists():
        return pd.read_parquet(path)
    from coldrec.experiment import run_split

    _, _, split, item_ids = run_split(ws, run_id)
    # Interacted items missing from the catalog are never recommended; the run's metrics leave them out too.
    items = split.items.set_index("item_id").reindex(item_ids).rename_axis("item_id").reset_index()
    ws.write_parquet(path, items)
    return items


def run_tradeoff(ws: Workspace, run_id: str, k: int = 20, n_users: int = TRADEOFF_USERS,
                 seed: int = 0) -> pd.DataFrame:
    """The tail-boost trade-off of every model of a run at ``k``, cached in ``tradeoff.parquet``.

    Returns
    -------
    pandas.DataFrame
        model, k, strength, ndcg, recall, aplt, coverage, exposure_gini,
        cold_share, n_users (users scored), n_test_users (users in the run).

    Notes
    -----
    The split is rebuilt and the saved models loaded, then
    :func:`coldrec.rerank.tradeoff` re-ranks one scoring pass at every boost
    strength. Only a random ``n_users`` of the test users are scored (same
    users for every model and strength, so the points are paired); coverage
    and Gini on a subsample are lower than on all users, and are read
    across strengths, not against the tail table.
    """
    path = ws.run_dir(run_id) / "tradeoff.parquet"
    cached = pd.read_parquet(path) if path.exists() else None
    if cached is not None and ((cached["k"] == k) & (cached["n_users_asked"] == n_users)).any():
        return cached[(cached["k"] == k) & (cached["n_users_asked"] == n_users)].drop(columns="n_users_asked") \
            .reset_index(drop=True)
    curve = _compute_tradeoff(ws, run_id, k, n_users, seed).assign(n_users_asked=n_users)
    ws.write_parquet(path, curve if cached is None else pd.concat([cached, curve], ignore_index=True))
    return curve.drop(columns="n_users_asked")


def _compute_tradeoff(ws: Workspace, run_id: str, k: int, n_users: int, seed: int) -> pd.DataFrame:
    from coldrec.evaluate import eval_users, item_facts, sample_users
    from coldrec.experiment import load_run_model, run_split
    from coldrec.rerank import tradeoff

    info, _, split, item_ids = run_split(ws, run_id)
    users = eval_users(split, item_ids)
    sample = sample_users(users, n_users, seed)
    facts = item_facts(split, item_ids)
    frames = [tradeoff(load_run_model(ws, run_id, name), sample, facts, k=k).assign(model=name)
              for name in info["config"]["models"]]
    out = pd.concat(frames, ignore_index=True).assign(k=k, n_test_users=len(users.contexts))
    return out[["model", "k", "strength", "ndcg", "recall", "aplt", "coverage", "exposure_gini", "cold_share",
                "n_users", "n_test_users"]]
