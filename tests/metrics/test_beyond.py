"""Beyond-accuracy figures against values computed by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from coldrec.metrics.accuracy import hits_matrix
from coldrec.metrics.beyond import (
    aplt,
    arp,
    beyond_accuracy,
    catalog_coverage,
    cold_share,
    exposure,
    exposure_gini,
    intra_list_diversity,
    novelty,
    per_user_beyond,
    tail_recall,
)

# 6 items: 0-1 head, 2-5 tail; 4-5 cold (no train interactions)
COUNTS = np.array([10, 5, 3, 1, 0, 0])  # 19 train interactions
TAIL = np.array([False, False, True, True, True, True])
COLD = COUNTS == 0
TOP = np.array([[0, 1, 2], [0, 2, 4]])
# item 4 is not unit length on purpose: diversity normalises rows itself
EMB = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0], [0.6, 0.8], [-2.0, 0.0], [0.0, -1.0]])


def test_exposure_and_coverage_by_hand():
    # item 0 twice, 1 once, 2 twice, 4 once; 3 and 5 never shown
    assert exposure(TOP, 6).tolist() == [2, 1, 2, 0, 1, 0]
    assert catalog_coverage(TOP, 6) == pytest.approx(4 / 6)


def test_exposure_gini_by_hand():
    # sorted exposure 0,0,1,1,2,2 (n=6, total 6): G = 2 Σ i x_i / (n Σ x) - (n + 1) / n
    # Σ i x_i = 3*1 + 4*1 + 5*2 + 6*2 = 29 -> 58/36 - 42/36 = 16/36 = 4/9
    # check: Σ over ordered pairs |x_i - x_j| = 2 * (4*1 + 4*2 + 4*1) = 32; / (2 n² mean) = 32/72 = 4/9
    assert exposure_gini(TOP, 6) == pytest.approx(4 / 9)
    assert exposure_gini(np.array([[0, 1], [2, 3]]), 4) == pytest.approx(0.0)  # every item shown once


def test_aplt_arp_cold_share_by_hand():
    # tail items in the lists: user 0 has item 2 (1 of 3), user 1 has items 2 and 4 (2 of 3)
    assert aplt(TOP, TAIL) == pytest.approx([1 / 3, 2 / 3])
    # mean train count: (10 + 5 + 3) / 3 = 6, (10 + 3 + 0) / 3 = 13/3
    assert arp(TOP, COUNTS) == pytest.approx([6.0, 13 / 3])
    # cold items in the lists: none for user 0, item 4 for user 1
    assert cold_share(TOP, COLD) == pytest.approx([0.0, 1 / 3])


def test_novelty_by_hand():
    # add-one smoothing: p_i = (c_i + 1) / (19 + 6) = 11/25, 6/25, 4/25, 2/25, 1/25, 1/25
    info = {i: math.log2(25) - math.log2(c + 1) for i, c in enumerate(COUNTS)}
    assert info[4] == pytest.approx(math.log2(25))  # a cold item is finite: the maximum, log2(25) bits
    expected = [(info[0] + info[1] + info[2]) / 3, (info[0] + info[2] + info[4]) / 3]
    assert novelty(TOP, COUNTS) == pytest.approx(expected)


def test_intra_list_diversity_by_hand():
    # user 0, items 0,1,2: cos(0,1)=0, cos(0,2)=1, cos(1,2)=0 -> distances 1, 0, 1 -> 2/3
    # user 1, items 0,2,4: cos(0,2)=1, cos(0,4)=-1, cos(2,4)=-1 -> distances 0, 2, 2 -> 4/3
    assert intra_list_diversity(TOP, EMB) == pytest.approx([2 / 3, 4 / 3])
    # items 0 and 3: cos = 0.6 -> 0.4; a single item has no pair -> NaN
    assert intra_list_diversity(np.array([[0, 3]]), EMB) == pytest.approx([0.4])
    assert math.isnan(intra_list_diversity(np.array([[0]]), EMB)[0])


def test_intra_list_diversity_matches_explicit_pairs():
    rng = np.random.default_rng(0)
    emb = rng.normal(size=(50, 8))
    top = np.stack([rng.choice(50, 7, replace=False) for _ in range(20)])
    unit = emb / np.linalg.norm(emb, axis=1, keepdims=True)
    for u, row in enumerate(top):
        sims = unit[row] @ unit[row].T
        pairs = [1 - sims[a, b] for a in range(7) for b in range(a + 1, 7)]
        assert intra_list_diversity(top, emb)[u] == pytest.approx(np.mean(pairs), abs=1e-12)


def test_tail_recall_by_hand_and_nan_without_tail_items():
    relevant = [np.array([2, 5]), np.array([0, 1]), np.array([4, 0])]
    top = np.array([[2, 0, 1], [0, 1, 3], [0, 4, 5]])
    tail_rel = [r[TAIL[r]] for r in relevant]  # [2, 5], [], [4]
    hits = hits_matrix(top, tail_rel)
    n_tail = np.array([len(r) for r in tail_rel])
    # user 0 finds tail item 2 of {2, 5}: 1/2; user 1 has no tail item: NaN; user 2 finds 4 at rank 2: 1
    out = tail_recall(hits, n_tail)
    assert out[0] == pytest.approx(0.5) and math.isnan(out[1]) and out[2] == pytest.approx(1.0)
    assert tail_recall(hits, n_tail, k=1)[2] == pytest.approx(0.0)


def test_beyond_accuracy_aggregates_the_per_user_values():
    per_user = per_user_beyond(TOP, COUNTS, TAIL, COLD, EMB)
    run = beyond_accuracy(TOP, COUNTS, TAIL, COLD, EMB)
    assert set(run) == {"coverage", "exposure_gini", *per_user}
    assert run["aplt"] == pytest.approx(0.5)  # (1/3 + 2/3) / 2
    assert run["arp"] == pytest.approx(31 / 6)  # (6 + 13/3) / 2
    assert run["diversity"] == pytest.approx(1.0)  # (2/3 + 4/3) / 2
    assert run["coverage"] == pytest.approx(4 / 6) and run["exposure_gini"] == pytest.approx(4 / 9)
    assert "diversity" not in per_user_beyond(TOP, COUNTS, TAIL, COLD)


def test_no_users_gives_nan_means_without_warnings():
    empty = np.zeros((0, 3), dtype=np.int64)
    with np.errstate(all="raise"):
        run = beyond_accuracy(empty, COUNTS, TAIL, COLD, EMB)
    assert run["coverage"] == 0.0 and run["exposure_gini"] == 0.0 and math.isnan(run["aplt"])


def test_inputs_are_checked():
    with pytest.raises(ValueError):
        per_user_beyond(np.array([[0, 6]]), COUNTS, TAIL, COLD)  # item 6 is not in a 6-item catalog
    with pytest.raises(ValueError):
        per_user_beyond(TOP, COUNTS, TAIL[:5], COLD)
