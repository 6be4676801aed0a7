"""Cold-start page: accuracy for cold vs warm users, per model, with intervals."""

from __future__ import annotations

import streamlit as st

from coldrec.experiment import load_summary
from coldrec.jobs import JobStore
from coldrec.metrics import DEFINITIONS
from coldrec.plots import coldstart_bars
from ui import state

st.title("Cold start vs warm")
ws = state.workspace()
runs = [j for j in JobStore(ws).list() if j.kind == "train" and j.status == "done"]
if not runs:
    st.info("No finished training run yet. Open the **Train** page, pick models and press **Train**.")
    st.stop()

labels = {j.id: f"{j.id} · {', '.join(j.params.get('models', []))} · dataset {j.dataset_id}" for j in runs}
if st.session_state.get(state.RUN) not in labels:
    st.session_state[state.RUN] = runs[0].id
run_id = st.selectbox("Training run", list(labels), format_func=labels.get, key=state.RUN)
summary = load_summary(ws, run_id)
if summary is None:
    st.error(f"Run {run_id} finished but its results are missing from {ws.run_dir(run_id)}; train again.")
    st.stop()

k = int(summary["k"].max())
st.plotly_chart(coldstart_bars(summary, k=k), width="stretch")
table = summary[summary["k"] == k].pivot_table(index=["model", "segment"], columns="metric", values="mean")
table.columns = [f"{c}@{k}" for c in table.columns]
counts = summary[summary["k"] == k].groupby(["model", "segment"])["n_users"].first()
st.dataframe(table.join(counts).reset_index(), hide_index=True, width="stretch",
             column_config={c: st.column_config.NumberColumn(format="%.4f") for c in table.columns})
with st.expander("Metric definitions"):
    for name, text in DEFINITIONS.items():
        st.markdown(f"**{name}@K**: {text}")
    st.markdown("Cold users were held out of training entirely and reveal only their first interactions; "
                "whiskers are 95% bootstrap intervals over users.")
