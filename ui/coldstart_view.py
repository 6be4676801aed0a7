"""Cold start page sections: findings, like-for-like segments per protocol, quantified effects."""

from __future__ import annotations

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from coldrec.evaluation.effects import uses_text
from coldrec.visuals.analysis import Analysis, analyse_run
from coldrec.visuals.coldstart import (
    bucket_lines,
    coldstart_bars,
    effect_figure,
    exposure_bars,
    few_shot_figure,
    item_gap_bars,
    item_segment_bars,
    label,
    warming_bars,
)
from ui.runs import run_table
from ui.state import workspace


@st.cache_data(max_entries=6, show_spinner="Scoring every segment on the same targets…")
def analysis(root: str, run_id: str, n_targets: int, metric: str, k: int,
             pair: tuple[str, str] | None = None) -> Analysis:
    """The run like for like (cached: a finished run never changes)."""
    return analyse_run(workspace(), run_id, n_targets, metric, k, pair=pair)


def findings_box(a: Analysis) -> None:
    """The findings as a short list above everything else."""
    if not a.findings:
        st.info("No findings: no user has that many targets. Lower the number of targets per user.")
        return
    with st.container(border=True):
        st.markdown("**Findings**")
        st.markdown("\n".join(f"- **{f.topic}**: {f.text}" for f in a.findings))


def rule_caption(a: Analysis) -> None:
    """Say which target and candidate rule every segment shown is scored on, and how many users that keeps."""
    kept = ", ".join(f"{int(r.kept):,} of {int(r.users):,} {r.segment} users" for r in a.kept.itertuples())
    st.caption(f"Like for like: every segment is scored on {a.target_rule}; candidates are {a.candidate_rule}. "
               f"Kept: {kept}.")


def user_sections(a: Analysis, run_id: str, metric: str, k: int, note: str) -> list[DeltaGenerator]:
    """Cold vs warm users, history buckets, the user few-shot curve; returns the remaining tabs' boxes."""
    st.plotly_chart(coldstart_bars(a.summary, k=k, metrics=(metric,)), width="stretch")
    segment_table(a, metric, k)
    t1, t6, t2, t3, t4, t5 = st.tabs(["By history length", "By item segment", "Few-shot curve", "Effects",
                                      "Protocol's own test part", "Compare two runs"])
    t1.plotly_chart(bucket_lines(a.summary, metric, k), width="stretch")
    t6.plotly_chart(item_segment_bars(a.summary, metric if metric in ("recall", "ndcg", "hit_rate") else "recall", k),
                    width="stretch")
    curve = run_table(workspace(), run_id, "fewshot")
    if curve is not None and len(curve):
        ck = k if k in set(curve["k"]) else int(curve["k"].max())
        t2.plotly_chart(few_shot_figure(curve, metric if metric in ("recall", "ndcg") else "ndcg", ck),
                        width="stretch")
    t2.caption(_sentences(note, drop="cold items"))
    return [t3, t4, t5]


def segment_table(a: Analysis, metric: str, k: int) -> None:
    """Means, intervals and user counts per model and user segment, like for like."""
    part = a.summary[(a.summary["by"] == "segment") & (a.summary["item_segment"] == "all")
                     & (a.summary["metric"] == metric) & (a.summary["k"] == k)]
    name = label(metric, k)
    st.dataframe(part[["model", "group", "mean", "ci_low", "ci_high", "n_users"]]
                 .rename(columns={"group": "users", "mean": name, "ci_low": "95% CI low", "ci_high": "95% CI high"}),
                 hide_index=True, width="stretch",
                 column_config={c: st.column_config.NumberColumn(format="%.4f")
                                for c in (name, "95% CI low", "95% CI high")})


def item_sections(a: Analysis, run_id: str, metric: str, k: int, note: str) -> list[DeltaGenerator]:
    """Cold vs warm items, new items' exposure, the item few-shot curve; returns the remaining tabs' boxes."""
    ws = workspace()
    seg_metric = metric if metric in ("recall", "ndcg", "hit_rate") else "recall"
    items_curve = run_table(ws, run_id, "fewshot_items")
    has_warm = (a.summary["item_segment"] == "warm").any()
    if has_warm or items_curve is None or not len(items_curve):
        st.plotly_chart(item_gap_bars(a.summary, seg_metric, k), width="stretch")
        if not has_warm:
            st.caption("This protocol tests on new items only, so there is no warm item to set them against.")
    else:
        ck = k if k in set(items_curve["k"]) else int(items_curve["k"].max())
        st.plotly_chart(warming_bars(items_curve, "recall", ck), width="stretch")
        st.caption("The test holds new items only, so their warm counterpart is the same items once they have "
                   "interactions: each model refitted with every new item's first interactions, scored on the rest.")
    t1, t2, t3, t4, t5 = st.tabs(["New items' exposure", "Item few-shot curve", "Effects",
                                  "Protocol's own test part", "Compare two runs"])
    lists = run_table(ws, run_id, "lists")
    if lists is not None:
        t1.plotly_chart(exposure_bars(lists, a.cold_demand, k), width="stretch")
    if items_curve is not None and len(items_curve):
        t2.plotly_chart(few_shot_figure(items_curve, "recall", int(items_curve["k"].max()),
                                        subject="a new item gains interactions"), width="stretch")
        t2.caption(_sentences(note, drop="no held-out users"))
    else:
        t2.info("This run has no item few-shot curve (it is computed for cold-item runs).")
    return [t3, t4, t5]


def _sentences(note: str, drop: str) -> str:
    """The run's few-shot note without the sentences about the other curve (so no tab contradicts another)."""
    return " ".join(s.strip() + "." for s in note.split(".") if s.strip() and drop not in s)


def effects_section(box: DeltaGenerator, a: Analysis, root: str, metric: str, k: int) -> None:
    """The language model's lift (pair selectable), transfer and distillation, each with its sentences."""
    models = sorted(a.per_user["model"].unique()) if len(a.per_user) else []
    text, plain = [m for m in models if uses_text(m)], [m for m in models if not uses_text(m)]
    lift = a.effects[0] if a.effects else None
    if text and plain and lift is not None and lift.model_a:
        c1, c2 = box.columns(2)
        ma = c1.selectbox("Text model", text, index=text.index(lift.model_a), key="fx_text")
        mb = c2.selectbox("Model without text", plain, index=plain.index(lift.model_b or plain[0]), key="fx_plain")
        if (ma, mb) != (lift.model_a, lift.model_b):
            lift = analysis(root, a.run_id, a.n_targets, metric, k, (ma, mb)).effects[0]
    for effect in ([lift] if lift else []) + a.effects[1:]:
        box.markdown(f"**{effect.name.capitalize()}**")
        if effect.missing:
            box.info(effect.missing)
            continue
        box.plotly_chart(effect_figure(effect.table, effect.model_a or "", effect.model_b or "", metric, k),
                         width="stretch", key=f"fx_{effect.name}")
        box.markdown("\n".join(f"- {m}" for m in effect.table["meaning"]))
        if effect.extra:
            box.caption(f"Saved size: {effect.model_a} {effect.extra['size_student'] / 1e6:.2f} MB, "
                        f"{effect.model_b} {effect.extra['size_teacher'] / 1e6:.2f} MB "
                        f"({effect.extra['size_ratio']:.0%}); the run stores no timings, so speed is not compared.")


def own_rule_section(box: DeltaGenerator, summary: object, item_protocol: bool, metric: str, k: int) -> None:
    """The protocol's own test part, with the warning that its segments differ in test size."""
    box.caption("Scored on the protocol's own test part: segments have test sets of different sizes (a held-out "
                "user's whole remaining history, a warm user's last 20%), and NDCG, recall and hit rate depend on "
                "that size, so gaps here are not all cold start.")
    if item_protocol:
        box.plotly_chart(item_segment_bars(summary, metric if metric in ("recall", "ndcg", "hit_rate") else "recall",
                                           k), width="stretch")
    else:
        box.plotly_chart(coldstart_bars(summary, k=k, metrics=(metric,)), width="stretch", key="own_rule_bars")
    box.caption(f"Metric: {label(metric, k)}.")
