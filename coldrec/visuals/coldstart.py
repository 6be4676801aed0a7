"""Plotly figures built from the library's tidy tables (used by the app and the report)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from coldrec.split.segments import HISTORY_BUCKETS
from coldrec.visuals.theme import model_color, style

SEGMENT_COLORS = {"cold": "#1f77b4", "warm": "#ff7f0e", "all": "#7f7f7f"}
METRIC_LABELS = {"recall": "Recall", "ndcg": "NDCG", "precision": "Precision", "hit_rate": "HitRate",
                 "mrr": "MRR", "map": "MAP", "auc": "AUC"}


def label(metric: str, k: int | None = None) -> str:
    name = METRIC_LABELS.get(metric, metric)
    return f"{name}@{k}" if k else name


def _ci(rows: pd.DataFrame) -> dict:
    return {"type": "data", "symmetric": False, "array": rows["ci_high"] - rows["mean"],
            "arrayminus": rows["mean"] - rows["ci_low"]}


def _hover(what: str) -> str:
    return (f"%{{x}}, {what}<br>%{{y:.4f}}<br>95% CI [%{{customdata[0]:.4f}}, %{{customdata[1]:.4f}}]"
            "<br>%{customdata[2]} users<extra></extra>")


def _pick(summary: pd.DataFrame, by: str, metric: str, k: int, item_segment: str = "all") -> pd.DataFrame:
    return summary[(summary["by"] == by) & (summary["metric"] == metric) & (summary["k"] == k)
                   & (summary["item_segment"] == item_segment)]


def coldstart_bars(summary: pd.DataFrame, k: int = 20, metrics: tuple[str, ...] = ("recall", "ndcg"),
                   segments: tuple[str, ...] = ("cold", "warm")) -> go.Figure:
    """Grouped bars: one panel per metric, models on x, cold vs warm users side by side, 95% CI whiskers."""
    fig = make_subplots(rows=1, cols=len(metrics), subplot_titles=[label(m, k) for m in metrics])
    for col, metric in enumerate(metrics, start=1):
        part = _pick(summary, "segment", metric, k)
        for seg in segments:
            rows = part[part["group"] == seg]
            fig.add_trace(go.Bar(x=rows["model"], y=rows["mean"], name=f"{seg} users", legendgroup=seg,
                                 showlegend=col == 1, marker_color=SEGMENT_COLORS.get(seg), error_y=_ci(rows),
                                 customdata=rows[["ci_low", "ci_high", "n_users"]].to_numpy(),
                                 hovertemplate=_hover(f"{seg} users")), row=1, col=col)
        fig.update_yaxes(title_text=f"mean {label(metric, k)} per user", row=1, col=col, rangemode="tozero")
        fig.update_xaxes(title_text="model", row=1, col=col)
    fig.update_layout(title=f"Cold vs warm users at K={k} (whiskers: 95% bootstrap CI)", barmode="group",
                      legend_title_text="segment", height=420, margin={"t": 80})
    return style(fig)


def bucket_lines(summary: pd.DataFrame, metric: str = "ndcg", k: int = 20) -> go.Figure:
    """Metric by user history length bucket, one line per model, with interval whiskers."""
    part = _pick(summary, "history_bucket", metric, k)
    order = [b for b in HISTORY_BUCKETS if b in set(part["group"])]
    fig = go.Figure()
    for model, rows in part.groupby("model"):
        rows = rows.set_index("group").reindex(order).reset_index()
        fig.add_trace(go.Scatter(x=rows["group"], y=rows["mean"], mode="lines+markers", name=model,
                                 error_y=_ci(rows), customdata=rows[["ci_low", "ci_high", "n_users"]].to_numpy(),
                                 hovertemplate=_hover(model)))
    fig.update_layout(title=f"{label(metric, k)} by user history length (interactions a model may use)",
                      xaxis_title="history length (interactions)", yaxis_title=f"mean {label(metric, k)} per user",
                      xaxis={"categoryorder": "array", "categoryarray": order}, height=420,
                      legend_title_text="model")
    return style(fig)


def item_segment_bars(summary: pd.DataFrame, metric: str = "recall", k: int = 20) -> go.Figure:
    """Metric restricted to test interactions with cold / warm / head / tail items, per model."""
    part = summary[(summary["by"] == "segment") & (summary["group"] == "all") & (summary["metric"] == metric)
                   & (summary["k"] == k) & (summary["item_segment"] != "all")]
    fig = go.Figure()
    for seg in ("cold", "warm", "head", "tail"):
        rows = part[part["item_segment"] == seg]
        if len(rows):
            fig.add_trace(go.Bar(x=rows["model"], y=rows["mean"], name=f"{seg} items", error_y=_ci(rows),
                                 customdata=rows[["ci_low", "ci_high", "n_users"]].to_numpy(),
                                 hovertemplate=_hover(f"{seg} items")))
    fig.update_layout(title=f"{label(metric, k)} on test interactions with cold, warm, head and tail items",
                      barmode="group", xaxis_title="model", yaxis_title=f"mean {label(metric, k)} per user",
                      legend_title_text="item segment", height=420)
    return style(fig)


def few_shot_figure(curve: pd.DataFrame, metric: str = "ndcg", k: int = 20,
                    subject: str = "a new user reveals interactions") -> go.Figure:
    """One line per model: metric after revealing k interactions of each held-out user (or cold item)."""
    part = curve[(curve["metric"] == metric) & (curve["k"] == k)]
    fig = go.Figure()
    for model, rows in part.groupby("model"):
        rows = rows.sort_values("shots")
        fig.add_trace(go.Scatter(x=rows["shots"], y=rows["mean"], mode="lines+markers", name=model,
                                 error_y=_ci(rows), customdata=rows[["ci_low", "ci_high", "n_users"]].to_numpy(),
                                 hovertemplate=_hover(model)))
    fig.update_layout(title=f"Few-shot curve: {label(metric, k)} as {subject}",
                      xaxis_title="interactions revealed (k)", yaxis_title=f"mean {label(metric, k)} per user",
                      legend_title_text="model", height=420)
    return style(fig)


def lift_figure(diff: pd.DataFrame, metric: str = "ndcg", k: int = 20) -> go.Figure:
    """Relative lift of model A over B per user group, with its 95% paired-bootstrap interval."""
    part = diff[(diff["metric"] == metric) & (diff["k"] == k) & (diff["item_segment"] == "all")]
    a, b = (part["model_a"].iloc[0], part["model_b"].iloc[0]) if len(part) else ("A", "B")
    fig = go.Figure(go.Bar(
        x=part["group"], y=100 * part["lift"],
        error_y={"type": "data", "symmetric": False, "array": 100 * (part["lift_high"] - part["lift"]),
                 "arrayminus": 100 * (part["lift"] - part["lift_low"])},
        customdata=part[["mean_a", "mean_b", "n_users"]].to_numpy(),
        hovertemplate=(f"%{{x}} users<br>lift %{{y:.1f}}%<br>{a}: %{{customdata[0]:.4f}}<br>"
                       f"{b}: %{{customdata[1]:.4f}}<br>%{{customdata[2]}} users<extra></extra>")))
    fig.add_hline(y=0, line_color="#444")
    fig.update_layout(title=f"Lift of {a} over {b} in {label(metric, k)} (95% paired bootstrap CI)",
                      xaxis_title="users", yaxis_title="relative lift (%)", height=400)
    return style(fig)


def diff_figure(diff: pd.DataFrame, metric: str = "ndcg", k: int = 20) -> go.Figure:
    """Paired difference A - B per user group, with its 95% paired-bootstrap interval (0 = no difference)."""
    part = diff[(diff["metric"] == metric) & (diff["k"] == k) & (diff["item_segment"] == "all")]
    a, b = (part["model_a"].iloc[0], part["model_b"].iloc[0]) if len(part) else ("A", "B")
    fig = go.Figure(go.Bar(
        x=part["group"], y=part["diff"],
        error_y={"type": "data", "symmetric": False, "array": part["diff_high"] - part["diff"],
                 "arrayminus": part["diff"] - part["diff_low"]},
        customdata=part[["mean_a", "mean_b", "n_users", "diff_low", "diff_high"]].to_numpy(),
        hovertemplate=(f"%{{x}} users<br>difference %{{y:+.4f}} (95% CI %{{customdata[3]:+.4f}} to "
                       f"%{{customdata[4]:+.4f}})<br>{a}: %{{customdata[0]:.4f}}<br>{b}: %{{customdata[1]:.4f}}"
                       "<br>%{customdata[2]} paired users<extra></extra>")))
    fig.add_hline(y=0, line_color="#444")
    fig.update_layout(title=f"{label(metric, k)}: {a} minus {b} (95% paired bootstrap CI)",
                      xaxis_title="users", yaxis_title=f"difference in mean {label(metric, k)} per user", height=400)
    return style(fig)


def item_gap_bars(summary: pd.DataFrame, metric: str = "recall", k: int = 20) -> go.Figure:
    """Cold vs warm items side by side per model (relevant items restricted to each), 95% CI whiskers."""
    part = summary[(summary["by"] == "segment") & (summary["group"] == "all") & (summary["metric"] == metric)
                   & (summary["k"] == k)]
    fig = go.Figure()
    for seg in ("cold", "warm"):
        rows = part[part["item_segment"] == seg]
        if len(rows):
            fig.add_trace(go.Bar(x=rows["model"], y=rows["mean"], name=f"{seg} items",
                                 marker_color=SEGMENT_COLORS[seg], error_y=_ci(rows),
                                 customdata=rows[["ci_low", "ci_high", "n_users"]].to_numpy(),
                                 hovertemplate=_hover(f"{seg} items")))
    fig.update_layout(title=f"Cold vs warm items: {label(metric, k)} on each user's targets among new and "
                            "established items", barmode="group", xaxis_title="model",
                      yaxis_title=f"mean {label(metric, k)} per user", legend_title_text="items", height=420)
    return style(fig)


def warming_bars(curve: pd.DataFrame, metric: str = "recall", k: int = 20) -> go.Figure:
    """The same new items cold (no interaction) and warmed (the most revealed), per model, from the item curve."""
    part = curve[(curve["metric"] == metric) & (curve["k"] == k)]
    lo, hi = int(part["shots"].min()), int(part["shots"].max())
    fig = go.Figure()
    for shots, seg, name in ((lo, "cold", f"cold: {lo} interactions"), (hi, "warm", f"warmed: {hi} interactions")):
        rows = part[part["shots"] == shots]
        fig.add_trace(go.Bar(x=rows["model"], y=rows["mean"], name=name, marker_color=SEGMENT_COLORS[seg],
                             error_y=_ci(rows), customdata=rows[["ci_low", "ci_high", "n_users"]].to_numpy(),
                             hovertemplate=_hover(name)))
    fig.update_layout(title=f"Cold vs warm items: the same new items at {lo} and at {hi} interactions "
                            f"({label(metric, k)})", barmode="group", xaxis_title="model",
                      yaxis_title=f"mean {label(metric, k)} per user", legend_title_text="items", height=420)
    return style(fig)


def exposure_bars(lists: pd.DataFrame, demand: float | None, k: int = 20) -> go.Figure:
    """New items' share of top-``k`` slots per model (model colours), against their share of test demand."""
    part = lists[(lists["metric"] == "cold_share") & (lists["k"] == k)]
    fig = go.Figure(go.Bar(x=part["model"], y=part["value"], marker_color=[model_color(m) for m in part["model"]],
                           name="share of slots", hovertemplate="%{x}: %{y:.1%} of slots<extra></extra>"))
    if demand is not None:
        fig.add_hline(y=demand, line_dash="dash", line_color="#444",
                      annotation_text=f"demand: {demand:.1%} of test interactions")
    fig.update_layout(title=f"New items' exposure: share of top-{k} slots vs their share of demand",
                      xaxis_title="model", yaxis_title=f"share of top-{k} slots", yaxis_tickformat=".0%",
                      height=400)
    return style(fig, model_traces=False)


def effect_figure(table: pd.DataFrame, model_a: str, model_b: str, metric: str = "ndcg", k: int = 20) -> go.Figure:
    """Absolute paired difference A - B per user group with its 95% interval (relative lift in the hover)."""
    rel = [f"{100 * v:+.0f}%" if pd.notna(v) else f"undefined: {model_b} scores 0" for v in table["lift"]]
    fig = go.Figure(go.Bar(
        x=table["group"], y=table["diff"], marker_color=model_color(model_a), name=model_a,
        error_y={"type": "data", "symmetric": False, "array": table["diff_high"] - table["diff"],
                 "arrayminus": table["diff"] - table["diff_low"]},
        customdata=list(zip(table["mean_a"], table["mean_b"], rel, table["n_users"], strict=True)),
        hovertemplate=(f"%{{x}} users<br>difference %{{y:+.4f}}<br>{model_a}: %{{customdata[0]:.4f}}<br>"
                       f"{model_b}: %{{customdata[1]:.4f}}<br>relative: %{{customdata[2]}}<br>%{{customdata[3]}} "
                       "paired users<extra></extra>")))
    fig.add_hline(y=0, line_color="#444")
    fig.update_layout(title=f"Lift of {model_a} over {model_b} in {label(metric, k)} (absolute difference, 95% "
                            "paired bootstrap CI)",
                      xaxis_title="users", yaxis_title=f"difference in mean {label(metric, k)}", height=400)
    return style(fig, model_traces=False)
