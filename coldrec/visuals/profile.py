"""Plotly figures of a :class:`~coldrec.data.profile.DatasetProfile` (the Data page's charts)."""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go

from coldrec.data.profile import HEAD_SHARE, DatasetProfile, history_buckets
from coldrec.visuals.theme import style

HEAD_TAIL_COLORS = {"head": "#d62728", "tail": "#2ca02c"}
CURVE_COLOR = "#1f77b4"
EQUALITY_COLOR = "#7f7f7f"
_LAYOUT = {"height": 420, "margin": {"t": 80}}


def _nice_width(span: int, max_bins: int) -> int:
    """Smallest bin width from 1, 2, 5, 10, 20, 50, ... that covers `span` in `max_bins` bins."""
    width = 1
    while math.ceil(span / width) > max_bins:
        width = width * 5 // 2 if str(width)[0] == "2" else width * 2
    return width


def lorenz_figure(profile: DatasetProfile) -> go.Figure:
    """Lorenz curve of item popularity with the equality diagonal and the head/tail cut.

    Traces: the curve, the diagonal, the cut point. Items run from least to most popular,
    so the head is the right-hand strip: the ``head_items`` items that hold at least 80% of
    interactions.
    """
    lorenz, n_pop = profile.lorenz, max(len(profile.item_popularity), 1)
    fig = go.Figure()
    fig.add_trace(go.Scatter(
        x=lorenz["item_share"], y=lorenz["interaction_share"], mode="lines", name="Lorenz curve",
        line={"color": CURVE_COLOR, "width": 2},
        hovertemplate="the least popular %{x:.1%} of items<br>hold %{y:.1%} of interactions<extra></extra>"))
    fig.add_trace(go.Scatter(
        x=[0.0, 1.0], y=[0.0, 1.0], mode="lines", name="equal popularity",
        line={"color": EQUALITY_COLOR, "dash": "dash"},
        hovertemplate="equal popularity: %{x:.0%} of items hold %{y:.0%} of interactions<extra></extra>"))
    cut_x, cut_y = 1.0 - profile.head_items / n_pop, 1.0 - profile.head_interaction_share
    fig.add_trace(go.Scatter(
        x=[cut_x], y=[cut_y], mode="markers", name="head/tail cut",
        marker={"color": HEAD_TAIL_COLORS["head"], "size": 10, "symbol": "diamond"},
        customdata=[[profile.head_items, profile.head_interaction_share]],
        hovertemplate=("head/tail cut<br>head: the top %{customdata[0]:,} items (%{text})"
                       "<br>hold %{customdata[1]:.1%} of interactions<extra></extra>"),
        text=[f"{profile.head_items / n_pop:.1%} of items"]))
    fig.add_vrect(x0=cut_x, x1=1.0, fillcolor=HEAD_TAIL_COLORS["head"], opacity=0.08, line_width=0,
                  annotation_text="head", annotation_position="top left")
    fig.update_xaxes(title_text="items, least to most popular (cumulative % of items)", tickformat=".0%",
                     range=[0, 1])
    fig.update_yaxes(title_text="interactions (cumulative % of interactions)", tickformat=".0%", range=[0, 1])
    fig.update_layout(
        title=(f"Item popularity: Gini {profile.gini:.3f}<br><sup>head: {profile.head_items:,} items "
               f"({profile.head_items / n_pop:.1%}) hold {HEAD_SHARE:.0%} of interactions; "
               f"{profile.cold_item_share:.1%} of catalog items are cold (no interactions)</sup>"),
        legend={"x": 0.02, "y": 0.98}, **_LAYOUT)
    return style(fig, model_traces=False)


def history_histogram(profile: DatasetProfile) -> go.Figure:
    """Users by number of interactions in buckets 1, 2, 3-5, 6-10, 11-20, 21-50, 51+.

    The buckets widen roughly geometrically, which does for a long-tailed history what a
    log x axis would, while keeping one readable bar per bucket (categorical, in order).
    """
    buckets = history_buckets(profile.history_lengths)
    median = float(profile.history_lengths["n_interactions"].median()) if profile.n_users else 0.0
    fig = go.Figure(go.Bar(
        x=buckets["bucket"], y=buckets["n_users"], name="users", marker_color=CURVE_COLOR,
        customdata=buckets[["user_share", "n_interactions"]].to_numpy(),
        hovertemplate=("%{x} interactions: %{y:,} users (%{customdata[0]:.1%} of users)"
                       "<br>who made %{customdata[1]:,} interactions in all<extra></extra>")))
    fig.update_xaxes(title_text="interactions per user (count, bucketed)", type="category",
                     categoryorder="array", categoryarray=list(buckets["bucket"]))
    fig.update_yaxes(title_text="users (count)", rangemode="tozero")
    fig.update_layout(
        title=(f"Users by history length<br><sup>{profile.n_users:,} users, median {median:g} interactions; "
               f"{profile.one_interaction_users:,} users have a single interaction</sup>"),
        showlegend=False, **_LAYOUT)
    return style(fig, model_traces=False)


def text_length_histogram(profile: DatasetProfile, max_bins: int = 60) -> go.Figure:
    """Items by words of text (pre-binned bars; one word per bin unless that exceeds `max_bins`)."""
    words = profile.text_lengths["n_words"].to_numpy(dtype=np.int64)
    top = int(words.max()) if words.size else 0
    width = _nice_width(top + 1, max_bins)
    n_items = np.bincount(words // width, minlength=top // width + 1)
    low = np.arange(len(n_items)) * width
    label = [str(a) if width == 1 else f"{a}-{a + width - 1}" for a in low]
    median = float(np.median(words)) if words.size else 0.0
    fig = go.Figure(go.Bar(
        x=low + (width - 1) / 2, y=n_items, width=width * 0.9, name="items", marker_color=CURVE_COLOR,
        text=label, textposition="none",
        hovertemplate="%{text} words: %{y:,} items<extra></extra>"))
    fig.update_xaxes(title_text="words of item text (count)", rangemode="tozero")
    fig.update_yaxes(title_text="items (count)", rangemode="tozero")
    fig.update_layout(
        title=(f"Items by length of text<br><sup>{len(words):,} catalog items, median {median:g} words; "
               f"{int((words == 0).sum()):,} items have no text</sup>"),
        showlegend=False, bargap=0, **_LAYOUT)
    return style(fig, model_traces=False)


def _rank_sample(n: int, max_points: int, keep: tuple[int, ...]) -> np.ndarray:
    """All positions 0..n-1 if few, else log-spaced ones plus `keep` (lossless-looking on log x)."""
    if n <= max_points:
        return np.arange(n)
    logspaced = np.rint(np.logspace(0, math.log10(n), max_points)).astype(np.int64) - 1
    return np.unique(np.concatenate([logspaced, [k for k in keep if 0 <= k < n]]))


def popularity_figure(profile: DatasetProfile, max_points: int = 1000) -> go.Figure:
    """Interactions per item against popularity rank, log-log; head and tail in two traces.

    Items with no interactions cannot sit on a log axis and are left out (the title says
    how many). Beyond `max_points` items, log-spaced ranks are drawn.
    """
    pop = profile.item_popularity
    counts = pop["n_interactions"].to_numpy()
    n_seen = int((counts > 0).sum())
    pos = _rank_sample(n_seen, max_points, keep=(profile.head_items - 1, profile.head_items))
    fig = go.Figure()
    for part, rows in (("head", pos[pos < profile.head_items]), ("tail", pos[pos >= profile.head_items])):
        fig.add_trace(go.Scatter(
            x=pop["rank"].to_numpy()[rows], y=counts[rows], mode="lines+markers", name=f"{part} items",
            marker={"color": HEAD_TAIL_COLORS[part], "size": 4}, line={"color": HEAD_TAIL_COLORS[part]},
            text=pop["item_id"].to_numpy()[rows],
            hovertemplate=f"rank %{{x:,}} ({part}): %{{text}}<br>%{{y:,}} interactions<extra></extra>"))
    fig.update_xaxes(title_text="item rank by popularity (1 = most popular, log scale)", type="log")
    fig.update_yaxes(title_text="interactions per item (count, log scale)", type="log")
    n_cold = len(counts) - n_seen
    fig.update_layout(
        title=(f"Interactions per item by popularity rank<br><sup>head: top {profile.head_items:,} items hold "
               f"{HEAD_SHARE:.0%} of interactions; {n_cold:,} cold items (no interactions) not shown</sup>"),
        legend_title_text="segment", **_LAYOUT)
    return style(fig, model_traces=False)
