"""A whole run at 1M interactions and 100k items: seconds per stage and the process's peak memory.

Run: ``python -m benchmarks.big_run [--quick] [--models popularity,content,itemknn,cb2cf,hybrid,bpr]
[--encoder hashing] [--protocol cold_user]``.

Every model that fits the size is trained, evaluated and curved exactly as a background job does
(:func:`coldrec.runs.experiment.run_experiment`); a model that cannot fit (EASE's dense inverse) is reported
with the reason the Train page gives (:meth:`coldrec.models.base.Recommender.size_note`) and left out. Peak
memory is the process's maximum resident set (``ru_maxrss``), which includes generating and storing the shop:
the target is 8 GB. The hashing encoder is the default because MiniLM would spend ~40 minutes of one core on
100k texts (see the scaling section of RESULTS.md); its vectors cost 100k x 384 x 4 bytes = 154 MB either way.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one thread per worker process, as the app's jobs run

import argparse  # noqa: E402
import platform  # noqa: E402
import resource  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

from coldrec.data.ingest import ingest_frames  # noqa: E402
from coldrec.data.synth import generate_shop  # noqa: E402
from coldrec.data.workspace import Workspace  # noqa: E402
from coldrec.models.registry import make_model  # noqa: E402
from coldrec.runs.experiment import ExperimentConfig, run_experiment  # noqa: E402
from coldrec.runs.store import RunStore  # noqa: E402
from coldrec.runs.timings import stage_seconds  # noqa: E402

SIZES = {"full": (200_000, 100_000, 1_000_000), "quick": (400, 500, 5_000)}
MODELS = "popularity,content,itemknn,cb2cf,hybrid,ease,bpr"


def peak_rss_gb() -> float:
    """This process's peak resident set so far, in GB (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6


def main(argv: list[str] | None = None) -> dict[str, float]:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--quick", action="store_true", help="a small shop (smoke mode, seconds)")
    p.add_argument("--models", default=MODELS)
    p.add_argument("--encoder", default="hashing")
    p.add_argument("--protocol", default="cold_user")
    args = p.parse_args(argv)
    n_users, n_items, n_inter = SIZES["quick" if args.quick else "full"]
    wanted = args.models.split(",")
    too_big = {m: make_model(m).size_note(n_items) for m in wanted}
    models = [m for m in wanted if not too_big[m]]
    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace(Path(tmp) / "ws")
        start = time.perf_counter()
        inter, cat = generate_shop(n_users=n_users, n_items=n_items, n_interactions=n_inter, seed=0)
        ds = ingest_frames(ws, inter, cat, "big shop", digest=f"big run {n_users} {n_items} {n_inter}")
        assert ds.dataset is not None, ds.report.issues
        del inter, cat
        prepared = time.perf_counter() - start
        rss_prepared = peak_rss_gb()
        cfg = ExperimentConfig(dataset_id=ds.dataset.id, models=models, encoder=args.encoder,
                               split={"protocol": args.protocol})
        start = time.perf_counter()
        run_experiment(ws, cfg, Path(tmp) / "run")
        total = time.perf_counter() - start
        stages = stage_seconds(RunStore(Path(tmp) / "run").info())
    rss = peak_rss_gb()
    print(f"# big_run: {n_inter:,} interactions, {n_items:,} items, {n_users:,} users, protocol {args.protocol}, "
          f"encoder={args.encoder}")
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, python "
          f"{platform.python_version()}, OMP_NUM_THREADS={os.environ['OMP_NUM_THREADS']}, "
          f"load {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"generate + ingest                  {prepared:8.1f} s   peak RSS {rss_prepared:5.2f} GB")
    for stage, seconds in stages.items():
        print(f"  {stage:<32} {seconds:8.1f} s")
    print(f"whole run                          {total:8.1f} s   peak RSS {rss:5.2f} GB (target 8 GB)")
    for name, why in too_big.items():
        if why:
            print(f"left out {name}: {why}")
    return {"run_s": total, "peak_rss_gb": rss, "left_out": float(sum(bool(w) for w in too_big.values()))}


if __name__ == "__main__":
    main()
