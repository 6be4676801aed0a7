"""Paired comparison of two runs: the same test users scored by a model of each run.

Two runs can be paired only when they rank the same users against the same
held-out items: same dataset and the same split settings (splits are
deterministic by seed). Then each user's metric under run A minus under run
B is a paired difference, and the bootstrap resamples users once for both,
which gives far tighter intervals than comparing two independent means.
"""

from __future__ import annotations

import pandas as pd

from coldrec.columns import Columns
from coldrec.evaluation.aggregate import compare


def pairing_problem(info_a: dict, info_b: dict) -> str | None:
    """Why two runs (their run.json) cannot be paired, or None when they can."""
    ds_a, ds_b = info_a.get("config", {}).get("dataset_id"), info_b.get("config", {}).get("dataset_id")
    if ds_a != ds_b:
        return (f"The runs are on different datasets ({ds_a} and {ds_b}), so they have different users: "
                "a per-user difference needs the same test users. Compare their summaries side by side instead.")
    split_a, split_b = info_a.get("split", {}), info_b.get("split", {})
    if split_a != split_b:
        diffs = ", ".join(f"{key}: {split_a.get(key, '–')} vs {split_b.get(key, '–')}"
                          for key in sorted(set(split_a) | set(split_b)) if split_a.get(key) != split_b.get(key))
        return (f"The runs split the data differently ({diffs}), so their test users and held-out items differ "
                "and per-user differences cannot be paired. Train both with the same split settings to pair them.")
    return None


def compare_runs(per_user_a: pd.DataFrame, per_user_b: pd.DataFrame, model_a: str, model_b: str,
                 label_a: str = "A", label_b: str = "B", n_boot: int = 1000, seed: int = 0) -> pd.DataFrame:
    """Paired bootstrap of ``model_a`` in run A minus ``model_b`` in run B, per user segment x metric x k.

    Users are joined on user_id: only users scored by both runs count. The
    result has :func:`coldrec.evaluation.aggregate.compare`'s columns (diff, diff_low,
    diff_high, lift, ..., n_users) with ``model_a``/``model_b`` set to
    ``"{label}: {model}"``.
    """
    name_a, name_b = f"{label_a}: {model_a}", f"{label_b}: {model_b}"
    if name_a == name_b:
        raise ValueError("pick two different runs or models to compare")
    a = per_user_a[per_user_a["model"] == model_a].assign(model=name_a)
    b = per_user_b[per_user_b["model"] == model_b].assign(model=name_b)
    b = b[b[Columns.user].isin(set(a[Columns.user]))]
    a = a[a[Columns.user].isin(set(b[Columns.user]))]
    if a.empty:
        raise ValueError("the two runs share no test user")
    return compare(pd.concat([a, b], ignore_index=True), name_a, name_b, n_boot=n_boot, seed=seed)
