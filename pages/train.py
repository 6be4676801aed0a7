"""Train page: choose a split and models, launch a background job, follow it."""

from __future__ import annotations

import time

import pandas as pd
import streamlit as st

from coldrec.experiment import ExperimentConfig
from coldrec.jobs import ACTIVE, JobStore, submit
from coldrec.models import MODELS
from ui import state

ENCODERS = {"minilm": "all-MiniLM-L6-v2 (packaged language model)", "hashing": "bag of words (no language model)"}

st.title("Train")
ws = state.workspace()
store = JobStore(ws)
ds_id = state.dataset_picker(ws)

if ds_id:
    with st.form("train_form"):
        st.markdown("**Split: cold users.** A share of users is held out entirely; each reveals its first "
                    "interactions as context and must be predicted on the rest. Warm users are scored on their "
                    "last interactions.")
        c1, c2, c3 = st.columns(3)
        cold_share = c1.slider("Share of users held out (cold)", 0.05, 0.5, 0.2, 0.05)
        n_reveal = c2.number_input("Interactions a cold user reveals", 0, 20, 3,
                                   help="Few-shot context given to models for held-out users.")
        seed = c3.number_input("Seed", 0, 10_000, 0)
        models = st.multiselect("Models", list(MODELS), default=list(MODELS),
                                format_func=lambda m: MODELS[m].label)
        encoder = st.selectbox("Text encoder", list(ENCODERS), format_func=ENCODERS.get,
                               help="Item text is embedded once per encoder and cached on disk.")
        if st.form_submit_button("Train", type="primary", disabled=False):
            if not models:
                st.error("Pick at least one model.")
            else:
                cfg = ExperimentConfig(dataset_id=ds_id, models=models, encoder=encoder,
                                       split={"cold_share": cold_share, "n_reveal": int(n_reveal), "seed": int(seed)})
                job_id = submit(ws, "train", vars(cfg), ds_id)
                st.session_state[state.RUN] = job_id
                st.query_params["job"] = job_id
                st.toast(f"Started job {job_id}")


def _cancel(job_id: str) -> None:
    store.request_cancel(job_id)


@st.fragment(run_every=1.0)
def jobs_panel() -> None:
    """Live progress of running jobs and the run history; polls the workspace database."""
    store.reconcile()
    jobs = store.list()
    active = [j for j in jobs if j.status in ACTIVE]
    st.subheader("Running" if active else "No job running")
    for job in active:
        cols = st.columns([5, 1])
        cols[0].progress(job.progress, text=f"`{job.id}` · {', '.join(job.params.get('models', []))} · "
                                            f"{job.step or job.status} ({job.progress:.0%})")
        cols[1].button("Cancel", key=f"cancel_{job.id}", on_click=_cancel, args=(job.id,),
                       disabled=bool(job.cancel_requested))
    if jobs:
        last = jobs[0]
        took = f" in {last.duration:.1f} s" if last.duration else ""
        st.markdown(f"Latest run `{last.id}`: **{last.status}**{took}" + (f" · {last.message}" if last.message else ""))
        st.subheader("Run history")
        st.dataframe(pd.DataFrame([{
            "job": j.id, "status": j.status, "models": ", ".join(j.params.get("models", [])),
            "dataset": j.dataset_id, "started": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(j.started))
            if j.started else "", "duration (s)": round(j.duration, 1) if j.duration else None,
            "message": j.message} for j in jobs]), hide_index=True, width="stretch")


jobs_panel()
