"""Known answers for the neural models (two-tower, distilled student) and their shared feature encoding."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from coldrec.models.base import Context, FitData, Recommender
from coldrec.models.distill import Distill, DistillConfig, ease
from coldrec.models.features import item_features, pad_histories, warm_mask
from coldrec.models.registry import load_model
from coldrec.models.twotower import TwoTower, TwoTowerConfig

# Two tastes of 20 items each: A = 0-19, B = 20-39; the last 3 of each group are cold (never interacted).
N_ITEMS, GROUP = 40, 20
COLD_A, COLD_B = [17, 18, 19], [37, 38, 39]
DIM = 16


def _group(i: int) -> int:
    return int(i >= GROUP)


def _toy(n_users: int = 80, per_user: int = 6, seed: int = 0) -> FitData:
    """Each user draws from one group's warm items with a popularity skew; text says the group."""
    rng = np.random.default_rng(seed)
    emb = rng.normal(0.0, 0.25, (N_ITEMS, DIM))
    emb[np.arange(N_ITEMS), [_group(i) for i in range(N_ITEMS)]] += 1.0
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    warm = np.arange(GROUP - 3)
    pop = 1.0 / (1 + np.arange(len(warm)))
    users, items = [], []
    for u in range(n_users):
        picks = rng.choice(warm, size=per_user, replace=False, p=pop / pop.sum()) + GROUP * (u % 2)
        users += [u] * per_user
        items += picks.tolist()
    catalog = pd.DataFrame({"item_id": [f"i{i}" for i in range(N_ITEMS)],
                            "text": [f"item {i}" for i in range(N_ITEMS)],
                            "category": ["Coffee" if _group(i) == 0 else "Outdoor" for i in range(N_ITEMS)],
                            "brand": ["Brewster" if _group(i) == 0 else "Trailhead" for i in range(N_ITEMS)],
                            "price": [10.0 + i if _group(i) == 0 else 80.0 + i for i in range(N_ITEMS)]})
    catalog.loc[COLD_B[-1], "brand"] = "Newcomer"  # a brand only a cold item has
    return FitData(n_items=N_ITEMS, users=np.asarray(users), items=np.asarray(items),
                   timestamps=np.arange(len(users)), embeddings=emb.astype(np.float32), catalog=catalog)


@pytest.fixture(scope="module")
def toy() -> FitData:
    return _toy()


@pytest.fixture(scope="module")
def twotower(toy) -> TwoTower:
    return TwoTower(TwoTowerConfig(epochs=100, min_steps=0)).fit(toy)


@pytest.fixture(scope="module")
def distill(toy) -> Distill:
    return Distill(DistillConfig(agreement_k=5)).fit(toy)


A_USER = Context(items=np.array([0, 3, 1]))
B_USER = Context(items=np.array([20, 23, 21]))


def _rank(model: Recommender, ctx: Context) -> np.ndarray:
    """Items best first, without the context's own."""
    order = np.argsort(-model.score([ctx])[0], kind="stable")
    return order[~np.isin(order, ctx.items)]


def test_infonce_loss_decreases(twotower):
    loss = twotower.loss_history_
    assert loss[-1] < 0.85 * loss[0]
    assert loss[-10:].mean() < loss[:10].mean()


def test_cold_item_score_ignores_its_untrained_id_row(twotower):
    """DropoutNet: a cold item's ID never enters its score; a warm item's does (so the check has teeth)."""
    state = twotower.state()
    rng = np.random.default_rng(1)
    ids = state["w.ids.weight"].copy()
    ids[COLD_A + COLD_B] += rng.normal(0, 5.0, (6, ids.shape[1]))
    ids[5] += rng.normal(0, 5.0, ids.shape[1])
    again = TwoTower(twotower.config)
    again.n_items_ = twotower.n_items_
    again.set_state({**state, "w.ids.weight": ids})
    before, after = twotower.score([A_USER, B_USER]), again.score([A_USER, B_USER])
    np.testing.assert_allclose(before[:, COLD_A + COLD_B], after[:, COLD_A + COLD_B], rtol=1e-6)
    assert not np.allclose(before[:, 5], after[:, 5])


@pytest.mark.parametrize("name", ["twotower", "distill"])
def test_cold_item_matching_the_taste_outranks_unrelated_cold_items(name, request):
    model = request.getfixturevalue(name)
    for ctx, mine, other in ((A_USER, COLD_A, COLD_B), (B_USER, COLD_B, COLD_A)):
        rank = list(_rank(model, ctx))
        assert max(rank.index(i) for i in mine) < min(rank.index(i) for i in other)


@pytest.mark.parametrize("name", ["twotower", "distill"])
def test_query_alone_ranks_its_group_first(name, request):
    model = request.getfixturevalue(name)
    query = np.zeros(DIM, dtype=np.float32)
    query[1] = 1.0  # group B's text direction
    top = _rank(model, Context(query=query))[:10]
    assert all(_group(i) == 1 for i in top)


def test_student_reproduces_teacher_rankings(distill):
    """Measured on held-out users: chance is 5 of ~35 candidates (about 0.15)."""
    assert distill.agreement_ > 3 * distill.agreement_chance_
    assert distill.agreement_ > 0.5 and distill.agreement_spearman_ > 0.3


@pytest.mark.parametrize("name", ["twotower", "distill"])
def test_save_load_gives_identical_scores_with_queries(name, request, tmp_path):
    model = request.getfixturevalue(name)
    model.save(tmp_path / name)
    again = load_model(tmp_path / name)
    ctx = [A_USER, Context(query=np.ones(DIM, dtype=np.float32)), Context(items=np.array([38]), query=np.eye(DIM)[0])]
    np.testing.assert_array_equal(model.score(ctx), again.score(ctx))
    if name == "distill":
        assert again.agreement_ == model.agreement_


@pytest.mark.parametrize("cls", [TwoTower, Distill])
def test_same_seed_same_scores_other_seed_other_scores(cls):
    data = _toy(n_users=20)
    fit = lambda seed: cls(cls.config_cls(seed=seed, min_steps=20)).fit(data).score([A_USER])  # noqa: E731
    first = fit(0)
    np.testing.assert_array_equal(first, fit(0))
    assert not np.array_equal(first, fit(1))


def test_fit_reports_progress_per_epoch(toy):
    steps = []
    TwoTower(TwoTowerConfig(epochs=3, min_steps=0)).fit(toy, lambda f, s: steps.append((f, s)))
    assert [f for f, _ in steps] == pytest.approx([1 / 3, 2 / 3, 1.0]) and "loss" in steps[-1][1]


def test_ease_keeps_disjoint_groups_apart():
    x = sp.csr_matrix(np.array([[1, 1, 0, 0], [1, 1, 0, 0], [0, 0, 1, 1], [1, 0, 0, 0]], dtype=np.float32))
    b = ease(x, 1.0)
    assert np.all(np.diag(b) == 0)
    assert b[0, 1] > 0 and b[0, 3] == pytest.approx(0.0, abs=1e-6)


def test_side_values_only_cold_items_have_are_unknown(toy):
    feats = item_features(toy, warm_mask(toy))
    assert feats.brand[COLD_B[-1]] == 0 and feats.brand[COLD_B[0]] == feats.brand[20] > 0
    assert feats.category[COLD_A[0]] == feats.category[0] != feats.category[20]
    assert abs(feats.price.mean()) < 1e-5


def test_pad_histories_keeps_the_latest_items_weighted_by_recency():
    idx, w = pad_histories([Context(items=np.array([4, 5, 6])), Context()], max_len=2, half_life=1.0)
    np.testing.assert_array_equal(idx[0], [5, 6])
    np.testing.assert_allclose(w[0], [1 / 3, 2 / 3])
    assert w[1].sum() == 0


def test_distill_stops_when_the_validation_loss_stops_improving_and_keeps_the_best_epoch():
    data = _toy(n_users=200)
    model = Distill(DistillConfig(epochs=60, min_steps=0, val_users=40, patience=2, agreement_k=5)).fit(data)
    val = model.val_history_
    assert len(val) == model.epochs_run_ == len(model.loss_history_) < 60
    assert len(val) - 1 - int(np.argmin(val)) == 2  # stopped two epochs after the best one
    full = Distill(DistillConfig(epochs=5, min_steps=0, patience=0, agreement_k=5)).fit(data)
    assert full.epochs_run_ == 5 and len(full.val_history_) == 0  # patience 0: every epoch, no users set aside


def test_distill_early_stopping_waits_for_min_steps():
    data = _toy(n_users=200)  # 200 users: 20 for agreement, 18 for validation, 162 train = 3 batches of 64
    cfg = DistillConfig(epochs=1, min_steps=30, batch_size=64, val_users=40, patience=1, agreement_k=5)
    model = Distill(cfg).fit(data)
    assert model.epochs_run_ >= 10


@pytest.mark.parametrize("cls", [TwoTower, Distill])
def test_neural_models_fit_and_score_on_their_configured_threads(cls, one_torch_thread):
    import torch

    seen: list[int] = []
    torch.set_num_threads(2)
    cls(cls.config_cls(threads=1, epochs=2, min_steps=0)).fit(
        _toy(n_users=20), lambda f, s: seen.append(torch.get_num_threads()) if "epoch" in s else None)
    assert seen and set(seen) == {1}
    assert torch.get_num_threads() == 2


def test_torch_threads_are_set_in_one_place():
    """Only coldrec.models.features.torch_threads calls torch.set_num_threads in the models."""
    from pathlib import Path

    import coldrec.models as models

    callers = [p.name for p in Path(models.__file__).parent.glob("*.py") if "set_num_threads(" in p.read_text()]
    assert callers == ["features.py"]
    for module in ("transfer.py", "distill.py", "twotower.py"):
        assert "torch_threads(" in (Path(models.__file__).parent / module).read_text()
