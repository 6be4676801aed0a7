"""Effects on hand-computed cases: paired differences, relative lift only above 0, Holm, missing pairs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from coldrec.evaluation.aggregate import summarize
from coldrec.evaluation.effects import (
    best_pair,
    bootstrap_pvalue,
    distill_effect,
    holm,
    lm_lift,
    paired_effect,
    segment_gap,
    transfer_effect,
)


def rows(values: dict[str, list[float]], segments: list[str] | None = None) -> pd.DataFrame:
    """Per-user rows of NDCG@20 for each model; users u0, u1, ... in ``segments`` (default all warm)."""
    out = []
    for model, vals in values.items():
        segs = segments or ["warm"] * len(vals)
        out += [{"model": model, "user_id": f"u{i}", "segment": segs[i], "history_bucket": "3-5", "n_history": 3,
                 "item_segment": "all", "metric": "ndcg", "k": 20, "value": v} for i, v in enumerate(vals)]
    return pd.DataFrame(out)


def test_lift_over_a_zero_baseline_is_absolute_only_and_says_why():
    per_user = rows({"content": [0.5, 0.3, 0.1], "popularity": [0.0, 0.0, 0.0]})
    effect = lm_lift(per_user, summarize(per_user, by=("segment",), n_boot=200))
    assert (effect.model_a, effect.model_b) == ("content", "popularity")
    row = effect.table.set_index("group").loc["all"]
    assert row["diff"] == pytest.approx(0.3)
    assert np.isnan(row["lift"])
    assert "scores 0 here" in row["meaning"] and "+0.3000" in row["meaning"]
    assert "relative to" not in row["meaning"]


def test_relative_lift_is_the_ratio_of_means_and_the_interval_is_paired():
    per_user = rows({"hybrid": [0.2, 0.4, 0.3, 0.5], "ease": [0.1, 0.2, 0.15, 0.25]})
    table = paired_effect(per_user, "hybrid", "ease").set_index("group")
    assert table.loc["all", "diff"] == pytest.approx(0.175)
    assert table.loc["all", "lift"] == pytest.approx(1.0)  # (0.35 - 0.175) / 0.175
    assert table.loc["all", "diff_low"] > 0  # every user gains: the paired interval is above 0
    assert "hybrid is better" in table.loc["all", "meaning"] and "+100% relative to ease" in table.loc["all", "meaning"]


def test_best_pair_takes_any_text_model_not_just_content():
    per_user = rows({"content": [0.1, 0.1], "twotower": [0.3, 0.4], "ease": [0.2, 0.2], "popularity": [0.0, 0.1]})
    assert best_pair(summarize(per_user, by=("segment",), n_boot=50)) == ("twotower", "ease")


def test_missing_pairs_say_which_models_to_train():
    per_user = rows({"content": [0.1, 0.2], "hybrid": [0.2, 0.3]})
    assert "model without text" in lm_lift(per_user, summarize(per_user, by=("segment",), n_boot=50)).missing
    assert "Train transfer" in transfer_effect(per_user).missing
    assert "distill and ease" in distill_effect(per_user).missing


def test_distill_keeps_sizes_and_transfer_is_paired_on_the_same_users():
    per_user = rows({"distill": [0.2, 0.3, 0.1], "ease": [0.3, 0.3, 0.2], "transfer": [0.4, 0.5, 0.3],
                     "content": [0.3, 0.4, 0.2]})
    dist = distill_effect(per_user, sizes={"distill": 100, "ease": 400})
    assert dist.extra["size_ratio"] == pytest.approx(0.25)
    assert dist.table.set_index("group").loc["all", "diff"] == pytest.approx(-2 / 30)
    assert transfer_effect(per_user).table.set_index("group").loc["all", "diff"] == pytest.approx(0.1)


def test_segment_gap_is_unpaired_and_bootstrap_pvalue_and_holm_by_hand():
    per_user = rows({"m": [0.5, 0.6, 0.55, 0.1, 0.2, 0.15]}, segments=["cold"] * 3 + ["warm"] * 3)
    gap = segment_gap(per_user, "m", "ndcg", 20)
    assert gap["diff"] == pytest.approx(0.4) and gap["n_a"] == 3 and gap["diff_low"] > 0
    assert bootstrap_pvalue(np.zeros(5)) == 1.0
    assert bootstrap_pvalue(np.full(10, 0.1), n_boot=200) == pytest.approx(2 / 200)  # never below 2 / n_boot
    assert holm([0.01, 0.04, 0.03]).tolist() == pytest.approx([0.03, 0.06, 0.06])
