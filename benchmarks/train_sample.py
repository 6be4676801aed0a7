"""Stage timings of one training run on the sample shop, and the embedding cache's saving.

Run: ``python -m benchmarks.train_sample [--quick] [--encoder minilm|hashing]``.
Prints a table of seconds per stage for a first run (text not cached) and a
second run (cached), and the ratio between them, both measured in this run.
"""

from __future__ import annotations

import argparse
import platform
import tempfile
import time
from pathlib import Path

from coldrec.data.ingest import ingest, sample_dir
from coldrec.data.synth import write_shop
from coldrec.data.workspace import Workspace
from coldrec.evaluation.aggregate import headline
from coldrec.runs.experiment import ExperimentConfig, run_experiment


def timed_run(ws: Workspace, cfg: ExperimentConfig, run_dir: Path) -> tuple[float, dict[str, float], object]:
    """Total seconds, seconds per stage (from progress steps), and the summary."""
    marks: list[tuple[float, str]] = []
    start = time.perf_counter()
    summary = run_experiment(ws, cfg, run_dir, lambda f, s: marks.append((time.perf_counter(), s.split(" ")[0])))
    total = time.perf_counter() - start
    stages: dict[str, float] = {}
    for (t0, name), (t1, _) in zip(marks, marks[1:], strict=False):
        stages[name] = stages.get(name, 0.0) + (t1 - t0)
    return total, stages, summary


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--quick", action="store_true", help="a small shop (smoke mode, seconds)")
    p.add_argument("--encoder", default="minilm")
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if args.quick:
            ip, cp = write_shop(tmp / "shop", n_users=200, n_items=300, n_interactions=3000, seed=0)
        else:
            ip, cp = sample_dir() / "interactions.csv", sample_dir() / "catalog.csv"
        ws = Workspace(tmp / "ws")
        t0 = time.perf_counter()
        ds = ingest(ws, ip, cp).dataset
        t_ingest = time.perf_counter() - t0
        cfg = ExperimentConfig(dataset_id=ds.id, encoder=args.encoder)
        first, stages1, _ = timed_run(ws, cfg, tmp / "r1")
        second, stages2, summary = timed_run(ws, cfg, tmp / "r2")
    print(f"# train_sample: {ds.n_interactions:,} interactions, {ds.n_items:,} items, encoder={args.encoder}")
    print(f"# {platform.processor() or platform.machine()}, python {platform.python_version()}")
    print(f"ingest                 {t_ingest:8.2f} s")
    for name in stages1:
        print(f"{name:<22} {stages1[name]:8.2f} s (first run)  {stages2.get(name, 0.0):8.2f} s (cached)")
    print(f"total run              {first:8.2f} s (first run)  {second:8.2f} s (cached)  ratio {first / second:.1f}x")
    cold = headline(summary)
    for row in cold[cold["users"] == "cold"].itertuples():
        print(f"cold-user NDCG@20 {row.model:<12} {row.mean:.4f} [{row.ci_low:.4f}, {row.ci_high:.4f}]")
    return {"first": first, "second": second, "ingest": t_ingest}


if __name__ == "__main__":
    main()
