"""The session-step benchmark runs in smoke mode (figures printed, never asserted on time)."""

from __future__ import annotations

import contextlib
import io

import pytest

from benchmarks import session_step


@pytest.fixture(scope="module")
def smoke() -> tuple[dict, str]:
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        out = session_step.main(["--smoke"])
    return out, printed.getvalue()


def test_session_step_smoke(smoke):
    out, printed = smoke
    exact = {key: r for key, r in out.items() if key[0] != "ann"}
    assert set(exact) == {("hashing", 500), ("hashing", 2_000)}
    for result in exact.values():
        assert set(result) == {"query step", "click step", "recommend (table + reasons)"}
        assert all(r["n"] == 20 and 0 < r["p50"] <= r["p99"] for r in result.values())
    assert "| hashing | 2,000 | query step |" in printed and "query step at 2,000 items" in printed


def test_session_step_smoke_compares_exact_and_index(smoke):
    out, printed = smoke
    ann = out[("ann", 3_000)]
    for kind in ("query step", "click step", "catalog-like query"):
        assert 0 < ann[kind]["exact"]["p50"] <= ann[kind]["exact"]["p99"]
        assert 0 < ann[kind]["index"]["p50"] <= ann[kind]["index"]["p99"]
        assert 0.0 <= ann[kind]["recall"]["mean"] <= 1.0 and ann[kind]["recall"]["n"] >= 20
    assert ann["build"]["seconds"] > 0 and ann["build"]["nlist"] == 16 and ann["build"]["index_mb"] > 0
    assert "| 3,000 | click step |" in printed and "load average" in printed
