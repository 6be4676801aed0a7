"""Cold-start page: findings first, then the protocol's question like for like, effects and comparisons."""

from __future__ import annotations

import streamlit as st

from coldrec.metrics.accuracy import DEFINITIONS
from coldrec.runs.store import load_run_info
from coldrec.visuals.analysis import stored_targets
from coldrec.visuals.coldstart import label
from ui import state
from ui.coldstart_view import (
    analysis,
    effects_section,
    findings_box,
    item_sections,
    own_rule_section,
    rule_caption,
    user_sections,
)
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
info = load_run_info(ws, run_id)
c1, c2, c3 = st.columns(3)
ks = sorted(int(k) for k in summary["k"].unique() if k > 0)
k = c1.selectbox("K (list length)", ks, index=ks.index(20) if 20 in ks else 0, key="cs_k")
metric = c2.selectbox("Metric", ["ndcg", "recall", "hit_rate", "precision", "mrr", "map"], format_func=label,
                      key="cs_metric", help="\n\n".join(f"**{m}**: {DEFINITIONS[m]}" for m in DEFINITIONS))
n_targets = c3.number_input("Targets per user (N)", 1, 50, stored_targets(info), key="cs_n",
                            help="Every segment is scored on each user's next N new items after what the models "
                                 "may see, so segments are compared like for like; users with fewer are left out.")
try:
    a = analysis(str(ws.root), run_id, int(n_targets), metric, k)
except FileNotFoundError as exc:
    st.error(f"{exc}. The like-for-like view rebuilds the run's split from its dataset.")
    st.stop()

findings_box(a)
rule_caption(a)
note = info.get("few_shot_note", "")
if a.item_protocol:
    st.subheader("Cold vs warm items" if a.protocol == "cold_item" else "The held-out category vs the rest")
    effects_box, own_box, compare_box = item_sections(a, run_id, metric, k, note)
else:
    st.subheader("Cold vs warm users")
    effects_box, own_box, compare_box = user_sections(a, run_id, metric, k, note)
effects_section(effects_box, a, str(ws.root), metric, k)
own_rule_section(own_box, summary, a.item_protocol, metric, k)
compare_section(ws, compare_box, run_id, metric, k)

with st.expander("Metric definitions"):
    for name, text in DEFINITIONS.items():
        st.markdown(f"**{name}**: {text}")
    st.markdown("Whiskers are 95% bootstrap intervals over users; differences between models pair the same users; "
                "ties in the findings are Holm-corrected over every comparison listed.")
