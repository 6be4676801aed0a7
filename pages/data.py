"""Data page: stored datasets, the sample shop, uploads with mapping and a validation report."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from coldrec.data.ingest import SAMPLE_NAME, load_sample
from coldrec.data.profile import DatasetProfile, profile_dataset
from coldrec.visuals.profile import history_histogram, lorenz_figure, popularity_figure, text_length_histogram
from ui import state
from ui.importer import importer_section
from ui.upload import upload_section

st.title("Data")
ws = state.workspace()


def _delete(ds_id: str) -> None:
    ws.delete_dataset(ds_id)
    st.session_state.pop(state.DATASET, None)


datasets = ws.datasets()
if datasets:
    st.subheader("Stored datasets")
    st.dataframe(pd.DataFrame([vars(d) for d in datasets]).drop(columns=["content_hash", "options"])
                 .assign(created=lambda d: pd.to_datetime(d["created"], unit="s").dt.strftime("%Y-%m-%d %H:%M")),
                 hide_index=True, width="stretch")
    ds_id = state.dataset_picker(ws)
    with st.popover("Delete this dataset"):
        st.write("Its tables are removed; runs trained on it keep their results.")
        st.button("Delete", key="delete_dataset", on_click=_delete, args=(ds_id,), type="primary")
else:
    st.info("No dataset yet. Load the bundled **sample shop** (a synthetic store) with the button below, upload your "
            "interactions and catalog files, or import a public dataset (MovieLens, Amazon).")
if not any(d.name == SAMPLE_NAME for d in datasets) and st.button("Load the sample shop"):
    load_sample(ws)
    st.rerun()

st.subheader("Upload your own")
upload_section(ws)
with st.expander("Import a public dataset (MovieLens, Amazon 2018)"):
    importer_section(ws)



@st.cache_data(max_entries=4, show_spinner="Profiling the dataset…")
def _profile(root: str, ds_id: str) -> DatasetProfile:
    return profile_dataset(ws.load_interactions(ds_id), ws.load_catalog(ds_id))


ds_id = state.current_dataset(ws)
if ds_id:
    p = _profile(str(ws.root), ds_id)
    st.subheader("Profile")
    st.dataframe(p.summary(), hide_index=True, width="stretch")
    t1, t2, t3, t4 = st.tabs(["Popularity (Lorenz)", "Popularity by rank", "User histories", "Item text"])
    t1.plotly_chart(lorenz_figure(p), width="stretch")
    t2.plotly_chart(popularity_figure(p), width="stretch")
    t3.plotly_chart(history_histogram(p), width="stretch")
    t4.plotly_chart(text_length_histogram(p), width="stretch")
    st.subheader("Preview")
    tab1, tab2 = st.tabs(["Catalog", "Interactions"])
    tab1.dataframe(ws.load_catalog(ds_id).head(50), hide_index=True, width="stretch")
    tab2.dataframe(ws.load_interactions(ds_id).head(50), hide_index=True, width="stretch")
