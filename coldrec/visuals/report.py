"""A self-contained HTML report of one or more runs, and their metric tables as formula-safe CSV.

The HTML embeds plotly.js once, inline, so the file opens offline in any
browser without Python. Every piece of text that came from a user (dataset
names, model and column names, table cells) is HTML-escaped. CSV cells that a
spreadsheet would read as a formula are prefixed with an apostrophe.
"""

from __future__ import annotations

import csv
import html
import inspect
import io
import time
import zipfile
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from coldrec.data.workspace import Workspace
from coldrec.evaluation.aggregate import headline
from coldrec.evaluation.longtail import exposure_lorenz, tail_table
from coldrec.metrics.accuracy import DEFINITIONS
from coldrec.runs.store import load_run_info, load_table
from coldrec.split.protocols import PROTOCOLS
from coldrec.visuals.analysis import Analysis, analyse_run, encoder_name
from coldrec.visuals.coldstart import bucket_lines, coldstart_bars, effect_figure, item_segment_bars, label
from coldrec.visuals.longtail import exposure_lorenz_figure, tradeoff_figure

# A spreadsheet evaluates a cell starting with one of these as a formula (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class RunResults:
    """What a report needs of one finished run (tables are None when the run lacks them)."""

    run_id: str
    info: dict
    dataset_name: str
    summary: pd.DataFrame
    lists: pd.DataFrame | None
    tops: pd.DataFrame | None
    tradeoff: pd.DataFrame | None
    n_items: int  # catalog size: the denominator of exposure figures
    analysis: Analysis | None = None  # like-for-like rows, effects and findings (None when it cannot be built)


def load_results(ws: Workspace, run_id: str, k: int = 20, metric: str = "ndcg") -> RunResults:
    """Read a finished run's tables and analyse it like for like; raises FileNotFoundError without results."""
    info, summary = load_run_info(ws, run_id), load_table(ws, run_id, "summary")
    if not info or summary is None:
        raise FileNotFoundError(f"run {run_id} has no results; is it finished?")
    ds = info["config"]["dataset_id"]
    try:
        name, n_items = ws.dataset(ds).name, len(ws.load_catalog(ds))
    except (KeyError, FileNotFoundError):
        name, n_items = f"(deleted dataset {ds})", int(info.get("split_counts", {}).get("items", 0))
    try:
        analysis = analyse_run(ws, run_id, metric=metric, k=k)
    except (FileNotFoundError, KeyError, ValueError):
        analysis = None  # e.g. the dataset was deleted: the stored tables still make a report
    return RunResults(run_id, info, name, summary, load_table(ws, run_id, "lists"), load_table(ws, run_id, "tops"),
                      load_table(ws, run_id, "tradeoff"), n_items, analysis)


def report(ws: Workspace, run_ids: list[str], k: int = 20, metric: str = "ndcg",
           now: float | None = None) -> tuple[str, dict[str, pd.DataFrame]]:
    """The report of ``run_ids`` as (HTML, metric tables): what the Report page downloads and ``coldrec report`` writes.

    Raises FileNotFoundError when a run has no results.
    """
    results = [load_results(ws, r, k, metric) for r in run_ids]
    return build_report(results, k, metric, now), metric_tables(results, k)


def metric_tables(runs: list[RunResults], k: int = 20) -> dict[str, pd.DataFrame]:
    """The report's tables, every row tagged with its run: accuracy by segment, beyond-accuracy, tail figures."""
    accuracy = [r.summary[r.summary["by"] == "segment"].assign(run=r.run_id) for r in runs]
    by_history = [r.summary[r.summary["by"] == "history_bucket"].assign(run=r.run_id) for r in runs]
    beyond = [r.lists.assign(run=r.run_id) for r in runs if r.lists is not None]
    tail = [tail_table(r.lists, r.summary, k).assign(run=r.run_id, k=k) for r in runs if r.lists is not None]
    tables = {"accuracy_by_user_segment": accuracy, "accuracy_by_history_length": by_history,
              "beyond_accuracy": beyond, "long_tail": tail}
    return {name: _run_first(pd.concat(frames, ignore_index=True).drop(columns="by", errors="ignore"))
            for name, frames in tables.items() if frames}


def _run_first(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[["run", *[c for c in frame.columns if c != "run"]]]


def safe_cell(value: object) -> object:
    """``value`` unchanged unless it is text a spreadsheet would run as a formula; then prefixed with ``'``."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def safe_csv(frame: pd.DataFrame) -> bytes:
    """CSV bytes with every text cell and header neutralised by :func:`safe_cell`; numbers stay numbers."""
    out = frame.copy()
    out.columns = [safe_cell(str(c)) for c in out.columns]
    for col in out.columns:
        if not pd.api.types.is_numeric_dtype(out[col]) and not pd.api.types.is_bool_dtype(out[col]):
            out[col] = out[col].map(safe_cell)
    # Quoting all text keeps a cell with a line break in one field (pandas leaves a bare CR unquoted).
    return out.to_csv(index=False, quoting=csv.QUOTE_NONNUMERIC).encode()


def tables_zip(tables: dict[str, pd.DataFrame]) -> bytes:
    """One formula-safe CSV per table in a zip archive."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, frame in tables.items():
            zf.writestr(f"{name}.csv", safe_csv(frame))
    return buf.getvalue()


def protocol_text(protocol: str) -> str:
    """The split protocol's description: its config class's summary line and Notes."""
    cls = PROTOCOLS.get(protocol)
    doc = (inspect.getdoc(cls) or "") if cls else ""
    summary, _, rest = doc.partition("\n")
    notes = rest.split("-----", 1)[-1] if "Notes" in rest else ""
    return " ".join(f"{summary} {notes}".replace("``", "").split())  # reST literals read as plain words


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _table_html(frame: pd.DataFrame, digits: int = 4) -> str:
    # pandas escapes cells and headers with escape=True; floats rounded for reading, the CSV keeps them whole.
    return frame.to_html(index=False, escape=True, float_format=lambda v: f"{v:.{digits}f}", na_rep="–",
                         border=0, classes="t")


def _facts_html(facts: dict) -> str:
    rows = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in facts.items())
    return f'<table class="t facts">{rows}</table>'


class _Charts:
    """Figures to HTML divs; plotly.js goes inline with the first one only."""

    def __init__(self) -> None:
        self.first = True

    def __call__(self, fig: go.Figure) -> str:
        out = fig.to_html(full_html=False, include_plotlyjs=self.first, config={"responsive": True})
        self.first = False
        return f'<div class="chart">{out}</div>'


def _run_section(r: RunResults, chart: _Charts, k: int, metric: str) -> str:
    cfg, split = r.info.get("config", {}), r.info.get("split", {})
    protocol = split.get("protocol", "cold_user")
    parts = [f"<h2>Run {_e(r.run_id)}</h2>",
             _facts_html({"dataset": f"{r.dataset_name} ({cfg.get('dataset_id', '')})",
                          "models": ", ".join(cfg.get("models", [])), "text encoder": encoder_name(r.info),
                          "test users": r.info.get("n_test_users", "")}),
             f"<h3>Protocol: {_e(protocol)}</h3><p>{_e(protocol_text(protocol))}</p>",
             "<h4>Parameters</h4>", _facts_html(split),
             "<h4>Counts</h4>", _facts_html(r.info.get("split_counts", {})),
             f"<h3>Accuracy ({_e(label(metric, k))})</h3>"]
    parts += _like_for_like_html(r, chart, k, metric)
    top = headline(r.summary, metric, k)
    parts += [_table_html(top.rename(columns={"mean": label(metric, k)})),
              chart(coldstart_bars(r.summary, k, (metric, "recall") if metric != "recall" else ("recall",))),
              chart(bucket_lines(r.summary, metric, k)), chart(item_segment_bars(r.summary, "recall", k))]
    if r.lists is not None:
        table = tail_table(r.lists, r.summary, k)
        parts += [f"<h3>Long tail at K={k}</h3>", _table_html(table)]
        if r.tops is not None:
            n_items = max(r.n_items, int(r.tops["item_index"].max()) + 1)
            gini = table.set_index("model")["exposure_gini"].to_dict()
            parts.append(chart(exposure_lorenz_figure(exposure_lorenz(r.tops, n_items, k), k, gini)))
    if r.tradeoff is not None and (r.tradeoff["k"] == k).any():
        parts.append(chart(tradeoff_figure(r.tradeoff[r.tradeoff["k"] == k], k)))
    return "\n".join(parts)


def _findings_html(r: RunResults) -> str:
    """The run's findings as the report's first section."""
    head = f"<h2>Findings: run {_e(r.run_id)} ({_e(r.dataset_name)})</h2>"
    if r.analysis is None or not r.analysis.findings:
        return head + "<p>No findings: the run's split could not be rebuilt (was its dataset deleted?).</p>"
    a = r.analysis
    items = "".join(f"<li><b>{_e(f.topic)}</b>: {_e(f.text)}</li>" for f in a.findings)
    return (head + f"<p>Scored like for like: targets are {_e(a.target_rule)}; candidates are "
            f"{_e(a.candidate_rule)}.</p><ul class=\"findings\">{items}</ul>")


def _like_for_like_html(r: RunResults, chart: _Charts, k: int, metric: str) -> list[str]:
    """Segments on one target rule and the quantified effects (lift, transfer, distillation)."""
    a = r.analysis
    if a is None or a.summary.empty:
        return []
    parts = [f"<h4>Like for like (next {a.n_targets} items per user)</h4>",
             chart(coldstart_bars(a.summary, k, (metric,)))]
    for effect in a.effects:
        parts.append(f"<h4>{_e(effect.name.capitalize())}</h4>")
        if effect.missing:
            parts.append(f"<p>{_e(effect.missing)}</p>")
            continue
        parts += [chart(effect_figure(effect.table, effect.model_a or "", effect.model_b or "", metric, k)),
                  "<ul>" + "".join(f"<li>{_e(m)}</li>" for m in effect.table["meaning"]) + "</ul>"]
    return parts


_STYLE = """body{font-family:system-ui,sans-serif;max-width:1150px;margin:2em auto;padding:0 1em;color:#222}
table.t{border-collapse:collapse;margin:.5em 0 1em;font-size:13px}
table.t th,table.t td{border:1px solid #ddd;padding:3px 8px;text-align:right}
table.t th{background:#f3f3f3}table.facts th,table.facts td{text-align:left}
dt{font-weight:600}dd{margin:0 0 .5em 1em}.chart{margin:1em 0}h2{border-top:2px solid #ccc;padding-top:.6em}"""


def build_report(runs: list[RunResults], k: int = 20, metric: str = "ndcg", now: float | None = None) -> str:
    """The whole report as one HTML document (charts, tables, protocol, metric definitions, date, dataset)."""
    chart = _Charts()
    stamp = time.strftime("%Y-%m-%d %H:%M", time.localtime(now if now is not None else time.time()))
    datasets = ", ".join(dict.fromkeys(r.dataset_name for r in runs))
    body = [f"<h1>coldrec report</h1><p>Generated {_e(stamp)} · dataset: {_e(datasets)} · "
            f"{len(runs)} run(s) · K = {k}</p>",
            "<p>Intervals are 95% percentile bootstraps over test users; full tables are in the CSV download.</p>"]
    body += [_findings_html(r) for r in runs]
    body += [_run_section(r, chart, k, metric) for r in runs]
    body.append("<h2>Metric definitions</h2><dl>" + "".join(
        f"<dt>{_e(name)}</dt><dd>{_e(text)}</dd>" for name, text in DEFINITIONS.items()) + "</dl>")
    return ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>coldrec report</title>"
            f"<style>{_STYLE}</style></head><body>" + "\n".join(body) + "</body></html>")
