"""Findings on shops with a known answer, and on hand-made curves and tables."""

from __future__ import annotations

import pandas as pd

from coldrec.evaluation.aggregate import summarize
from coldrec.evaluation.evaluate import evaluate, fit_data
from coldrec.evaluation.findings import RunTables, cold_demand, crossover, exposure_finding, findings, tail_cost
from coldrec.models.registry import make_model
from coldrec.split.protocols import make_split
from tests.evaluation.shops import shop


def _run(signal: str, text: str, protocol: str = "cold_user",
         models: tuple[str, ...] = ("content", "popularity", "itemknn")) -> RunTables:
    inter, catalog, emb = shop(signal, n_users=300, n_items=120, seed=2)
    split = make_split(inter, catalog, {"protocol": protocol, "cold_share": 0.3})
    item_ids = pd.Index(catalog["item_id"])
    data = fit_data(split, item_ids, emb[text])
    fitted = {m: make_model(m).fit(data) for m in models}
    result = evaluate(fitted, split, item_ids, ks=(20,), n_targets=5)
    return RunTables(result.per_user, summarize(result.per_user, n_boot=300), protocol, lists=result.lists,
                     cold_demand=cold_demand(split))


def _text(found: list, topic: str) -> str:
    return next(f.text for f in found if f.topic == topic)


def test_text_that_predicts_taste_wins_on_new_items_over_a_zero_baseline():
    found = findings(_run("taste", "perfect", "cold_item"), "ndcg", 20)
    best = _text(found, "best model, all test users")
    assert best.startswith("content has the highest NDCG@20") and "significantly worse" in best
    lift = _text(found, "language model lift, all test users")
    assert "content is better (the whole interval is above 0)" in lift
    assert "scores 0 here, so only the absolute difference" in lift
    exposure = _text(found, "new items' exposure")
    assert "New items take 100.0% of test interactions" in exposure and "popularity 0.0%" in exposure


def test_text_that_is_noise_loses_to_collaborative_models():
    found = findings(_run("taste", "noise"), "ndcg", 20)
    assert "content has the highest" not in _text(found, "best model, all test users")
    assert "is better (the whole interval is below 0)" in _text(found, "language model lift, all test users")


def test_no_signal_leaves_every_model_tied():
    found = findings(_run("none", "noise"), "ndcg", 20)
    for who in ("all test users", "cold users", "warm users"):
        text = _text(found, f"best model, {who}")
        assert "statistically tied with it" in text, text
    assert "includes 0" in _text(found, "language model lift, all test users")


def curve(means: dict[str, list[float]], half_width: float) -> pd.DataFrame:
    shots = [0, 1, 2, 3, 5]
    return pd.DataFrame([{"model": m, "shots": s, "metric": "ndcg", "k": 20, "mean": v, "ci_low": v - half_width,
                          "ci_high": v + half_width, "n_users": 50}
                         for m, vals in means.items() for s, v in zip(shots, vals, strict=True)])


def test_crossover_is_where_the_collaborative_curve_passes_the_text_curve():
    means = {"content": [0.20, 0.22, 0.23, 0.24, 0.25], "itemknn": [0.0, 0.10, 0.20, 0.30, 0.40],
             "popularity": [0.05] * 5}
    tight = crossover(curve(means, 0.01)).text
    assert "itemknn (no text) overtakes content (text) between 2 and 3 interactions" in tight
    assert "intervals separate" in tight
    assert "could sit a count or two later" in crossover(curve(means, 0.2)).text
    never = crossover(curve({"content": [0.3] * 5, "ease": [0.1] * 5}, 0.01)).text
    assert "stays ahead" in never


def test_collaborative_ahead_at_first_and_text_later_is_said_not_crashed():
    # Regression: the crossing at the first count had no earlier count, and int(NaN) broke the Cold start page.
    back_and_forth = crossover(curve({"content": [0.1, 0.3, 0.3, 0.3, 0.3], "itemknn": [0.2, 0.1, 0.1, 0.1, 0.1]},
                                     0.01)).text
    assert "itemknn (no text) is ahead at 0 interactions" in back_and_forth
    assert "content (text) leads again from 1 interaction" in back_and_forth


def test_exposure_against_demand_and_tail_cost_by_hand():
    lists = pd.DataFrame({"model": ["content", "popularity"], "metric": "cold_share", "k": 20, "value": [0.3, 0.0]})
    text = exposure_finding(lists, 0.25, 20).text
    assert "New items take 25.0% of test interactions" in text and "content 30.0%, popularity 0.0%" in text
    assert "popularity show new items less than half as often" in text
    trade = pd.DataFrame({"model": "ease", "k": 20, "strength": [0.0, 1.0, 2.0], "aplt": [0.1, 0.3, 0.5],
                          "ndcg": [0.2, 0.15, 0.1]})
    assert "from 10.0% to 30.0%" in tail_cost(trade, 20).text and "(-25%)" in tail_cost(trade, 20).text
