"""The few named session keys the pages share, and cached heavy resources."""

from __future__ import annotations

import streamlit as st

from coldrec.data.workspace import Workspace, default_root

DATASET = "dataset_id"  # the dataset every page works on
RUN = "run_id"  # the training run shown on result pages
SESSION = "sim_session"  # the simulator's Session


@st.cache_resource
def _open_workspace(root: str) -> Workspace:
    return Workspace(root)


def workspace() -> Workspace:
    """The workspace named by ``$COLDREC_WORKSPACE`` (else ./workspace), opened once per process."""
    return _open_workspace(str(default_root()))


def current_dataset(ws: Workspace) -> str | None:
    """The selected dataset id, defaulting to the newest stored one."""
    ids = [d.id for d in ws.datasets()]
    if st.session_state.get(DATASET) not in ids:
        st.session_state[DATASET] = ids[-1] if ids else None
    return st.session_state[DATASET]


def dataset_picker(ws: Workspace) -> str | None:
    """A selectbox over stored datasets bound to the shared key; None (with guidance) when there is none."""
    datasets = ws.datasets()
    if not datasets:
        st.info("No dataset yet. Open the **Data** page to load the sample shop or upload your files.")
        return None
    current_dataset(ws)
    names = {d.id: f"{d.name} · {d.n_interactions:,} interactions · {d.id}" for d in datasets}
    st.selectbox("Dataset", list(names), format_func=names.get, key=DATASET)
    return st.session_state[DATASET]
