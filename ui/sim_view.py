"""Drawing helpers for the Simulate page's Session tab: lists with click buttons, the timeline, save and load."""

from __future__ import annotations

import json
from collections.abc import Callable

import pandas as pd
import streamlit as st

from coldrec.data.workspace import Workspace
from coldrec.simulation.cards import SEPARATOR, ItemCard, item_cards
from coldrec.simulation.files import (
    SessionFileError,
    load_session,
    parse_session,
    restore_session,
    same_lists,
    save_session,
    saved_sessions,
    session_record,
)
from coldrec.simulation.replay import timeline
from coldrec.simulation.session import Session, Simulator
from coldrec.visuals.simulation import timeline_chart
from ui import state
from ui.safe import md

PERSONAS = {
    "": "",
    "Coffee lover": "gift for a coffee lover who brews pour-over at home",
    "Weekend camper": "lightweight gear for weekend camping trips",
    "New parent": "practical things for a newborn baby",
    "Home cook": "quality kitchen tools for everyday cooking",
    "Runner": "gear for marathon training and long runs",
}
CHANGE_LABELS = {"entered": "entered", "left": "left the list", "up": "moved up", "down": "moved down"}


def item_card(container: st.delta_generator.DeltaGenerator, card: ItemCard, key: str,
              on_click: Callable[[int], None] | None = None, note: str = "") -> None:
    """One item: rank and title (plain text, cut to two lines, the full title on hover), its facts and reason,
    and a compact Click button under the title so it never shrinks beside a long one."""
    box = container.container(border=True)
    box.text(f"{card.rank}. {card.title}", help=md(card.full_title) if card.truncated else None)
    facts = SEPARATOR.join(p for p in (card.facts, card.reason, note, card.score_text) if p)
    if on_click is None:
        box.caption(md(facts))
        return
    left, right = box.columns([4, 1], vertical_alignment="center")
    left.caption(md(facts))
    right.button("Click", key=f"{key}_{card.index}", on_click=on_click, args=(card.index,), type="tertiary",
                 help=f"Click “{md(card.full_title)}” as this user would")


def recommendation_list(container: st.delta_generator.DeltaGenerator, title: str, recs: pd.DataFrame,
                        on_click: Callable[[int], None], key: str) -> None:
    """A ranked list of item cards, each with a Click button."""
    container.markdown(f"**{md(title)}**")
    for card in item_cards(recs):
        item_card(container, card, key, on_click)


def timeline_section(lists: pd.DataFrame, k: int, key: str, what: str = "click") -> None:
    """The timeline of list changes: a rank chart for one strategy and a table of what entered, left or moved."""
    tl = timeline(lists)
    strategies = list(dict.fromkeys(lists["strategy"]))
    if lists["step"].nunique() < 2:
        st.caption(f"The timeline appears after the first {what}: it shows what entered, left and moved.")
        return
    strategy = st.selectbox("Timeline of strategy", strategies, key=f"{key}_strategy")
    st.plotly_chart(timeline_chart(tl, strategy, k), width="stretch", key=f"{key}_chart")
    changes = tl[(tl["strategy"] == strategy) & tl["change"].isin(list(CHANGE_LABELS))]
    table = pd.DataFrame({f"after {what} #": changes["step"], "title": changes["title"],
                          "change": changes["change"].map(CHANGE_LABELS),
                          "rank before": changes["previous_rank"].map(_rank_text),
                          "rank now": changes["rank"].map(_rank_text).replace("", "out"),
                          "places gained": changes["move"].map(lambda m: "" if pd.isna(m) else f"{int(m):+d}")})
    st.dataframe(table, hide_index=True, width="stretch", key=f"{key}_table")


def _rank_text(rank: float) -> str:
    return "" if pd.isna(rank) else str(int(rank))


def save_load_section(ws: Workspace, sim: Simulator, session: Session | None, ds_id: str, run_id: str | None,
                      strategies: list[str], knobs: dict, lists: pd.DataFrame | None,
                      on_load: Callable[[dict], None]) -> None:
    """Save the session into the workspace, reload a saved one, import an uploaded JSON, export this one."""
    c1, c2, c3 = st.columns(3)
    if session is not None:
        record = session_record(session, sim.catalog, ds_id, strategies, knobs, run_id, lists)
        name = c1.text_input("Session name", key="sim_save_name", placeholder="coffee lover, 2 clicks")

        def _save() -> None:
            try:
                save_session(ws, st.session_state.get("sim_save_name", "").strip(), record)
                st.session_state["sim_flash"] = ("success",
                                                 f"Saved session “{md(st.session_state['sim_save_name'])}”.")
            except ValueError as e:
                st.session_state["sim_flash"] = ("error", md(e))

        c1.button("Save to workspace", key="sim_save", on_click=_save, disabled=not name.strip())
        c3.download_button("Export session (JSON)", json.dumps(record, indent=2), "session.json", "application/json")
    names = saved_sessions(ws)

    def _load_saved() -> None:
        try:
            _load(sim, load_session(ws, st.session_state["sim_saved"]), on_load)
        except SessionFileError as e:
            st.session_state["sim_flash"] = ("error", f"Could not load this session: {md(e)}.")

    if names:
        c2.selectbox("Saved sessions", names, key="sim_saved")
        c2.button("Load", key="sim_load", on_click=_load_saved)
    else:
        c2.caption("No saved session yet in this workspace.")
    c3.file_uploader("Import a session (JSON)", type=["json"], key="sim_import",
                     on_change=lambda: _load(sim, _upload_bytes(), on_load))


def _upload_bytes() -> bytes | None:
    up = st.session_state.get("sim_import")
    return up.getvalue() if up is not None else None


def _load(sim: Simulator, data: bytes | None, on_load: Callable[[dict], None]) -> None:
    """Parse and restore a session file; the outcome is flashed on the next run."""
    if data is None:
        return
    try:
        record = parse_session(data, sim.catalog)
        record["_session"] = restore_session(sim, record)
        on_load(record)
    except SessionFileError as e:
        st.session_state["sim_flash"] = ("error", f"Could not load this session file: {md(e)}.")


def reproduced_note(record: dict, lists: pd.DataFrame) -> tuple[str, str]:
    """What the reload says about the saved lists: reproduced exactly, changed, or not saved."""
    same = same_lists(record, lists)
    if same is None:
        return "info", "Session loaded (the file holds no lists to compare with)."
    if same:
        return "success", "Session loaded: every strategy's lists reproduce the saved ones exactly."
    return "warning", ("Session loaded, but the lists differ from the saved ones: the strategies, knobs or models "
                       "are not the same as when it was saved.")


def flash() -> None:
    """Show (once) the message a callback left."""
    kind, msg = st.session_state.pop("sim_flash", (None, None))
    if kind:
        getattr(st, kind)(msg)


def current_session(ds_id: str) -> Session | None:
    current = st.session_state.get(state.SESSION)
    return current[1] if current and current[0] == ds_id else None
