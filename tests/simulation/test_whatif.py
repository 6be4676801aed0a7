"""What-if knobs by hand: the blend order, the tail boost wrapper, hiding a share of the catalog as new."""

from __future__ import annotations

import numpy as np
import pytest

from coldrec.models import ContentModel
from coldrec.models.base import FitData, Recommender
from coldrec.models.registry import make_model
from coldrec.models.wrappers import Blend, TailBoosted
from coldrec.ranking import top_k
from coldrec.simulation.session import Session, session_context
from coldrec.simulation.whatif import Knobs, hide_items, new_item_mask, refit_without, strategies


class Fixed(Recommender):
    """The same scores for every context; remembers what it was shown."""

    name, label = "fixed", "fixed"

    def __init__(self, scores, name="fixed"):
        super().__init__()
        self.scores, self.name, self.n_items_, self.seen = np.asarray(scores, dtype=float), name, len(scores), []
        # A stand-in for content reads the session the way content does (a declared capability, not a name).
        self.reads_interest_only = name == "content"

    def score(self, contexts):
        self.seen.extend(contexts)
        return np.tile(self.scores, (len(contexts), 1))


def _order(model: Recommender) -> list[int]:
    from coldrec.models.base import Context

    return top_k(model.score([Context(query=np.ones(2))]), 5)[0].tolist()


def test_blend_order_by_hand():
    text, cf = Fixed([2, 1, 0, -1, -2], "content"), Fixed([0, 0, 0, 10, 0], "itemknn")
    # standardised: text [1.41, .71, 0, -.71, -1.41]; cf (mean 2, std 4) [-.5, -.5, -.5, 2, -.5]
    assert _order(Blend(text, cf, 1.0)) == [0, 1, 2, 3, 4]
    assert _order(Blend(text, cf, 0.0)) == [3, 0, 1, 2, 4]
    # w = .5: [.457, .104, -.25, .646, -.957]
    assert _order(Blend(text, cf, 0.5)) == [3, 0, 1, 2, 4]
    np.testing.assert_allclose(Blend(text, cf, 0.5).score([session_context(text, Session("", np.ones(2)))])[0],
                               [0.4571, 0.1036, -0.25, 0.6464, -0.9571], atol=1e-4)
    # w = .8 lets the text win over cf's one strong item: .8*(-.707) + .2*2 = -.17 < .8*0 + .2*(-.5) = -.1
    assert _order(Blend(text, cf, 0.8)) == [0, 1, 2, 3, 4]
    with pytest.raises(ValueError, match="blend weight"):
        Blend(text, cf, 1.5)


def test_blend_text_side_reads_the_interest_vector_only_and_cf_gets_the_clicks():
    text, cf = Fixed([1, 0, 0, 0, 0], "content"), Fixed([0, 1, 0, 0, 0], "itemknn")
    ctx = session_context(Blend(text, cf, 0.5), Session("q", np.ones(2), clicked=(3,), alphas=(0.5,)))
    Blend(text, cf, 0.5).score([ctx])
    assert len(text.seen[0].items) == 0 and text.seen[0].query is not None
    assert cf.seen[0].items.tolist() == [3]


def test_tail_boost_wrapper_lifts_tail_items_and_keeps_the_wrapped_role():
    base = Fixed([3, 2, 1, 0, -1], "content")
    tail = np.array([False, False, False, True, True])
    assert _order(TailBoosted(base, tail, 0.0)) == [0, 1, 2, 3, 4]
    # standardised [1.41, .71, 0, -.71, -1.41]; +2 on the tail -> i3 1.29, i4 .59
    assert _order(TailBoosted(base, tail, 2.0)) == [0, 3, 1, 4, 2]
    boosted = TailBoosted(base, tail, 1.0)
    assert boosted.name == "content"
    assert len(session_context(boosted, Session("q", np.ones(2), clicked=(1,))).items) == 0  # like content


def test_new_item_mask_is_nested_and_sized():
    small, large = new_item_mask(10, 0.2, seed=3), new_item_mask(10, 0.5, seed=3)
    assert small.sum() == 2 and large.sum() == 5 and (large[small]).all()
    assert not new_item_mask(10, 0.0).any()
    with pytest.raises(ValueError, match="share"):
        new_item_mask(10, 1.5)


def _train() -> FitData:
    users = np.array([0, 0, 1, 1, 2, 2, 2])
    items = np.array([0, 1, 0, 2, 0, 1, 4])
    return FitData(5, users, items, np.arange(7))


def test_share_as_new_hides_exactly_those_items_interactions():
    mask = np.array([True, False, False, False, True])
    hidden = hide_items(_train(), mask)
    assert hidden.items.tolist() == [1, 2, 1] and hidden.users.tolist() == [0, 1, 2]
    refit = refit_without(_train(), mask, ["popularity", "content", "itemknn"])
    assert set(refit) == {"popularity", "itemknn"}  # content is not collaborative: nothing to refit
    np.testing.assert_array_equal(refit["popularity"].counts_, [0, 2, 1, 0, 0])
    original = make_model("popularity").fit(_train())
    np.testing.assert_array_equal(original.counts_, [3, 2, 1, 0, 1])


def test_strategies_apply_every_knob():
    empty = np.zeros(0, dtype=np.int64)
    vecs = np.eye(5, dtype=np.float32)
    models = {"content": ContentModel().fit(FitData(5, empty, empty, empty, vecs)),
              "popularity": make_model("popularity").fit(_train())}
    plain = strategies(models, Knobs())
    assert plain == models
    refit = refit_without(_train(), np.array([True, False, False, False, False]), ["popularity"])
    out = strategies(models, Knobs(blend_with="popularity", blend_weight=0.3, tail_boost=1.0),
                     tail_mask=np.ones(5, dtype=bool), refitted=refit)
    assert set(out) == {"content", "popularity", "blend"}
    assert all(isinstance(m, TailBoosted) for m in out.values())
    assert out["popularity"].inner is refit["popularity"] and out["blend"].inner.weight == 0.3
    with pytest.raises(ValueError, match="tail"):
        strategies(models, Knobs(tail_boost=1.0))


def test_knobs_round_trip_through_a_dict():
    k = Knobs(alpha=0.3, k=5, blend_with="ease", tail_boost=0.5, new_share=0.2)
    assert Knobs.from_dict({**k.to_dict(), "unknown": 1}) == k
