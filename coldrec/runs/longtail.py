"""The long-tail figures of a finished run: its items with popularity, and the cached tail-boost trade-off."""

from __future__ import annotations

import pandas as pd

from coldrec.data.workspace import Workspace
from coldrec.evaluation.evaluate import eval_users, item_facts, sample_users
from coldrec.evaluation.longtail import TRADEOFF_USERS
from coldrec.evaluation.tradeoff import tradeoff
from coldrec.runs.store import RunStore, load_run_model, run_split


def run_items(ws: Workspace, run_id: str) -> pd.DataFrame:
    """The run split's item table over the catalog (item_id, segment, band, n_train), cached as ``items.parquet``.

    Rows are in catalog order, so row ``i`` is ``item_index`` ``i`` of ``tops.parquet``.
    """
    path = RunStore.of(ws, run_id).table_path(RunStore.ITEMS)
    if path.exists():
        return pd.read_parquet(path)

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
    :func:`coldrec.evaluation.tradeoff.tradeoff` re-ranks one scoring pass at every boost
    strength. Only a random ``n_users`` of the test users are scored (same
    users for every model and strength, so the points are paired); coverage
    and Gini on a subsample are lower than on all users, and are read
    across strengths, not against the tail table.
    """
    path = RunStore.of(ws, run_id).table_path(RunStore.TRADEOFF)
    cached = pd.read_parquet(path) if path.exists() else None
    if cached is not None and ((cached["k"] == k) & (cached["n_users_asked"] == n_users)).any():
        return cached[(cached["k"] == k) & (cached["n_users_asked"] == n_users)].drop(columns="n_users_asked") \
            .reset_index(drop=True)
    curve = _compute_tradeoff(ws, run_id, k, n_users, seed).assign(n_users_asked=n_users)
    ws.write_parquet(path, curve if cached is None else pd.concat([cached, curve], ignore_index=True))
    return curve.drop(columns="n_users_asked")


def _compute_tradeoff(ws: Workspace, run_id: str, k: int, n_users: int, seed: int) -> pd.DataFrame:

    info, _, split, item_ids = run_split(ws, run_id)
    users = eval_users(split, item_ids)
    sample = sample_users(users, n_users, seed)
    facts = item_facts(split, item_ids)
    frames = [tradeoff(load_run_model(ws, run_id, name), sample, facts, k=k).assign(model=name)
              for name in info["config"]["models"]]
    out = pd.concat(frames, ignore_index=True).assign(k=k, n_test_users=len(users.contexts))
    return out[["model", "k", "strength", "ndcg", "recall", "aplt", "coverage", "exposure_gini", "cold_share",
                "n_users", "n_test_users"]]
