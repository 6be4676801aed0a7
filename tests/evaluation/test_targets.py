"""The like-for-like target rule: exactly N targets per user, and no cold-vs-warm gap without signal."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from coldrec.evaluation.effects import segment_gap
from coldrec.evaluation.evaluate import eval_users, evaluate, fit_data
from coldrec.evaluation.targets import rescore, target_counts
from coldrec.split.base import Split
from coldrec.split.protocols import make_split
from tests.evaluation.shops import RandomScores, shop

N = 5


def _hand_split() -> Split:
    """u0 has history [a] and test [b, a, c, d] in time order; u1 has history [c] and test [d]."""
    rows = lambda part: pd.DataFrame(part, columns=["user_id", "item_id", "timestamp"])  # noqa: E731
    train = rows([("u0", "a", 1), ("u1", "c", 2)])
    test = rows([("u0", "c", 6), ("u0", "b", 3), ("u0", "a", 4), ("u0", "b", 5), ("u0", "d", 7), ("u1", "d", 8)])
    users = pd.DataFrame({"user_id": ["u0", "u1"], "segment": ["warm", "warm"], "n_history": [1, 1],
                          "history_bucket": ["1-2", "1-2"]})
    return Split(train, train.iloc[:0], test, users, {"protocol": "by_hand"})


def test_next_n_takes_new_items_in_time_order_and_drops_short_users():
    items = pd.Index(["a", "b", "c", "d"])
    users = eval_users(_hand_split(), items, n_targets=2)
    # u0: b (t3), a is history, b again (dup), c (t6) -> [b, c]; u1 has one new item only -> left out
    assert users.user_ids.tolist() == ["u0"]
    assert users.relevant[0].tolist() == [1, 2]
    every = eval_users(_hand_split(), items)
    assert [r.tolist() for r in every.relevant] == [[1, 2, 3], [3]]


def test_rescore_from_stored_lists_matches_a_fresh_evaluation():
    inter, catalog, _ = shop("none", n_users=120, n_items=60)
    split = make_split(inter, catalog, {"protocol": "cold_user", "cold_share": 0.3})
    item_ids = pd.Index(catalog["item_id"])
    model = RandomScores().fit(fit_data(split, item_ids))
    stored = evaluate({"random": model}, split, item_ids, ks=(10, 20))
    model = RandomScores().fit(fit_data(split, item_ids))  # same seed: the same scores again
    fresh = evaluate({"random": model}, split, item_ids, ks=(10, 20), n_targets=N).per_user
    again = rescore(stored.tops, split, item_ids, N, ks=(10, 20))
    key = ["user_id", "item_segment", "metric", "k"]

    def values(rows: pd.DataFrame) -> pd.Series:
        rows = rows[rows["metric"].isin(["recall", "ndcg", "hit_rate"])].astype({c: str for c in key[1:3]})
        return rows.set_index(key)["value"].sort_index()

    pd.testing.assert_series_equal(values(fresh), values(again), check_names=False)
    counts = target_counts(split, item_ids, N).set_index("segment")
    assert (counts["kept"] <= counts["users"]).all()
    assert counts["kept"].sum() == again["user_id"].nunique()


@pytest.mark.parametrize("protocol", [{"protocol": "cold_user", "cold_share": 0.3},
                                      {"protocol": "temporal", "test_share": 0.3},
                                      {"protocol": "cold_item", "cold_share": 0.3},
                                      {"protocol": "new_domain", "category": "taste0"},
                                      {"protocol": "leave_last_out"}])
def test_null_shop_shows_no_cold_vs_warm_gap_for_a_random_model(protocol):
    """Random interactions, random text, random model: like for like, no segment gap is significant."""
    inter, catalog, _ = shop("none", n_users=500, n_items=200, seed=1)
    split = make_split(inter, catalog, protocol)
    item_ids = pd.Index(catalog["item_id"])
    n = 1 if protocol["protocol"] == "leave_last_out" else N
    per_user = evaluate({"random": RandomScores().fit(fit_data(split, item_ids))}, split, item_ids,
                        ks=(10, 20), n_targets=n).per_user
    checked = 0
    for metric in ("recall", "ndcg", "hit_rate"):
        for by in ("segment", "item_segment"):
            gap = segment_gap(per_user, "random", metric, 20, "cold", "warm", by=by)
            if min(gap["n_a"], gap["n_b"]) >= 20:
                checked += 1
                assert gap["diff_low"] <= 0 <= gap["diff_high"], (protocol, metric, by, gap)
    if protocol["protocol"] == "cold_user":
        assert checked >= 3  # both user segments exist here, so the test has teeth


def test_the_protocols_own_test_part_does_show_a_gap_on_the_null_shop():
    """The bug the next-N rule fixes: cold users tested on everything they have left 'beat' warm users."""
    inter, catalog, _ = shop("none", n_users=500, n_items=200, seed=1)
    split = make_split(inter, catalog, {"protocol": "cold_user", "cold_share": 0.3})
    item_ids = pd.Index(catalog["item_id"])
    per_user = evaluate({"random": RandomScores().fit(fit_data(split, item_ids))}, split, item_ids,
                        ks=(20,)).per_user
    gap = segment_gap(per_user, "random", "hit_rate", 20, "cold", "warm")
    assert gap["diff_low"] > 0
    assert np.isfinite(gap["diff"])
