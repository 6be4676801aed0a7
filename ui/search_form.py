"""Hyperparameter search section of the Train page."""

from __future__ import annotations

import json
from dataclasses import fields

import streamlit as st

from coldrec.data.workspace import Workspace
from coldrec.models.registry import MODELS
from coldrec.runs.jobs import JobQuotaError, JobStore, submit
from coldrec.runs.search import SearchConfig
from coldrec.runs.store import RunStore


def search_section(ws: Workspace, ds_id: str, split_cfg: dict, encoder: str) -> None:
    """Launch a search job; show the trials of finished ones."""
    model = st.selectbox("Model to tune", list(MODELS), format_func=lambda m: MODELS[m].label, key="search_model")
    numeric = [f.name for f in fields(MODELS[model].config_cls) if isinstance(f.default, (int, float))
               and not isinstance(f.default, bool)]
    if not numeric:
        st.info("This model has no numeric hyperparameters.")
        return
    c1, c2, c3 = st.columns([1, 2, 1])
    param = c1.selectbox("Parameter", numeric, key="search_param")
    values = c2.text_input("Values to try (comma-separated)", key="search_values", placeholder="e.g. 50, 200, 1000")
    trials = c3.number_input("Max trials", 1, 100, 10, key="search_trials")
    st.caption("Each trial fits on a validation split carved out of the train part (the test part is never "
               "used) and is scored by NDCG@20 over all validation users.")
    if st.button("Search", key="search_button", disabled=not values.strip()):
        try:
            grid = [json.loads(v) for v in values.split(",") if v.strip()]
        except json.JSONDecodeError:
            st.error("Values must be numbers separated by commas, e.g. 50, 200, 1000.")
            return
        cfg = SearchConfig(dataset_id=ds_id, model=model, space={param: grid}, n_trials=int(trials),
                           split=split_cfg, encoder=encoder)
        try:
            st.toast(f"Started search {submit(ws, 'search', vars(cfg), ds_id)}")
        except JobQuotaError as exc:
            st.error(str(exc))
    done = [j for j in JobStore(ws).list() if j.kind == "search" and j.status == "done"]
    if done:
        job = st.selectbox("Finished searches", done, format_func=lambda j: f"{j.id} · {j.params['model']}",
                           key="search_done")
        st.dataframe(RunStore.of(ws, job.id).table(RunStore.TRIALS), hide_index=True)
