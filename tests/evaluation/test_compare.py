"""Paired comparison of two runs: checked by hand on a tiny per-user table; unpaired runs refused with a reason."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from coldrec.evaluation.aggregate import bootstrap_weights
from coldrec.evaluation.compare import compare_runs, pairing_problem


def _rows(model: str, values: dict[str, float]) -> pd.DataFrame:
    seg = {"u1": "cold", "u2": "cold", "u3": "warm", "u4": "warm", "u5": "warm"}
    return pd.DataFrame({"user_id": list(values), "segment": [seg[u] for u in values], "history_bucket": "1-2",
                         "n_history": 1, "item_segment": "all", "metric": "ndcg", "k": 20,
                         "value": list(values.values()), "model": model})


def test_paired_difference_by_hand():
    a = _rows("pop", {"u1": 0.2, "u2": 0.4, "u3": 0.6, "u4": 1.0, "u5": 0.9})
    b = _rows("pop", {"u1": 0.1, "u2": 0.4, "u3": 0.3, "u4": 0.8})  # u5 not scored by run B: left out
    out = compare_runs(a, b, "pop", "pop", "run1", "run2", n_boot=500).set_index("group")
    assert out.loc["all", "n_users"] == 4
    # Per-user differences 0.1, 0, 0.3, 0.2: mean 0.15.
    assert out.loc["all", "diff"] == pytest.approx(0.15)
    assert out.loc["all", "mean_a"] == pytest.approx(0.55) and out.loc["all", "mean_b"] == pytest.approx(0.4)
    assert out.loc["cold", "diff"] == pytest.approx(0.05) and out.loc["warm", "diff"] == pytest.approx(0.25)
    assert out.loc["all", "model_a"] == "run1: pop" and out.loc["all", "model_b"] == "run2: pop"
    # The interval resamples the same users for both runs: percentiles of the resampled mean difference.
    d = np.array([0.1, 0.0, 0.3, 0.2])
    boot = bootstrap_weights(4, 500, 0) @ d / 4
    lo, hi = np.quantile(boot, [0.025, 0.975])
    assert out.loc["all", "diff_low"] == pytest.approx(lo, abs=1e-6)
    assert out.loc["all", "diff_high"] == pytest.approx(hi, abs=1e-6)


def test_same_model_same_run_label_is_refused():
    a = _rows("pop", {"u1": 0.2})
    with pytest.raises(ValueError, match="different"):
        compare_runs(a, a, "pop", "pop", "r", "r")


def test_no_shared_user_is_refused():
    with pytest.raises(ValueError, match="share no test user"):
        compare_runs(_rows("m", {"u1": 0.2}), _rows("m", {"u2": 0.1}), "m", "m", "a", "b")


def test_pairing_needs_same_dataset_and_split():
    info = {"config": {"dataset_id": "d1"}, "split": {"protocol": "cold_user", "seed": 0, "cold_share": 0.2}}
    assert pairing_problem(info, info) is None
    other_ds = {**info, "config": {"dataset_id": "d2"}}
    assert "different datasets" in pairing_problem(info, other_ds)
    other_seed = {**info, "split": {**info["split"], "seed": 1}}
    msg = pairing_problem(info, other_seed)
    assert "seed: 0 vs 1" in msg and "same split settings" in msg
