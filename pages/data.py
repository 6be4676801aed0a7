"""Data page: stored datasets, the sample shop, uploads with a validation report."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from coldrec.ingest import SAMPLE_NAME, ingest, load_sample
from ui import state

UPLOAD_RESULT = "upload_result"
FILE_TYPES = ["csv", "tsv", "parquet", "jsonl", "json", "gz"]

st.title("Data")
ws = state.workspace()

datasets = ws.datasets()
if datasets:
    st.subheader("Stored datasets")
    st.dataframe(pd.DataFrame([vars(d) for d in datasets]).drop(columns=["content_hash", "options"])
                 .assign(created=lambda d: pd.to_datetime(d["created"], unit="s").dt.strftime("%Y-%m-%d %H:%M")),
                 hide_index=True, width="stretch")
    state.dataset_picker(ws)
elif st.button("Load the sample shop", type="primary"):
    load_sample(ws)
    st.rerun()

st.subheader("Upload your own")
st.caption("Interactions need columns `user_id`, `item_id`, `timestamp` (unix seconds, milliseconds or ISO dates). "
           "The catalog needs `item_id` and `title`; `description`, `category`, `brand`, `price` "
           "are used when present. "
           "CSV, TSV, Parquet or JSON lines, optionally gzipped, up to 200 MB each. "
           "Files are stored only when both pass validation. "
           f"The bundled data is stored as “{SAMPLE_NAME}”.")
col1, col2 = st.columns(2)
inter = col1.file_uploader("Interactions file", type=FILE_TYPES, key="upload_interactions")
cat = col2.file_uploader("Catalog file", type=FILE_TYPES, key="upload_catalog")
name = st.text_input("Dataset name", key="upload_name", placeholder="defaults to the interactions file name")


def _store() -> None:
    """Runs before the page redraws, so the new dataset can become the selected one."""
    inter, cat = st.session_state["upload_interactions"], st.session_state["upload_catalog"]
    result = ingest(ws, (inter.name, inter.getvalue()), (cat.name, cat.getvalue()),
                    name=st.session_state.get("upload_name") or None)
    if result.dataset is not None:
        st.session_state[state.DATASET] = result.dataset.id
    st.session_state[UPLOAD_RESULT] = result


st.button("Validate and store", disabled=not (inter and cat), on_click=_store)
result = st.session_state.pop(UPLOAD_RESULT, None)
if result is not None:
    for issue in result.report.errors:
        st.error(str(issue), icon="🚫")
    for issue in result.report.warnings:
        st.warning(str(issue), icon="⚠️")
    if result.dataset is None:
        st.error("Nothing was stored. Fix the errors above and upload again.")
    else:
        verb = "Stored" if result.created else "Already stored (same files)"
        st.success(f"{verb}: dataset `{result.dataset.id}` with {result.dataset.n_interactions:,} interactions, "
                   f"{result.dataset.n_users:,} users and {result.dataset.n_items:,} items.")

ds_id = state.current_dataset(ws)
if ds_id:
    st.subheader("Preview")
    tab1, tab2 = st.tabs(["Catalog", "Interactions"])
    tab1.dataframe(ws.load_catalog(ds_id).head(50), hide_index=True, width="stretch")
    tab2.dataframe(ws.load_interactions(ds_id).head(50), hide_index=True, width="stretch")
