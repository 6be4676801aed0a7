"""The app start benchmark runs in smoke mode (figures are printed, never asserted on time)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e_support import CHROMIUM

pytestmark = pytest.mark.e2e


def test_app_start_smoke(capsys):
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed")
    from benchmarks import app_start

    out = app_start.main(["--smoke"])
    printed = capsys.readouterr().out
    assert "Overview content rendered" in printed and "page switch, 2 jobs running" in printed
    assert 0 < out["health"] <= out["heading"] <= out["content"]
    assert out["switches"] == len(app_start.PAGES)
