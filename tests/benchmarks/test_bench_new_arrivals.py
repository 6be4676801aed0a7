"""The new-arrivals benchmark runs end to end in smoke mode and reports its three figures per model."""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

from benchmarks import new_arrivals  # noqa: E402


def test_smoke_reports_ndcg_new_item_recall_and_share_of_slots(one_torch_thread):
    out = new_arrivals.main(["--smoke", "--models", "popularity,cb2cf"])
    assert "new-item recall@20" in out and "share of slots" in out
    assert "| popularity | " in out and "| cb2cf | " in out
    assert "| popularity | " in out.split("| cb2cf |")[0] and "0.0% (test:" in out  # popularity shows no new item
