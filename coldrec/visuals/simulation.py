"""Plotly figures for the simulator: list timelines, replay metrics, the tail-boost trade-off."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from coldrec.columns import Columns
from coldrec.visuals.theme import style

METRIC_NAMES = {"hit_next": "next item in list", "recall": "Recall", "ndcg": "NDCG"}
_CHANGE_SYMBOL = {"start": "circle", "entered": "star", "up": "triangle-up", "down": "triangle-down",
                  "same": "circle", "left": "x"}


def timeline_chart(tl: pd.DataFrame, strategy: str, k: int) -> go.Figure:
    """Rank of every item that was ever in ``strategy``'s list, step by step (1 at the top); hover names the item."""
    part = tl[tl["strategy"] == strategy]
    part = part.assign(rank=part["rank"].fillna(k + 1))  # an item that left is drawn on the "out" row below the list
    fig = go.Figure()
    for item, rows in part.groupby(Columns.item, sort=False):
        rows = rows.sort_values("step")
        title = str(rows[Columns.title].iloc[0])
        fig.add_trace(go.Scatter(
            x=rows["step"], y=rows["rank"], mode="lines+markers", name=title[:40], legendgroup=str(item),
            marker={"symbol": [_CHANGE_SYMBOL.get(c, "circle") for c in rows["change"]], "size": 9},
            customdata=rows[["change"]].assign(title=title, where=rows["rank"].map(
                lambda r: "out of the list" if r > k else f"rank {int(r)}")).to_numpy(),
            hovertemplate="%{customdata[1]}<br>step %{x}: %{customdata[2]} (%{customdata[0]})<extra></extra>"))
    fig.update_yaxes(title_text="rank in list (1 = top)", range=[k + 1.5, 0.5], tickvals=list(range(1, k + 2)),
                     ticktext=[*map(str, range(1, k + 1)), "out"])
    fig.update_xaxes(title_text="step (clicks or revealed interactions so far)", dtick=1)
    fig.update_layout(title=f"How {strategy}'s top {k} moves step by step (star: entered; triangles: moved; x: left)",
                      height=420, showlegend=False, margin={"t": 60})
    return style(fig, model_traces=False)


def replay_chart(metrics: pd.DataFrame, k: int) -> go.Figure:
    """One user's replay: per step and strategy, Recall@K of what is still to come; markers where the next item hit."""
    fig = go.Figure()
    for strategy, rows in metrics.groupby("strategy", sort=False):
        rows = rows.sort_values("step")
        fig.add_trace(go.Scatter(
            x=rows["step"], y=rows["recall"], mode="lines+markers", name=strategy,
            marker={"symbol": ["star" if h else "circle" for h in rows["hit_next"]], "size": 10},
            customdata=rows[["ndcg", "hit_next"]].to_numpy(),
            hovertemplate=(f"{strategy}<br>step %{{x}}<br>Recall@{k} %{{y:.3f}}<br>NDCG@{k} %{{customdata[0]:.3f}}"
                           "<br>next item in list: %{customdata[1]}<extra></extra>")))
    fig.update_yaxes(title_text=f"Recall@{k} of the items still to come", rangemode="tozero")
    fig.update_xaxes(title_text="interactions revealed", dtick=1)
    fig.update_layout(title=f"Replay: how much of the rest each strategy finds (star: next item in the top {k})",
                      height=380, legend_title_text="strategy", margin={"t": 60})
    return style(fig)


def curve_chart(curve: pd.DataFrame, metric: str, k: int) -> go.Figure:
    """Batch replay: mean ``metric`` over the held-out users per step, one line per strategy."""
    fig = go.Figure()
    part = curve[curve["metric"] == metric]
    for model, rows in part.groupby("model", sort=False):
        fig.add_trace(go.Scatter(x=rows["step"], y=rows["mean"], mode="lines+markers", name=model,
                                 customdata=rows[["n_users"]].to_numpy(),
                                 hovertemplate=f"{model}<br>step %{{x}}<br>%{{y:.3f}}<br>%{{customdata[0]}} users"
                                               "<extra></extra>"))
    name = f"{METRIC_NAMES.get(metric, metric)}@{k}"
    fig.update_yaxes(title_text=f"mean {name} per user", rangemode="tozero")
    fig.update_xaxes(title_text="interactions revealed", dtick=1)
    fig.update_layout(title=f"All replayed held-out users: {name} as interactions are revealed", height=380,
                      legend_title_text="strategy", margin={"t": 60})
    return style(fig)


def current_point(frame: pd.DataFrame, current: float | None) -> tuple[float, float, bool] | None:
    """Where the current boost sits on the trade-off curve: (tail share, NDCG, measured).

    A measured strength gives its point; a strength between two measured ones
    is placed by linear interpolation along the curve (and said to be); one
    outside the measured range, or no knob, gives None.
    """
    if current is None or frame.empty:
        return None
    curve = frame.sort_values("strength")
    s = curve["strength"].to_numpy(dtype=float)
    if current < s[0] or current > s[-1]:
        return None
    exact = np.isclose(s, current)
    if exact.any():
        row = curve.iloc[int(np.flatnonzero(exact)[0])]
        return float(row["aplt"]), float(row["ndcg"]), True
    x = float(np.interp(current, s, curve["aplt"].to_numpy(dtype=float)))
    return x, float(np.interp(current, s, curve["ndcg"].to_numpy(dtype=float))), False


def tradeoff_chart(frame: pd.DataFrame, model: str, k: int, current: float | None = None) -> go.Figure:
    """NDCG@K against the tail share of the lists, one point per boost strength; the current knob ringed."""
    fig = go.Figure(go.Scatter(
        x=frame["aplt"], y=frame["ndcg"], mode="lines+markers+text", text=[f"{s:g}" for s in frame["strength"]],
        textposition="top center", name=model,
        customdata=frame[["strength", "recall", "coverage", "n_users"]].to_numpy(),
        hovertemplate=(f"boost %{{customdata[0]}}<br>NDCG@{k} %{{y:.4f}}<br>Recall@{k} %{{customdata[1]:.4f}}"
                       "<br>tail share of lists %{x:.3f}<br>catalog coverage %{customdata[2]:.3f}"
                       "<br>%{customdata[3]} users<extra></extra>")))
    point = current_point(frame, current)
    if point is not None:
        x, y, measured = point
        fig.add_trace(go.Scatter(x=[x], y=[y], mode="markers", name="current boost",
                                 marker={"size": 18, "symbol": "circle-open", "line": {"width": 3}},
                                 hovertemplate=f"current boost {current:g}"
                                 + ("" if measured else " (between measured points: interpolated)")
                                 + "<extra></extra>"))
    fig.update_xaxes(title_text=f"share of tail items in the top {k} (higher = more long-tail exposure)")
    fig.update_yaxes(title_text=f"mean NDCG@{k} of held-out users", rangemode="tozero")
    fig.update_layout(title=f"Tail boost trade-off for {model} (labels: boost strength)", height=400,
                      showlegend=False, margin={"t": 60})
    return style(fig)
