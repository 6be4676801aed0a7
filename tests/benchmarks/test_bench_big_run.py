"""The 1M-interaction run benchmark in its quick mode: stages timed, peak memory printed, misfits named."""

from __future__ import annotations

from benchmarks import big_run


def test_big_run_smoke_prints_stages_and_peak_memory(capsys, monkeypatch):
    from coldrec.models.ease import EASE

    monkeypatch.setattr(EASE, "size_note", lambda self, n: "too many items for this test")
    out = big_run.main(["--quick", "--models", "popularity,itemknn,ease"])
    printed = capsys.readouterr().out
    assert out["peak_rss_gb"] > 0 and out["left_out"] == 1
    assert "fit itemknn" in printed and "fit ease" not in printed
    assert "left out ease: too many items for this test" in printed and "peak RSS" in printed
