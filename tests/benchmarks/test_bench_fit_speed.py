"""The fit-speed benchmark in its quick mode: both settings of each slow text model fitted, timed and scored."""

from __future__ import annotations

import pytest

from benchmarks import fit_speed

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_fit_speed_smoke_prints_seconds_ndcg_and_the_paired_difference(minilm, capsys):
    rows = fit_speed.main(["--quick"])
    printed = capsys.readouterr().out
    assert [r["model"] for r in rows] == ["transfer", "distill"]
    for r in rows:
        assert r["fit_today"] > 0 and r["fit_new"] > 0 and r["ratio"] > 0
        assert 0 <= r["ndcg_new"] <= 1 and r["diff_low"] <= r["diff"] <= r["diff_high"]
    for name in ("transfer (today)", "transfer (new)", "distill (today)", "distill (new)"):
        assert f"fitted {name}" in printed
    assert "| speed-up |" in printed and "load average" in printed


def test_today_settings_are_spelled_out_for_every_model_the_benchmark_fits():
    assert set(fit_speed.TODAY) == set(fit_speed.QUICK) == {"transfer", "distill"}
    assert fit_speed.settings("transfer", "new", quick=False) == {}
    assert fit_speed.settings("distill", "today", quick=False)["batch_size"] == 64
