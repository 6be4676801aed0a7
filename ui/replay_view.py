"""The Replay tab: one real held-out user revealed step by step, and the same replay over many held-out users."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from coldrec.simulation.cards import item_cards, short_title
from coldrec.simulation.replay import RunData, UserReplay, replay, replay_curve, replay_user
from coldrec.simulation.session import Simulator
from coldrec.simulation.whatif import Knobs
from coldrec.visuals.simulation import curve_chart, replay_chart
from ui.safe import md
from ui.sim_view import item_card, timeline_section

BATCH_USERS = 200  # held-out users replayed for the curve (a few seconds with every strategy)
BATCH_STEPS = 5
TIMELINE_STEPS = 6  # a longer window turns the rank chart into spaghetti
TAKEN = {"next": "★ next", "later": "✓ later", "": ""}


def _words(sim: Simulator, query: object) -> np.ndarray | None:
    return sim.words(query) if isinstance(query, str) and query.strip() else None


@st.cache_data(max_entries=32, show_spinner=False)
def _replay_one(key: tuple, user: str, _sim: Simulator, _run: RunData, strategies: tuple[str, ...],
                knobs: Knobs) -> UserReplay:
    """``key`` names the run and the fitted models (what ``_sim`` holds)."""
    seqs = _run.sequences
    query = seqs.loc[seqs["user_id"] == user, "query"].iloc[0] if "query" in seqs else None
    models = {s: _sim.models[s] for s in strategies}
    return replay_user(models, seqs, user, _sim.catalog, _sim.item_vectors, knobs.alpha, knobs.k,
                       _words(_sim, query))


@st.cache_data(max_entries=16, show_spinner=False)
def _replay_batch(key: tuple, _sim: Simulator, _run: RunData, strategies: tuple[str, ...],
                  knobs: Knobs) -> tuple[pd.DataFrame, int, int]:
    seqs = _run.sequences[_run.sequences["items"].map(len) > BATCH_STEPS]
    n_all = len(seqs)
    if len(seqs) > BATCH_USERS:
        seqs = seqs.sample(BATCH_USERS, random_state=0).sort_index()
    has_words = "query" in seqs and seqs["query"].notna().any()
    words = [_words(_sim, q) for q in seqs["query"]] if has_words else None
    steps = range(0 if has_words else 1, BATCH_STEPS + 1)
    per_user, _ = replay({s: _sim.models[s] for s in strategies}, seqs.reset_index(drop=True), _sim.item_vectors,
                         steps, knobs.alpha, knobs.k, words)
    return replay_curve(per_user), len(seqs), n_all


def replay_tab(sim: Simulator, run: RunData | None, strategies: list[str], knobs: Knobs, key: tuple) -> None:
    """Pick a held-out user, step through their history, compare the strategies' lists with what they did."""
    if run is None:
        st.info("Replay needs a finished training run: train one with the **cold-user** split on the **Train** "
                "page, then pick it under *Strategies from training run* above.")
        return
    seqs = run.sequences
    if seqs.empty:
        held = int((run.split.users["segment"] == "cold").sum())
        why = ("its split holds out no users (only the cold-user protocol does)" if held == 0 else
               f"none of its {held} held-out users has 2 or more interactions")
        st.info(f"Nothing to replay in run {run.run_id}: {why}.")
        return
    if not strategies:
        st.info("Choose at least one strategy on the Session tab.")
        return
    sizes = dict(zip(seqs["user_id"], seqs["items"].map(len), strict=True))
    c1, c2 = st.columns([2, 3])
    user = c1.selectbox(f"Held-out user ({len(seqs)} with 2+ interactions)", list(sizes), key="sim_replay_user",
                        format_func=lambda u: f"{u} · {sizes[u]} interactions")
    with st.spinner("Replaying…"):
        r = _replay_one(key, user, sim, run, tuple(strategies), knobs)
    if r.lists.empty:
        st.info("This user has too few interactions to replay.")
        return
    steps = sorted(r.lists["step"].unique())
    step = c2.select_slider("Step: interactions revealed so far", steps, key="sim_replay_step") \
        if len(steps) > 1 else steps[0]
    _step_view(r, int(step), strategies)
    st.plotly_chart(replay_chart(r.metrics, knobs.k), width="stretch", key="sim_replay_chart")
    hi = min(max(int(step), steps[0] + TIMELINE_STEPS - 1), steps[-1])
    lo = max(hi - TIMELINE_STEPS + 1, steps[0])
    st.markdown(f"**Timeline of this replay**, steps {lo} to {hi} (move the step slider to see later ones)")
    window = r.lists[(r.lists["step"] >= lo) & (r.lists["step"] <= hi)]
    timeline_section(window, knobs.k, key="sim_replay_tl", what="reveal")
    _batch_section(sim, run, strategies, knobs, key)


def _step_view(r: UserReplay, step: int, strategies: list[str]) -> None:
    """What the user did so far and next, and each strategy's list with the items they really took marked."""
    seen = r.sequence[r.sequence["step"] <= step]
    nxt = r.sequence[r.sequence["step"] == step + 1]
    revealed = " → ".join(seen["title"].map(short_title)) if len(seen) else "(only the words)"
    st.caption(f"Revealed so far ({len(seen)}): {md(revealed)}")
    if len(nxt):
        st.caption(f"Really taken next: {md(short_title(nxt['title'].iloc[0]))}")
    part = r.lists[r.lists["step"] == step]
    for col, name in zip(st.columns(len(strategies)), strategies, strict=True):
        rows = part[part["strategy"] == name]
        m = r.metrics[(r.metrics["step"] == step) & (r.metrics["strategy"] == name)]
        col.markdown(f"**{name}**")
        if len(m):
            col.caption(f"next item in list: {'yes' if m['hit_next'].iloc[0] else 'no'} · "
                        f"Recall {m['recall'].iloc[0]:.2f} · NDCG {m['ndcg'].iloc[0]:.2f}")
        taken = dict(zip(rows["rank"], rows["taken"].map(TAKEN), strict=True))
        for card in item_cards(rows.assign(reason="")):
            item_card(col, card, key=f"sim_replay_{name}", note=taken.get(card.rank, ""))


def _batch_section(sim: Simulator, run: RunData, strategies: list[str], knobs: Knobs, key: tuple) -> None:
    st.markdown("**All held-out users**")
    with st.spinner(f"Replaying up to {BATCH_USERS} held-out users…"):
        curve, n, n_all = _replay_batch(key, sim, run, tuple(strategies), knobs)
    if curve.empty:
        st.info(f"No held-out user has more than {BATCH_STEPS} interactions, so there is no replay curve.")
        return
    metric = st.radio("Metric", ["hit_next", "recall", "ndcg"], horizontal=True, key="sim_replay_metric",
                      format_func={"hit_next": "next item in list", "recall": "Recall", "ndcg": "NDCG"}.get)
    st.plotly_chart(curve_chart(curve, metric, knobs.k), width="stretch", key="sim_replay_curve")
    sampled = f"{n} of {n_all} sampled at random to keep it to a few seconds" if n < n_all else f"all {n}"
    st.caption(f"Held-out users with more than {BATCH_STEPS} interactions ({sampled}); the same users at every "
               "step, scored like the few-shot curve but through the session's interest vector.")
