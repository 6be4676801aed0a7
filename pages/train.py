"""Train page: choose a split and models, launch a background job, follow it."""

from __future__ import annotations

import streamlit as st

from coldrec.models.registry import DEFAULT_MODELS, MODELS
from coldrec.runs.engine import ray_installed
from coldrec.runs.experiment import ExperimentConfig
from coldrec.runs.history import duration_text, latest_finished, run_history
from coldrec.runs.jobs import ACTIVE, JobQuotaError, JobStore, read_log, submit
from coldrec.runs.store import load_run_info
from ui import state
from ui.model_form import model_params_form
from ui.search_form import search_section
from ui.split_form import split_form
from ui.timings_view import curve_refits, size_warnings, stage_timings
from ui.train_memory import ENCODER_KEY, MODELS_KEY, remember_last_settings

ENCODERS = {"minilm": "all-MiniLM-L6-v2 (packaged language model)", "hashing": "bag of words (no language model)"}
ENGINES = {"local": "this machine (one worker process)",
           "auto": "Ray at $RAY_ADDRESS if set, else this machine",
           "ray": "Ray (a local Ray started for the run, or $RAY_ADDRESS)"}

st.title("Train")
ws = state.workspace()
store = JobStore(ws)
ds_id = state.dataset_picker(ws)


if ds_id:
    catalog = ws.load_catalog(ds_id)
    categories = sorted(catalog["category"].dropna().astype(str).unique()) if "category" in catalog else []
    remember_last_settings(ws, ds_id, list(ENCODERS))
    split_cfg = split_form(categories)
    models = st.multiselect("Models", list(MODELS), format_func=lambda m: MODELS[m].label, key=MODELS_KEY,
                            default=[m for m in DEFAULT_MODELS if m in MODELS],
                            help="Text models embed item text once per encoder; the vectors are cached. "
                                 "transfer fine-tunes the encoder: several minutes on a CPU.")
    st.caption(" · ".join(f"**{m}**: {why}" for m, why in DEFAULT_MODELS.items() if m in MODELS))
    size_warnings(models, len(catalog))
    with st.form("train_form"):
        encoder = st.selectbox("Text encoder", list(ENCODERS), format_func=ENCODERS.get, key=ENCODER_KEY,
                               help="Item text is embedded once per encoder and cached on disk.")
        params = model_params_form(models)
        refits = curve_refits(ws, ds_id, models, split_cfg)
        has_ray = ray_installed()
        engine = st.selectbox("Run the heavy stages on", list(ENGINES) if has_ray else ["local"],
                              format_func=ENGINES.get, disabled=not has_ray,
                              help="Text encoding, evaluation and few-shot curves can run on Ray; the numbers are "
                                   "the same either way. " + ("" if has_ray else
                                                              "Install the extra to enable: pip install "
                                                              "'coldrec[ray]'. ") + "See docs/ray.md.")
        if st.form_submit_button("Train", type="primary"):
            if not models:
                st.error("Pick at least one model.")
            else:
                cfg = ExperimentConfig(dataset_id=ds_id, models=models, encoder=encoder, split=split_cfg,
                                       model_params=params, engine=None if engine == "local" else engine,
                                       item_curve_refits=refits)
                try:
                    job_id = submit(ws, "train", vars(cfg), ds_id)
                except JobQuotaError as exc:  # too many jobs at once: say so, start nothing
                    st.error(str(exc))
                else:
                    st.session_state[state.RUN] = job_id
                    st.query_params["job"] = job_id
                    st.toast(f"Started job {job_id}")


    with st.expander("Hyperparameter search"):
        search_section(ws, ds_id, split_cfg, encoder)


def _cancel(job_id: str) -> None:
    store.request_cancel(job_id)


def _delete(job_id: str) -> None:
    freed = store.delete(job_id)
    if st.session_state.get(state.RUN) == job_id:
        st.session_state.pop(state.RUN)
    st.toast(f"Deleted run {job_id} ({freed / 1e6:.1f} MB freed)")


@st.fragment(run_every=1.0)
def jobs_panel() -> None:
    """Live progress of running jobs and the run history; polls the workspace database."""
    store.reconcile()
    jobs = store.list()
    active = [j for j in jobs if j.status in ACTIVE]
    st.subheader("Running" if active else "No job running")
    for job in active:
        cols = st.columns([5, 1])
        done = ", ".join(filter(None, [f"{job.progress:.0%}", duration_text(job)]))
        cols[0].progress(job.progress, text=f"`{job.id}` · {', '.join(job.params.get('models', []))} · "
                                            f"{job.step or job.status} ({done})")
        cols[1].button("Cancel", key=f"cancel_{job.id}", on_click=_cancel, args=(job.id,),
                       disabled=bool(job.cancel_requested))
    if jobs:
        last = latest_finished(jobs)
        if last is not None:
            st.markdown(f"Latest finished run `{last.id}`: **{last.status}**, {duration_text(last)}"
                        + (f" · {last.message}" if last.message else ""))
            info = load_run_info(ws, last.id) if last.status == "done" else {}
            if info.get("chosen"):
                st.caption("Chosen by the models on an inner split of the train part: " + "; ".join(
                    f"**{m}** " + ", ".join(f"{k} {v:g}" for k, v in c.items()) for m, c in info["chosen"].items()))
            stage_timings(info)
        st.subheader("Run history")
        st.dataframe(run_history(ws, jobs), hide_index=True, width="stretch",
                     column_config={"NDCG@20 (all users)": st.column_config.TextColumn(width="large"),
                                    "message": st.column_config.TextColumn(width="medium")})
        with st.expander("Worker log"):
            pick = st.selectbox("Job", [j.id for j in jobs], key="log_job")
            st.code(read_log(ws, pick) or "(no log yet)", language=None)
        finished = [j.id for j in jobs if j.status not in ACTIVE]
        if finished:
            with st.expander("Delete a run"):
                gone = st.selectbox("Run", finished, key="delete_job",
                                    help="Removes the run's results and saved models from the workspace (a "
                                         "fine-tuned encoder alone is about 90 MB). It cannot be undone.")
                st.button("Delete run", key="delete_run", on_click=_delete, args=(gone,))
        if last is not None and last.status == "failed":
            st.warning(f"Job `{last.id}` failed: {last.message or 'see its worker log above'}. Check the "
                       "log, then change the split or models (or load the dataset again) and press **Train**.")
    else:
        st.info("No runs yet. Pick a split and models above and press **Train**; progress shows here, and the "
                "results on the **Cold start**, **Long tail** and **Report** pages.")


jobs_panel()
