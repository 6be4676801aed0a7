"""Cold start page section: a paired comparison of a model in one run against a model in another run."""

from __future__ import annotations

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from coldrec.data.workspace import Workspace
from coldrec.evaluation.compare import compare_runs, pairing_problem
from coldrec.runs.store import load_run_info, load_table
from coldrec.visuals.coldstart import diff_figure, label
from ui.runs import finished_runs, run_label


@st.cache_data(max_entries=4, show_spinner="Pairing users and bootstrapping…")
def _diff(root: str, run_a: str, model_a: str, run_b: str, model_b: str):  # noqa: ANN202
    from ui.state import workspace

    ws = workspace()
    return compare_runs(load_table(ws, run_a, "per_user"), load_table(ws, run_b, "per_user"), model_a, model_b,
                        label_a=run_a, label_b=run_b)


def compare_section(ws: Workspace, box: DeltaGenerator, run_a: str, metric: str, k: int) -> None:
    """Pick run B and a model of each; draw the paired difference or say why the runs cannot be paired."""
    runs = finished_runs(ws)
    labels = {j.id: run_label(j) for j in runs}
    models = {j.id: j.params.get("models", []) for j in runs}
    if len(runs) < 2:
        box.info("A paired comparison needs a second finished run on the same dataset and split. Train one on the "
                 "**Train** page (e.g. other models or hyperparameters with the same split settings).")
        return
    others = [r for r in labels if r != run_a]
    c1, c2, c3 = box.columns([1, 2, 1])
    model_a = c1.selectbox("Model in this run (A)", models[run_a], key="cmp_model_a")
    run_b = c2.selectbox("Run B", others, format_func=labels.get, key="cmp_run_b")
    model_b = c3.selectbox("Model in run B", models[run_b], key="cmp_model_b")
    problem = pairing_problem(load_run_info(ws, run_a), load_run_info(ws, run_b))
    if problem:
        box.warning(problem)
        return
    try:
        diff = _diff(str(ws.root), run_a, model_a, run_b, model_b)
    except (ValueError, TypeError, AttributeError) as exc:
        box.error(f"Cannot compare these runs: {exc}. Pick other models, or re-train the older run.")
        return
    box.plotly_chart(diff_figure(diff, metric, k), width="stretch")
    part = diff[(diff["metric"] == metric) & (diff["k"] == k) & (diff["item_segment"] == "all")]
    name = label(metric, k)
    box.dataframe(part[["group", "mean_a", "mean_b", "diff", "diff_low", "diff_high", "n_users"]]
                  .rename(columns={"group": "users", "mean_a": f"A {name}", "mean_b": f"B {name}",
                                   "n_users": "paired users"}), hide_index=True, width="stretch")
    box.caption("Each user's metric in A minus in B, for users both runs scored; the interval resamples users "
                "once for both runs. An interval that excludes 0 is a difference that holds on these users.")
