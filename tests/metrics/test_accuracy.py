"""Metrics against values computed by hand, and ranking metrics against ranx on random runs."""

from __future__ import annotations

import math

import numpy as np
import pytest

from coldrec.evaluation.aggregate import bootstrap_ci
from coldrec.metrics import accuracy as M
from coldrec.metrics.accuracy import (
    auc,
    hit_rate_at_k,
    hits_matrix,
    map_at_k,
    mrr_at_k,
    ndcg_at_k,
    precision_at_k,
    rating_errors,
    recall_at_k,
)
from coldrec.ranking import top_k

TOP = np.array([[3, 1, 4, 5], [7, 8, 9, 0]])
REL = [np.array([1, 5, 9]), np.array([7])]
N_REL = np.array([3, 1])
# hits: user 0 at ranks 2 and 4 (of 3 relevant items), user 1 at rank 1 (of 1)


def test_hits_matrix():
    assert hits_matrix(TOP, REL).tolist() == [[False, True, False, True], [True, False, False, False]]


def test_hits_matrix_matches_a_per_user_isin():
    rng = np.random.default_rng(3)
    top = np.stack([rng.choice(300, 20, replace=False) for _ in range(200)])
    rel = [rng.choice(300, rng.integers(0, 40), replace=False) for _ in range(200)]
    expected = np.stack([np.isin(row, r) for row, r in zip(top, rel, strict=True)])
    assert (hits_matrix(top, rel) == expected).all()


def test_hits_matrix_ignores_unknown_items():
    # -1 = item missing from the catalog: must not match item 4 of the previous user (key 1*5-1 = 0*5+4)
    assert hits_matrix(np.array([[4, 0], [1, 2]]), [np.array([0]), np.array([-1])]).tolist() == \
        [[False, True], [False, False]]
    assert hits_matrix(np.zeros((0, 3), dtype=int), []).shape == (0, 3)


def test_precision_by_hand():
    hits = hits_matrix(TOP, REL)
    assert precision_at_k(hits, N_REL, 4) == pytest.approx([2 / 4, 1 / 4])
    assert precision_at_k(hits, N_REL, 2) == pytest.approx([1 / 2, 1 / 2])
    assert precision_at_k(hits, N_REL, 1) == pytest.approx([0.0, 1.0])
    # K longer than the list: the missing slots are misses, still divided by K
    assert precision_at_k(hits, N_REL, 8) == pytest.approx([2 / 8, 1 / 8])


def test_recall_by_hand():
    hits = hits_matrix(TOP, REL)
    assert recall_at_k(hits, N_REL, 4) == pytest.approx([2 / 3, 1.0])
    assert recall_at_k(hits, N_REL, 2) == pytest.approx([1 / 3, 1.0])
    assert recall_at_k(hits, N_REL, 1) == pytest.approx([0.0, 1.0])


def test_hit_rate_by_hand():
    hits = hits_matrix(TOP, REL)
    assert hit_rate_at_k(hits, N_REL, 1).tolist() == [0.0, 1.0]
    assert hit_rate_at_k(hits, N_REL, 2).tolist() == [1.0, 1.0]


def test_mrr_by_hand():
    hits = hits_matrix(TOP, REL)
    assert mrr_at_k(hits, N_REL, 4) == pytest.approx([1 / 2, 1.0])  # first hits at ranks 2 and 1
    assert mrr_at_k(hits, N_REL, 1) == pytest.approx([0.0, 1.0])  # no hit within K=1 -> 0


def test_map_by_hand():
    hits = hits_matrix(TOP, REL)
    # user 0, K=4: precision at the hit ranks 2 and 4 is 1/2 and 2/4; (1/2 + 2/4) / |rel|=3 = 1/3
    assert map_at_k(hits, N_REL, 4) == pytest.approx([1 / 3, 1.0])
    # K=2: only the hit at rank 2 counts: (1/2) / |rel|=3 = 1/6 (min(|rel|, K)=2 would give 1/4)
    assert map_at_k(hits, N_REL, 2) == pytest.approx([1 / 6, 1.0])
    assert map_at_k(hits, N_REL, 1) == pytest.approx([0.0, 1.0])


def test_ndcg_by_hand():
    hits = hits_matrix(TOP, REL)
    # user 0: hits at ranks 2 and 4; ideal list has its 3 relevant items at ranks 1-3
    dcg = 1 / math.log2(3) + 1 / math.log2(5)
    idcg = 1 + 1 / math.log2(3) + 1 / math.log2(4)
    assert ndcg_at_k(hits, N_REL, 4) == pytest.approx([dcg / idcg, 1.0])
    # at K=2 the ideal list is cut at 2 as well
    assert ndcg_at_k(hits, N_REL, 2)[0] == pytest.approx((1 / math.log2(3)) / (1 + 1 / math.log2(3)))


def test_users_without_relevant_items_are_nan_for_every_metric():
    # regression: NDCG used to index the ideal DCG at -1 (the last entry) for |rel| = 0
    hits = np.array([[False, False], [True, False]])
    for name, fn in M.METRICS.items():
        values = fn(hits, np.array([0, 1]), 2)
        assert math.isnan(values[0]) and values[1] > 0, name


def test_k_must_be_positive():
    with pytest.raises(ValueError):
        recall_at_k(hits_matrix(TOP, REL), N_REL, 0)


def test_auc_by_hand_with_ties_and_excluded_items():
    scores = np.array([[0.9, 0.5, 0.5, 0.1, 0.7, 0.3]] * 2)
    # relevant {1, 4}; user 0 excludes item 0 (its history), so the negatives are items 2, 3, 5.
    # pairs (relevant, negative): (1,2) tie 1/2, (1,3) 1, (1,5) 1, (4,2) 1, (4,3) 1, (4,5) 1 -> 5.5 / 6
    # user 1 excludes nothing: item 0 (0.9) is a negative above both -> 5.5 / 8
    out = auc(scores, [np.array([1, 4])] * 2, [np.array([0]), np.array([], dtype=int)])
    assert out == pytest.approx([5.5 / 6, 5.5 / 8])


def test_auc_ties_among_relevant_items_and_with_every_item():
    # relevant {0, 1} tied at 0.5 with negative 2, above negative 3:
    # (0,2) 1/2, (0,3) 1, (1,2) 1/2, (1,3) 1 -> 3 / 4
    assert auc(np.array([[0.5, 0.5, 0.5, 0.1]]), [np.array([0, 1])]) == pytest.approx([0.75])
    # all scores equal: every pair is a tie -> 1/2
    assert auc(np.zeros((1, 5)), [np.array([2])]) == pytest.approx([0.5])


def test_auc_edge_cases():
    scores = np.array([[0.1, 0.2, 0.3, -np.inf], [0.1, 0.2, 0.3, 0.4], [0.4, 0.3, 0.2, 0.1]])
    rel = [np.array([2, 2]), np.array([0]), np.array([0, 1, 2, 3])]
    out = auc(scores, rel, [np.array([], dtype=int), np.array([0]), np.array([], dtype=int)])
    # user 0: a repeated relevant item counts once, -inf is a valid (lowest) score: 3 of 3 negatives below
    assert out[0] == pytest.approx(1.0)
    # user 1: its only relevant item is excluded -> nothing to rank -> NaN
    # user 2: every eligible item relevant -> no negative -> NaN
    assert math.isnan(out[1]) and math.isnan(out[2])


def test_auc_leaves_scores_untouched_and_refuses_nan():
    scores = np.array([[0.3, 0.1, 0.2]], dtype=np.float32)
    before = scores.copy()
    assert auc(scores, [np.array([0])], [np.array([1])]) == pytest.approx([1.0])
    assert (scores == before).all()
    with pytest.raises(ValueError):
        auc(np.array([[np.nan, 0.1]]), [np.array([0])])


@pytest.mark.parametrize("most_relevant", [3, 40])  # few per user: compared directly; many: rows sorted
def test_auc_matches_pairwise_count_and_sklearn(most_relevant):
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(7)
    n_users, n_items = 30, 60
    scores = rng.integers(0, 8, size=(n_users, n_items)).astype(float)  # many ties
    exclude = [rng.choice(n_items, rng.integers(0, 10), replace=False) for _ in range(n_users)]
    relevant = [rng.choice(np.setdiff1d(np.arange(n_items), ex), rng.integers(1, most_relevant), replace=False)
                for ex in exclude]
    out = auc(scores, relevant, exclude)
    for u in range(n_users):
        eligible = np.setdiff1d(np.arange(n_items), exclude[u])
        pos = scores[u, relevant[u]]
        neg = scores[u, np.setdiff1d(eligible, relevant[u])]
        pairwise = ((pos[:, None] > neg[None, :]) + 0.5 * (pos[:, None] == neg[None, :])).mean()
        label = np.isin(eligible, relevant[u])
        assert out[u] == pytest.approx(pairwise, abs=1e-12)
        assert out[u] == pytest.approx(roc_auc_score(label, scores[u, eligible]), abs=1e-12)


def test_rating_errors_by_hand():
    # errors -1, 0, 3: MAE = 4/3, RMSE = sqrt((1 + 0 + 9) / 3)
    mae, rmse = rating_errors(np.array([3.0, 4.0, 5.0]), np.array([4.0, 4.0, 2.0]))
    assert mae == pytest.approx(4 / 3) and rmse == pytest.approx(math.sqrt(10 / 3))
    assert all(math.isnan(v) for v in rating_errors(np.array([]), np.array([])))
    with pytest.raises(ValueError):
        rating_errors(np.zeros(2), np.zeros(3))


def test_every_metric_has_a_definition():
    from coldrec.metrics.beyond import beyond_accuracy, per_user_beyond

    top, counts, mask = np.array([[0, 1]]), np.array([2, 0]), np.array([False, True])
    names = {*M.METRICS, "auc", "mae", "rmse", "tail_recall",
             *beyond_accuracy(top, counts, mask, mask, np.eye(2)),
             *per_user_beyond(top, counts, mask, mask, np.eye(2))}
    assert names <= set(M.DEFINITIONS)
    assert all(text.endswith(".") for text in M.DEFINITIONS.values())


def test_metrics_vectorise_over_many_users():
    # 20k users x K=50: one numpy pass per metric, no per-user Python loop
    rng = np.random.default_rng(0)
    top = rng.integers(0, 10_000, size=(20_000, 50))
    rel = [rng.choice(10_000, 5, replace=False) for _ in range(20_000)]
    hits, n_rel = hits_matrix(top, rel), np.full(20_000, 5)
    for fn in M.METRICS.values():
        values = fn(hits, n_rel, 50)
        assert values.shape == (20_000,) and np.isfinite(values).all()


@pytest.mark.filterwarnings("ignore:unsafe cast")  # a numba type-safety note from inside ranx
@pytest.mark.parametrize("seed", [0, 1])
def test_ranking_metrics_match_ranx_on_random_runs(seed):
    ranx = pytest.importorskip("ranx")
    rng = np.random.default_rng(seed)
    n_users, n_items, ks = 50, 200, (1, 5, 10, 20)
    scores = rng.permutation(n_users * n_items).reshape(n_users, n_items) / (n_users * n_items)  # distinct
    exclude = [rng.choice(n_items, rng.integers(0, 30), replace=False) for _ in range(n_users)]
    relevant = [rng.choice(np.setdiff1d(np.arange(n_items), ex), rng.integers(1, 40), replace=False)
                for ex in exclude]
    top = top_k(scores.copy(), max(ks), exclude)
    hits, n_rel = hits_matrix(top, relevant), np.array([len(r) for r in relevant])

    # ranx sees the full ranking over every non-excluded item, as our top-K does
    qrels = ranx.Qrels({f"u{u}": {f"i{i}": 1 for i in relevant[u]} for u in range(n_users)})
    run = ranx.Run({f"u{u}": {f"i{i}": float(scores[u, i]) for i in np.setdiff1d(np.arange(n_items), exclude[u])}
                    for u in range(n_users)})
    names = {"precision": "precision", "recall": "recall", "ndcg": "ndcg", "hit_rate": "hit_rate",
             "mrr": "mrr", "map": "map"}
    ranx.evaluate(qrels, run, [f"{r}@{k}" for r in names.values() for k in ks])
    for ours, theirs in names.items():
        for k in ks:
            reference = np.array([run.scores[f"{theirs}@{k}"][f"u{u}"] for u in range(n_users)])
            np.testing.assert_allclose(M.METRICS[ours](hits, n_rel, k), reference, rtol=0, atol=1e-9,
                                       err_msg=f"{ours}@{k}")


def test_top_k_orders_best_first_and_excludes_history():
    scores = np.array([[0.1, 0.9, 0.5, 0.7, 0.2]])
    assert top_k(scores.copy(), 3).tolist() == [[1, 3, 2]]
    assert top_k(scores.copy(), 3, [np.array([1])]).tolist() == [[3, 2, 4]]


def test_top_k_breaks_ties_by_item_index():
    assert top_k(np.zeros((1, 6)), 3).tolist() == [[0, 1, 2]]


def test_bootstrap_interval_brackets_the_mean_and_shrinks_with_n():
    rng = np.random.default_rng(0)
    small, large = rng.random(50), rng.random(5000)
    lo_s, hi_s = bootstrap_ci(small)
    lo_l, hi_l = bootstrap_ci(large)
    assert lo_s < small.mean() < hi_s and lo_l < large.mean() < hi_l
    assert (hi_l - lo_l) < (hi_s - lo_s) / 5


def test_top_k_ties_at_the_cut_go_to_the_lowest_index_whatever_k():
    rng = np.random.default_rng(0)
    scores = rng.integers(0, 3, size=(20, 200)).astype(float)  # heavy ties
    for k in (5, 20, 50):
        expected = np.argsort(-scores, axis=1, kind="stable")[:, :k]
        np.testing.assert_array_equal(top_k(scores.copy(), k), expected)
    np.testing.assert_array_equal(top_k(scores.copy(), 50)[:, :20], top_k(scores.copy(), 20))
