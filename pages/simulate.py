"""Simulate page: a new user types and clicks; replay a real held-out user; turn the what-if knobs."""

from __future__ import annotations

import os

import numpy as np
import streamlit as st

from coldrec.runs.history import finished_runs, run_label
from coldrec.simulation.replay import RunData, load_run_data
from coldrec.simulation.session import Simulator, open_simulator
from coldrec.simulation.whatif import REFITTABLE, catalog_counts, new_item_mask, refit_without, strategies
from coldrec.text.factory import DEFAULT_ENCODER
from ui import state
from ui.replay_view import replay_tab
from ui.safe import md
from ui.sim_view import (
    PERSONAS,
    current_session,
    flash,
    recommendation_list,
    reproduced_note,
    save_load_section,
    timeline_section,
)
from ui.whatif_view import apply_knobs, fit_key, knob_panel, tail_mask_of, whatif_tab

st.title("Simulate a new user")
ws = state.workspace()
ds_id = state.dataset_picker(ws)
if not ds_id:
    st.stop()
encoder = os.environ.get("COLDREC_ENCODER")
runs = {j.id: j for j in finished_runs(ws, ds_id, encoder or DEFAULT_ENCODER)}
run_id = st.selectbox("Strategies from training run", [None, *runs], key="sim_run",
                      format_func=lambda r: "text similarity only" if r is None else run_label(runs[r]),
                      help="Models of a finished run on this dataset (same text encoder) become strategies.")
if not runs:
    st.caption("Only text similarity for now: train a run on the **Train** page to compare collaborative "
               "strategies, replay held-out users and measure the knobs.")


@st.cache_resource(show_spinner=False, max_entries=4)
def simulator(root: str, dataset_id: str, encoder: str | None, run: str | None) -> Simulator:
    return open_simulator(ws, dataset_id, encoder, run)


@st.cache_resource(show_spinner=False, max_entries=4)
def run_data(root: str, run: str) -> RunData:
    return load_run_data(ws, run)


@st.cache_resource(show_spinner=False, max_entries=8)
def refitted(root: str, run: str, share: float, names: tuple[str, ...]) -> dict:
    data = run_data(root, run)
    return refit_without(data.train, new_item_mask(len(data.item_ids), share), names,
                         data.config.get("model_params", {}))


@st.cache_data(show_spinner=False, max_entries=4)
def item_counts(root: str, dataset_id: str) -> np.ndarray:
    return catalog_counts(ws.load_interactions(dataset_id), ws.load_catalog(dataset_id))


with st.spinner("Loading the text encoder, item embeddings and models (first time only)…"):
    base = simulator(str(ws.root), ds_id, encoder, run_id)
    run = run_data(str(ws.root), run_id) if run_id else None
knobs = knob_panel(list(base.models), run is not None)
refit = {}
if run is not None and knobs.new_share > 0:
    with st.spinner(f"Refitting {', '.join(m for m in base.models if m in REFITTABLE)} without the new items…"):
        refit = refitted(str(ws.root), run_id, knobs.new_share, tuple(m for m in base.models if m in REFITTABLE))
sim = base.with_models(strategies(base.models, knobs, tail_mask_of(run, item_counts(str(ws.root), ds_id)), refit))


def _start() -> None:
    query = st.session_state.get("sim_query", "")
    if query.strip():
        st.session_state[state.SESSION] = (ds_id, sim.start(query))


def _persona() -> None:
    st.session_state["sim_query"] = PERSONAS[st.session_state["sim_persona"]]
    _start()


def _click(item: int) -> None:
    _, session = st.session_state[state.SESSION]
    st.session_state[state.SESSION] = (ds_id, sim.click(session, item, st.session_state["sim_alpha"]))


def _loaded(record: dict) -> None:
    st.session_state[state.SESSION] = (ds_id, record.pop("_session"))
    st.session_state["sim_query"] = record["query"]
    apply_knobs(record["knobs"])
    st.session_state["sim_strategies"] = record["strategies"]  # filtered against the strategies the knobs make
    st.session_state["sim_loaded"] = record


tab_session, tab_replay, tab_whatif = st.tabs(["Session", "Replay a held-out user", "What-if"])
with tab_session:
    flash()
    c1, c2 = st.columns([3, 1])
    c1.text_input("What does the new customer want?", key="sim_query", placeholder="gift for a coffee lover",
                  on_change=_start)
    c2.selectbox("…or a persona", list(PERSONAS), key="sim_persona", on_change=_persona,
                 format_func=lambda p: p or "(type your own)")
    st.session_state["sim_strategies"] = [s for s in st.session_state.get("sim_strategies", ["content"])
                                          if s in sim.models]
    chosen = st.multiselect("Strategies side by side (up to 3)", list(sim.models), max_selections=3,
                            key="sim_strategies")
    st.button("Recommend", type="primary", on_click=_start)
    session = current_session(ds_id)
    lists = sim.lists(session, chosen, knobs.k) if session is not None and chosen else None
    if lists is None:
        st.info("Type what a new customer is looking for (or pick a persona) and press **Recommend**. "
                "Then click items as they would; the sidebar knobs change every list at once.")
    else:
        if "sim_loaded" in st.session_state:
            getattr(st, (note := reproduced_note(st.session_state.pop("sim_loaded"), lists))[0])(note[1])
        st.caption(f"Query: “{md(session.query)}” · {len(session.clicked)} click(s) so far · clicks update the shared "
                   "interest vector; models with their own fold-in also receive the clicked items")
        last = lists[lists["step"] == lists["step"].max()]
        for col, name in zip(st.columns(len(chosen)), chosen, strict=True):
            recommendation_list(col, name, last[last["strategy"] == name], _click, key=f"click_{name}")
        if session.clicked:
            st.markdown("**Clicked so far**")
            st.dataframe(sim.catalog.iloc[list(session.clicked)][["item_id", "title"]], hide_index=True)
        st.subheader("Timeline")
        timeline_section(lists, knobs.k, key="sim_tl")
    st.subheader("Save, load, import")
    save_load_section(ws, sim, session, ds_id, run_id, chosen, knobs.to_dict(), lists, _loaded)
with tab_replay:
    replay_tab(sim, run, chosen, knobs, (run_id, encoder, *fit_key(knobs), knobs.tail_boost))
with tab_whatif:
    whatif_tab(sim, base, run, knobs)
