"""One template and one colour per model, on every figure, even after streamlit swapped plotly's default."""

from __future__ import annotations

import itertools

import pandas as pd
import plotly.io as pio

from coldrec.models.registry import MODELS
from coldrec.visuals.coldstart import bucket_lines, few_shot_figure
from coldrec.visuals.longtail import tradeoff_figure
from coldrec.visuals.theme import EXTRA_COLORS, MODEL_COLORS, TEMPLATE, model_color


def _rgb(color: str) -> tuple[int, ...]:
    return tuple(int(color[i:i + 2], 16) for i in (1, 3, 5))


def test_every_registry_model_has_its_own_non_black_colour():
    assert set(MODELS) <= set(MODEL_COLORS)
    colors = list(MODEL_COLORS.values()) + list(EXTRA_COLORS)
    assert len(set(colors)) == len(colors)
    for a, b in itertools.combinations(colors, 2):  # no two near-identical (sum of channel gaps)
        assert sum(abs(x - y) for x, y in zip(_rgb(a), _rgb(b), strict=True)) > 60, (a, b)
    assert all(sum(_rgb(c)) > 100 for c in colors)  # none black or nearly


def test_labels_built_from_a_model_keep_its_colour():
    assert model_color("content (Gini 0.412)") == model_color("run7: content") == MODEL_COLORS["content"]
    assert model_color("somebody's model") == model_color("somebody's model") in EXTRA_COLORS


def _summary() -> pd.DataFrame:
    return pd.DataFrame([{"model": m, "by": "history_bucket", "group": g, "item_segment": "all", "metric": "ndcg",
                          "k": 20, "mean": 0.1, "ci_low": 0.05, "ci_high": 0.15, "n_users": 9}
                         for m in ("ease", "content", "popularity") for g in ("0", "1-2")])


def test_figures_name_their_template_and_paint_models_even_after_streamlit_import():
    import streamlit  # noqa: F401 - swaps pio.templates.default for placeholder colours

    assert pio.templates.default != TEMPLATE  # the trap this module exists for
    curve = _summary().rename(columns={"group": "shots"}).assign(shots=lambda f: f["shots"].map({"0": 0, "1-2": 1}))
    trade = pd.DataFrame([{"model": m, "strength": s, "aplt": 0.1, "ndcg": 0.2, "recall": 0.2, "coverage": 0.1,
                           "cold_share": 0.0, "n_users": 9} for m in ("ease", "hybrid") for s in (0.0, 1.0)])
    for fig in (bucket_lines(_summary()), few_shot_figure(curve), tradeoff_figure(trade, 20)):
        full = fig.to_dict()
        assert full["layout"]["template"]["layout"]["colorway"][0].startswith("#")
        for trace in full["data"]:
            assert trace["line"]["color"] == MODEL_COLORS[trace["name"]]
