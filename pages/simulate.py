"""Simulate page: a new user types what they want, clicks, and each strategy's list re-ranks."""

from __future__ import annotations

import json
import os

import streamlit as st

from coldrec.jobs import JobStore
from coldrec.simulate import Simulator, open_simulator
from ui import state
from ui.sim_view import PERSONAS, recommendation_list

K = 10

st.title("Simulate a new user")
ws = state.workspace()
ds_id = state.dataset_picker(ws)
if not ds_id:
    st.stop()
encoder = os.environ.get("COLDREC_ENCODER")
runs = [j for j in JobStore(ws).list() if j.kind == "train" and j.status == "done" and j.dataset_id == ds_id
        and (j.params.get("encoder") or "minilm") == (encoder or "minilm")]
run_id = st.selectbox("Strategies from training run", [None, *[j.id for j in runs]], key="sim_run",
                      format_func=lambda r: "text similarity only" if r is None else
                      f"{r} · {', '.join(next(j for j in runs if j.id == r).params['models'])}",
                      help="Models of a finished run on this dataset (same text encoder) become strategies.")


@st.cache_resource(show_spinner=False, max_entries=4)
def simulator(root: str, dataset_id: str, encoder: str | None, run: str | None) -> Simulator:
    return open_simulator(ws, dataset_id, encoder, run)


with st.spinner("Loading the text encoder, item embeddings and models (first time only)…"):
    sim = simulator(str(ws.root), ds_id, encoder, run_id)


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


c1, c2, c3 = st.columns([3, 1, 1])
c1.text_input("What does the new customer want?", key="sim_query", placeholder="gift for a coffee lover",
              on_change=_start)
c2.selectbox("…or a persona", list(PERSONAS), key="sim_persona", on_change=_persona,
             format_func=lambda p: p or "(type your own)")
c3.slider("alpha (step toward a clicked item)", 0.0, 1.0, 0.5, 0.05, key="sim_alpha",
          help="u ← u + alpha · (e_clicked − u). 0 keeps the words only; 1 follows the last click.")
strategies = st.multiselect("Strategies side by side (up to 3)", list(sim.models), default=["content"],
                            max_selections=3, key="sim_strategies")
st.button("Recommend", type="primary", on_click=_start)

current = st.session_state.get(state.SESSION)
if not current or current[0] != ds_id or not strategies:
    st.info("Type what a new customer is looking for (or pick a persona) and press **Recommend**. "
            "Then click items as they would.")
    st.stop()

session = current[1]
st.caption(f"Query: “{session.query}” · {len(session.clicked)} click(s) so far · clicks update the shared "
           "interest vector; models with their own fold-in also receive the clicked items")
for col, name in zip(st.columns(len(strategies)), strategies, strict=True):
    recommendation_list(col, name, sim.recommend(session, K, name), _click, key=f"click_{name}")
if session.clicked:
    st.markdown("**Clicked so far**")
    st.dataframe(sim.catalog.iloc[list(session.clicked)][["item_id", "title"]], hide_index=True)
    export = {"dataset": ds_id, "query": session.query, "clicked": sim.catalog.iloc[list(session.clicked)]
              ["item_id"].tolist(), "alpha": st.session_state["sim_alpha"], "strategies": strategies}
    st.download_button("Export session (JSON)", json.dumps(export, indent=2), "session.json", "application/json")
