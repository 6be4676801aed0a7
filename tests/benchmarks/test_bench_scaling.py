"""The scaling benchmark runs end to end in smoke mode and draws its chart (no timing assertions)."""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET

os.environ.setdefault("OMP_NUM_THREADS", "1")


def test_scaling_smoke_measures_every_stage_and_writes_an_svg(tmp_path, capsys, one_torch_thread):
    from benchmarks import scaling

    svg = tmp_path / "chart.svg"
    frame = scaling.main(["--smoke", "--svg", str(svg)])
    printed = capsys.readouterr().out
    assert "python -m benchmarks.scaling --smoke" in printed and "| stage |" in printed
    stages = set(frame["stage"])
    assert {"ingest", "split", "encode hashing", "fit ease", "fit bpr", "evaluate content"} <= stages
    assert frame.loc[frame["stage"] == "encode MiniLM", "note"].eq("not in smoke mode").all()
    assert frame.loc[frame["stage"] != "encode MiniLM", "seconds"].notna().all()
    root = ET.fromstring(svg.read_text())
    assert root.tag.endswith("svg") and len(root.findall("{http://www.w3.org/2000/svg}polyline")) >= 5


def test_ease_is_skipped_above_its_item_limit(tmp_path, one_torch_thread):
    from benchmarks import scaling

    frame = scaling.main(["--smoke", "--sizes", "3000", "--ease-max-items", "100", "--svg", str(tmp_path / "c.svg")])
    row = frame[frame["stage"] == "fit ease"].iloc[0]
    assert row["seconds"] != row["seconds"] and "dense inverse" in row["note"]  # NaN seconds, reason given
    assert "evaluate ease" not in set(frame["stage"])
