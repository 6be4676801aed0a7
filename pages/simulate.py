"""Simulate page: a new user types what they want, clicks, and the list re-ranks."""

from __future__ import annotations

import os

import streamlit as st

from coldrec.simulate import Simulator, open_simulator
from ui import state

K = 10

st.title("Simulate a new user")
ws = state.workspace()
ds_id = state.dataset_picker(ws)
if not ds_id:
    st.stop()


@st.cache_resource(show_spinner=False)
def simulator(root: str, dataset_id: str, encoder: str | None) -> Simulator:
    return open_simulator(ws, dataset_id, encoder)


with st.spinner("Loading the text encoder and item embeddings (first time only)…"):
    sim = simulator(str(ws.root), ds_id, os.environ.get("COLDREC_ENCODER"))


def _start() -> None:
    query = st.session_state.get("sim_query", "")
    if query.strip():
        st.session_state[state.SESSION] = (ds_id, sim.start(query))


def _click(item: int) -> None:
    _, session = st.session_state[state.SESSION]
    st.session_state[state.SESSION] = (ds_id, sim.click(session, item, st.session_state["sim_alpha"]))


c1, c2 = st.columns([3, 1])
c1.text_input("What does the new customer want?", key="sim_query", placeholder="gift for a coffee lover",
              on_change=_start)
c2.slider("alpha (step toward a clicked item)", 0.0, 1.0, 0.5, 0.05, key="sim_alpha",
          help="u ← u + alpha · (e_clicked − u). 0 keeps the words only; 1 follows the last click.")
st.button("Recommend", type="primary", on_click=_start)

current = st.session_state.get(state.SESSION)
if not current or current[0] != ds_id:
    st.info("Type what a new customer is looking for and press **Recommend**. Then click items as they would.")
    st.stop()

session = current[1]
recs = sim.recommend(session, K)
st.caption(f"Query: “{session.query}” · {len(session.clicked)} click(s) so far · ranked by cosine similarity "
           "of item text to the interest vector")
for row in recs.itertuples():
    cols = st.columns([0.5, 6, 2, 1.2, 1])
    cols[0].markdown(f"**{row.rank}**")
    cols[1].text(row.title)
    cols[2].text(getattr(row, "category", ""))
    cols[3].text(f"{row.score:.3f}")
    cols[4].button("Click", key=f"click_{row.index}", on_click=_click, args=(int(row.index),))
if session.clicked:
    st.markdown("**Clicked so far**")
    st.dataframe(sim.catalog.iloc[list(session.clicked)][["item_id", "title"]], hide_index=True)
