"""From per-user rows to the numbers an analyst quotes: means by segment, 95% intervals, paired differences.

Intervals are percentile bootstraps over users. One set of resampling weights
is drawn per user population and shared by every model and metric, so the
difference between two models is bootstrapped on the same resampled users
(a paired comparison) at no extra cost.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable, Iterable
from typing import ParamSpec, TypeVar

import numpy as np
import pandas as pd

from coldrec.columns import Columns

C = Columns
LEVEL = 0.95
KEY = ["item_segment", "metric", "k"]


def bootstrap_weights(n: int, n_boot: int = 1000, seed: int = 0) -> np.ndarray:
    """(n_boot, n) resampling counts: row b says how often each user is drawn in resample b."""
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, n, size=(n_boot, n))
    return np.stack([np.bincount(row, minlength=n) for row in draws]).astype(np.float32)


def _means(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Bootstrap means per column of ``values`` (n, m), NaN = no value for that user: (n_boot, m)."""
    present = ~np.isnan(values)
    total = weights @ np.where(present, values, 0.0).astype(np.float32)
    count = weights @ present.astype(np.float32)
    with np.errstate(invalid="ignore", divide="ignore"):
        return total / count


def bootstrap_ci(values: np.ndarray, n_boot: int = 1000, level: float = LEVEL, seed: int = 0) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean of one array."""
    values = np.asarray(values, dtype=float)
    if len(values) < 2:
        m = float(values.mean()) if len(values) else float("nan")
        return m, m
    boot = _means(values[:, None], bootstrap_weights(len(values), n_boot, seed))[:, 0]
    lo, hi = np.nanquantile(boot, [(1 - level) / 2, 1 - (1 - level) / 2])
    return float(lo), float(hi)


def wide(per_user: pd.DataFrame) -> pd.DataFrame:
    """Rows (model, user), columns (item_segment, metric, k): the shape the bootstrap works on."""
    frame = per_user[["model", C.user, *KEY, "value"]].copy()
    for col in KEY:
        frame[col] = frame[col].astype(object)  # unstacking categoricals would add every unused combination
    return frame.set_index(["model", C.user, *KEY])["value"].unstack(KEY)


def _groups(per_user: pd.DataFrame, by: str) -> dict[str, np.ndarray]:
    """User ids per group of ``by`` ("segment", "history_bucket"), plus "all"."""
    users = per_user.drop_duplicates(C.user)[[C.user, by]]
    groups = {"all": users[C.user].to_numpy()}
    for value, part in users.groupby(by, observed=True):
        groups[str(value)] = part[C.user].to_numpy()
    return groups


def summarize(per_user: pd.DataFrame, by: Iterable[str] = ("segment", "history_bucket"),
              n_boot: int = 1000, seed: int = 0) -> pd.DataFrame:
    """Mean, 95% CI and user count per model x group x item segment x metric x k.

    Columns: model, by, group, item_segment, metric, k, mean, ci_low, ci_high,
    n_users; ``by`` says which user breakdown ``group`` belongs to ("segment":
    cold/warm, "history_bucket": 0, 1-2, ...), and group "all" is everyone.
    """
    table = wide(per_user)
    rows = []
    for dim in by:
        for group, ids in _groups(per_user, dim).items():
            if dim != "segment" and group == "all":
                continue  # already reported under "segment"
            weights = bootstrap_weights(len(ids), n_boot, seed)
            for model in table.index.get_level_values("model").unique():
                block = table.loc[model].reindex(ids).to_numpy(dtype=float)
                rows.append(_summary_block(block, weights, table.columns, model, dim, group))
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()


_P = ParamSpec("_P")
_R = TypeVar("_R")


def _quiet(fn: Callable[_P, _R]) -> Callable[_P, _R]:
    """Columns nobody has a value for are expected (dropped afterwards); numpy's warnings about them are noise."""
    @functools.wraps(fn)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return fn(*args, **kwargs)
    return wrapper


@_quiet
def _summary_block(block: np.ndarray, weights: np.ndarray, columns: pd.MultiIndex, model: str, dim: str,
                   group: str) -> pd.DataFrame:
    boot = _means(block, weights)
    lo, hi = np.nanquantile(boot, [(1 - LEVEL) / 2, 1 - (1 - LEVEL) / 2], axis=0) if len(block) > 1 else (
        np.nanmean(block, axis=0), np.nanmean(block, axis=0))
    with np.errstate(invalid="ignore"):
        mean = np.nanmean(block, axis=0) if len(block) else np.full(block.shape[1], np.nan)
    out = pd.DataFrame(list(columns), columns=KEY)
    out.insert(0, "group", group)
    out.insert(0, "by", dim)
    out.insert(0, "model", model)
    out["mean"], out["ci_low"], out["ci_high"] = mean, lo, hi
    out["n_users"] = (~np.isnan(block)).sum(axis=0)
    return out[out["n_users"] > 0]


@_quiet
def compare(per_user: pd.DataFrame, model_a: str, model_b: str, by: str = "segment",
            n_boot: int = 1000, seed: int = 0) -> pd.DataFrame:
    """Paired difference A - B per group x item segment x metric x k, over users both models scored.

    Also the relative lift (A - B) / B of the means with its interval (NaN
    where B's mean is 0). Columns: group, item_segment, metric, k, mean_a,
    mean_b, diff, diff_low, diff_high, lift, lift_low, lift_high, n_users.
    """
    table = wide(per_user)
    rows = []
    for group, ids in _groups(per_user, by).items():
        a = table.loc[model_a].reindex(ids).to_numpy(dtype=float)
        b = table.loc[model_b].reindex(ids).to_numpy(dtype=float)
        both = ~np.isnan(a) & ~np.isnan(b)
        a, b = np.where(both, a, np.nan), np.where(both, b, np.nan)
        weights = bootstrap_weights(len(ids), n_boot, seed)
        ba, bb = _means(a, weights), _means(b, weights)
        q = [(1 - LEVEL) / 2, 1 - (1 - LEVEL) / 2]
        with np.errstate(invalid="ignore", divide="ignore"):
            ma, mb = np.nanmean(a, axis=0), np.nanmean(b, axis=0)
            d_lo, d_hi = np.nanquantile(ba - bb, q, axis=0)
            l_lo, l_hi = np.nanquantile((ba - bb) / bb, q, axis=0)
            lift = (ma - mb) / mb
        out = pd.DataFrame(list(table.columns), columns=KEY)
        out.insert(0, "group", group)
        out = out.assign(mean_a=ma, mean_b=mb, diff=ma - mb, diff_low=d_lo, diff_high=d_hi,
                         lift=np.where(mb > 0, lift, np.nan), lift_low=np.where(mb > 0, l_lo, np.nan),
                         lift_high=np.where(mb > 0, l_hi, np.nan), n_users=both.sum(axis=0))
        rows.append(out[out["n_users"] > 0])
    return pd.concat(rows, ignore_index=True).assign(model_a=model_a, model_b=model_b)


def lift_pairs(summary: pd.DataFrame, text_models: list[str], metric: str = "ndcg",
               k: int = 20) -> list[tuple[str, str]]:
    """(text model, baseline) pairs: each text model against the best model that uses no text.

    "Best" is the highest mean ``metric``@``k`` over all test users; the lift
    then answers how much the language model adds on top of what
    collaborative signal alone achieves.
    """
    overall = summary[(summary["by"] == "segment") & (summary["group"] == "all") & (summary["item_segment"] == "all")
                      & (summary["metric"] == metric) & (summary["k"] == k)]
    baselines = overall[~overall["model"].isin(text_models)].sort_values("mean", ascending=False)
    if baselines.empty:
        return []
    best = baselines["model"].iloc[0]
    return [(m, best) for m in text_models if m in set(overall["model"])]


def headline(summary: pd.DataFrame, metric: str = "ndcg", k: int = 20) -> pd.DataFrame:
    """One row per model and user segment (all, cold, warm): the figures people quote first."""
    part = summary[(summary["by"] == "segment") & (summary["item_segment"] == "all") & (summary["metric"] == metric)
                   & (summary["k"] == k)]
    return part[["model", "group", "mean", "ci_low", "ci_high", "n_users"]].rename(columns={"group": "users"}) \
        .reset_index(drop=True)
