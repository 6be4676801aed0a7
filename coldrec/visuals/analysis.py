"""What the Cold start page and the report read from a finished run: like-for-like segments, effects, findings.

One call, :func:`analyse_run`, rebuilds the run's split, re-reads its stored
top lists under the next-N target rule (every segment on the same targets and
candidates), and computes the quantified effects and the findings from those
rows; the page and the report both draw from its result, so they agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from coldrec.data.workspace import Workspace
from coldrec.evaluation.aggregate import summarize
from coldrec.evaluation.effects import Effect, distill_effect, lm_lift, transfer_effect
from coldrec.evaluation.findings import Finding, RunTables, cold_demand, findings
from coldrec.evaluation.targets import CANDIDATE_RULE, N_TARGETS, TARGET_RULE, rescore, target_counts
from coldrec.runs.store import RunStore, load_table, run_split

USER_PROTOCOLS = ("cold_user", "temporal", "leave_last_out")
ITEM_PROTOCOLS = ("cold_item",)
DOMAIN_PROTOCOLS = ("new_domain",)


@dataclass
class Analysis:
    """A run read like for like: rows under one target rule, their summary, effects and findings."""

    run_id: str
    protocol: str
    n_targets: int
    target_rule: str
    candidate_rule: str
    per_user: pd.DataFrame  # like-for-like per-user rows (next-N rule)
    summary: pd.DataFrame  # their means and intervals by user segment and history bucket
    kept: pd.DataFrame  # per user segment: test users and those with N targets
    cold_demand: float | None = None  # new items' share of test interactions
    effects: list[Effect] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def item_protocol(self) -> bool:
        """True when the question is about new items (cold_item, new_domain), not new users."""
        return self.protocol in ITEM_PROTOCOLS + DOMAIN_PROTOCOLS


def model_sizes(ws: Workspace, run_id: str) -> dict[str, int]:
    """Bytes of each saved model folder of a run (for the accuracy-vs-size reading of distillation)."""
    folder = RunStore.of(ws, run_id).folder / RunStore.MODELS
    if not folder.exists():
        return {}
    return {d.name: sum(f.stat().st_size for f in d.rglob("*") if f.is_file()) for d in folder.iterdir()
            if d.is_dir()}


def stored_targets(info: dict) -> int:
    """The run's stored like-for-like N (runs trained before the setting existed get the default)."""
    return int(info.get("config", {}).get("n_targets") or N_TARGETS)


def analyse_run(ws: Workspace, run_id: str, n_targets: int | None = None, metric: str = "ndcg", k: int = 20,
                n_boot: int = 500, pair: tuple[str, str] | None = None) -> Analysis:
    """The run like for like: next-``n_targets`` rows, their summary, effects and findings.

    Parameters
    ----------
    ws, run_id
        Where the finished run lives.
    n_targets : int, optional
        Targets per user; default the run's stored setting (10 when absent).
    metric, k
        The accuracy figure effects and findings speak about.
    n_boot : int
        Bootstrap resamples of every interval.
    pair : tuple of str, optional
        (text model, model without text) for the language model's lift;
        default the best of each.
    """
    info, _, split, item_ids = run_split(ws, run_id)
    tops = load_table(ws, run_id, "tops")
    if tops is None:
        raise FileNotFoundError(f"run {run_id} has no stored top lists; train it again")
    n = n_targets or stored_targets(info)
    per_user = rescore(tops, split, item_ids, n, ks=tuple(sorted(set(info["config"].get("ks", [k])) | {k})))
    summary = summarize(per_user, n_boot=n_boot) if len(per_user) else pd.DataFrame()
    protocol = split.config.get("protocol", "cold_user")
    item_segment = "cold" if protocol in ITEM_PROTOCOLS + DOMAIN_PROTOCOLS else "all"
    out = Analysis(run_id, protocol, n, TARGET_RULE.format(n=n), CANDIDATE_RULE, per_user, summary,
                   target_counts(split, item_ids, n), cold_demand(split))
    if summary.empty:
        return out
    out.effects = [lm_lift(per_user, summary, metric, k, pair, item_segment),
                   transfer_effect(per_user, metric, k, item_segment),
                   distill_effect(per_user, metric, k, item_segment, model_sizes(ws, run_id))]
    tables = RunTables(per_user, summary, protocol, curve=load_table(ws, run_id, "fewshot"),
                       item_curve=load_table(ws, run_id, "fewshot_items"), lists=load_table(ws, run_id, "lists"),
                       tradeoff=load_table(ws, run_id, "tradeoff"), cold_demand=out.cold_demand)
    out.findings = findings(tables, metric, k)
    return out


def encoder_name(info: dict) -> str:
    """A readable name of the run's text encoder ("all-MiniLM-L6-v2", "bag of words"), not its cache key."""
    key = info.get("encoder")
    if not key:
        return "none (no model reads text)"
    spec = info.get("config", {}).get("encoder") or "minilm"
    base, _, precision = str(spec).partition("@")
    if str(key).startswith("hashing"):
        return "bag of words (hashing encoder)"
    if str(key).startswith("static"):
        return f"static student distilled from MiniLM ({Path(base.removeprefix('static:')).name})"
    name = "all-MiniLM-L6-v2" if base == "minilm" else Path(base).name
    return f"{name} ({precision})" if precision else name
