"""The upload section of the Data page: files, column mapping, text fields, feedback, store."""

from __future__ import annotations

import streamlit as st

from coldrec.columns import DEFAULT_TEXT_FIELDS
from coldrec.data.ingest import FilePreview, IngestOptions, ingest, preview_file, preview_text
from coldrec.data.io.feedback import FeedbackConfig
from coldrec.data.io.mapping import CATALOG_ALIASES, INTERACTION_ALIASES, parse_pairs
from coldrec.data.workspace import Workspace
from ui import state
from ui.safe import md

FILE_TYPES = ["csv", "tsv", "txt", "parquet", "jsonl", "json", "gz"]
UNMAPPED = "(none)"
RESULT = "upload_result"


def _mapping_widgets(kind: str, columns: list[str], guessed: dict[str, str]) -> dict[str, str]:
    """One selectbox per role, defaulting to the recognised column; returns overrides."""
    aliases = INTERACTION_ALIASES if kind == "interactions" else CATALOG_ALIASES
    options = [UNMAPPED, *columns]
    cols = st.columns(4)
    chosen: dict[str, str] = {}
    for i, role in enumerate(aliases):
        default = guessed.get(role, UNMAPPED)
        pick = cols[i % 4].selectbox(role, options, index=options.index(default), key=f"map_{kind}_{role}")
        chosen[role] = "" if pick == UNMAPPED else pick
    return chosen


@st.cache_data(max_entries=4, show_spinner="Reading the file…")
def _preview(file_id: str, name: str, kind: str, _data: bytes) -> FilePreview:
    """Read an upload once: every widget change reruns the page, and the file is the same (same ``file_id``)."""
    return preview_file((name, _data), kind)


def _feedback_widgets() -> FeedbackConfig:
    c1, c2 = st.columns(2)
    use_threshold = c1.checkbox("Only ratings at or above a threshold are positives", key="use_threshold")
    threshold = c1.number_input("Rating threshold", value=4.0, step=0.5, key="threshold", disabled=not use_threshold)
    weights = c2.text_input("Event weights", key="event_weights", placeholder="view=1, cart=3, purchase=5",
                            help="Weight per event type; 0 drops that event; unlisted events weigh 1.")
    try:
        pairs = parse_pairs([p for p in weights.replace(";", ",").split(",") if p.strip()])
        event_weights = {k: float(v) for k, v in pairs.items()}
    except ValueError:
        c2.error("Write event weights as EVENT=NUMBER pairs, e.g. view=1, cart=3, purchase=5; they are ignored until "
                 "then.")
        event_weights = {}
    return FeedbackConfig(rating_threshold=threshold if use_threshold else None, event_weights=event_weights)


def _store(ws: Workspace, options: IngestOptions) -> None:
    """Runs before the page redraws, so the new dataset can become the selected one."""
    inter, cat = st.session_state["upload_interactions"], st.session_state["upload_catalog"]
    result = ingest(ws, (inter.name, inter.getvalue()), (cat.name, cat.getvalue()),
                    name=st.session_state.get("upload_name") or None, options=options)
    if result.dataset is not None:
        st.session_state[state.DATASET] = result.dataset.id
    st.session_state[RESULT] = result


def upload_section(ws: Workspace) -> None:
    st.caption("Interactions need a user, an item and a time (unix seconds, milliseconds or ISO dates); the "
               "catalog needs an item id and a title. Common column names are recognised; change the mapping "
               "below. CSV, TSV, Parquet or JSON lines, optionally gzipped, up to 200 MB each. Nothing is "
               "stored unless both files pass validation.")
    col1, col2 = st.columns(2)
    inter = col1.file_uploader("Interactions file", type=FILE_TYPES, key="upload_interactions")
    cat = col2.file_uploader("Catalog file", type=FILE_TYPES, key="upload_catalog")
    options = IngestOptions()
    if inter and cat:
        ip = _preview(inter.file_id, inter.name, "interactions", inter.getvalue())
        cp = _preview(cat.file_id, cat.name, "catalog", cat.getvalue())
        for issue in ip.report.issues + cp.report.issues:
            (st.error if issue.level == "error" else st.warning)(md(issue))
        with st.expander("Column mapping", expanded=True):
            st.markdown(f"**{md(inter.name)}**")
            options.interaction_columns = _mapping_widgets("interactions", ip.columns, ip.mapping)
            st.dataframe(ip.head, hide_index=True)
            st.markdown(f"**{md(cat.name)}**")
            options.catalog_columns = _mapping_widgets("catalog", cp.columns, cp.mapping)
        with st.expander("Item text and feedback", expanded=True):
            fields = [f for f in CATALOG_ALIASES if f not in ("item_id", "price")]
            options.text_fields = st.multiselect("Fields that make an item's text", fields,
                                                 default=[f for f in DEFAULT_TEXT_FIELDS if f in fields],
                                                 key="text_fields")
            mapping = {k: v for k, v in options.catalog_columns.items() if v}
            st.dataframe(preview_text(cp.head, mapping, options.text_fields), hide_index=True, width="stretch")
            options.feedback = _feedback_widgets()
    st.text_input("Dataset name", key="upload_name", placeholder="defaults to the interactions file name")
    st.button("Validate and store", disabled=not (inter and cat), on_click=_store, args=(ws, options), type="primary")
    _show_result()


def _show_result() -> None:
    result = st.session_state.pop(RESULT, None)
    if result is None:
        return
    for issue in result.report.errors:
        st.error(md(issue), icon="🚫")
    for issue in result.report.warnings:
        st.warning(md(issue), icon="⚠️")
    if result.dataset is None:
        st.error("Nothing was stored. Fix the errors above and upload again.")
    else:
        verb = "Stored" if result.created else "Already stored (same files and options)"
        st.success(f"{verb}: dataset `{result.dataset.id}` with {result.dataset.n_interactions:,} interactions, "
                   f"{result.dataset.n_users:,} users and {result.dataset.n_items:,} items.")
