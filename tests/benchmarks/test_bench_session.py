"""The session-step benchmark runs in smoke mode (figures printed, never asserted on time)."""

from __future__ import annotations

from benchmarks import session_step


def test_session_step_smoke(capsys):
    out = session_step.main(["--smoke"])
    printed = capsys.readouterr().out
    assert set(out) == {("hashing", 500), ("hashing", 2_000)}
    for result in out.values():
        assert set(result) == {"query step", "click step", "recommend (table + reasons)"}
        assert all(r["n"] == 20 and 0 < r["p50"] <= r["p99"] for r in result.values())
    assert "| hashing | 2,000 | query step |" in printed and "query step at 2,000 items" in printed
