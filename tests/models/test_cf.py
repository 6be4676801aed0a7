"""Known answers for the collaborative-filtering models: item kNN, EASE and BPR."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from coldrec.models.base import Context, FitData
from coldrec.models.itemknn import item_similarity, top_per_row, unseen_last
from coldrec.models.registry import make_model


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    """Tiny tensors: a second thread only contends on a shared machine (module scope: before ``bpr``)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def _fit_data(pairs: list[tuple[int, int]], n_items: int) -> FitData:
    users, items = np.array(pairs).T
    return FitData(n_items=n_items, users=users, items=items, timestamps=np.arange(len(pairs)))


# -- item kNN --

# users x items: item 0 seen by users {0, 1, 2}, item 1 by {0, 2}, item 2 by {1, 3}
KNN_PAIRS = [(0, 0), (0, 1), (1, 0), (1, 2), (2, 0), (2, 1), (3, 2)]
# shrink 1: sim(0,1) = 2 / (sqrt3 sqrt2 + 1), sim(0,2) = 1 / (sqrt3 sqrt2 + 1), sim(1,2) = 0 / (2 + 1)
S01, S02 = 2 / (np.sqrt(6) + 1), 1 / (np.sqrt(6) + 1)


def test_itemknn_similarity_with_shrinkage_by_hand():
    x = _fit_data(KNN_PAIRS, 3).matrix()
    expected = np.array([[0, S01, S02], [S01, 0, 0], [S02, 0, 0]])
    np.testing.assert_allclose(item_similarity(x, k=2, shrink=1.0).toarray(), expected, rtol=1e-6)


def test_itemknn_keeps_only_top_k_neighbours_per_item():
    x = _fit_data(KNN_PAIRS, 3).matrix()
    expected = np.array([[0, S01, 0], [S01, 0, 0], [S02, 0, 0]])
    np.testing.assert_allclose(item_similarity(x, k=1, shrink=1.0).toarray(), expected, rtol=1e-6)


def test_itemknn_scores_are_weighted_sums_of_context_similarities():
    model = make_model("itemknn", {"k_neighbors": 2, "shrink": 1.0}).fit(_fit_data(KNN_PAIRS, 4))
    scores = model.score([Context(np.array([0])), Context(np.array([1, 2]), weights=np.array([2.0, 1.0])),
                          Context()])
    # item 3 is never seen: one below the row's lowest seen score; the empty context gets the train counts (#14)
    np.testing.assert_allclose(scores, [[0, S01, S02, -1], [2 * S01 + S02, 0, 0, -1], [3, 2, 2, 0]], rtol=1e-6)


# -- EASE --

def _ease_reference(x: np.ndarray, l2: float) -> np.ndarray:
    """B column by column: ridge regression of item j on every other item (the zero-diagonal constraint)."""
    g, n = x.T @ x, x.shape[1]
    b = np.zeros((n, n))
    for j in range(n):
        rest = np.delete(np.arange(n), j)
        b[rest, j] = np.linalg.solve(g[np.ix_(rest, rest)] + l2 * np.eye(n - 1), g[rest, j])
    return b


def test_ease_weights_match_the_closed_form_and_the_constrained_ridge():
    rng = np.random.default_rng(0)
    x = (rng.random((12, 5)) < 0.5).astype(float)
    users, items = np.nonzero(x)
    model = make_model("ease", {"l2": 2.0}).fit(_fit_data(list(zip(users, items, strict=True)), 5))
    p = np.linalg.inv(x.T @ x + 2.0 * np.eye(5))
    closed = np.eye(5) - p @ np.diag(1 / np.diag(p))
    np.testing.assert_allclose(model.weights_, closed, atol=1e-5)
    np.testing.assert_allclose(model.weights_, _ease_reference(x, 2.0), atol=1e-5)
    assert (np.diag(model.weights_) == 0).all()
    ctx = Context(np.array([0, 3]))
    np.testing.assert_allclose(model.score([ctx])[0], closed[0] + closed[3], atol=1e-5)


def test_ease_fold_in_gives_one_new_item_exactly_the_column_a_refit_gives():
    rng = np.random.default_rng(1)
    x = (rng.random((30, 6)) < 0.4).astype(float)
    x[:, 5] = 0.0  # item 5 is new
    users, items = np.nonzero(x)
    pairs = list(zip(users, items, strict=True))
    model = make_model("ease", {"l2": 3.0}).fit(_fit_data(pairs, 6))
    grown = pairs + [(u, 5) for u in (0, 4, 7, 9)]
    folded = model.fold_in(_fit_data(grown, 6))
    refit = make_model("ease", {"l2": 3.0}).fit(_fit_data(grown, 6))
    np.testing.assert_allclose(folded.weights_[:, 5], refit.weights_[:, 5], atol=1e-5)
    np.testing.assert_array_equal(folded.weights_[:, :5], model.weights_[:, :5])  # warm columns kept
    assert folded.seen_[5] and not model.seen_[5] and (model.weights_[:, 5] == 0).all()
    assert folded.fold_in(_fit_data(grown, 6)) is None  # its inverse no longer matches: a refit, not a guess


def test_ease_fold_in_solves_each_new_item_against_the_warm_items_only():
    rng = np.random.default_rng(2)
    x = (rng.random((40, 7)) < 0.4).astype(float)
    x[:, 5:] = 0.0
    users, items = np.nonzero(x)
    pairs = list(zip(users, items, strict=True))
    model = make_model("ease", {"l2": 2.0}).fit(_fit_data(pairs, 7))
    grown = pairs + [(u, 5) for u in (1, 2, 3)] + [(u, 6) for u in (2, 3, 8, 9)]
    folded = model.fold_in(_fit_data(grown, 7))
    g = np.zeros((40, 7))
    for u, i in grown:
        g[u, i] = 1.0
    gram = g.T @ g
    for new in (5, 6):  # ridge of the new column on the five warm ones, the new items' rows zero
        expected = np.linalg.solve(gram[:5, :5] + 2.0 * np.eye(5), gram[:5, new])
        np.testing.assert_allclose(folded.weights_[:5, new], expected, atol=1e-5)
        assert (folded.weights_[5:, new] == 0).all()


def test_ease_loaded_from_a_folder_without_its_inverse_diagonal_asks_for_a_refit(tmp_path):
    from coldrec.models.registry import load_model

    model = make_model("ease", {"l2": 2.0}).fit(_fit_data(KNN_PAIRS, 4))
    model.pdiag_ = None
    model.save(tmp_path)
    assert load_model(tmp_path).fold_in(_fit_data(KNN_PAIRS + [(0, 3)], 4)) is None


def test_ease_refuses_a_catalog_above_max_items_with_the_memory_it_would_need():
    with pytest.raises(ValueError, match="4 items, above max_items=3"):
        make_model("ease", {"max_items": 3}).fit(_fit_data([(0, 0), (0, 1)], 4))


def test_unseen_items_rank_below_negative_seen_scores():
    # EASE/BPR scores can be negative; a never-seen item at 0 must not outrank them
    scores = unseen_last(np.array([[-3.0, -1.0, 0.0], [2.0, 5.0, 0.0]]), np.array([True, True, False]))
    np.testing.assert_array_equal(scores, [[-3.0, -1.0, -4.0], [2.0, 5.0, 1.0]])


# -- BPR --

def _two_clusters(seed: int = 0) -> FitData:
    """Users 0-29 buy each coffee item 0-9 with chance 1/2, users 30-59 each camping item 10-19; 20 is never seen."""
    rng = np.random.default_rng(seed)
    pairs = [(u, i + (0 if u < 30 else 10)) for u in range(60) for i in range(10) if rng.random() < 0.5]
    return _fit_data(pairs, 21)


@pytest.fixture(scope="module")
def bpr():
    return make_model("bpr").fit(_two_clusters())


def test_bpr_loss_decreases(bpr):
    assert bpr.loss_history_[-1] < 0.5 * bpr.loss_history_[0]
    assert bpr.loss_history_[0] == pytest.approx(np.log(2), abs=0.01)  # near-zero init: a coin flip


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_bpr_fold_in_ranks_the_context_cluster_first(bpr, seed):
    model = bpr if seed == 0 else make_model("bpr", {"seed": seed}).fit(_two_clusters(seed))
    scores = model.score([Context(np.array([0, 1, 2])), Context(np.array([15, 11, 17]))])
    coffee, camping = np.arange(10), np.arange(10, 20)
    assert scores[0, coffee[3:]].min() > scores[0, camping].max()
    assert scores[1, np.setdiff1d(camping, [15, 11, 17])].min() > scores[1, coffee].max()
    assert (scores[:, 20] < scores[:, :20].min(axis=1)).all()  # never seen: last


def test_bpr_fold_in_does_not_depend_on_batching(bpr):
    contexts = [Context(np.arange(k)) for k in range(1, 12)] + [Context()]
    together = bpr.score(contexts)
    alone = np.concatenate([bpr.score([c]) for c in contexts])
    np.testing.assert_allclose(together, alone, rtol=1e-5, atol=1e-6)


def test_bpr_fold_in_ignores_never_seen_context_items(bpr):
    # a cold user's revealed context may hold an item no one trained on: its factor is noise, not signal
    scores = bpr.score([Context(np.array([0, 1, 20])), Context(np.array([0, 1])), Context(np.array([20]))])
    np.testing.assert_allclose(scores[0], scores[1], rtol=1e-6)
    np.testing.assert_allclose(scores[2, :20], bpr.item_bias_[:20], rtol=1e-6)  # nothing known: learned popularity


def test_bpr_is_deterministic_by_seed(bpr):
    again = make_model("bpr").fit(_two_clusters())
    np.testing.assert_array_equal(again.item_factors_, bpr.item_factors_)
    ctx = [Context(np.array([0, 4]))]
    np.testing.assert_array_equal(again.score(ctx), bpr.score(ctx))
    other = make_model("bpr", {"seed": 1}).fit(_two_clusters())
    assert not np.allclose(other.item_factors_, bpr.item_factors_)


def test_bpr_saves_only_the_item_side(bpr):
    assert set(bpr.state()) == {"item_factors", "item_bias", "seen"}
    assert bpr.state()["item_factors"].shape == (21, bpr.config.dim)


def test_itemknn_counts_repeated_interactions_once():
    # item 0: user 0 three times and user 1 once; item 1: user 0. Binary cosine is 1 / sqrt(2).
    data = _fit_data([(0, 0), (0, 0), (0, 0), (1, 0), (0, 1)], 2)
    model = make_model("itemknn", {"shrink": 0.0}).fit(data)
    np.testing.assert_allclose(model.score([Context(np.array([0]))])[0, 1], 1 / np.sqrt(2), rtol=1e-6)


def _shop_data(poison: bool = False):
    import pandas as pd

    from coldrec.data.synth import generate_shop
    from coldrec.evaluation.evaluate import fit_data
    from coldrec.split.protocols import make_split

    inter, catalog = generate_shop(n_users=200, n_items=120, n_interactions=3000, seed=2)
    split = make_split(inter, catalog, {"protocol": "leave_last_out"})
    if poison:  # every test row points at another item
        split.test = split.test.assign(item_id=np.random.default_rng(0).choice(catalog["item_id"], len(split.test)))
    return fit_data(split, pd.Index(catalog["item_id"]))


def test_ease_picks_lambda_on_train_rows_only_and_keeps_it():
    """#14: l2 = 0 chooses lambda on an inner leave-last-out split; poisoned test rows change nothing."""
    model = make_model("ease").fit(_shop_data())
    assert model.l2_ in (50.0, 100.0, 200.0, 500.0, 1000.0) and model.tuning_  # type: ignore[attr-defined]
    assert max(model.tuning_, key=model.tuning_.get) == f"{model.l2_:g}"  # type: ignore[attr-defined]
    assert make_model("ease").fit(_shop_data(poison=True)).l2_ == model.l2_  # type: ignore[attr-defined]


def test_ease_with_a_given_lambda_does_not_tune():
    model = make_model("ease", {"l2": 7.0}).fit(_shop_data())
    assert model.l2_ == 7.0 and not hasattr(model, "tuning_")  # type: ignore[attr-defined]


def test_ease_with_no_time_budget_tries_one_lambda():
    model = make_model("ease", {"tune_seconds": 0.0}).fit(_shop_data())
    assert list(model.tuning_) == ["200"]  # type: ignore[attr-defined]


# -- item kNN's self-tuning (#14) --


def test_itemknn_picks_neighbours_and_shrink_on_train_rows_only():
    """#14: k_neighbors and shrink chosen on an inner leave-last-out split; poisoned test rows change nothing."""
    model = make_model("itemknn").fit(_shop_data())
    chosen, tuning = model.chosen_, model.tuning_  # type: ignore[attr-defined]
    assert list(tuning)[0] == "100/50" and len(tuning) > 1
    assert f"{chosen['k_neighbors']}/{chosen['shrink']:g}" in ("100/50", max(tuning, key=tuning.get))
    assert make_model("itemknn").fit(_shop_data(poison=True)).chosen_ == chosen  # type: ignore[attr-defined]


def test_itemknn_with_tuning_off_keeps_the_given_setting():
    model = make_model("itemknn", {"tune": False, "k_neighbors": 7, "shrink": 3.0}).fit(_shop_data())
    assert model.chosen_ == {"k_neighbors": 7, "shrink": 3.0} and not hasattr(model, "tuning_")  # type: ignore


def test_itemknn_with_no_time_budget_tries_one_setting():
    model = make_model("itemknn", {"tune_seconds": 0.0, "k_neighbors": 30}).fit(_shop_data())
    assert list(model.tuning_) == ["30/50"] and model.chosen_ == {"k_neighbors": 30, "shrink": 50.0}  # type: ignore


def test_itemknn_chosen_setting_survives_save_load_and_refits(tmp_path):
    from coldrec.models.registry import load_model

    model = make_model("itemknn", {"k_neighbors": 1}).fit(_shop_data())  # clearly beaten: a choice is made
    assert model.chosen_["k_neighbors"] != 1  # type: ignore[attr-defined]
    model.save(tmp_path / "m")
    again = load_model(tmp_path / "m")
    assert again.chosen_ == model.chosen_  # type: ignore[attr-defined]
    frozen = model.frozen_copy()
    assert frozen.config.tune is False  # type: ignore[attr-defined]
    assert frozen.config.k_neighbors == model.chosen_["k_neighbors"]  # type: ignore[attr-defined]
    ctx = [Context(np.array([0, 5])), Context(np.array([3]))]
    np.testing.assert_array_equal(frozen.fit(_shop_data()).score(ctx), model.score(ctx))


def test_cutting_similarities_to_fewer_neighbours_matches_computing_them_at_that_k():
    x = _shop_data().matrix()
    wide, narrow = item_similarity(x, 40, 10.0), item_similarity(x, 10, 10.0)
    cut = top_per_row(wide, 10)
    assert cut.nnz == narrow.nnz
    for row in range(x.shape[1]):  # the same values per row (which of two tied items is kept may differ)
        np.testing.assert_allclose(np.sort(cut[row].data), np.sort(narrow[row].data), rtol=1e-6)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_itemknn_fold_in_of_new_items_equals_a_refit(seed):
    """#16: the cold-item curve folds item kNN in by recomputing only the rows new interactions can change."""
    rng = np.random.default_rng(seed)
    n_users, n_items = 60, 30
    pairs = [(u, i) for u in range(n_users) for i in range(n_items - 4) if rng.random() < 0.15]
    params = {"k_neighbors": 3, "shrink": 1.0, "tune": False}  # k = 3: the new items push others out of top lists
    model = make_model("itemknn", params).fit(_fit_data(pairs, n_items))
    grown = pairs + [(u, n_items - 1 - u % 4) for u in rng.choice(n_users + 5, 25)]  # some users are new
    folded = model.fold_in(_fit_data(grown, n_items))
    refit = make_model("itemknn", params).fit(_fit_data(grown, n_items))
    np.testing.assert_array_equal(folded.similarity_.toarray(), refit.similarity_.toarray())
    np.testing.assert_array_equal(folded.seen_, refit.seen_)
    assert not model.seen_[-4:].any() and model.similarity_[:, -4:].nnz == 0  # the fitted model is unchanged


def test_itemknn_fold_in_refits_when_seen_items_gain_interactions():
    model = make_model("itemknn", {"k_neighbors": 2, "tune": False}).fit(_fit_data(KNN_PAIRS, 4))
    grown = KNN_PAIRS + [(3, 0), (0, 3)]  # a seen item's users change: every norm involving it moves
    refit = make_model("itemknn", {"k_neighbors": 2, "tune": False}).fit(_fit_data(grown, 4))
    np.testing.assert_allclose(model.fold_in(_fit_data(grown, 4)).similarity_.toarray(), refit.similarity_.toarray())
    assert model.fold_in(_fit_data(KNN_PAIRS, 4)) is model  # nothing new: nothing to learn
