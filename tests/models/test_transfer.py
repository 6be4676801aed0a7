"""The transfer-learning models: a fine-tuned encoder (``transfer``) and a linear adapter (``adapter``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from coldrec.evaluation.evaluate import fit_data
from coldrec.models.base import Context, FitData, Recommender
from coldrec.models.registry import load_model, make_model
from coldrec.split.base import Split
from coldrec.text.sentence import SentenceTransformerEncoder
from tests.models.test_contract import IDX, ITEMS, _catalog, _embeddings, _train

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def transfer(minilm) -> Recommender:
    split = Split(_train(), pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), {})
    steps = []
    model = make_model("transfer", {"min_steps": 4}).fit(
        fit_data(split, pd.Index(ITEMS), _embeddings(), _catalog()), lambda f, s: steps.append((f, s)))
    model.steps = steps
    return model


def test_transfer_re_embeds_the_catalog_with_its_own_encoder(transfer):
    # the fixture's hand-made embeddings are 12-d; the fine-tuned MiniLM gives 384-d
    assert transfer.embeddings_.shape == (len(ITEMS), 384)
    fractions = [f for f, _ in transfer.steps]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert any("fine-tuning step 4/4" in s for _, s in transfer.steps)


def test_transfer_saves_an_encoder_folder_that_reloads(transfer, tmp_path):
    transfer.save(tmp_path / "m")
    encoder = SentenceTransformerEncoder(tmp_path / "m" / "encoder")
    np.testing.assert_allclose(encoder.encode(_catalog()["text"].tolist()), transfer.embeddings_, atol=1e-5)
    again = load_model(tmp_path / "m")
    ctx = [Context(query_text="camping gear"), Context(np.array([IDX["c1"]]), query_text="a mug")]
    np.testing.assert_allclose(again.score(ctx), transfer.score(ctx), atol=1e-5)
    assert ITEMS[int(np.argmax(transfer.score(ctx[:1])[0]))].startswith("k")


def test_transfer_refuses_a_query_vector_from_another_encoder(transfer):
    with pytest.raises(ValueError, match="query_text"):
        transfer.score([Context(query=np.ones(12, dtype=np.float32))])


def _two_pairs_of_groups(n_per: int = 12, dim: int = 16, seed: int = 0) -> tuple[FitData, np.ndarray]:
    """Four text groups A, B, C, D; users go A -> B and C -> D, so A should end up near B."""
    rng = np.random.default_rng(seed)
    centers = np.eye(dim)[:4]
    group = np.repeat(np.arange(4), n_per)
    emb = centers[group] + 0.1 * rng.normal(size=(len(group), dim))
    emb = (emb / np.linalg.norm(emb, axis=1, keepdims=True)).astype(np.float32)
    users, items, times = [], [], []
    for u in range(200):
        src = rng.choice([0, 2])
        a, b = rng.integers(n_per) + src * n_per, rng.integers(n_per) + (src + 1) * n_per
        users += [u, u]
        items += [a, b]
        times += [0, 1]
    data = FitData(len(group), np.array(users), np.array(items), np.array(times), embeddings=emb)
    return data, group


def _mean_cos(vecs: np.ndarray, group: np.ndarray, g1: int, g2: int) -> float:
    return float((vecs[group == g1] @ vecs[group == g2].T).mean())


def test_adapter_learns_which_groups_follow_each_other():
    data, group = _two_pairs_of_groups()
    model = make_model("adapter", {"epochs": 20, "batch_size": 32}).fit(data)
    assert model.loss_history_[-1] < 0.8 * model.loss_history_[0]  # measured 4.8 -> 3.2
    # measured: A-B cosine -0.01 -> 0.15, A-D -0.02 -> -0.19
    assert _mean_cos(model.embeddings_, group, 0, 1) > _mean_cos(data.embeddings, group, 0, 1) + 0.1
    assert _mean_cos(model.embeddings_, group, 0, 3) < _mean_cos(data.embeddings, group, 0, 3)
    # a cold item (no interaction) is adapted through its text vector alone
    np.testing.assert_allclose(model.adapt(data.embeddings[:1]), model.embeddings_[:1], atol=1e-6)


def test_adapter_round_trips_and_adapts_the_query(tmp_path):
    data, _ = _two_pairs_of_groups()
    model = make_model("adapter", {"epochs": 2}).fit(data)
    model.save(tmp_path / "a")
    again = load_model(tmp_path / "a")
    np.testing.assert_array_equal(again.weight_, model.weight_)
    np.testing.assert_array_equal(again.loss_history_, model.loss_history_)
    query = data.embeddings[0]
    expected = model.adapt(query) @ model.embeddings_.T
    np.testing.assert_allclose(again.score([Context(query=query)])[0], expected, atol=1e-6)


def _fit_transfer(params: dict, steps: list | None = None) -> Recommender:
    split = Split(_train(), pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), {})
    data = fit_data(split, pd.Index(ITEMS), _embeddings(), _catalog())
    return make_model("transfer", params).fit(data, (lambda f, s: steps.append((f, s))) if steps is not None else None)


def test_transfer_step_cap_is_respected(minilm):
    model = _fit_transfer({"min_steps": 1, "max_steps": 3, "epochs": 50})
    assert (model.steps_, model.planned_steps_) == (3, 3)


def test_transfer_time_budget_stops_training_after_the_step_that_runs_past_it(minilm):
    steps: list = []
    model = _fit_transfer({"min_steps": 6, "max_steps": 6, "time_budget": 1e-9}, steps)
    assert (model.steps_, model.planned_steps_) == (1, 6)
    assert any("time budget" in s for _, s in steps)
    fractions = [f for f, _ in steps]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert model.embeddings_.shape == (len(ITEMS), 384)  # the catalog is still re-embedded


@pytest.mark.parametrize("cache", [False, True])
def test_transfer_catalog_vectors_match_its_encoder_with_and_without_the_frozen_layer_cache(minilm, cache):
    model = _fit_transfer({"min_steps": 2, "max_steps": 2, "cache_frozen": cache, "train_layers": 2})
    np.testing.assert_allclose(model.encoder_.encode(_catalog()["text"].tolist()), model.embeddings_, atol=1e-5)
    assert not np.allclose(model.embeddings_, minilm.encode(_catalog()["text"].tolist()), atol=1e-4)  # it trained


@pytest.mark.parametrize("name, params", [("transfer", {"min_steps": 2, "max_steps": 2}), ("adapter", {"epochs": 2})])
def test_transfer_models_fit_on_their_configured_torch_threads(minilm, name, params):
    import torch

    seen: list[int] = []
    split = Split(_train(), pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), {})
    data = fit_data(split, pd.Index(ITEMS), _embeddings(), _catalog())
    torch.set_num_threads(2)  # the fixture puts 1 back afterwards
    make_model(name, {**params, "threads": 1}).fit(data, lambda f, s: seen.append(torch.get_num_threads()))
    assert seen and set(seen) == {1}
    assert torch.get_num_threads() == 2
