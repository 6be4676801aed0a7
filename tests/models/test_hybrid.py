"""Known answers for the hybrid model: its text-predicted popularity prior and how its three parts combine."""

from __future__ import annotations

import numpy as np
import pytest

from coldrec.models.base import Context, FitData
from coldrec.models.hybrid import popularity_prior
from coldrec.models.registry import load_model, make_model
from coldrec.ranking import standardise

LOG2 = np.log(2.0)

# Items 0 and 1 are warm (3 and 1 interactions); 2 and 3 are cold, with item 0's and item 1's words.
EMB = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0], [0.0, 1.0]], dtype=np.float32)
PAIRS = [(0, 0), (1, 0), (2, 0), (2, 1)]  # (user, item)


def _data(n_items: int = 4, emb: np.ndarray = EMB) -> FitData:
    users, items = np.array(PAIRS).T
    return FitData(n_items=n_items, users=users, items=items, timestamps=np.arange(len(PAIRS)), embeddings=emb)


def test_prior_by_hand_shrinks_halfway_to_the_mean_at_l2_1():
    # Centred warm features are +-[.5, -.5], targets log 4 and log 2 (mean 1.5 log 2, deviations +-log2 / 2).
    # [1, -1] is an eigenvector of Xc^T Xc with eigenvalue 1, so l2 = 1 halves the fitted deviation.
    prior = popularity_prior(EMB.astype(np.float64), np.array([3, 1, 0, 0]), l2=1.0)
    np.testing.assert_allclose(prior, np.array([1.75, 1.25, 1.75, 1.25]) * LOG2, rtol=1e-6)


def test_prior_without_penalty_reproduces_warm_log_counts_and_with_a_huge_one_their_mean():
    exact = popularity_prior(EMB.astype(np.float64), np.array([3, 1, 0, 0]), l2=0.0)
    np.testing.assert_allclose(exact, np.log([4, 2, 4, 2]), rtol=1e-6)
    flat = popularity_prior(EMB.astype(np.float64), np.array([3, 1, 0, 0]), l2=1e9)
    np.testing.assert_allclose(flat, 1.5 * LOG2, rtol=1e-6)


def test_prior_is_zero_when_no_item_was_seen():
    assert not popularity_prior(EMB.astype(np.float64), np.zeros(4, dtype=int), l2=1.0).any()


def test_cold_item_that_sounds_popular_ranks_first_among_cold_items():
    model = make_model("hybrid", {"w_text": 0.0, "w_cf": 0.0, "w_pop": 1.0}).fit(_data())
    scores = model.score([Context(query=np.array([1.0, 1.0]))])[0]  # an empty context would get popularity
    assert scores[2] > scores[3]  # item 2 shares the words of the 3-interaction item 0


def test_user_without_items_gets_text_and_prior_only():
    model = make_model("hybrid", {"w_text": 1.0, "w_cf": 5.0, "w_pop": 0.5, "prior_l2": 1.0}).fit(_data())
    query = np.array([0.0, 1.0], dtype=np.float32)
    content = make_model("content").fit(_data())
    expected = standardise(content.score([Context(query=query)])) + 0.5 * standardise(model.prior_[None, :])
    np.testing.assert_allclose(model.score([Context(query=query)]), expected, rtol=1e-6)


def test_text_weight_alone_is_the_content_model_standardised():
    model = make_model("hybrid", {"w_text": 1.0, "w_cf": 0.0, "w_pop": 0.0}).fit(_data())
    content = make_model("content").fit(_data())
    ctx = [Context(np.array([1])), Context(np.array([0, 1])), Context(query=np.array([1.0, 0.0]))]
    np.testing.assert_allclose(model.score(ctx), standardise(content.score(ctx)), rtol=1e-6)


@pytest.mark.parametrize("cf", ["ease", "itemknn"])
def test_cf_weight_alone_without_the_text_map_is_the_cf_model_standardised_over_seen_items(cf):
    model = make_model("hybrid", {"w_text": 0.0, "w_cf": 1.0, "w_pop": 0.0, "cf": cf, "map_l2": 0.0}).fit(_data())
    ref = make_model(cf).fit(_data())
    ctx = [Context(np.array([1])), Context(np.array([0]))]
    raw = ref.score(ctx)[:, :2]  # items 0 and 1 are the seen ones
    expected = np.concatenate([standardise(raw), np.zeros((2, 2))], axis=1)  # cold items: no cf evidence
    np.testing.assert_allclose(model.score(ctx), expected, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("cf", ["ease", "itemknn"])
def test_cold_items_get_the_cf_score_their_words_predict(cf):
    """#14: item 2 has item 0's words, item 3 item 1's; the cf term ranks each like the warm item it resembles."""
    model = make_model("hybrid", {"w_text": 0.0, "w_cf": 1.0, "w_pop": 0.0, "cf": cf, "map_l2": 0.01}).fit(_data())
    after_1, after_0 = model.score([Context(np.array([1])), Context(np.array([0]))])
    assert after_1[2] > after_1[3] and after_0[3] > after_0[2]
    assert np.isclose(after_1[2], after_1[0], atol=0.05) and np.isclose(after_0[3], after_0[1], atol=0.05)


def test_default_cf_is_itemknn_whatever_the_catalog_size():
    assert make_model("hybrid").fit(_data()).cf_kind_ == "itemknn"


def test_auto_uses_ease_on_small_catalogs_and_itemknn_above_the_cap():
    assert make_model("hybrid", {"cf": "auto"}).fit(_data()).cf_kind_ == "ease"
    assert make_model("hybrid", {"cf": "auto", "ease_max_items": 3}).fit(_data()).cf_kind_ == "itemknn"


def test_unknown_cf_fails_clearly():
    with pytest.raises(ValueError, match="cf must be one of"):
        make_model("hybrid", {"cf": "als"}).fit(_data())


@pytest.mark.parametrize("cf", ["ease", "itemknn"])
def test_save_load_round_trips_either_cf(cf, tmp_path):
    model = make_model("hybrid", {"cf": cf}).fit(_data())
    model.save(tmp_path / "m")
    again = load_model(tmp_path / "m")
    ctx = [Context(np.array([1])), Context(), Context(np.array([0]), query=np.array([0.0, 1.0]))]
    np.testing.assert_array_equal(model.score(ctx), again.score(ctx))
    assert again.cf_kind_ == cf


# -- self-tuning on inner splits of the train part (#14) --


def _shop_split(protocol: str = "cold_user") -> tuple:
    import pandas as pd

    from coldrec.data.synth import generate_shop
    from coldrec.split.protocols import make_split
    from coldrec.text.factory import load_encoder

    inter, catalog = generate_shop(n_users=200, n_items=150, n_interactions=3000, seed=1)
    emb = load_encoder("hashing").encode(catalog["title"].tolist())
    return make_split(inter, catalog, {"protocol": protocol}), pd.Index(catalog["item_id"]), emb, catalog


def _shop_data(protocol: str = "cold_user", poison: bool = False) -> FitData:
    from coldrec.evaluation.evaluate import fit_data

    split, ids, emb, catalog = _shop_split(protocol)
    if poison:  # every test row points at another item and another user
        rng = np.random.default_rng(0)
        split.test = split.test.assign(item_id=rng.choice(ids, len(split.test)), user_id="poison")
    return fit_data(split, ids, emb, catalog)


@pytest.mark.parametrize("protocol", ["cold_user", "cold_item"])
def test_hybrid_tuning_never_reads_a_test_row(protocol):
    """#14: weights and map_l2 chosen on inner splits of the train part; poisoned test rows change nothing."""
    model = make_model("hybrid", {"tune": True}).fit(_shop_data(protocol))
    chosen, tuning = model.chosen_, model.tuning_  # type: ignore[attr-defined]
    assert set(chosen) == {"w_text", "w_cf", "w_pop", "map_l2"}
    assert list(tuning)[0] == "1/1/2/0.15" and len(tuning) > 1  # today's defaults first
    key = "/".join(f"{chosen[k]:g}" for k in ("map_l2", "w_text", "w_cf", "w_pop"))
    assert key in ("1/1/2/0.15", max(tuning, key=tuning.get))  # the given point unless clearly beaten
    again = make_model("hybrid", {"tune": True}).fit(_shop_data(protocol, poison=True))
    assert again.chosen_ == chosen  # type: ignore[attr-defined]


def test_hybrid_does_not_tune_unless_asked():
    """#14: tuning measured worse on balance on the benchmark, so it is off by default (see HybridConfig)."""
    model = make_model("hybrid").fit(_shop_data())
    assert model.chosen_ == {"w_text": 1.0, "w_cf": 2.0, "w_pop": 0.15, "map_l2": 1.0}  # type: ignore[attr-defined]
    assert not hasattr(model, "tuning_")


def test_hybrid_with_tuning_off_keeps_the_given_weights():
    given = {"w_text": 3.0, "w_cf": 0.7, "w_pop": 0.0, "map_l2": 5.0}
    model = make_model("hybrid", given | {"tune": False}).fit(_shop_data())
    assert model.chosen_ == given and not hasattr(model, "tuning_")  # type: ignore[attr-defined]


def test_hybrid_with_no_time_budget_tries_one_point():
    model = make_model("hybrid", {"tune": True, "tune_seconds": 0.0}).fit(_shop_data())
    assert list(model.tuning_) == ["1/1/2/0.15"]  # type: ignore[attr-defined]
    assert model.chosen_ == {"w_text": 1.0, "w_cf": 2.0, "w_pop": 0.15, "map_l2": 1.0}  # type: ignore[attr-defined]


def test_hybrid_choice_survives_save_load_and_a_frozen_refit(tmp_path):
    data = _shop_data()
    model = make_model("hybrid", {"tune": True, "w_text": 1.0, "w_cf": -1.0, "w_pop": 0.0}).fit(data)  # cf reversed
    assert model.chosen_["w_cf"] > 0  # type: ignore[attr-defined]
    model.save(tmp_path / "m")
    again = load_model(tmp_path / "m")
    ctx = [Context(np.array([1, 4])), Context(), Context(np.array([7]), query=data.embeddings[3])]
    np.testing.assert_array_equal(model.score(ctx), again.score(ctx))
    assert again.chosen_ == model.chosen_  # type: ignore[attr-defined]
    frozen = model.frozen_copy()
    assert frozen.config.tune is False  # type: ignore[attr-defined]
    refit = frozen.fit(data)
    assert refit.chosen_ == model.chosen_  # type: ignore[attr-defined]
    np.testing.assert_allclose(refit.score(ctx), model.score(ctx), rtol=1e-5, atol=1e-5)


def test_new_item_share_counts_top_slots_of_never_seen_items():
    from coldrec.models.hybrid import new_item_share

    scores = np.array([[4.0, 3.0, 2.0, 1.0], [1.0, 2.0, 3.0, 4.0]])
    seen = np.array([True, True, False, False])
    assert new_item_share(scores, seen, k=2) == 0.5  # row 0: items 0, 1 (seen); row 1: items 3, 2 (new)
