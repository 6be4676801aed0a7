"""Plotly figures of the long-tail view (Long tail page and report): popularity, exposure Lorenz, tail boost."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from coldrec.visuals.profile import EQUALITY_COLOR, HEAD_TAIL_COLORS
from coldrec.visuals.theme import style

_LAYOUT = {"height": 440, "margin": {"t": 90}}


def _thin(n: int, max_points: int) -> np.ndarray:
    """Rank positions to draw: all when few, else log-spaced (the head is where the curve moves)."""
    if n <= max_points:
        return np.arange(n)
    return np.unique(np.concatenate([np.geomspace(1, n, max_points).astype(np.int64) - 1, [n - 1]]))


def popularity_curve(popularity: pd.DataFrame, max_points: int = 1500) -> go.Figure:
    """Train interactions per item by popularity rank (log y), head and tail coloured, the cut marked.

    ``popularity`` is :func:`coldrec.evaluation.longtail.item_popularity`. Items without
    train interactions cannot sit on a log axis; their count is given in the
    subtitle instead.
    """
    fig = go.Figure()
    n_head = int((popularity["band"] == "head").sum())
    n_zero = int((popularity["n_train"] == 0).sum())
    for band in ("head", "tail"):
        part = popularity[(popularity["band"] == band) & (popularity["n_train"] > 0)].reset_index(drop=True)
        part = part.iloc[_thin(len(part), max_points // 2)]
        fig.add_trace(go.Scatter(
            x=part["rank"], y=part["n_train"], mode="lines+markers", marker={"size": 3}, name=f"{band} items",
            line={"color": HEAD_TAIL_COLORS[band]}, customdata=part[["item_id"]].astype(str).to_numpy(),
            hovertemplate=f"{band} item %{{customdata[0]}}<br>popularity rank %{{x:,}}"
                          "<br>%{y:,} train interactions<extra></extra>"))
    if n_head:
        fig.add_vline(x=n_head + 0.5, line_dash="dash", line_color=EQUALITY_COLOR,
                      annotation_text=f"head/tail cut: top {n_head:,} items", annotation_position="top right")
    fig.update_xaxes(title_text="item popularity rank (1 = most train interactions)")
    fig.update_yaxes(title_text="train interactions per item (log scale)", type="log", dtick=1)  # 1, 10, 100
    fig.update_layout(title=(f"Item popularity in the run's train part<br><sup>{n_head:,} head and "
                             f"{len(popularity) - n_head:,} tail items (the split's own labels); "
                             f"{n_zero:,} items have no train interactions and are not drawn</sup>"),
                      legend_title_text="band", **_LAYOUT)
    return style(fig)


def exposure_lorenz_figure(lorenz: pd.DataFrame, k: int, gini: dict[str, float] | None = None) -> go.Figure:
    """One Lorenz curve of recommendation exposure per model, with the equal-exposure diagonal."""
    fig = go.Figure()
    for model, part in lorenz.groupby("model", sort=False):
        name = f"{model} (Gini {gini[model]:.3f})" if gini and model in gini and pd.notna(gini[model]) else model
        fig.add_trace(go.Scatter(
            x=part["item_share"], y=part["slot_share"], mode="lines", name=name,
            hovertemplate=f"{model}<br>the least shown %{{x:.1%}} of catalog items<br>"
                          "get %{y:.1%} of the top-" f"{k} slots<extra></extra>"))
    fig.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name="equal exposure",
                             line={"color": EQUALITY_COLOR, "dash": "dash"},
                             hovertemplate="equal exposure<extra></extra>"))
    fig.update_xaxes(title_text="catalog items, least to most shown (cumulative % of items)", tickformat=".0%",
                     range=[0, 1])
    fig.update_yaxes(title_text=f"top-{k} recommendation slots (cumulative %)", tickformat=".0%", range=[0, 1])
    fig.update_layout(title=(f"Exposure Lorenz curves at K={k}<br><sup>the further below the diagonal, "
                             "the more the slots go to a few items</sup>"),
                      legend_title_text="model", legend={"x": 0.02, "y": 0.98}, **_LAYOUT)
    return style(fig)


def tradeoff_figure(curve: pd.DataFrame, k: int) -> go.Figure:
    """Tail-boost trade-off: tail share of lists (x) against NDCG@K (y), a point per strength, a line per model."""
    fig = go.Figure()
    for model, part in curve.groupby("model", sort=False):
        part = part.sort_values("strength")
        fig.add_trace(go.Scatter(
            x=part["aplt"], y=part["ndcg"], mode="lines+markers+text", name=model,
            text=[f"{s:g}" for s in part["strength"]], textposition="top center", textfont={"size": 9},
            customdata=part[["strength", "recall", "coverage", "cold_share"]].to_numpy(),
            hovertemplate=(f"{model}, boost %{{customdata[0]:g}}<br>tail share %{{x:.1%}}<br>NDCG@{k} %{{y:.4f}}"
                           f"<br>Recall@{k} %{{customdata[1]:.4f}}<br>coverage %{{customdata[2]:.1%}}"
                           "<br>cold-item share %{customdata[3]:.1%}<extra></extra>")))
    n = int(curve["n_users"].max()) if len(curve) else 0
    total = int(curve["n_test_users"].max()) if "n_test_users" in curve and len(curve) else n
    fig.update_xaxes(title_text=f"tail share of top-{k} lists (APLT, %)", tickformat=".0%", rangemode="tozero")
    fig.update_yaxes(title_text=f"mean NDCG@{k} per user", rangemode="tozero")
    fig.update_layout(title=(f"Tail boost trade-off at K={k}<br><sup>labels: boost strength (standard deviations "
                             f"added to tail items); {n:,} of {total:,} test users"
                             f"{', a random sample' if n < total else ''}</sup>"),
                      legend_title_text="model", showlegend=True, **_LAYOUT)
    return style(fig)
