"""coldrec dashboard entry point: ``streamlit run app.py`` (or ``coldrec app``)."""

from __future__ import annotations

import streamlit as st

from coldrec.data.ingest import load_sample
from coldrec.runs.jobs import JobStore
from ui import state

st.set_page_config(page_title="coldrec", page_icon=":material/ac_unit:", layout="wide")

ws = state.workspace()
# Navigation first: the first start stores the sample shop below, and until st.navigation runs Streamlit
# would show its legacy list of raw file names.
nav = st.navigation([
    st.Page("pages/overview.py", title="Overview", icon=":material/home:", default=True),
    st.Page("pages/data.py", title="Data", icon=":material/database:"),
    st.Page("pages/train.py", title="Train", icon=":material/model_training:"),
    st.Page("pages/coldstart.py", title="Cold start", icon=":material/ac_unit:"),
    st.Page("pages/longtail.py", title="Long tail", icon=":material/stacked_line_chart:"),
    st.Page("pages/simulate.py", title="Simulate", icon=":material/shopping_cart:"),
    st.Page("pages/report.py", title="Report", icon=":material/description:"),
])


@st.cache_resource
def _sample_loaded(root: str) -> bool:
    """Store the bundled sample shop once, on the first start of an empty workspace."""
    if not ws.datasets():
        load_sample(ws)
    return True


_sample_loaded(str(ws.root))
JobStore(ws).reconcile()
# Keep shared widget values when the page that owns the widget is not shown.
for key in (state.DATASET, state.RUN):
    if key in st.session_state:
        st.session_state[key] = st.session_state[key]

st.sidebar.caption(f"Workspace: `{ws.root}`")
nav.run()
