"""Each benchmark runs in its quick smoke mode (figures are printed, never asserted on time)."""

from __future__ import annotations

from benchmarks import train_sample


def test_train_sample_quick(capsys):
    out = train_sample.main(["--quick", "--encoder", "hashing"])
    printed = capsys.readouterr().out
    assert "total run" in printed and "cold-user NDCG@20 content" in printed
    assert out["first"] > 0 and out["second"] > 0


def test_ingest_quick(capsys):
    from benchmarks import ingest

    times = ingest.main(["--quick"])
    assert set(times) == {"csv", "csv.gz", "parquet"}
    assert "interactions" in capsys.readouterr().out
