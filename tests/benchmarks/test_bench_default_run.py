"""The whole-default-run benchmark in its quick mode: every stage timed, the old curve path timed beside it."""

from __future__ import annotations

from benchmarks import default_run
from coldrec.models.registry import DEFAULT_MODELS


def test_default_run_smoke_times_every_stage_of_both_protocols(capsys):
    totals = default_run.main(["--quick", "--encoder", "hashing", "--compare"])
    printed = capsys.readouterr().out
    assert set(totals) == {"cold_item", "cold_user", "cold_item curve before"}
    assert all(seconds > 0 for seconds in totals.values())
    for name in DEFAULT_MODELS:
        assert f"fit {name}" in printed
    assert "few-shot curve (items)" in printed and "few-shot curve (users)" in printed
    assert "cold-item curve as before (fresh fits at every k)" in printed
