"""A whole default run on a shop of 200k interactions and 12k items: seconds per stage, per protocol.

Run: ``python -m benchmarks.default_run [--quick] [--protocols cold_item,cold_user] [--encoder minilm]
[--size full|medium] [--compare] [--real ../shared/data/movielens_latest_small]``.

The default model set of the Train page (:data:`coldrec.models.registry.DEFAULT_MODELS`), evaluation, bootstrap
intervals and the protocol's few-shot curve, exactly as a background job runs them. The text is encoded once
before the timed runs (the app caches it per encoder; the first encoding is timed on its own line). With
``--compare`` the cold-item curve is also timed the way runs made it before fold-in: fresh models (tuning
again) fitted at every k, measured on the same shop in the same process. ``--real FOLDER`` runs on a public
dataset folder instead of the synthetic shop (MovieLens ml-latest-small: 100k ratings, 9.7k items), for the
real-data figure.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one thread per worker process, as the app's jobs run

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from coldrec.columns import Columns  # noqa: E402
from coldrec.data.ingest import import_and_store, ingest_frames  # noqa: E402
from coldrec.data.synth import generate_shop  # noqa: E402
from coldrec.data.workspace import Workspace  # noqa: E402
from coldrec.evaluation.evaluate import fit_data  # noqa: E402
from coldrec.evaluation.fewshot import item_few_shot  # noqa: E402
from coldrec.models.base import FitData  # noqa: E402
from coldrec.models.registry import DEFAULT_MODELS, make_model  # noqa: E402
from coldrec.runs.experiment import ExperimentConfig, catalog_embeddings, run_experiment  # noqa: E402
from coldrec.runs.store import RunStore  # noqa: E402
from coldrec.runs.timings import stage_seconds  # noqa: E402
from coldrec.split.base import Split  # noqa: E402
from coldrec.split.protocols import make_split  # noqa: E402

SIZES = {"full": (20_000, 12_000, 200_000), "medium": (6_000, 4_000, 60_000), "quick": (500, 600, 6_000)}


def timed_run(ws: Workspace, cfg: ExperimentConfig, run_dir: Path) -> tuple[float, dict[str, float]]:
    """Wall seconds of one run and the stage timings it stored in its run folder."""
    start = time.perf_counter()
    run_experiment(ws, cfg, run_dir)
    total = time.perf_counter() - start
    return total, stage_seconds(RunStore(run_dir).info())


def main(argv: list[str] | None = None) -> dict[str, float]:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--quick", action="store_true", help="a small shop (smoke mode, seconds)")
    p.add_argument("--size", choices=list(SIZES), default="full", help="the synthetic shop's size")
    p.add_argument("--protocols", default="cold_item,cold_user")
    p.add_argument("--encoder", default="minilm")
    p.add_argument("--compare", action="store_true", help="also time the cold-item curve as it was, with refits")
    p.add_argument("--real", default=None, help="a public dataset folder instead of the synthetic shop")
    args = p.parse_args(argv)
    n_users, n_items, n_inter = SIZES["quick" if args.quick else args.size]
    totals: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace(Path(tmp) / "ws")
        if args.real:
            ds = import_and_store(ws, args.real)
        else:
            inter, cat = generate_shop(n_users=n_users, n_items=n_items, n_interactions=n_inter, seed=0)
            ds = ingest_frames(ws, inter, cat, "default-run shop", digest=f"default run {n_users} {n_items} {n_inter}")
        assert ds.dataset is not None, ds.report.issues
        n_users, n_items, n_inter = ds.dataset.n_users, ds.dataset.n_items, ds.dataset.n_interactions
        t0 = time.perf_counter()
        catalog_embeddings(ws, ws.load_catalog(ds.dataset.id), args.encoder)
        encode_s = time.perf_counter() - t0
        print(f"# default_run: {args.real or 'synthetic shop'}, {n_inter:,} interactions, {n_items:,} items, "
              f"{n_users:,} users, models {', '.join(DEFAULT_MODELS)}, encoder={args.encoder}")
        print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
              f"python {platform.python_version()}, OMP_NUM_THREADS={os.environ['OMP_NUM_THREADS']}, "
              f"load {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
        print(f"first text encoding (then cached)   {encode_s:8.1f} s")
        for proto in args.protocols.split(","):
            cfg = ExperimentConfig(dataset_id=ds.dataset.id, models=list(DEFAULT_MODELS), encoder=args.encoder,
                                   split={"protocol": proto})
            total, stages = timed_run(ws, cfg, Path(tmp) / f"run-{proto}")
            totals[proto] = total
            print(f"\n## {proto}: {total:.1f} s wall")
            for stage, seconds in stages.items():
                print(f"  {stage:<34} {seconds:8.1f} s")
            if proto == "cold_item" and args.compare:
                before = refit_curve_seconds(ws, cfg)
                now = stages.get("few-shot curve (items)", float("nan"))
                print(f"  cold-item curve as before (fresh fits at every k): {before:.1f} s; "
                      f"fold-in {now:.1f} s; ratio {before / now:.1f}x")
                totals["cold_item curve before"] = before
    return totals


def refit_curve_seconds(ws: Workspace, cfg: ExperimentConfig) -> float:
    """Seconds the cold-item curve's fits took before fold-in: fresh models, each tuning again, at every k."""
    interactions, catalog = ws.load_interactions(cfg.dataset_id), ws.load_catalog(cfg.dataset_id)
    item_ids = pd.Index(catalog[Columns.item])
    split = make_split(interactions, catalog, cfg.split)
    emb, _ = catalog_embeddings(ws, catalog, cfg.encoder)
    start = time.perf_counter()
    item_few_shot({}, split, item_ids, lambda part: _fresh_fits(part, item_ids, emb, catalog, cfg))
    return time.perf_counter() - start


def _fresh_fits(part: Split, item_ids: pd.Index, emb: np.ndarray, catalog: pd.DataFrame,
                cfg: ExperimentConfig) -> FitData:
    data = fit_data(part, item_ids, emb, catalog, cfg.encoder)
    for name in cfg.models:
        make_model(name).fit(data)
    return data


if __name__ == "__main__":
    main()
