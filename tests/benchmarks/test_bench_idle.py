"""The idle-server benchmark runs in smoke mode (figures printed and finite; never asserted on CPU or time)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from tests.e2e_support import CHROMIUM

pytestmark = pytest.mark.e2e


def test_idle_server_smoke(capsys):
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed")
    from benchmarks import idle_server

    out = idle_server.main(["--smoke"])
    printed = capsys.readouterr().out
    assert "tab open: server CPU" in printed and "tab closed: server CPU" in printed and "load average" in printed
    assert set(out) == {name for name, _ in idle_server.CONFIGS}
    for figures in out.values():
        for key in ("open_cpu", "closed_cpu", "browser_cpu", "start_s", *("open_load", "closed_load")):
            values = figures[key] if isinstance(figures[key], tuple) else (figures[key],)
            assert all(math.isfinite(v) and v >= 0 for v in values), (key, figures[key])
            assert all(f"{v:.2f}" in printed for v in values if key != "start_s"), (key, figures[key])
        assert figures["browser_processes"] > 0
