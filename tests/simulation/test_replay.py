"""Replay of a held-out user, by hand on a 5-item catalog, and its shared code with the few-shot curves."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from coldrec.evaluation.fewshot import cold_sequences, few_shot
from coldrec.models import ContentModel
from coldrec.models.base import FitData
from coldrec.models.registry import make_model
from coldrec.simulation.replay import interest_after, replay, replay_curve, replay_user, timeline
from coldrec.split.protocols import make_split

# e0..e4: x-axis, between x and y, y-axis, between y and z, z-axis (unit rows)
VECS = np.array([[1, 0, 0], [0.8, 0.6, 0], [0, 1, 0], [0, 0.6, 0.8], [0, 0, 1]], dtype=np.float32)
CATALOG = pd.DataFrame({"item_id": [f"i{j}" for j in range(5)], "title": [f"item {j}" for j in range(5)]})


def _content() -> ContentModel:
    empty = np.zeros(0, dtype=np.int64)
    return ContentModel().fit(FitData(5, empty, empty, empty, VECS))


def _seqs(*sequences: list[int]) -> pd.DataFrame:
    return pd.DataFrame({"user_id": [f"u{n}" for n in range(len(sequences))],
                         "items": [np.asarray(s, dtype=np.int64) for s in sequences]})


def test_interest_starts_at_words_or_first_item_and_moves_by_alpha():
    np.testing.assert_allclose(interest_after(np.array([0, 2]), VECS, 0.5, None), [0.5, 0.5, 0])
    np.testing.assert_allclose(interest_after(np.array([0]), VECS, 0.5, np.array([0, 0, 1.0])), [0.5, 0, 0.5])
    assert interest_after(np.zeros(0, dtype=np.int64), VECS, 0.5, None) is None


def test_replay_by_hand_without_words():
    # user takes i0, then i2, then i4; alpha 0.5, K = 2
    r = replay_user({"content": _content()}, _seqs([0, 2, 4]), "u0", CATALOG, VECS, alpha=0.5, k=2)
    lists = r.lists.set_index(["step", "rank"])
    # step 1: u = e0 -> cosines i1 .8, then i2/i3/i4 tied at 0 (lowest index first); i0 is excluded
    assert lists.loc[1, "item_id"].tolist() == ["i1", "i2"]
    assert lists.loc[1, "taken"].tolist() == ["", "next"]
    # step 2: u = (.5, .5, 0) -> i1 .7, i3 .3; the next item i4 is not in the list
    assert lists.loc[2, "item_id"].tolist() == ["i1", "i3"]
    assert lists.loc[2, "taken"].tolist() == ["", ""]
    m = r.metrics.set_index("step")
    assert m["hit_next"].tolist() == [1.0, 0.0]
    assert m.loc[1, "recall"] == pytest.approx(0.5)  # i2 of {i2, i4}
    assert m.loc[1, "ndcg"] == pytest.approx((1 / np.log2(3)) / (1 + 1 / np.log2(3)))
    assert m.loc[2, "recall"] == 0.0
    assert r.sequence["item_id"].tolist() == ["i0", "i2", "i4"]


def test_replay_with_words_has_a_step_zero_and_marks_later_items():
    words = np.array([0, 0, 1.0], dtype=np.float32)
    r = replay_user({"content": _content()}, _seqs([0, 2, 4]), "u0", CATALOG, VECS, alpha=0.5, k=2, words=words)
    lists = r.lists.set_index(["step", "rank"])
    assert lists.loc[0, "item_id"].tolist() == ["i4", "i3"]
    assert lists.loc[0, "taken"].tolist() == ["later", ""]  # the user takes i4, but not next
    assert r.metrics.set_index("step").loc[0, "recall"] == pytest.approx(1 / 3)
    # step 1: u = (.5, 0, .5) -> i4 .5, then i1 and i3 tied at .4 (i1 first)
    assert lists.loc[1, "item_id"].tolist() == ["i4", "i1"]


def test_unknown_user_is_refused():
    with pytest.raises(KeyError, match="not among the held-out users"):
        replay_user({"content": _content()}, _seqs([0, 2]), "nobody", CATALOG, VECS)


def _split():
    rows = [(f"u{u}", f"i{(u + j) % 5}", 100 * u + j) for u in range(8) for j in range(4)]
    inter = pd.DataFrame(rows, columns=["user_id", "item_id", "timestamp"])
    return make_split(inter, None, {"protocol": "cold_user", "cold_share": 0.5, "n_reveal": 1, "seed": 0})


def test_batch_replay_shares_the_few_shot_scoring():
    # popularity ignores the interest vector, so replay and the few-shot curve must agree exactly
    split, ids = _split(), pd.Index(CATALOG["item_id"])
    from coldrec.evaluation.evaluate import fit_data

    pop = make_model("popularity").fit(fit_data(split, ids))
    seqs = cold_sequences(split, ids, 4)
    per_user, _ = replay({"popularity": pop}, seqs, VECS, steps=(1, 2, 3), k=2)
    curve = replay_curve(per_user).set_index(["step", "metric"])
    fs = few_shot({"popularity": pop}, split, ids, shots=(1, 2, 3), ks=(2,)).curve.set_index(["shots", "metric"])
    for s in (1, 2, 3):
        for metric in ("recall", "ndcg"):
            assert curve.loc[(s, metric), "mean"] == pytest.approx(fs.loc[(s, metric), "mean"])
    assert {"hit_next", "recall", "ndcg"} == set(per_user["metric"])


def test_timeline_names_entries_exits_and_moves():
    lists = pd.DataFrame({"step": [0, 0, 0, 1, 1, 1], "strategy": "content", "rank": [1, 2, 3, 1, 2, 3],
                          "item_id": ["a", "b", "c", "b", "a", "d"], "title": ["A", "B", "C", "B", "A", "D"]})
    t = timeline(lists)
    one = t[t["step"] == 1].set_index("item_id")
    assert one.loc["a", "change"] == "down" and one.loc["a", "move"] == -1
    assert one.loc["b", "change"] == "up" and one.loc["b", "move"] == 1
    assert one.loc["d", "change"] == "entered" and np.isnan(one.loc["d", "previous_rank"])
    assert one.loc["c", "change"] == "left" and one.loc["c", "title"] == "C" and np.isnan(one.loc["c", "rank"])
    assert set(t[t["step"] == 0]["change"]) == {"start"}
