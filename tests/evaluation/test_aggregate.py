"""Aggregation: means by segment, bootstrap intervals, paired differences, lift pairs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from coldrec.evaluation.aggregate import bootstrap_ci, bootstrap_weights, compare, lift_pairs, summarize


def _rows(model: str, values: dict[str, float], item_segment: str = "all", metric: str = "ndcg") -> pd.DataFrame:
    seg = {"u1": "cold", "u2": "cold", "u3": "warm", "u4": "warm"}
    bucket = {"u1": "1-2", "u2": "3-5", "u3": "21+", "u4": "21+"}
    return pd.DataFrame({"user_id": list(values), "segment": [seg[u] for u in values],
                         "history_bucket": [bucket[u] for u in values], "n_history": 1,
                         "item_segment": item_segment, "metric": metric, "k": 20,
                         "value": list(values.values()), "model": model})


@pytest.fixture
def per_user() -> pd.DataFrame:
    return pd.concat([
        _rows("a", {"u1": 0.2, "u2": 0.4, "u3": 0.6, "u4": 1.0}),
        _rows("b", {"u1": 0.1, "u2": 0.3, "u3": 0.5, "u4": 0.9}),
        _rows("a", {"u1": 1.0, "u3": 0.0}, item_segment="cold"),  # only two users have cold test items
        _rows("b", {"u1": 0.5, "u3": 0.0}, item_segment="cold"),
    ], ignore_index=True)


def test_bootstrap_weights_resample_n_users_per_row():
    w = bootstrap_weights(5, n_boot=7, seed=3)
    assert w.shape == (7, 5) and (w.sum(axis=1) == 5).all()
    np.testing.assert_array_equal(w, bootstrap_weights(5, n_boot=7, seed=3))


def test_summary_means_by_hand(per_user):
    s = summarize(per_user, n_boot=200).set_index(["model", "by", "group", "item_segment"])
    assert s.loc[("a", "segment", "all", "all"), "mean"] == pytest.approx((0.2 + 0.4 + 0.6 + 1.0) / 4)
    assert s.loc[("a", "segment", "cold", "all"), "mean"] == pytest.approx(0.3)
    assert s.loc[("a", "segment", "warm", "all"), "mean"] == pytest.approx(0.8)
    assert s.loc[("a", "history_bucket", "21+", "all"), "mean"] == pytest.approx(0.8)
    # users without cold test items have no value for that item segment and are not counted
    assert s.loc[("a", "segment", "all", "cold"), ["mean", "n_users"]].tolist() == [0.5, 2]
    row = s.loc[("a", "segment", "all", "all")]
    assert row["ci_low"] <= row["mean"] <= row["ci_high"] and row["n_users"] == 4
    assert ("a", "history_bucket", "all", "all") not in s.index  # "all" is reported once, under segment


def test_interval_matches_the_one_array_bootstrap(per_user):
    s = summarize(per_user, n_boot=500, seed=7).set_index(["model", "by", "group", "item_segment"])
    lo, hi = bootstrap_ci(np.array([0.2, 0.4, 0.6, 1.0]), n_boot=500, seed=7)
    assert (s.loc[("a", "segment", "all", "all"), "ci_low"], s.loc[("a", "segment", "all", "all"), "ci_high"]) \
        == pytest.approx((lo, hi))


def test_paired_difference_of_a_constant_shift_has_no_spread(per_user):
    d = compare(per_user, "a", "b", n_boot=300).set_index(["group", "item_segment"])
    row = d.loc[("all", "all")]
    assert row["diff"] == pytest.approx(0.1)
    assert row["diff_low"] == pytest.approx(0.1) and row["diff_high"] == pytest.approx(0.1)
    assert row["lift"] == pytest.approx(0.1 / 0.45)
    cold_items = d.loc[("all", "cold")]
    assert cold_items["n_users"] == 2 and cold_items["diff"] == pytest.approx(0.25)


def test_lift_pairs_use_the_best_model_without_text(per_user):
    s = summarize(pd.concat([per_user, _rows("c", {"u1": 0, "u2": 0, "u3": 0, "u4": 0})]), n_boot=50)
    assert lift_pairs(s, ["a"]) == [("a", "b")]
    assert lift_pairs(s, ["a", "b", "c"]) == []
