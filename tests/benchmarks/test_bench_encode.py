"""The encoding-paths benchmark runs end to end in smoke mode (figures are not asserted: no timing tests)."""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")


def test_encode_speed_smoke_prints_one_row_per_path(capsys, one_torch_thread):
    from benchmarks import encode_speed

    out = encode_speed.main(["--smoke", "--paths", "minilm,minilm@int8,static"])
    text = capsys.readouterr().out
    assert "python -m benchmarks.encode_speed --smoke" in text
    for path in ("| minilm |", "| minilm@int8 |", "| static |"):
        assert path in text
    assert out["ratio"]["minilm"] == 1.0
    assert out["cosine"]["minilm@int8"] > 0.95
    assert set(out["quality"].index) == {"minilm", "minilm@int8", "static"}
