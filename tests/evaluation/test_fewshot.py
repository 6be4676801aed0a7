"""Few-shot curves on a hand-checkable case."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from coldrec.evaluation.fewshot import cold_sequences, few_shot
from coldrec.models.base import Recommender
from coldrec.split.protocols import make_split

ITEMS = pd.Index([f"i{j}" for j in range(8)])


class NextItem(Recommender):
    """Knows the catalog order: recommends the items after the last one seen (a perfect oracle here)."""

    name, label, cold_users = "next", "next", True

    def score(self, contexts):
        out = np.zeros((len(contexts), len(ITEMS)))
        for row, ctx in enumerate(contexts):
            last = ctx.items[-1] if len(ctx.items) else -1
            out[row] = -np.abs(np.arange(len(ITEMS)) - (last + 1))
        return out


def _split():
    rows = [(f"u{u}", f"i{j}", 100 * u + j) for u in range(4) for j in range(6)]  # everyone walks i0..i5
    inter = pd.DataFrame(rows, columns=["user_id", "item_id", "timestamp"])
    return make_split(inter, None, {"protocol": "cold_user", "cold_share": 0.5, "n_reveal": 1, "seed": 0})


def test_cold_sequences_are_in_time_order_and_filtered():
    seqs = cold_sequences(_split(), ITEMS, min_length=6)
    assert len(seqs) == 2
    assert all(list(s) == [0, 1, 2, 3, 4, 5] for s in seqs["items"])
    assert cold_sequences(_split(), ITEMS, min_length=7).empty


def test_curve_by_hand_without_words():
    oracle = NextItem()
    oracle.n_items_ = len(ITEMS)
    result = few_shot({"next": oracle}, _split(), ITEMS, shots=(0, 1, 3), ks=(1,))
    assert "no k = 0 point" in result.note
    curve = result.curve.set_index(["shots", "metric"])
    assert set(result.curve["shots"]) == {1, 3}
    # after i0 the rest is i1..i5: the top-1 (i1) is one of 5 relevant items
    assert curve.loc[(1, "recall"), "mean"] == pytest.approx(1 / 5)
    assert curve.loc[(3, "recall"), "mean"] == pytest.approx(1 / 3)
    assert curve.loc[(1, "ndcg"), "mean"] == pytest.approx(1.0)
    assert (curve["n_users"] == 2).all()


def test_k0_uses_the_users_own_words():
    split = _split()
    for part in (split.context, split.test):
        part["query"] = "wants the first item"
    seen = []

    def encode(texts):
        seen.extend(texts)
        return np.ones((len(texts), 3), dtype=np.float32)

    class QueryAware(NextItem):
        def score(self, contexts):
            assert all(c.query is not None for c in contexts if len(c.items) == 0)
            return super().score(contexts)

    model = QueryAware()
    model.n_items_ = len(ITEMS)
    result = few_shot({"q": model}, split, ITEMS, shots=(0, 1), ks=(1,), encode=encode)
    assert 0 in set(result.curve["shots"]) and "own words" in result.note
    assert seen == ["wants the first item"] * 2


def _new_item_split():
    # 10 users; i7 is new: each user takes it last, at increasing times
    rows = [(f"u{u}", f"i{j}", 1000 * u + j) for u in range(10) for j in range(3)]
    rows += [(f"u{u}", "i7", 50_000 + u) for u in range(10)]
    inter = pd.DataFrame(rows, columns=["user_id", "item_id", "timestamp"])
    split = make_split(inter, None, {"protocol": "cold_item", "cold_share": 0.25, "seed": 0})
    assert split.items.set_index("item_id").loc["i7", "segment"] == "cold"
    return split


def test_item_curve_reveals_first_interactions_and_folds_them_in():
    from coldrec.evaluation.evaluate import fit_data
    from coldrec.evaluation.fewshot import item_few_shot
    from coldrec.models.registry import make_model

    split = _new_item_split()
    seen, steps = [], []

    def data_for(part):
        seen.append(len(part.train))
        return fit_data(part, ITEMS)

    model = make_model("popularity").fit(fit_data(split, ITEMS))
    result = item_few_shot({"popularity": model}, split, ITEMS, data_for, shots=(0, 1, 3), ks=(1,),
                           progress=lambda f, s: steps.append((round(f, 2), s)))
    assert seen == [31, 33]  # the new item's first k interactions join train; k = 0 is the fitted model itself
    assert steps == [(0.0, "k = 0: popularity"), (0.33, "k = 1: popularity"), (0.67, "k = 3: popularity")]
    curve = result.curve.set_index(["shots", "metric"])
    assert curve.loc[(0, "recall"), "mean"] == 0.0  # unseen: popularity ranks it last
    assert curve.loc[(3, "recall"), "mean"] == 1.0  # 3 interactions: now the most popular unseen item
    assert curve.loc[(3, "recall"), "n_users"] == 7
    assert model.counts_[ITEMS.get_loc("i7")] == 0  # folding in left the fitted model as it was
    assert "without a refit (fold-in): popularity" in result.note


def test_item_curve_leaves_out_models_that_need_a_refit_unless_asked():
    from coldrec.evaluation.evaluate import fit_data
    from coldrec.evaluation.fewshot import item_few_shot
    from coldrec.models.popularity import Popularity

    class NoFoldIn(Popularity):
        fits = 0

        def fold_in(self, data):
            return None

        def _fit(self, data):
            NoFoldIn.fits += 1
            super()._fit(data)

    split = _new_item_split()
    models = {"slow": NoFoldIn().fit(fit_data(split, ITEMS))}
    left = item_few_shot(models, split, ITEMS, lambda p: fit_data(p, ITEMS), shots=(0, 1, 3), ks=(1,))
    assert left.curve.empty and NoFoldIn.fits == 1
    assert "Left out, as they learn new items only by a full refit: slow" in left.note
    refitted = item_few_shot(models, split, ITEMS, lambda p: fit_data(p, ITEMS), refit=True, shots=(0, 1, 3),
                             ks=(1,))
    assert NoFoldIn.fits == 3  # one refit per k > 0
    curve = refitted.curve.set_index(["shots", "metric"])
    assert curve.loc[(3, "recall"), "mean"] == 1.0 and "Refitted at every k" in refitted.note


def test_item_curve_scores_the_same_sample_of_users_at_every_k():
    from coldrec.evaluation.evaluate import fit_data
    from coldrec.evaluation.fewshot import item_few_shot
    from coldrec.models.registry import make_model

    split = _new_item_split()
    model = make_model("popularity").fit(fit_data(split, ITEMS))
    result = item_few_shot({"popularity": model}, split, ITEMS, lambda p: fit_data(p, ITEMS), shots=(0, 1, 3),
                           ks=(1,), max_users=4)
    users = result.per_user.groupby("shots")["user_id"].apply(set)
    assert len(users[0]) == 4 and users[3] <= users[1] <= users[0]  # drawn once; later k only lose users
    assert "4 of the 10 users with those items are scored" in result.note
    # every interaction is still revealed, whoever made it: at k = 3 the item is popular enough to rank first
    assert result.curve.set_index(["shots", "metric"]).loc[(3, "recall"), "mean"] == 1.0
