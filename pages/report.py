"""Report page: pick runs, preview, download a self-contained HTML report and the metric tables as CSV."""

from __future__ import annotations

import streamlit as st

from coldrec.visuals.report import report, safe_csv, tables_zip
from ui import state
from ui.runs import NO_RUN, finished_runs, run_label

st.title("Report")
st.caption("One HTML file that opens with the run's findings, then the charts, tables, split protocol and metric "
           "definitions; it opens offline in any browser. The metric tables come as CSV. The command line writes the "
           "same file: `coldrec report RUN --out report.html`.")
ws = state.workspace()
runs = finished_runs(ws)
if not runs:
    st.info(NO_RUN)
    st.stop()
labels = {j.id: run_label(j) for j in runs}
if not st.session_state.get("report_runs"):
    current = st.session_state.get(state.RUN)
    st.session_state["report_runs"] = [current if current in labels else runs[0].id]
st.session_state["report_runs"] = [r for r in st.session_state["report_runs"] if r in labels]
picked = st.multiselect("Runs in the report", list(labels), format_func=labels.get, key="report_runs")
k = st.selectbox("K (list length)", [5, 10, 20, 50], index=2, key="report_k")
if not picked:
    st.info("Pick at least one run above.")
    st.stop()


@st.cache_data(max_entries=4, show_spinner="Building the report…")
def _report(root: str, run_ids: tuple[str, ...], k: int) -> tuple[str, dict]:
    return report(ws, list(run_ids), k)  # the same call as `coldrec report RUN... --out report.html`


try:
    page, tables = _report(str(ws.root), tuple(picked), k)
except FileNotFoundError as exc:
    st.error(f"{exc}. Pick another run or train it again on the **Train** page.")
    st.stop()

name = f"coldrec-report-{'-'.join(picked)[:60]}"
c1, c2 = st.columns(2)
c1.download_button("Download HTML report", page.encode(), f"{name}.html", "text/html", type="primary",
                   key="report_html", icon=":material/download:")
c2.download_button("Download tables (CSV, zip)", tables_zip(tables), f"{name}-tables.zip", "application/zip",
                   key="report_zip", icon=":material/table:")
with st.expander("Single tables as CSV"):
    for i, (table_name, frame) in enumerate(tables.items()):
        st.download_button(f"{table_name}.csv ({len(frame):,} rows)", safe_csv(frame), f"{table_name}.csv",
                           "text/csv", key=f"report_csv_{i}")
st.subheader("Preview")
st.caption(f"{len(page) / 1e6:.1f} MB including plotly.js, embedded so the file needs no network.")
# Our own HTML (every user text escaped when it was built); st.iframe replaces components.html, due for removal.
st.iframe(page, height=900)
