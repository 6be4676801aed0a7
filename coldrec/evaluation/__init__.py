"""From models to the numbers an analyst quotes: per-user metric rows, intervals and paired
differences, few-shot curves, two-run comparison, long-tail figures and the tail-boost trade-off.

Offers
------
- :mod:`.aggregate`: From per-user rows to the numbers an analyst quotes: means by segment, 95% intervals, paired
  differences.
- :mod:`.compare`: Paired comparison of two runs: the same test users scored by a model of each run.
- :mod:`.evaluate`: Per-user metric rows for each model: the table every breakdown and interval is computed from.
- :mod:`.fewshot`: Few-shot curves: how fast each model learns a new user, one revealed interaction at a time.
- :mod:`.longtail`: Long-tail view of a finished run: item popularity, exposure Lorenz curves, tail figures, the
  tail-boost curve.
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
from coldrec.evaluation.longtail import (
    TAIL_COLUMNS,
    TRADEOFF_USERS,
    exposure_lorenz,
    item_popularity,
    tail_table,
    top_matrix,
)
from coldrec.evaluation.tradeoff import STRENGTHS, tradeoff

__all__ = [
    "EvalResult",
    "EvalUsers",
    "FewShotResult",
    "ITEM_SEGMENTS",
    "ItemFacts",
    "KEY",
    "KS",
    "LEVEL",
    "Revealed",
    "SEGMENT_METRICS",
    "SHOTS",
    "STRENGTHS",
    "TAIL_COLUMNS",
    "TRADEOFF_USERS",
    "beyond_per_user",
    "bootstrap_ci",
    "bootstrap_weights",
    "cold_sequences",
    "compare",
    "compare_runs",
    "curve_summary",
    "eval_users",
    "evaluate",
    "exposure_lorenz",
    "few_shot",
    "fit_data",
    "headline",
    "item_facts",
    "item_few_shot",
    "item_popularity",
    "join_results",
    "lift_pairs",
    "list_rows",
    "model_tables",
    "pairing_problem",
    "rank_revealed",
    "rank_shard",
    "rank_users",
    "reveal",
    "sample_users",
    "score_revealed",
    "slice_users",
    "summarize",
    "tail_table",
    "top_matrix",
    "top_rows",
    "tradeoff",
    "user_rows",
    "wide",
]
