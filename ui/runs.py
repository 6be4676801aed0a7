"""Picking finished training runs (shared by the result pages), with guidance when there is none."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from coldrec.data.workspace import Workspace
from coldrec.runs.history import dataset_names, finished_runs, run_label
from coldrec.runs.store import load_table
from ui import state

NO_RUN = ("No finished training run yet. Open the **Train** page, pick a split and models and press **Train**; "
          "results appear here when the job is done (about a minute on the sample shop).")


def run_picker(ws: Workspace, label: str = "Training run", key: str = state.RUN) -> str | None:
    """A selectbox over finished runs bound to ``key``; None (with guidance) when there is none."""
    runs = finished_runs(ws)
    if not runs:
        st.info(NO_RUN)
        return None
    names = dataset_names(ws)
    labels = {j.id: run_label(j, names) for j in runs}
    if st.session_state.get(key) not in labels:
        st.session_state[key] = runs[0].id
    return st.selectbox(label, list(labels), format_func=labels.get, key=key)


@st.cache_data(max_entries=8, show_spinner="Loading results…")
def _cached_table(root: str, run: str, name: str) -> pd.DataFrame | None:
    return load_table(Workspace(root), run, name)


def run_table(ws: Workspace, run: str, name: str) -> pd.DataFrame | None:
    """One result table of a finished run (cached: a finished run never changes), or None when absent."""
    return _cached_table(str(ws.root), run, name)
