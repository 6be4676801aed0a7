"""Plotly figures built from the library's tidy tables (used by the app and the report)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

SEGMENT_COLORS = {"cold": "#1f77b4", "warm": "#ff7f0e", "all": "#7f7f7f"}
METRIC_LABELS = {"recall": "Recall", "ndcg": "NDCG"}


def coldstart_bars(summary: pd.DataFrame, k: int = 20, metrics: tuple[str, ...] = ("recall", "ndcg"),
                   segments: tuple[str, ...] = ("cold", "warm")) -> go.Figure:
    """Grouped bars: one panel per metric, models on x, cold vs warm users side by side, 95% CI whiskers."""
    fig = make_subplots(rows=1, cols=len(metrics), subplot_titles=[f"{METRIC_LABELS.get(m, m)}@{k}" for m in metrics])
    for col, metric in enumerate(metrics, start=1):
        part = summary[(summary["metric"] == metric) & (summary["k"] == k)]
        for seg in segments:
            rows = part[part["segment"] == seg]
            fig.add_trace(go.Bar(
                x=rows["model"], y=rows["mean"], name=f"{seg} users", legendgroup=seg,
                showlegend=col == 1, marker_color=SEGMENT_COLORS.get(seg),
                error_y={"type": "data", "symmetric": False, "array": rows["ci_high"] - rows["mean"],
                         "arrayminus": rows["mean"] - rows["ci_low"]},
                customdata=rows[["ci_low", "ci_high", "n_users"]].to_numpy(),
                hovertemplate=(f"%{{x}}, {seg} users<br>{METRIC_LABELS.get(metric, metric)}@{k} = %{{y:.4f}}"
                               "<br>95% CI [%{customdata[0]:.4f}, %{customdata[1]:.4f}]"
                               "<br>%{customdata[2]} users<extra></extra>")), row=1, col=col)
        fig.update_yaxes(title_text=f"mean {METRIC_LABELS.get(metric, metric)}@{k} per user", row=1, col=col,
                         rangemode="tozero")
        fig.update_xaxes(title_text="model", row=1, col=col)
    fig.update_layout(title=f"Cold vs warm users at K={k} (whiskers: 95% bootstrap CI)", barmode="group",
                      legend_title_text="segment", height=420, margin={"t": 80})
    return fig
