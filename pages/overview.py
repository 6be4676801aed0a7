"""Overview: the state of the work at a glance (datasets, runs, the latest findings) and the next thing to do."""

from __future__ import annotations

import streamlit as st

from coldrec.visuals.analysis import stored_targets
from coldrec.visuals.overview import overview
from ui import state
from ui.coldstart_view import analysis, findings_box
from ui.runs import run_table

st.title("Overview")
ws = state.workspace()
view = overview(ws)

cols = st.columns(4)
cols[0].metric("Datasets", len(view.datasets))
cols[1].metric("Runs finished", view.counts["done"])
cols[2].metric("Running", view.counts["running"])
cols[3].metric("Failed", view.counts["failed"])

with st.container(border=True):
    st.markdown("**Next**")
    st.markdown("\n".join(f"- {step}" for step in view.next_steps))

left, right = st.columns([2, 3])
with left:
    st.subheader("Datasets")
    if len(view.datasets):
        st.dataframe(view.datasets, hide_index=True, width="stretch")
    else:
        st.info("No dataset yet.")
with right:
    st.subheader("Latest finished run")
    if view.latest is None:
        st.info("No finished run yet.")
    else:
        st.markdown(f"`{view.latest_label}`")
        if view.latest_headline:
            st.caption(f"NDCG@20, all test users: {view.latest_headline}")
        summary = run_table(ws, view.latest.id, "summary")
        if summary is not None and "by" in summary:
            # analysis() shows its own spinner while it scores every segment on the same targets.
            findings_box(analysis(str(ws.root), view.latest.id, stored_targets({"config": view.latest.params}),
                                  "ndcg", 20))
