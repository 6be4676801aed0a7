"""Quantified effects of one run: a gap between segments, a language model's lift, transfer, distillation.

Every effect is a difference with a 95% bootstrap interval and one sentence
saying what it means. Differences between two models on the same users are
paired (:func:`coldrec.evaluation.aggregate.compare`); differences between two
user segments are not (different users), so each segment is resampled on its
own. A relative lift is given only when the baseline scores above 0; when it
scores 0 (a model without text on items nobody has bought) the sentence says
so and the absolute difference stands alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from coldrec.columns import Columns
from coldrec.evaluation.aggregate import LEVEL, bootstrap_weights, compare
from coldrec.models.registry import MODELS

C = Columns
_Q = [(1 - LEVEL) / 2, 1 - (1 - LEVEL) / 2]


@dataclass
class Effect:
    """One comparison: what is compared, a row per user group, and what to do when it cannot be computed.

    ``table`` columns: group, mean_a, mean_b, diff, diff_low, diff_high, lift,
    lift_low, lift_high, n_users, p_value, meaning. Empty with ``missing`` set
    when the run lacks a model the comparison needs.
    """

    name: str
    model_a: str | None
    model_b: str | None
    metric: str
    k: int
    table: pd.DataFrame
    missing: str | None = None
    extra: dict | None = None  # e.g. saved model sizes for distillation


def uses_text(model: str) -> bool:
    """Whether a registry model reads item text (the capability, never guessed from the name)."""
    return model in MODELS and MODELS[model].uses_text


def best_pair(summary: pd.DataFrame, metric: str = "ndcg", k: int = 20, group: str = "all",
              item_segment: str = "all") -> tuple[str, str] | None:
    """(best model that uses text, best model without text) on ``group`` users, or None when a side is empty."""
    part = summary[(summary["by"] == "segment") & (summary["group"] == group) & (summary["metric"] == metric)
                   & (summary["k"] == k) & (summary["item_segment"] == item_segment)].sort_values(
        ["mean", "model"], ascending=[False, True])
    text = [m for m in part["model"] if uses_text(m)]
    plain = [m for m in part["model"] if not uses_text(m)]
    return (text[0], plain[0]) if text and plain else None


def paired_effect(per_user: pd.DataFrame, model_a: str, model_b: str, metric: str = "ndcg", k: int = 20,
                  item_segment: str = "all", by: str = "segment", n_boot: int = 1000,
                  seed: int = 0) -> pd.DataFrame:
    """Paired difference ``model_a`` - ``model_b`` per user group with intervals, a p-value and a sentence.

    The interval is :func:`~coldrec.evaluation.aggregate.compare`'s; the
    p-value is the two-sided share of bootstrap differences on the other side
    of 0 (for Holm's correction when several groups are read at once).
    """
    rows = per_user[per_user["model"].isin([model_a, model_b]) & (per_user["metric"] == metric)
                    & (per_user["k"] == k) & (per_user["item_segment"] == item_segment)]
    if rows.empty:
        return _empty()
    diff = compare(rows, model_a, model_b, by=by, n_boot=n_boot, seed=seed)
    diff = diff[(diff["metric"] == metric) & (diff["k"] == k) & (diff["item_segment"] == item_segment)]
    pvals = _paired_pvalues(rows, model_a, model_b, by, n_boot, seed)
    out = diff[["group", "mean_a", "mean_b", "diff", "diff_low", "diff_high", "lift", "lift_low", "lift_high",
                "n_users"]].reset_index(drop=True)
    out["p_value"] = out["group"].map(pvals).astype(float)
    out["meaning"] = [meaning(r, model_a, model_b, metric, k) for r in out.itertuples()]
    return out


def _empty() -> pd.DataFrame:
    return pd.DataFrame(columns=["group", "mean_a", "mean_b", "diff", "diff_low", "diff_high", "lift", "lift_low",
                                 "lift_high", "n_users", "p_value", "meaning"])


def _paired_pvalues(rows: pd.DataFrame, model_a: str, model_b: str, by: str, n_boot: int,
                    seed: int) -> dict[str, float]:
    """Two-sided bootstrap p-value of the mean paired difference, per group of ``by`` (and "all")."""
    table = rows.pivot_table(index=C.user, columns="model", values="value", observed=True).dropna()
    if model_a not in table or model_b not in table:
        return {}
    groups = rows.drop_duplicates(C.user).set_index(C.user)[by].astype(str)
    out = {}
    for group, ids in [("all", table.index), *((g, table.index[groups.reindex(table.index) == g])
                                               for g in groups.unique())]:
        d = (table.loc[ids, model_a] - table.loc[ids, model_b]).to_numpy(dtype=float)
        out[group] = bootstrap_pvalue(d, n_boot, seed)
    return out


def bootstrap_pvalue(diffs: np.ndarray, n_boot: int = 1000, seed: int = 0) -> float:
    """Two-sided p-value that the mean of ``diffs`` is 0: twice the bootstrap share on the far side of 0.

    A tie everywhere (all differences 0) gives 1; a single value gives 1 (nothing to resample).
    """
    diffs = np.asarray(diffs, dtype=float)
    if len(diffs) < 2 or not np.any(diffs):
        return 1.0
    means = bootstrap_weights(len(diffs), n_boot, seed) @ diffs / len(diffs)
    far = min(np.mean(means <= 0), np.mean(means >= 0))
    return float(min(1.0, 2 * max(far, 1 / n_boot)))


def meaning(row: Any, model_a: str, model_b: str, metric: str, k: int) -> str:
    """One sentence on a difference row: size, interval, and whether it holds (relative only above 0)."""
    name = f"{metric.upper() if metric != 'hit_rate' else 'hit rate'}@{k}"
    who = "all test users" if row.group == "all" else f"{row.group} users"
    lo, hi, d = row.diff_low, row.diff_high, row.diff
    size = f"{model_a} minus {model_b} is {d:+.4f} {name} for {who} (95% CI {lo:+.4f} to {hi:+.4f})"
    if row.mean_b > 0:
        size += f", {100 * row.lift:+.0f}% relative to {model_b}"
    else:
        size += (f"; {model_b} scores 0 here, so only the absolute difference means anything "
                 "(a relative lift over 0 is undefined)")
    if lo > 0:
        return size + f": {model_a} is better (the whole interval is above 0)."
    if hi < 0:
        return size + f": {model_b} is better (the whole interval is below 0)."
    return size + ": the interval includes 0, so these users show no difference."


def lm_lift(per_user: pd.DataFrame, summary: pd.DataFrame, metric: str = "ndcg", k: int = 20,
            pair: tuple[str, str] | None = None, item_segment: str = "all") -> Effect:
    """The language model's lift: best text-using model vs best model without text (or the given ``pair``).

    "Best" is the highest mean over all test users on ``item_segment``; any
    model declaring ``uses_text`` (content, hybrid, two-tower, transfer, ...)
    counts as a text model.
    """
    pair = pair or best_pair(summary, metric, k, item_segment=item_segment)
    if pair is None:
        have = sorted(summary["model"].unique())
        side = "a model that reads text (content, hybrid, twotower, transfer)" if not any(map(uses_text, have)) \
            else "a model without text (popularity, itemknn, ease)"
        return Effect("language model lift", None, None, metric, k, _empty(),
                      missing=f"This run has {', '.join(have)}; train {side} in the same run to measure the lift.")
    return Effect("language model lift", *pair, metric, k,
                  paired_effect(per_user, *pair, metric=metric, k=k, item_segment=item_segment))


def transfer_effect(per_user: pd.DataFrame, metric: str = "ndcg", k: int = 20, item_segment: str = "all") -> Effect:
    """Transfer learning: the fine-tuned encoder's model (transfer) against zero-shot text (content), same run."""
    return _named_pair(per_user, "transfer learning", "transfer", "content", metric, k, item_segment)


def distill_effect(per_user: pd.DataFrame, metric: str = "ndcg", k: int = 20, item_segment: str = "all",
                   sizes: dict[str, int] | None = None) -> Effect:
    """Knowledge distillation: the student (distill) against its teacher (EASE), with saved sizes when given.

    The run stores no timings, so speed is not compared; ``sizes`` (bytes of
    each saved model folder) is attached for the accuracy-vs-size reading.
    """
    effect = _named_pair(per_user, "knowledge distillation", "distill", "ease", metric, k, item_segment)
    if sizes and "distill" in sizes and "ease" in sizes:
        effect.extra = {"size_student": sizes["distill"], "size_teacher": sizes["ease"],
                        "size_ratio": sizes["distill"] / max(sizes["ease"], 1)}
    return effect


def _named_pair(per_user: pd.DataFrame, name: str, a: str, b: str, metric: str, k: int,
                item_segment: str) -> Effect:
    have = set(per_user["model"].unique())
    absent = [m for m in (a, b) if m not in have]
    if absent:
        return Effect(name, a, b, metric, k, _empty(),
                      missing=f"Train {' and '.join(absent)} in this run (with {a if a not in absent else b}) "
                              f"to measure {name}: {a} against {b} on the same users.")
    return Effect(name, a, b, metric, k, paired_effect(per_user, a, b, metric, k, item_segment))


def segment_gap(per_user: pd.DataFrame, model: str, metric: str = "ndcg", k: int = 20, a: str = "cold",
                b: str = "warm", by: str = "segment", n_boot: int = 1000, seed: int = 0) -> dict[str, float]:
    """Mean of segment ``a`` minus segment ``b`` for one model, with an unpaired 95% bootstrap interval.

    ``by`` is "segment" (user segments) or "item_segment" (relevant items
    restricted to cold/warm/head/tail items). Returns diff, diff_low,
    diff_high, mean_a, mean_b, n_a, n_b (NaN when a side has no user).
    """
    rows = per_user[(per_user["model"] == model) & (per_user["metric"] == metric) & (per_user["k"] == k)]
    if by == "segment":
        rows = rows[rows["item_segment"] == "all"]
    va = rows.loc[rows[by] == a, "value"].to_numpy(dtype=float)
    vb = rows.loc[rows[by] == b, "value"].to_numpy(dtype=float)
    if not len(va) or not len(vb):
        return {"diff": np.nan, "diff_low": np.nan, "diff_high": np.nan, "mean_a": np.nan, "mean_b": np.nan,
                "n_a": len(va), "n_b": len(vb)}
    boot = _boot_means(va, n_boot, seed) - _boot_means(vb, n_boot, seed + 1)
    lo, hi = np.quantile(boot, _Q)
    return {"diff": float(va.mean() - vb.mean()), "diff_low": float(lo), "diff_high": float(hi),
            "mean_a": float(va.mean()), "mean_b": float(vb.mean()), "n_a": len(va), "n_b": len(vb)}


def _boot_means(values: np.ndarray, n_boot: int, seed: int) -> np.ndarray:
    return bootstrap_weights(len(values), n_boot, seed) @ values / len(values)


def holm(pvalues: Iterable[float]) -> np.ndarray:
    """Holm-adjusted p-values (step-down, monotone), in the input order.

    Examples
    --------
    >>> holm([0.01, 0.04, 0.03]).round(2).tolist()
    [0.03, 0.06, 0.06]
    """
    p = np.asarray(list(pvalues), dtype=float)
    order = np.argsort(p)
    adjusted = np.maximum.accumulate((len(p) - np.arange(len(p))) * p[order])
    out = np.empty_like(p)
    out[order] = np.minimum(adjusted, 1.0)
    return out
