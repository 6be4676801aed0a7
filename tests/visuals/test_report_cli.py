"""`coldrec report` writes the Report page's file: findings first, the same content, a readable encoder name."""

from __future__ import annotations

import re

import pytest

from coldrec.cli import main
from coldrec.runs.experiment import ExperimentConfig, run_experiment
from coldrec.visuals.analysis import encoder_name
from coldrec.visuals.report import report


@pytest.fixture
def run(ws, tiny_shop):
    inter, catalog = tiny_shop
    ds = ws.add_dataset("tiny", inter, catalog, digest="tiny")[0].id
    cfg = ExperimentConfig(dataset_id=ds, models=["popularity", "itemknn"], ks=[2, 3], n_targets=1)
    run_experiment(ws, cfg, ws.run_dir("r1"))
    return ws


def _body(page: str) -> str:
    """The page without its time stamp and plotly's random div ids."""
    page = re.sub(r"Generated [^·]+·", "", page)
    return re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "ID", page)


def test_cli_report_is_the_page_download_with_findings_first(run, tmp_path):
    out = tmp_path / "report.html"
    assert main(["--workspace", str(run.root), "report", "r1", "--out", str(out), "--k", "3"]) == 0
    page = out.read_text()
    assert _body(page) == _body(report(run, ["r1"], k=3)[0])
    headings = re.findall(r"<h2>(.*?)</h2>", page)
    assert headings[0].startswith("Findings: run r1")
    assert "has the highest NDCG@3" in page and "Scored like for like" in page
    assert "Like for like (next 1 items per user)" in page


def test_cli_report_names_a_missing_run(run, tmp_path, capsys):
    assert main(["--workspace", str(run.root), "report", "nope", "--out", str(tmp_path / "x.html")]) == 2
    assert "nope" in capsys.readouterr().err


def test_encoder_names_are_readable():
    assert encoder_name({"encoder": "st-all-minilm-l6-v2-1a2b3c", "config": {"encoder": None}}) == "all-MiniLM-L6-v2"
    assert encoder_name({"encoder": "st-x-1", "config": {"encoder": "minilm@int8"}}) == "all-MiniLM-L6-v2 (int8)"
    assert encoder_name({"encoder": "hashing-4096", "config": {}}).startswith("bag of words")
    assert encoder_name({"encoder": None}).startswith("none")
