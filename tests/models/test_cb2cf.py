"""Known answers for CB2CF: the text -> collaborative column ridge map, and its self-tuning on train rows only."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from coldrec.data.synth import generate_shop
from coldrec.evaluation.evaluate import fit_data
from coldrec.models.base import Context, FitData
from coldrec.models.cb2cf import fit_text_map
from coldrec.models.registry import load_model, make_model
from coldrec.models.tuning import cold_item_inner_split, mean_ndcg
from coldrec.split.protocols import make_split
from coldrec.text.factory import load_encoder

# Items 0 and 1 are warm; 2 has item 0's words, 3 item 1's.
EMB = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0], [0.0, 1.0]], dtype=np.float32)
PAIRS = [(0, 0), (1, 0), (2, 0), (2, 1)]


def _data() -> FitData:
    users, items = np.array(PAIRS).T
    return FitData(n_items=4, users=users, items=items, timestamps=np.arange(len(PAIRS)), embeddings=EMB)


def test_map_without_penalty_copies_the_column_of_the_warm_item_with_the_same_words():
    columns = np.array([[0, 2, 0, 0], [3, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]], dtype=np.float64)
    warm = np.array([True, True, False, False])
    text_map = fit_text_map(columns, EMB, warm, l2=1e-9)
    predicted = text_map.context_scores(np.eye(4, dtype=np.float32), EMB)  # row i: context {i}
    np.testing.assert_allclose(predicted[:, 2], columns[:, 0], atol=1e-6)
    np.testing.assert_allclose(predicted[:, 3], columns[:, 1], atol=1e-6)


def test_map_with_a_huge_penalty_predicts_the_mean_warm_column():
    columns = np.array([[0, 2, 0, 0], [3, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]], dtype=np.float64)
    text_map = fit_text_map(columns, EMB, np.array([True, True, False, False]), l2=1e9)
    np.testing.assert_allclose(text_map.bias, [1.0, 1.5, 0, 0])
    np.testing.assert_allclose(text_map.context_scores(np.eye(4, dtype=np.float32), EMB)[:, 3], [1.0, 1.5, 0, 0],
                               atol=1e-6)


def test_sparse_columns_give_the_dense_map_without_densifying(monkeypatch):
    """Item kNN's columns are sparse: at 100k items a dense copy was 40 GB and the fit died (#16, big_run)."""
    import scipy.sparse as sp

    rng = np.random.default_rng(0)
    dense = np.where(rng.random((4, 4)) < 0.5, rng.random((4, 4)), 0.0)
    warm = np.array([True, True, True, False])
    expected = fit_text_map(dense, EMB, warm, l2=0.5)
    monkeypatch.setattr(sp.csr_matrix, "toarray", lambda self, *a, **k: pytest.fail("densified"))
    got = fit_text_map(sp.csr_matrix(dense), EMB, warm, l2=0.5)
    np.testing.assert_allclose(got.weights, expected.weights, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(got.bias, expected.bias, rtol=1e-6)


def test_new_item_is_scored_like_the_warm_item_it_reads_like():
    model = make_model("cb2cf", {"tune": False, "w_text": 0.0, "map_l2": 0.01, "cf": "ease"}).fit(_data())
    after_1, after_0 = model.score([Context(np.array([1])), Context(np.array([0]))])
    assert after_1[2] > after_1[3] and after_0[3] > after_0[2]


def test_save_load_keeps_scores_and_the_chosen_settings(tmp_path):
    model = make_model("cb2cf", {"tune": False}).fit(_data())
    model.save(tmp_path / "m")
    again = load_model(tmp_path / "m")
    ctx = [Context(np.array([1])), Context(), Context(query=np.array([0.0, 1.0]))]
    np.testing.assert_array_equal(model.score(ctx), again.score(ctx))
    assert again.chosen_ == model.chosen_  # type: ignore[attr-defined]


def test_mean_ndcg_by_hand():
    scores = np.array([[3.0, 2.0, 1.0], [1.0, 2.0, 3.0]])
    # row 0: relevant item 1 at rank 2 -> 1/log2(3); row 1: relevant item 2 at rank 1 -> 1
    assert np.isclose(mean_ndcg(scores, [np.array([1]), np.array([2])]), (1 / np.log2(3) + 1) / 2)


def _shop_split() -> tuple:
    inter, catalog = generate_shop(n_users=200, n_items=150, n_interactions=3000, seed=1)
    emb = load_encoder("hashing").encode(catalog["title"].tolist())
    return make_split(inter, catalog, {"protocol": "cold_item"}), pd.Index(catalog["item_id"]), emb, catalog


def test_inner_split_holds_out_the_newest_train_items_and_reads_no_other_rows():
    split, ids, emb, catalog = _shop_split()
    data = fit_data(split, ids, emb, catalog)
    inner = cold_item_inner_split(data)
    assert inner is not None
    fit, contexts, relevant, held = inner
    assert not np.isin(fit.items, held).any() and np.isin(held, data.items).all()
    assert len(contexts) == len(relevant) and all(len(r) for r in relevant)


def test_tuning_never_reads_a_test_row():
    """#14: poisoning every test row (other items, other users) leaves the chosen settings unchanged."""
    split, ids, emb, catalog = _shop_split()
    chosen = make_model("cb2cf").fit(fit_data(split, ids, emb, catalog)).chosen_  # type: ignore[attr-defined]
    rng = np.random.default_rng(0)
    poisoned = split.test.assign(item_id=rng.choice(ids, len(split.test)), user_id="poison")
    split.test = poisoned
    again = make_model("cb2cf").fit(fit_data(split, ids, emb, catalog)).chosen_  # type: ignore[attr-defined]
    assert again == chosen
