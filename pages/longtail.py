"""Long-tail page: item popularity with the head/tail cut, exposure Lorenz curves, tail figures, tail boost."""

from __future__ import annotations

import streamlit as st

from coldrec.evaluation.longtail import TRADEOFF_USERS, exposure_lorenz, item_popularity, tail_table
from coldrec.metrics.accuracy import DEFINITIONS
from coldrec.runs.longtail import run_items, run_tradeoff
from coldrec.visuals.longtail import exposure_lorenz_figure, popularity_curve, tradeoff_figure
from ui import state
from ui.runs import run_picker, run_table

st.title("Long tail")
st.caption("Does a model only push the few popular items, or does it give the long tail a chance?")
ws = state.workspace()
run_id = run_picker(ws)
if run_id is None:
    st.stop()


@st.cache_data(max_entries=8, show_spinner="Rebuilding the run's split…")
def _items(root: str, run: str):  # noqa: ANN202
    return run_items(ws, run)


lists, summary, tops = (run_table(ws, run_id, n) for n in ("lists", "summary", "tops"))
if lists is None or summary is None or "by" not in summary:
    st.error(f"Run {run_id} has no results in the current format. Train it again on the **Train** page.")
    st.stop()
ks = sorted(int(k) for k in lists["k"].unique())
k = st.selectbox("K (list length)", ks, index=ks.index(20) if 20 in ks else 0, key="lt_k")
try:
    items = _items(str(ws.root), run_id)
except (FileNotFoundError, KeyError) as exc:
    st.error(f"Cannot rebuild this run's split ({exc}). Was its dataset deleted? Re-load it on the **Data** page "
             "or train a new run.")
    st.stop()

st.plotly_chart(popularity_curve(item_popularity(items)), width="stretch")

st.subheader(f"Tail figures at K={k}")
table = tail_table(lists, summary, k)
st.dataframe(table, hide_index=True, width="stretch", column_config={
    "coverage": st.column_config.NumberColumn("coverage", format="percent", help=DEFINITIONS["coverage"]),
    "aplt": st.column_config.NumberColumn("APLT (tail share)", format="percent", help=DEFINITIONS["aplt"]),
    "tail_recall": st.column_config.NumberColumn(f"tail Recall@{k}", format="%.4f", help=DEFINITIONS["tail_recall"]),
    "exposure_gini": st.column_config.NumberColumn("exposure Gini", format="%.3f", help=DEFINITIONS["exposure_gini"]),
    "cold_share": st.column_config.NumberColumn("cold-item share", format="percent", help=DEFINITIONS["cold_share"]),
})

if tops is None:
    st.info("This run was trained before recommendation lists were stored: re-train to see exposure "
            "(Lorenz curves and the tail-boost curve need them).")
    st.stop()
gini = table.set_index("model")["exposure_gini"].to_dict()
st.plotly_chart(exposure_lorenz_figure(exposure_lorenz(tops, len(items), k), k, gini), width="stretch")

st.subheader("Tail boost")
st.caption(f"Re-rank each model's scores with a bonus for tail items and watch accuracy against tail share. "
           f"Computed once per run and K on a random {TRADEOFF_USERS:,} test users, then kept in the run folder.")
try:
    with st.spinner(f"Scoring {TRADEOFF_USERS:,} test users at every boost strength…"):
        curve = run_tradeoff(ws, run_id, k)
except (FileNotFoundError, KeyError, ValueError) as exc:
    st.error(f"The trade-off curve could not be computed ({exc}). Re-train the run on the **Train** page.")
else:
    st.plotly_chart(tradeoff_figure(curve, k), width="stretch")
    with st.expander("Trade-off table"):
        st.dataframe(curve, hide_index=True, width="stretch")
