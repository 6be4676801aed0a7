"""The what-if knobs (sidebar) and the What-if tab: tail-boost trade-off and the share of the catalog treated as new."""

from __future__ import annotations

import numpy as np
import streamlit as st

from coldrec.evaluation.evaluate import eval_users
from coldrec.evaluation.tradeoff import STRENGTHS, tradeoff
from coldrec.simulation.replay import RunData
from coldrec.simulation.session import Simulator
from coldrec.simulation.whatif import (
    REFITTABLE,
    WHATIF_USERS,
    Knobs,
    held_out_users,
    new_item_mask,
    new_share_effect,
)
from coldrec.visuals.simulation import tradeoff_chart

NO_BLEND = "(no blend strategy)"
KNOB_KEYS = {"alpha": "sim_alpha", "k": "sim_k", "blend_weight": "sim_blend_weight", "blend_with": "sim_blend_with",
             "tail_boost": "sim_tail", "new_share": "sim_new_share"}


def knob_panel(models: list[str], has_run: bool) -> Knobs:
    """The knobs in the sidebar; every list on the page follows them at once."""
    # Defaults go into session state, not the widgets: a loaded session sets these keys too, and a widget with
    # both a default and a session-state value draws a warning.
    for name, value in Knobs(blend_with=NO_BLEND).to_dict().items():
        st.session_state.setdefault(KNOB_KEYS[name], value)
    sb = st.sidebar
    sb.subheader("What-if knobs")
    alpha = sb.slider("alpha (step toward a clicked item)", 0.0, 1.0, step=0.05, key="sim_alpha",
                      help="u ← u + alpha · (e_clicked − u). 0 keeps the words only; 1 follows the last click.")
    k = sb.slider("K (list length)", 3, 20, key="sim_k")
    cf = [m for m in models if m != "content"]
    if st.session_state.get("sim_blend_with") not in [NO_BLEND, *cf]:
        st.session_state["sim_blend_with"] = NO_BLEND
    blend_with = sb.selectbox("Blend text with", [NO_BLEND, *cf], key="sim_blend_with",
                              help="Adds a 'blend' strategy: w · text scores + (1 − w) · this model's scores, "
                                   "each standardised per user." + ("" if cf else " Pick a training run first."))
    blend_with = None if blend_with == NO_BLEND else blend_with
    weight = sb.slider("blend: weight of text", 0.0, 1.0, step=0.05, key="sim_blend_weight",
                       disabled=blend_with is None)
    tail = sb.slider("tail boost", 0.0, 3.0, step=0.25, key="sim_tail",
                     help="Adds this many standard deviations of each user's scores to every long-tail item.")
    share = sb.slider("share of catalog treated as new", 0.0, 0.5, step=0.05, key="sim_new_share",
                      disabled=not has_run,
                      help="Hides these items' interactions from popularity, itemknn and ease, which are refitted "
                           "without them (needs a training run).")
    return Knobs(alpha, k, weight, blend_with, tail, share if has_run else 0.0)


def apply_knobs(record_knobs: dict) -> None:
    """Set the knob widgets from a saved session (call from a callback, before the widgets are drawn)."""
    for name, value in Knobs.from_dict(record_knobs).to_dict().items():
        st.session_state[KNOB_KEYS[name]] = NO_BLEND if name == "blend_with" and value is None else value


@st.cache_data(max_entries=16, show_spinner=False)
def _tradeoff(run_id: str, model: str, k: int, fit_key: tuple, _sim: Simulator, _run: RunData):  # noqa: ANN202
    """``fit_key`` (share as new, blend settings) says which models ``_sim`` holds."""
    users = held_out_users(eval_users(_run.split, _run.item_ids), WHATIF_USERS)
    return tradeoff(sim_inner(_sim, model), users, _run.facts, STRENGTHS, k=k), len(users.user_ids)


@st.cache_data(max_entries=16, show_spinner=False)
def _new_share(run_id: str, k: int, share: float, _before: dict, _after: dict, _run: RunData):  # noqa: ANN202
    users = held_out_users(eval_users(_run.split, _run.item_ids), WHATIF_USERS)
    return new_share_effect(_before, _after, users, new_item_mask(len(_run.item_ids), share), k)


def whatif_tab(sim: Simulator, base: Simulator, run: RunData | None, knobs: Knobs) -> None:
    """Trade-off curve of the tail boost and the effect of treating a share of the catalog as new."""
    if run is None:
        st.info("The trade-off curve and the share-as-new comparison are measured on a run's held-out users. "
                "Train a run with the **cold-user** split on the **Train** page, then pick it above. The blend "
                "and tail-boost knobs already act on the Session lists.")
        return
    if not (run.split.users["segment"] == "cold").any():
        st.info(f"This run's split ({run.split.config.get('protocol')}) holds out no users, so there is no one to "
                "measure the knobs on. Train with the cold-user split to get held-out users.")
        return
    st.subheader("Tail boost: accuracy vs long-tail exposure")
    names = list(sim.models)
    model = st.selectbox("Strategy", names, index=names.index("content") if "content" in names else 0,
                         key="sim_tradeoff_model")
    with st.spinner("Scoring held-out users at every boost strength…"):
        frame, n = _tradeoff(run.run_id, model, knobs.k, fit_key(knobs), sim, run)
    st.plotly_chart(tradeoff_chart(frame, model, knobs.k, knobs.tail_boost), width="stretch")
    st.caption(f"Measured on {n} held-out users sampled at random (of "
               f"{int((run.split.users['segment'] == 'cold').sum())}) to keep it to a few seconds. The ringed point "
               "is the current tail boost knob.")
    st.subheader("Share of the catalog treated as new")
    if knobs.new_share == 0:
        st.info("Move **share of catalog treated as new** in the sidebar: that share of items loses its "
                "interactions, popularity/itemknn/ease are refitted without them, and every list and this table "
                "show the difference.")
        return
    refit = [m for m in base.models if m in REFITTABLE]
    if not refit:
        st.info(f"None of this run's strategies can be refitted cheaply ({', '.join(REFITTABLE)}).")
        return
    with st.spinner("Ranking held-out users before and after…"):
        table = _new_share(run.run_id, knobs.k, knobs.new_share, {m: base.models[m] for m in refit},
                           {m: sim_inner(sim, m) for m in refit}, run)
    n_new = int(round(knobs.new_share * len(run.item_ids)))
    st.dataframe(table.rename(columns={"recall": f"Recall@{knobs.k}", "recall_new": f"Recall@{knobs.k} on new items",
                                       "new_in_lists": "new items' share of list slots"}),
                 hide_index=True, width="stretch")
    st.caption(f"{n_new} items ({knobs.new_share:.0%}) chosen at random are treated as new: their interactions are "
               "hidden from the refitted strategies. Same sampled held-out users as above.")


def sim_inner(sim: Simulator, name: str):  # noqa: ANN201
    """The refitted model under any tail-boost wrapper (the table compares fits, not re-ranking)."""
    model = sim.models[name]
    return getattr(model, "inner", model)


def tail_mask_of(run: RunData | None, counts: np.ndarray) -> np.ndarray:
    """Tail items: the run's split labels when there is a run, else the dataset's own popularity."""
    if run is not None:
        return run.facts.tail
    from coldrec.split.segments import head_mask

    return ~head_mask(counts, 0.8)


def fit_key(knobs: Knobs) -> tuple:
    """The knobs that change which models are fitted or blended (cache key part)."""
    return (knobs.new_share, knobs.blend_with, knobs.blend_weight)
