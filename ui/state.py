"""The few named session keys the pages share, and cached heavy resources."""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from coldrec.data.workspace import Workspace, default_root

DATASET = "dataset_id"  # the dataset every page works on
RUN = "run_id"  # the training run shown on result pages
SESSION = "sim_session"  # the simulator's Session
_NAVIGATION_CHECKED = "_navigation_checked"


@st.cache_resource
def _open_workspace(root: str) -> Workspace:
    return Workspace(root)


def leave_legacy_navigation() -> None:
    """Rerun through app.py when Streamlit started in its legacy multipage mode.

    Streamlit decides once per server process, on the first session, whether a
    ``pages/`` folder beside the main script means legacy multipage mode; it
    only leaves that mode when ``st.navigation`` runs. After a restart, a first
    request to a deep link (``/train``) ran the page file on its own, with a
    sidebar of raw file names and no page config, until someone opened ``/``.
    The product keeps its ``pages/`` folder, so a page that finds itself run in
    legacy mode switches the flag off and reruns: the rerun executes app.py,
    whose ``st.navigation`` resolves the same URL to the same page.

    Only a session's first run may rerun: a later run carries a click that a
    rerun would drop (AppTest resets the flag before every run).
    """
    if PagesManager.uses_pages_directory and not st.session_state.get(_NAVIGATION_CHECKED):
        PagesManager.uses_pages_directory = False
        st.session_state[_NAVIGATION_CHECKED] = True
        st.rerun()


def workspace() -> Workspace:
    """The workspace named by ``$COLDREC_WORKSPACE`` (else ./workspace), opened once per process.

    Every page calls this first, so it is also where a page leaves legacy navigation.
    """
    leave_legacy_navigation()
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
