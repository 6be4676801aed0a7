"""Report: charts and tables in one offline HTML file; hostile text neutralised in HTML and CSV."""

from __future__ import annotations

import csv
import io
import re
import zipfile

import pandas as pd
import pytest

from coldrec.runs.experiment import ExperimentConfig, run_experiment
from coldrec.visuals.report import build_report, load_results, metric_tables, safe_cell, safe_csv, tables_zip

XSS = "<script>alert(1)</script>"
FORMULA = "=cmd|' /C calc'!A0"


@pytest.fixture
def hostile_run(ws, tiny_shop):
    inter, catalog = tiny_shop
    ds = ws.add_dataset(XSS, inter, catalog, digest="tiny")[0].id
    run_experiment(ws, ExperimentConfig(dataset_id=ds, models=["popularity", "itemknn"], ks=[2, 3]), ws.run_dir("r1"))
    return load_results(ws, "r1")


def test_report_holds_charts_tables_protocol_and_definitions(hostile_run):
    page = build_report([hostile_run], k=3, now=0)
    titles = re.findall(r'"title":\{"text":"([^"]+)"', page)
    for expected in ("Cold vs warm users", "by user history length", "cold, warm, head and tail items",
                     "Exposure Lorenz curves"):
        assert any(expected in t for t in titles), titles
    assert "<h3>Protocol: cold_user</h3>" in page and "head_share" in page and "test_users_cold" in page
    assert "Average percentage of long tail" in page  # metric definitions
    assert "1970-01-01" in page and "popularity" in page and "itemknn" in page
    assert page.count("<table") >= 5


def test_report_opens_offline(hostile_run):
    page = build_report([hostile_run], k=3)
    assert not re.search(r"<script[^>]+src=", page)  # nothing to fetch: plotly.js is inline
    assert not re.search(r"<link[^>]+href=\"?https?:", page)
    assert page.count("Plotly.newPlot") >= 4 and len(page) > 3_000_000  # the bundle is there, once
    assert page.count("plotly.js v") <= 2


def test_report_escapes_user_text(hostile_run):
    page = build_report([hostile_run], k=3)
    assert XSS not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_hostile_column_names_and_cells_are_escaped(hostile_run):
    hostile_run.summary = hostile_run.summary.assign(model=hostile_run.summary["model"].replace("itemknn", XSS))
    page = build_report([hostile_run], k=3)
    assert XSS not in page


def test_csv_cells_cannot_start_a_formula():
    frame = pd.DataFrame({"name": [FORMULA, "+1", "-2", "@SUM(A1)", "\tx", "\rx", "plain", None],
                          "value": [-1.5, 2, 3, 4, 5, 6, 7, 8], FORMULA: range(8)})
    header, *rows = list(csv.reader(io.StringIO(safe_csv(frame).decode(), newline="")))
    assert [r[0] for r in rows[:7]] == ["'" + FORMULA, "'+1", "'-2", "'@SUM(A1)", "'\tx", "'\rx", "plain"]
    assert [r[1] for r in rows] == ["-1.5", "2.0", "3.0", "4.0", "5.0", "6.0", "7.0", "8.0"]  # numbers stay numbers
    assert header[2] == "'" + FORMULA
    assert safe_cell(-3) == -3 and safe_cell("a=b") == "a=b"


def test_tables_zip_holds_one_safe_csv_per_table(hostile_run):
    tables = metric_tables([hostile_run], k=3)
    assert {"accuracy_by_user_segment", "beyond_accuracy", "long_tail"} <= set(tables)
    with zipfile.ZipFile(io.BytesIO(tables_zip(tables))) as zf:
        names = zf.namelist()
        tail = pd.read_csv(zf.open("long_tail.csv"))
    assert "long_tail.csv" in names
    assert set(tail["model"]) == {"popularity", "itemknn"} and (tail["run"] == "r1").all()
