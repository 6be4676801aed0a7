"""Inner validation splits cut from a train part, and the budgeted grid walk the self-tuning models share."""

from __future__ import annotations

import numpy as np

from coldrec.models.base import FitData
from coldrec.models.tuning import best_of, clear_gain, cold_user_inner_split, ndcg_rows, try_in_turn


def _data(n_users: int = 60, per_user: int = 5) -> FitData:
    users = np.repeat(np.arange(n_users), per_user)
    items = (users * 7 + np.tile(np.arange(per_user), n_users)) % 40
    return FitData(n_items=40, users=users, items=items, timestamps=np.arange(len(users))[::-1].copy())


def test_cold_user_split_holds_whole_users_out_and_reveals_their_oldest_items():
    data = _data()
    inner = cold_user_inner_split(data, min_users=5)
    assert inner is not None
    fit, contexts, relevant = inner
    held = np.setdiff1d(np.unique(data.users), np.unique(fit.users))
    assert len(held) == 12 and len(contexts) == 12  # 20% of 60 users, every one of them whole
    for ctx, rel, u in zip(contexts, relevant, held, strict=True):
        mine = data.items[data.users == u][::-1]  # timestamps run backwards: oldest last in row order
        assert 1 <= len(ctx.items) <= 3
        np.testing.assert_array_equal(ctx.items, mine[:len(ctx.items)])
        np.testing.assert_array_equal(rel, np.setdiff1d(mine[len(ctx.items):], ctx.items))
    assert sorted({len(c.items) for c in contexts}) == [1, 2, 3]


def test_cold_user_split_needs_enough_users():
    assert cold_user_inner_split(_data(n_users=20)) is None  # 4 cold users < 10


def test_grid_walk_stops_before_the_budget_but_tries_the_first_point():
    seen: list[int] = []

    def value(p: int) -> float:
        seen.append(p)
        return float(p)

    assert try_in_turn([3, 1, 2], value, budget_s=0.0) == {3: 3.0} and seen == [3]
    assert try_in_turn([3, 1, 2], value, budget_s=60.0) == {3: 3.0, 1: 1.0, 2: 2.0}


def test_best_of_keeps_the_given_point_unless_clearly_beaten():
    given = [np.array([0.0, 1.0, 0.0, 1.0])]
    assert best_of({"given": given, "same": given, "worse": [given[0] - 0.1]}) == "given"
    assert best_of({"given": given, "better": [given[0] + 0.2]}) == "better"
    noisy = [np.array([1.0, 0.0, 1.0, 0.0])]  # every user swapped: +0.01 on average, far inside the noise
    assert best_of({"given": given, "noisy": [noisy[0] + 0.01]}) == "given"


def test_clear_gain_is_a_paired_difference_over_its_standard_error():
    base = [np.zeros(4)]
    # differences 0.1, 0.3, 0.1, 0.3: mean 0.2, sd 0.1155, se 0.0577 -> clears 3 se, not 4
    rows = [np.array([0.1, 0.3, 0.1, 0.3])]
    assert clear_gain(rows, base, z=3.0) and not clear_gain(rows, base, z=4.0)
    # two splits: the gain is the mean of their mean gains, the se half the root of the summed variances
    assert clear_gain(rows + [np.full(4, -0.1)], base + [np.zeros(4)], z=1.0)  # gain 0.05, se 0.0289
    assert not clear_gain(rows + [np.full(4, -0.1)], base + [np.zeros(4)], z=2.0)


def test_ndcg_rows_ranks_like_a_stable_sort_with_ties_to_the_lower_index():
    rng = np.random.default_rng(0)
    scores = rng.integers(0, 4, size=(50, 30)).astype(np.float64)  # many ties
    scores[0, :5] = -np.inf
    relevant = [rng.choice(30, size=rng.integers(1, 6), replace=False) for _ in range(50)]
    relevant[0] = np.array([2, 7])
    top = np.argsort(-scores, axis=1, kind="stable")[:, :20]
    disc = 1.0 / np.log2(np.arange(2, 22))
    expected = [(np.isin(t, r) * disc).sum() / disc[:min(len(r), 20)].sum() for t, r in zip(top, relevant, strict=True)]
    np.testing.assert_array_equal(ndcg_rows(scores, relevant), expected)
