"""Findings of one run, in sentences an analyst can act on, computed from its tables (nothing hard-coded).

Each finding is a topic and one or two sentences: the best model per user
group and which others are statistically tied with it (paired bootstrap
p-values, Holm-corrected over every comparison shown), the language model's
lift per group, the history length at which collaborative models overtake
text models (where the few-shot curves cross), new items' share of exposure
against their share of demand, and what the tail boost costs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from coldrec.columns import Columns
from coldrec.evaluation.effects import holm as holm_adjust
from coldrec.evaluation.effects import lm_lift, paired_effect, uses_text
from coldrec.split.base import Split

C = Columns
ALPHA = 0.05
MIN_USERS = 20  # a user group smaller than this gets no finding of its own: its intervals say little


@dataclass
class Finding:
    """One finding: a short topic and the sentence(s) that state it."""

    topic: str
    text: str


@dataclass
class RunTables:
    """The tables findings read; any may be None when the run lacks it."""

    per_user: pd.DataFrame
    summary: pd.DataFrame
    protocol: str = "cold_user"
    curve: pd.DataFrame | None = None  # user few-shot curve
    item_curve: pd.DataFrame | None = None  # cold-item few-shot curve
    lists: pd.DataFrame | None = None
    tradeoff: pd.DataFrame | None = None
    cold_demand: float | None = None  # share of test interactions on new items (see :func:`cold_demand`)


def cold_demand(split: Split) -> float | None:
    """Share of a split's test interactions that are with cold (new) items; None without item labels."""
    if not len(split.items) or not len(split.test):
        return None
    cold = set(split.items.loc[split.items["segment"] == "cold", C.item])
    return float(split.test[C.item].isin(cold).mean())


def findings(run: RunTables, metric: str = "ndcg", k: int = 20) -> list[Finding]:
    """Every finding the run's tables support, in reading order.

    Parameters
    ----------
    run : RunTables
        The run's per-user rows, summary and optional curves, lists and trade-off.
    metric, k : str, int
        The accuracy figure the findings speak about (e.g. NDCG@20).

    Returns
    -------
    list of Finding
        Best models and ties, the language model's lift, the few-shot crossover,
        new items' exposure vs demand, the tail boost's cost; a topic is left
        out when the run has nothing to say about it.
    """
    segment = "cold" if run.protocol in ("cold_item", "new_domain") else "all"
    out = best_models(run.per_user, run.summary, metric, k, segment)
    out += lift_findings(run.per_user, run.summary, metric, k, segment)
    for curve, who in ((run.curve, "a new user"), (run.item_curve, "a new item")):
        found = crossover(curve, who) if curve is not None and len(curve) else None
        if found:
            out.append(found)
    exposure = exposure_finding(run.lists, run.cold_demand, k)
    if exposure:
        out.append(exposure)
    cost = tail_cost(run.tradeoff, k)
    if cost:
        out.append(cost)
    return out


def _groups(summary: pd.DataFrame, metric: str, k: int, item_segment: str) -> pd.DataFrame:
    return summary[(summary["by"] == "segment") & (summary["metric"] == metric) & (summary["k"] == k)
                   & (summary["item_segment"] == item_segment)]


def best_models(per_user: pd.DataFrame, summary: pd.DataFrame, metric: str = "ndcg", k: int = 20,
                item_segment: str = "all") -> list[Finding]:
    """Per user group: the best model and the models statistically tied with it (Holm over all tests shown)."""
    part = _groups(summary, metric, k, item_segment)
    tests = []
    for group, rows in part.groupby("group", sort=False):
        if _skip_group(part, str(group)):
            continue
        rows = rows.sort_values(["mean", "model"], ascending=[False, True])
        best = rows["model"].iloc[0]
        for other in rows["model"].iloc[1:]:
            diff = paired_effect(per_user, best, other, metric, k, item_segment)
            p = diff.loc[diff["group"] == group, "p_value"]
            tests.append((group, best, other, float(p.iloc[0]) if len(p) else 1.0))
        if len(rows) == 1:
            tests.append((group, best, None, np.nan))
    adjusted = holm_adjust([t[3] for t in tests if t[2] is not None]) if tests else np.zeros(0)
    ties: dict[str, list[str]] = {}
    bests: dict[str, str] = {}
    it = iter(adjusted)
    for group, best, other, _ in tests:
        bests[group] = best
        if other is not None and next(it) >= ALPHA:
            ties.setdefault(group, []).append(other)
    name = f"{metric.upper()}@{k}"
    out = []
    for group, best in bests.items():
        mean = float(part.loc[(part["group"] == group) & (part["model"] == best), "mean"].iloc[0])
        who = "all test users" if group == "all" else f"{group} users"
        tied = ties.get(group, [])
        tail = (f"; statistically tied with it: {', '.join(tied)} (paired bootstrap, Holm-corrected, "
                f"{len(adjusted)} comparisons)" if tied else "; every other model is significantly worse "
                f"(paired bootstrap, Holm-corrected over {len(adjusted)} comparisons)")
        out.append(Finding(f"best model, {who}", f"{best} has the highest {name} for {who} ({mean:.4f}){tail}."))
    return out


def _skip_group(part: pd.DataFrame, group: str) -> bool:
    """True for a group to leave out: it holds every test user (e.g. "warm" when nobody is cold), so saying it
    twice adds nothing, or it has fewer than :data:`MIN_USERS` users."""
    if group == "all":
        return False
    n = part.groupby("group")["n_users"].max()
    return bool(n.get(group) == n.get("all") or n.get(group, 0) < MIN_USERS)


def lift_findings(per_user: pd.DataFrame, summary: pd.DataFrame, metric: str = "ndcg", k: int = 20,
                  item_segment: str = "all") -> list[Finding]:
    """The language model's lift per user group, in words (or what to train when a side is missing)."""
    effect = lm_lift(per_user, summary, metric, k, item_segment=item_segment)
    if effect.missing:
        return [Finding("language model lift", effect.missing)]
    part = _groups(summary, metric, k, item_segment)
    return [Finding(f"language model lift, {'all test users' if r.group == 'all' else f'{r.group} users'}",
                    r.meaning) for r in effect.table.itertuples() if not _skip_group(part, str(r.group))]


def crossover(curve: pd.DataFrame, who: str = "a new user", metric: str | None = None,
              k: int | None = None) -> Finding | None:
    """Where the best model without text overtakes the best text model as ``who`` gains interactions.

    Notes
    -----
    The curves are compared at each revealed count; the crossing is the first
    count at which the collaborative mean exceeds the text mean. Its
    uncertainty is stated by whether the two 95% intervals separate there
    (clear) or overlap (the crossing could be a count earlier or later).
    """
    metric = metric or ("ndcg" if (curve["metric"] == "ndcg").any() else str(curve["metric"].iloc[0]))
    k = k or int(curve.loc[curve["metric"] == metric, "k"].max())
    part = curve[(curve["metric"] == metric) & (curve["k"] == k)]
    text = [m for m in part["model"].unique() if uses_text(m)]
    plain = [m for m in part["model"].unique() if not uses_text(m)]
    if not text or not plain:
        return None
    wide = part.pivot_table(index="shots", columns="model", values=["mean", "ci_low", "ci_high"])
    best_t = max(text, key=lambda m: wide["mean"][m].iloc[-1])
    best_p = max(plain, key=lambda m: wide["mean"][m].iloc[-1])
    t, p = wide.xs(best_t, axis=1, level=1), wide.xs(best_p, axis=1, level=1)
    ahead = p["mean"] > t["mean"]
    name = f"{metric.upper()}@{k}"
    topic = f"few-shot crossover, {who}"
    if not ahead.any():
        most = _count(ahead.index.max())
        return Finding(topic, f"{best_t} (text) stays ahead of {best_p} at every count up to {most} "
                              f"of {who} ({name}); collaborative models do not catch up in this range.")
    if ahead.all():
        return Finding(topic, f"{best_p} (no text) is ahead of {best_t} already at {_count(ahead.index.min())} "
                              f"of {who} ({name}); text does not lead anywhere on this curve.")
    first = ahead.index.min()
    if ahead.loc[first]:  # ahead at the start, behind later: text catches up; no single crossing to state
        back = ahead.index[~ahead.to_numpy()].min()
        return Finding(topic, f"{best_p} (no text) is ahead at {_count(first)} of {who}, but {best_t} (text) "
                              f"leads again from {_count(back)} ({name}); the curves cross back and forth, so "
                              "read the curve rather than one crossing point.")
    at = int(ahead.idxmax())
    before = int(ahead.index[ahead.index < at].max())
    clear = p.loc[at, "ci_low"] > t.loc[at, "ci_high"]
    sure = ("the 95% intervals separate there" if clear else
            "the 95% intervals still overlap there, so the crossing could sit a count or two later")
    return Finding(topic, f"{best_p} (no text) overtakes {best_t} (text) between {before} and {at} interactions "
                          f"of {who} ({name}); {sure}.")


def _count(n: object) -> str:
    return f"{n} interaction" if n == 1 else f"{n} interactions"


def exposure_finding(lists: pd.DataFrame | None, demand: float | None, k: int = 20) -> Finding | None:
    """New items' share of the top-``k`` slots per model against their share of test demand."""
    if lists is None or demand is None or demand <= 0:
        return None
    share = lists[(lists["metric"] == "cold_share") & (lists["k"] == k)].set_index("model")["value"]
    if share.empty:
        return None
    parts = ", ".join(f"{m} {v:.1%}" for m, v in share.sort_values(ascending=False).items())
    low = [m for m, v in share.items() if v < demand / 2]
    verdict = (f"{', '.join(low)} show new items less than half as often as they are wanted." if low else
               "every model shows new items at least half as often as they are wanted.")
    return Finding("new items' exposure", f"New items take {demand:.1%} of test interactions (demand); their share "
                                          f"of top-{k} slots is {parts}. {verdict}")


def tail_cost(tradeoff: pd.DataFrame | None, k: int = 20, strength: float = 1.0) -> Finding | None:
    """What boosting the tail by ``strength`` costs the most accurate model (from the stored trade-off)."""
    if tradeoff is None or not len(tradeoff) or not (tradeoff["k"] == k).any():
        return None
    part = tradeoff[tradeoff["k"] == k]
    base = part[part["strength"] == 0]
    if base.empty:
        return None
    model = str(base.sort_values("ndcg", ascending=False)["model"].iloc[0])
    rows = part[part["model"] == model].set_index("strength").sort_index()
    s = strength if strength in rows.index else float(rows.index.max())
    b0, b1 = rows.loc[0.0], rows.loc[s]
    rel = f" ({(b1['ndcg'] - b0['ndcg']) / b0['ndcg']:+.0%})" if b0["ndcg"] > 0 else ""
    return Finding("cost of the tail boost",
                   f"Boosting the tail by {s:g} raises {model}'s tail share of top-{k} lists from {b0['aplt']:.1%} "
                   f"to {b1['aplt']:.1%} and changes its NDCG@{k} from {b0['ndcg']:.4f} to {b1['ndcg']:.4f}{rel}.")
