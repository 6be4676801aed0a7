"""The public-dataset importer section of the Data page."""

from __future__ import annotations

import streamlit as st

from coldrec.data.ingest import IngestOptions, find_public_datasets, import_and_store, importable_folder
from coldrec.data.io.feedback import FeedbackConfig
from coldrec.data.workspace import Workspace
from ui import state
from ui.safe import md

RESULT = "import_result"


def _import(ws: Workspace) -> None:
    folder = st.session_state.get("import_folder_typed") or st.session_state.get("import_folder")
    threshold = st.session_state.get("import_threshold") if st.session_state.get("import_use_threshold") else None
    if not folder:
        st.session_state[RESULT] = "Pick a detected folder or type the path of one."
        return
    try:
        result = import_and_store(ws, importable_folder(folder),
                                  IngestOptions(feedback=FeedbackConfig(rating_threshold=threshold)),
                                  use_tags=st.session_state.get("import_tags", True))
    except (ValueError, OSError) as exc:
        st.session_state[RESULT] = str(exc)
        return
    if result.dataset is not None:
        st.session_state[state.DATASET] = result.dataset.id
    st.session_state[RESULT] = result


def importer_section(ws: Workspace) -> None:
    """MovieLens or Amazon 2018 folders: pick a detected one or type a path."""
    found = find_public_datasets()
    st.caption("Reads MovieLens (ratings.csv, movies.csv, tags.csv) and Amazon 2018 (reviews `*_5.json.gz` + "
               "`meta_*.json.gz`) folders as published. Nothing is downloaded.")
    if found:
        st.selectbox("Detected folders", [str(f) for f, _ in found], key="import_folder",
                     format_func=lambda p: f"{p.rsplit('/', 1)[-1]} ({dict((str(f), k) for f, k in found)[p]})")
    st.text_input("…or a folder path", key="import_folder_typed")
    c1, c2, c3 = st.columns(3)
    c1.checkbox("MovieLens tags in item text", value=True, key="import_tags")
    c2.checkbox("Only ratings ≥ threshold are positives", key="import_use_threshold")
    c3.number_input("Threshold", value=4.0, step=0.5, key="import_threshold")
    st.button("Import", on_click=_import, args=(ws,), key="import_button")
    result = st.session_state.pop(RESULT, None)
    if isinstance(result, str):
        st.error(md(result))
    elif result is not None:
        for issue in result.report.issues:
            (st.error if issue.level == "error" else st.info)(md(issue))
        if result.dataset is not None:
            verb = "Imported" if result.created else "Already stored"
            st.success(f"{verb}: {md(result.dataset.name)} (`{result.dataset.id}`), "
                       f"{result.dataset.n_interactions:,} interactions.")
