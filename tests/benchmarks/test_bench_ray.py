"""The Ray benchmark runs in its smoke mode (figures are printed, never asserted on time)."""

from __future__ import annotations

import pytest

pytest.importorskip("ray", reason="Ray is an optional extra: pip install 'coldrec[ray]'")


def test_ray_scale_smoke(capsys):
    import ray

    from benchmarks import ray_scale

    if ray.is_initialized():  # the benchmark starts (and stops) its own local Ray
        ray.shutdown()
    out = ray_scale.main(["--smoke", "--cpus", "2"])
    printed = capsys.readouterr().out
    assert "## Ray: single process vs Ray" in printed and "| evaluate, 3 models |" in printed
    assert all(row["same"] for row in out["rows"].values()), out["rows"]
    assert not ray.is_initialized()
