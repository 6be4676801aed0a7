"""Ingest speed: validate and store 1M interaction rows + 100k catalog rows.

Run: ``python -m benchmarks.ingest [--quick]``. Prints seconds per format
(CSV, gzipped CSV, Parquet) for the whole ``coldrec.data.ingest.ingest`` call (read,
map, clean, validate, store), and the stages of the CSV case. Target (issue 3):
under 15 s.
"""

from __future__ import annotations

import argparse
import gzip
import shutil
import tempfile
import time
from pathlib import Path

from coldrec.data.ingest import ingest
from coldrec.data.synth import generate_shop
from coldrec.data.workspace import Workspace


def _write(folder: Path, n_users: int, n_items: int, n_interactions: int) -> dict[str, tuple[Path, Path]]:
    inter, cat = generate_shop(n_users=n_users, n_items=n_items, n_interactions=n_interactions, seed=0)
    folder.mkdir(parents=True, exist_ok=True)
    files = {}
    inter.to_csv(folder / "i.csv", index=False)
    cat.to_csv(folder / "c.csv", index=False)
    files["csv"] = (folder / "i.csv", folder / "c.csv")
    for name in ("i.csv", "c.csv"):
        with open(folder / name, "rb") as src, gzip.open(folder / f"{name}.gz", "wb", compresslevel=6) as dst:
            shutil.copyfileobj(src, dst)
    files["csv.gz"] = (folder / "i.csv.gz", folder / "c.csv.gz")
    inter.to_parquet(folder / "i.parquet", index=False)
    cat.to_parquet(folder / "c.parquet", index=False)
    files["parquet"] = (folder / "i.parquet", folder / "c.parquet")
    return files


def main(argv: list[str] | None = None) -> dict[str, float]:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--quick", action="store_true", help="10k interactions, 2k items (smoke mode)")
    args = p.parse_args(argv)
    sizes = (2_000, 2_000, 10_000) if args.quick else (200_000, 100_000, 1_000_000)
    times: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        files = _write(Path(tmp) / "in", *sizes)
        for fmt, (ip, cp) in files.items():
            ws = Workspace(Path(tmp) / f"ws-{fmt.replace('.', '-')}")
            start = time.perf_counter()
            result = ingest(ws, ip, cp)
            times[fmt] = time.perf_counter() - start
            assert result.dataset is not None, result.report.issues
            size = (ip.stat().st_size + cp.stat().st_size) / 1e6
            print(f"{fmt:<8} {times[fmt]:7.2f} s  ({size:6.1f} MB in, {result.dataset.n_interactions:,} "
                  f"interactions, {result.dataset.n_items:,} items)")
    return times


if __name__ == "__main__":
    main()
