"""Metrics against values computed by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from coldrec.evaluate import bootstrap_ci, summarize
from coldrec.metrics import hits_matrix, ndcg_at_k, recall_at_k
from coldrec.ranking import top_k

TOP = np.array([[3, 1, 4, 5], [7, 8, 9, 0]])
REL = [np.array([1, 5, 9]), np.array([7])]


def test_hits_matrix():
    assert hits_matrix(TOP, REL).tolist() == [[False, True, False, True], [True, False, False, False]]


def test_recall_by_hand():
    hits = hits_matrix(TOP, REL)
    assert recall_at_k(hits, [3, 1], 4) == pytest.approx([2 / 3, 1.0])
    assert recall_at_k(hits, [3, 1], 2) == pytest.approx([1 / 3, 1.0])
    assert recall_at_k(hits, [3, 1], 1) == pytest.approx([0.0, 1.0])


def test_ndcg_by_hand():
    hits = hits_matrix(TOP, REL)
    # user 0: hits at ranks 2 and 4; ideal list has its 3 relevant items at ranks 1-3
    dcg = 1 / math.log2(3) + 1 / math.log2(5)
    idcg = 1 + 1 / math.log2(3) + 1 / math.log2(4)
    assert ndcg_at_k(hits, [3, 1], 4) == pytest.approx([dcg / idcg, 1.0])
    # at K=2 the ideal list is cut at 2 as well
    assert ndcg_at_k(hits, [3, 1], 2)[0] == pytest.approx((1 / math.log2(3)) / (1 + 1 / math.log2(3)))


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


def test_summarize_means_per_group():
    import pandas as pd

    rows = pd.DataFrame({"model": "m", "segment": ["cold", "cold", "warm"], "metric": "recall", "k": 20,
                         "value": [0.0, 1.0, 0.5]})
    out = summarize(rows).set_index("segment")
    assert out.loc["cold", "mean"] == 0.5 and out.loc["warm", "mean"] == 0.5
    assert out.loc["cold", "n_users"] == 2
