"""Tail boost on hand-computed cases, and the trade-off curve on a model whose scores are known."""

from __future__ import annotations

import numpy as np
import pytest

from coldrec.evaluation.evaluate import EvalUsers, ItemFacts
from coldrec.evaluation.tradeoff import tradeoff
from coldrec.models.base import Context
from coldrec.ranking import standardise, tail_boost


def test_standardise_by_hand():
    # row [1, 2, 3]: mean 2, population std sqrt(2/3) -> z = [-1.2247, 0, 1.2247]
    z = standardise(np.array([[1.0, 2.0, 3.0], [5.0, 5.0, 5.0]]))
    assert z[0] == pytest.approx([-np.sqrt(1.5), 0.0, np.sqrt(1.5)])
    assert z[1] == pytest.approx([0.0, 0.0, 0.0])  # a flat row has nothing to standardise


def test_excluded_items_are_ignored_and_stay_excluded():
    # the -inf item must not shift the mean: finite part [1, 3] -> z = [-1, 1]
    z = standardise(np.array([[1.0, -np.inf, 3.0]]))
    assert z[0, 0] == pytest.approx(-1.0) and z[0, 2] == pytest.approx(1.0) and z[0, 1] == -np.inf


def test_boost_lifts_tail_items_by_strength_standard_deviations():
    scores = np.array([[3.0, 2.0, 1.0]])
    tail = np.array([False, False, True])
    assert np.argsort(-tail_boost(scores, tail, 0.0)[0]).tolist() == [0, 1, 2]
    # z = [1.2247, 0, -1.2247]; +2 on item 2 -> 0.7753, between items 0 and 1
    boosted = tail_boost(scores, tail, 2.0)[0]
    assert boosted[2] == pytest.approx(2.0 - np.sqrt(1.5))
    assert np.argsort(-boosted).tolist() == [0, 2, 1]
    with pytest.raises(ValueError, match=">= 0"):
        tail_boost(scores, tail, -1.0)
    with pytest.raises(ValueError, match="2 entries for 3 items"):
        tail_boost(scores, tail[:2], 1.0)


class _Fixed:
    """A model that scores item i as n_items - i for everyone: head items first."""

    name = "fixed"

    def __init__(self, n_items: int) -> None:
        self.n_items = n_items

    def score(self, contexts):
        return np.tile(np.arange(self.n_items, 0, -1, dtype=float), (len(contexts), 1))


def test_tradeoff_moves_slots_to_the_tail_and_costs_accuracy_by_hand():
    # 4 items; 0-1 head, 2-3 tail. One user who wants item 0; K = 2.
    facts = ItemFacts(train_counts=np.array([9, 5, 1, 0]), cold=np.array([False, False, False, True]),
                      tail=np.array([False, False, True, True]))
    users = EvalUsers(np.array([7]), np.array(["cold"]), np.array(["0"]), np.array([0]),
                      [Context(items=np.zeros(0, dtype=np.int64))], [np.array([0])])
    curve = tradeoff(_Fixed(4), users, facts, strengths=(0.0, 3.0), k=2).set_index("strength")
    # no boost: list [0, 1] -> NDCG 1, no tail slots, coverage 2/4
    assert curve.loc[0.0, "ndcg"] == pytest.approx(1.0)
    assert curve.loc[0.0, "aplt"] == 0.0 and curve.loc[0.0, "coverage"] == 0.5
    # z = [1.342, 0.447, -0.447, -1.342]; +3 on tail -> [1.342, 0.447, 2.553, 1.658]: list [2, 3]
    assert curve.loc[3.0, "aplt"] == 1.0 and curve.loc[3.0, "cold_share"] == 0.5
    assert curve.loc[3.0, "ndcg"] == 0.0 and curve.loc[3.0, "n_users"] == 1
