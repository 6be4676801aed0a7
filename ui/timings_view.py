"""Where a run's time went, and what the optional cold-item curve refits would cost before a run starts."""

from __future__ import annotations

import streamlit as st

from coldrec.data.workspace import Workspace
from coldrec.models.registry import make_model
from coldrec.runs.history import finished_runs
from coldrec.runs.store import load_run_info
from coldrec.runs.timings import duration, refit_plan, timings_table

EARLIER_RUNS = 10  # newest finished runs on the dataset searched for each model's last fit time


def stage_timings(info: dict) -> None:
    """An expander with the run's seconds per stage (nothing for runs stored before timings were kept)."""
    table = timings_table(info)
    if table.empty:
        return
    with st.expander(f"Where the time went ({duration(float(table['seconds'].sum()))} in all)"):
        st.dataframe(table, hide_index=True, width="stretch",
                     column_config={"seconds": st.column_config.NumberColumn(format="%.1f s"),
                                    "share": st.column_config.ProgressColumn("share of the run", format="percent",
                                                                             min_value=0.0, max_value=1.0)})


def size_warnings(models: list[str], n_items: int) -> None:
    """A warning per chosen model that cannot be fitted on this catalog, saying why and what to use instead."""
    for name in models:
        note = make_model(name).size_note(n_items)
        if note:
            st.warning(f"**{name}** will not fit this dataset: {note}.")


def curve_refits(ws: Workspace, dataset_id: str, models: list[str], split_cfg: dict) -> bool:
    """The "refit for the cold-item curve" choice, with its estimated cost; False when the split has no such curve."""
    if split_cfg.get("protocol") != "cold_item":
        return False
    earlier = [load_run_info(ws, job.id) for job in finished_runs(ws, dataset_id)[:EARLIER_RUNS]]
    plan = refit_plan(models, earlier)
    if not plan.models:
        st.caption(plan.text())
        return False
    return st.checkbox("Refit them for the cold-item curve", value=False, help=plan.text(), key="curve_refits")
