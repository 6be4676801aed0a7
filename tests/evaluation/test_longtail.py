"""Long-tail view: exposure Lorenz curves and tail figures checked by hand, the trade-off cached in the run."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from coldrec.evaluation.longtail import exposure_lorenz, item_popularity, tail_table, top_matrix
from coldrec.metrics.beyond import aplt, catalog_coverage, exposure_gini
from coldrec.runs.experiment import ExperimentConfig, run_experiment
from coldrec.runs.longtail import run_items, run_tradeoff
from coldrec.runs.store import load_table


def _tops(lists: dict[str, list[list[int]]]) -> pd.DataFrame:
    rows = [(model, f"u{u}", r + 1, item) for model, users in lists.items()
            for u, top in enumerate(users) for r, item in enumerate(top)]
    return pd.DataFrame(rows, columns=["model", "user_id", "rank", "item_index"])


def test_exposure_lorenz_by_hand():
    # Two lists of 2 over 4 items: item 0 shown twice, items 1 and 2 once, item 3 never.
    tops = _tops({"m": [[0, 1], [0, 2]]})
    curve = exposure_lorenz(tops, n_items=4, k=2)
    # Sorted exposure 0, 1, 1, 2 of 4 slots: the least shown quarter of items gets nothing, half gets 25%.
    np.testing.assert_allclose(curve["item_share"], [0, 0.25, 0.5, 0.75, 1])
    np.testing.assert_allclose(curve["slot_share"], [0, 0, 0.25, 0.5, 1])
    # Twice the area between diagonal and curve is the exposure Gini: 2 * 13 / 16 - 5 / 4.
    area = np.trapezoid(curve["slot_share"], curve["item_share"])
    assert 1 - 2 * area == pytest.approx(0.375)
    assert exposure_gini(top_matrix(tops, "m", 2), 4) == pytest.approx(0.375)


def test_exposure_lorenz_respects_k_and_models():
    tops = _tops({"a": [[0, 1], [0, 2]], "b": [[3, 2], [1, 0]]})
    curve = exposure_lorenz(tops, n_items=4, k=1)
    a = curve[curve["model"] == "a"]
    # At K=1 model a shows only item 0: every slot goes to the last quarter of items.
    np.testing.assert_allclose(a["slot_share"], [0, 0, 0, 0, 1])
    b = curve[curve["model"] == "b"]  # items 3 and 1 once each at K=1
    np.testing.assert_allclose(b["slot_share"], [0, 0, 0, 0.5, 1])


def test_equal_exposure_is_the_diagonal():
    curve = exposure_lorenz(_tops({"m": [[0, 1], [2, 3]]}), n_items=4, k=2)
    np.testing.assert_allclose(curve["slot_share"], curve["item_share"])


def test_item_popularity_ranks_by_train_count():
    items = pd.DataFrame({"item_id": ["a", "b", "c"], "segment": ["warm", "cold", "warm"],
                          "band": ["tail", "tail", "head"], "n_train": [3, 0, 5]})
    out = item_popularity(items)
    assert list(out["item_id"]) == ["c", "a", "b"] and list(out["rank"]) == [1, 2, 3]
    assert list(out["band"]) == ["head", "tail", "tail"]


def test_tail_table_takes_the_runs_own_figures():
    lists = pd.DataFrame({"model": "m", "k": 20, "metric": ["coverage", "aplt", "exposure_gini", "cold_share", "arp"],
                          "value": [0.5, 0.25, 0.6, 0.1, 9.0]})
    summary = pd.DataFrame({"model": ["m", "m"], "by": "segment", "group": "all", "item_segment": ["tail", "all"],
                            "metric": "recall", "k": 20, "mean": [0.3, 0.4]})
    row = tail_table(lists, summary, 20).iloc[0]
    assert (row["coverage"], row["aplt"], row["exposure_gini"], row["cold_share"], row["tail_recall"]) == (
        0.5, 0.25, 0.6, 0.1, 0.3)


@pytest.fixture
def tiny_run(ws, tiny_shop):
    inter, catalog = tiny_shop
    ds = ws.add_dataset("tiny", inter, catalog, digest="tiny")[0].id
    run_dir = ws.run_dir("r1")
    run_experiment(ws, ExperimentConfig(dataset_id=ds, models=["popularity"], ks=[2, 3],
                                        split={"cold_share": 0.25, "head_share": 0.5}), run_dir)
    return "r1"


def test_tail_figures_on_a_tiny_run_match_a_hand_count(ws, tiny_run):
    items = run_items(ws, tiny_run)
    tops = load_table(ws, tiny_run, "tops")
    table = tail_table(load_table(ws, tiny_run, "lists"), load_table(ws, tiny_run, "summary"), 3).iloc[0]
    top = top_matrix(tops, "popularity", 3)
    tail = (items["band"] == "tail").to_numpy()
    # Popularity gives everyone the same few items: coverage is distinct items / 8.
    assert table["coverage"] == pytest.approx(len(np.unique(top)) / 8) == catalog_coverage(top, 8)
    assert table["aplt"] == pytest.approx(aplt(top, tail).mean())
    assert table["exposure_gini"] == pytest.approx(exposure_gini(top, 8))
    assert len(items) == 8 and set(items["band"]) <= {"head", "tail"}


def test_tradeoff_at_strength_zero_reproduces_the_run_and_is_cached(ws, tiny_run):
    curve = run_tradeoff(ws, tiny_run, k=3, n_users=1000)
    assert (ws.run_dir(tiny_run) / "tradeoff.parquet").exists()
    zero = curve[curve["strength"] == 0].iloc[0]
    summary = load_table(ws, tiny_run, "summary")
    ndcg = summary[(summary["by"] == "segment") & (summary["group"] == "all") & (summary["item_segment"] == "all")
                   & (summary["metric"] == "ndcg") & (summary["k"] == 3)]["mean"].iloc[0]
    lists = load_table(ws, tiny_run, "lists").set_index(["metric", "k"])["value"]
    assert zero["ndcg"] == pytest.approx(ndcg) and zero["aplt"] == pytest.approx(lists[("aplt", 3)])
    assert zero["n_users"] == zero["n_test_users"]
    # A strong enough boost fills lists with tail items.
    assert curve["aplt"].iloc[-1] >= zero["aplt"]
    (ws.run_dir(tiny_run) / "models").rename(ws.run_dir(tiny_run) / "gone")  # a recompute would now fail
    pd.testing.assert_frame_equal(run_tradeoff(ws, tiny_run, k=3, n_users=1000), curve)


def test_tradeoff_subsamples_users(ws, tiny_run):
    curve = run_tradeoff(ws, tiny_run, k=3, n_users=2)
    assert set(curve["n_users"]) == {2} and (curve["n_test_users"] > 2).all()
