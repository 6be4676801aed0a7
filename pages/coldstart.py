"""Cold-start page: accuracy by user and item segment, few-shot curves, the language model's lift."""

from __future__ import annotations

import streamlit as st

from coldrec.evaluation.aggregate import compare, lift_pairs
from coldrec.metrics.accuracy import DEFINITIONS
from coldrec.models.registry import MODELS
from coldrec.runs.store import load_run_info
from coldrec.visuals.coldstart import (
    bucket_lines,
    coldstart_bars,
    few_shot_figure,
    item_segment_bars,
    label,
    lift_figure,
)
from ui import state
from ui.compare_view import compare_section
from ui.runs import run_picker, run_table

st.title("Cold start vs warm")
ws = state.workspace()
run_id = run_picker(ws)
if run_id is None:
    st.stop()


summary = run_table(ws, run_id, "summary")
if summary is None or "by" not in summary:
    st.error(f"Run {run_id} has no results in the current format. Train it again on the **Train** page.")
    st.stop()
c1, c2 = st.columns(2)
ks = sorted(int(k) for k in summary["k"].unique() if k > 0)
k = c1.selectbox("K (list length)", ks, index=ks.index(20) if 20 in ks else 0, key="cs_k")
metric = c2.selectbox("Metric", ["ndcg", "recall", "precision", "hit_rate", "mrr", "map"], format_func=label,
                      key="cs_metric", help="\n\n".join(f"**{m}**: {DEFINITIONS[m]}" for m in DEFINITIONS))

st.plotly_chart(coldstart_bars(summary, k=k, metrics=(metric, "recall") if metric != "recall" else ("recall",)),
                width="stretch")
seg = summary[(summary["by"] == "segment") & (summary["item_segment"] == "all") & (summary["k"].isin([k, 0]))]
table = seg.pivot_table(index=["model", "group"], columns="metric", values="mean", observed=True)
table.columns = [label(c, k if c != "auc" else None) for c in table.columns]
st.dataframe(table.join(seg.groupby(["model", "group"])["n_users"].max()).reset_index()
             .rename(columns={"group": "users"}), hide_index=True, width="stretch",
             column_config={c: st.column_config.NumberColumn(format="%.4f") for c in table.columns})

t1, t2, t3, t4, t5 = st.tabs(["By history length", "By item segment", "Few-shot curve", "Language model lift",
                              "Compare two runs"])
t1.plotly_chart(bucket_lines(summary, metric, k), width="stretch")
t2.plotly_chart(item_segment_bars(summary, metric if metric in ("recall", "ndcg", "hit_rate") else "recall", k),
                width="stretch")
curve = run_table(ws, run_id, "fewshot")
if curve is not None and len(curve):
    ck = k if k in set(curve["k"]) else int(curve["k"].max())
    t3.plotly_chart(few_shot_figure(curve, metric if metric in ("recall", "ndcg") else "ndcg", ck), width="stretch")
items_curve = run_table(ws, run_id, "fewshot_items")
if items_curve is not None and len(items_curve):
    t3.plotly_chart(few_shot_figure(items_curve, "recall", 20, subject="a new item gains interactions"),
                    width="stretch")
t3.caption(load_run_info(ws, run_id).get("few_shot_note", ""))

text_models = [m for m in summary["model"].unique() if m in MODELS and MODELS[m].uses_text]
pairs = lift_pairs(summary, text_models, metric, k)
if not pairs:
    t4.info("The lift needs a text model and a model without text in the same run (e.g. content and popularity).")
else:
    a, b = t4.selectbox("Text model vs best model without text", pairs, format_func=lambda p: f"{p[0]} vs {p[1]}")
    per_user = run_table(ws, run_id, "per_user")
    diff = compare(per_user[per_user["model"].isin([a, b])], a, b)
    t4.plotly_chart(lift_figure(diff, metric, k), width="stretch")

compare_section(ws, t5, run_id, metric if metric != "auc" else "ndcg", k)

with st.expander("Metric definitions"):
    for name, text in DEFINITIONS.items():
        st.markdown(f"**{name}**: {text}")
    st.markdown("Whiskers are 95% bootstrap intervals over users; lifts use paired resampling of the same users.")
