"""From models to the numbers an analyst quotes: per-user metric rows, intervals and paired
differences, few-shot curves, two-run comparison, long-tail figures and the tail-boost trade-off.

Offers
------
- :mod:`.aggregate`: From per-user rows to the numbers an analyst quotes: means by segment, 95% intervals, paired
  differences.
- :mod:`.compare`: Paired comparison of two runs: the same test users scored by a model of each run.
- :mod:`.effects`: Quantified effects: segment gaps, the language model's lift, transfer, distillation, with
  intervals and a sentence each.
- :mod:`.evaluate`: Per-user metric rows for each model: the table every breakdown and interval is computed from.
- :mod:`.findings`: Findings of a run in sentences: best models and ties (Holm), lift, few-shot crossover,
  new items' exposure, the tail boost's cost.
- :mod:`.fewshot`: Few-shot curves: how fast each model learns a new user, one revealed interaction at a time.
- :mod:`.longtail`: Long-tail view of a finished run: item popularity, exposure Lorenz curves, tail figures, the
  tail-boost curve.
- :mod:`.targets`: Like-for-like scoring of a finished run: every segment on the next-N target rule.
- :mod:`.tradeoff`: The tail-boost trade-off: how much accuracy each model gives up for each step of tail exposure.
"""

from coldrec.evaluation.aggregate import (
    KEY,
    LEVEL,
    bootstrap_ci,
    bootstrap_weights,
    compare,
    headline,
    lift_pairs,
    summarize,
    wide,
)
from coldrec.evaluation.compare import compare_runs, pairing_problem
from coldrec.evaluation.effects import (
    Effect,
    best_pair,
    bootstrap_pvalue,
    distill_effect,
    holm,
    lm_lift,
    paired_effect,
    segment_gap,
    transfer_effect,
    uses_text,
)
from coldrec.evaluation.evaluate import (
    ITEM_SEGMENTS,
    KS,
    SEGMENT_METRICS,
    EvalResult,
    EvalUsers,
    ItemFacts,
    beyond_per_user,
    eval_users,
    evaluate,
    fit_data,
    item_facts,
    join_results,
    list_rows,
    model_tables,
    rank_shard,
    rank_users,
    sample_users,
    slice_users,
    top_rows,
    user_rows,
)
from coldrec.evaluation.fewshot import (
    SHOTS,
    FewShotResult,
    Revealed,
    cold_sequences,
    curve_summary,
    few_shot,
    item_few_shot,
    rank_revealed,
    reveal,
    score_revealed,
)
from coldrec.evaluation.findings import (
    Finding,
    RunTables,
    best_models,
    cold_demand,
    crossover,
    exposure_finding,
    findings,
    lift_findings,
    tail_cost,
)
from coldrec.evaluation.longtail import (
    TAIL_COLUMNS,
    TRADEOFF_USERS,
    exposure_lorenz,
    item_popularity,
    tail_table,
    top_matrix,
)
from coldrec.evaluation.targets import CANDIDATE_RULE, N_TARGETS, TARGET_RULE, rescore, target_counts
from coldrec.evaluation.tradeoff import STRENGTHS, tradeoff

__all__ = [
    "CANDIDATE_RULE",
    "Effect",
    "EvalResult",
    "EvalUsers",
    "FewShotResult",
    "Finding",
    "ITEM_SEGMENTS",
    "ItemFacts",
    "KEY",
    "KS",
    "LEVEL",
    "N_TARGETS",
    "Revealed",
    "RunTables",
    "SEGMENT_METRICS",
    "SHOTS",
    "STRENGTHS",
    "TAIL_COLUMNS",
    "TARGET_RULE",
    "TRADEOFF_USERS",
    "best_models",
    "best_pair",
    "beyond_per_user",
    "bootstrap_ci",
    "bootstrap_pvalue",
    "bootstrap_weights",
    "cold_demand",
    "cold_sequences",
    "compare",
    "compare_runs",
    "crossover",
    "curve_summary",
    "distill_effect",
    "eval_users",
    "evaluate",
    "exposure_finding",
    "exposure_lorenz",
    "few_shot",
    "findings",
    "fit_data",
    "headline",
    "holm",
    "item_facts",
    "item_few_shot",
    "item_popularity",
    "join_results",
    "lift_findings",
    "lift_pairs",
    "list_rows",
    "lm_lift",
    "model_tables",
    "paired_effect",
    "pairing_problem",
    "rank_revealed",
    "rank_shard",
    "rank_users",
    "rescore",
    "reveal",
    "sample_users",
    "score_revealed",
    "segment_gap",
    "slice_users",
    "summarize",
    "tail_cost",
    "tail_table",
    "target_counts",
    "top_matrix",
    "top_rows",
    "tradeoff",
    "transfer_effect",
    "user_rows",
    "uses_text",
    "wide",
]
