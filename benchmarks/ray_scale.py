"""Single process vs Ray: text encoding and evaluation of a 1M-interaction synthetic shop, same results.

Run: ``python -m benchmarks.ray_scale [--smoke] [--address HOST:PORT | ray://HOST:10001] [--cpus N]``
(needs the extra: ``pip install 'coldrec[ray]'``).

A synthetic shop (``coldrec.data.synth.generate_shop``, 1,000,000 interactions by
default) is stored and split cold-user; popularity, content (hashing encoder)
and itemknn are fitted once. Then, each stage first in this process and then
on Ray (a local Ray with ``--cpus`` CPUs started here, or ``--address``):

- hashing encoding of the whole catalog into an empty embedding cache;
- MiniLM encoding of the first ``--minilm-texts`` catalog texts (empty cache);
- ``evaluate`` of every test user with the three models (Ray: users sharded
  over tasks, see :mod:`coldrec.runs.engine.on_ray`).

Every Ray result is checked against the single-process one (vectors to 1e-5,
evaluation tables equal) and the table says so. Ray start-up is timed on its
own; the Ray figures include the start of workers and actors (each actor loads
its own copy of the encoder). Training is not measured. The markdown section
printed at the end is meant for benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from coldrec.columns import Columns
from coldrec.data.workspace import Workspace
from coldrec.evaluation.evaluate import evaluate
from coldrec.models.registry import make_model
from coldrec.runs.experiment import catalog_embeddings
from coldrec.split.segments import describe

from .synthetic import cold_user_shop

FULL = (40_000, 15_000, 1_000_000)
SMOKE = (400, 300, 4_000)
MODELS = ("popularity", "content", "itemknn")
KS = (10, 20)


def build(ws: Workspace, n_users: int, n_items: int, n_interactions: int):  # noqa: ANN201
    """Store and split the shop, fit the models: (catalog, split, item_ids, embeddings, models, seconds)."""
    start = time.perf_counter()
    shop = cold_user_shop(ws, n_users, n_items, n_interactions, "ray_scale")
    catalog, split, item_ids, emb, data = shop.catalog, shop.split, shop.item_ids, shop.embeddings, shop.data
    models = {name: make_model(name).fit(data) for name in MODELS}
    return catalog, split, item_ids, emb, models, time.perf_counter() - start


def timed(fn):  # noqa: ANN001, ANN201
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def compare_encoding(engine, catalog: pd.DataFrame, spec: str, n_texts: int, tmp: Path) -> dict:  # noqa: ANN001
    """Seconds to fill an empty cache with ``n_texts`` catalog texts, locally and on Ray; the largest difference."""
    part = catalog.iloc[:n_texts]
    local, t_local = timed(lambda: catalog_embeddings(Workspace(tmp / f"enc-local-{spec}"), part, spec)[0])
    remote, t_ray = timed(lambda: catalog_embeddings(Workspace(tmp / f"enc-ray-{spec}"), part, spec,
                                                     engine=engine)[0])
    diff = float(np.abs(local - remote).max()) if len(part) else 0.0
    return {"local": t_local, "ray": t_ray, "n": len(part), "same": diff <= 1e-5, "detail": f"max diff {diff:.1e}"}


def compare_evaluation(engine, split, item_ids: pd.Index, emb: np.ndarray, models: dict) -> dict:  # noqa: ANN001
    local, t_local = timed(lambda: evaluate(models, split, item_ids, KS, embeddings=emb))
    remote, t_ray = timed(lambda: engine.evaluate(models, split, item_ids, KS, embeddings=emb))
    same = all(getattr(local, t).equals(getattr(remote, t)) for t in ("per_user", "lists", "tops"))
    n_users = int(local.per_user[Columns.user].nunique())
    return {"local": t_local, "ray": t_ray, "n": n_users, "same": same,
            "detail": f"{len(local.per_user):,} per-user rows equal" if same else "tables differ"}


def markdown(args: argparse.Namespace, sizes: tuple, counts: dict, facts: dict, t_init: float, rows: dict,
             setup_s: float) -> str:
    """The section for benchmarks/RESULTS.md."""
    cmd = "python -m benchmarks.ray_scale " + " ".join(sys.argv[1:] if args.argv is None else args.argv)
    lines = [
        "## Ray: single process vs Ray on one machine (issue #9)", "",
        f"Command: `{cmd.strip()}`; {time.strftime('%Y-%m-%d %H:%M %Z')}.", "",
        f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"{_ram_gb():.0f} GB RAM, Python {platform.python_version()}, Ray {facts.get('ray_version')} "
        f"({facts.get('nodes')} node, {facts.get('cpus'):g} CPUs{', ' + args.address if args.address else ''}); "
        f"load average {_load()} at the end (the machine is shared).", "",
        f"Shop: generate_shop({sizes[0]:,} users, {sizes[1]:,} items, {sizes[2]:,} interactions), cold-user split "
        f"({counts['test_users']:,} test users); models {', '.join(MODELS)}; set-up (store, split, fit) "
        f"{setup_s:.1f} s; Ray start {t_init:.1f} s (not in the figures below).", "",
        "| stage | items / users | single process s | Ray s | Ray / single | same results |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for stage, r in rows.items():
        lines.append(f"| {stage} | {r['n']:,} | {r['local']:.1f} | {r['ray']:.1f} | {r['ray'] / r['local']:.2f}x | "
                     f"{'yes' if r['same'] else 'NO'} ({r['detail']}) |")
    lines += ["", "Single process: this process with one torch thread, as the app's worker runs a job. Ray: a Ray "
              "with the CPUs above, one thread per worker; its figures include starting worker processes and "
              "encoder actors (each actor loads its own encoder copy), which dominates small stages. Each stage "
              "ran single process first, then on Ray, under the same (shared, varying) load."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--smoke", action="store_true", help=f"tiny shop {SMOKE} and 16 MiniLM texts (for tests)")
    p.add_argument("--users", type=int)
    p.add_argument("--items", type=int)
    p.add_argument("--interactions", type=int)
    p.add_argument("--minilm-texts", type=int, default=None, help="MiniLM subset size (default 1000; smoke 16)")
    p.add_argument("--cpus", type=int, default=os.cpu_count(), help="CPUs of the local Ray (default all cores)")
    p.add_argument("--address", default=None, help="an existing Ray cluster instead of a local Ray")
    args = p.parse_args(argv)
    args.argv = argv
    base = SMOKE if args.smoke else FULL
    sizes = (args.users or base[0], args.items or base[1], args.interactions or base[2])
    n_minilm = args.minilm_texts if args.minilm_texts is not None else (16 if args.smoke else 1000)
    import torch

    torch.set_num_threads(1)  # as the app's worker; Ray workers run one thread each too
    from coldrec.runs.engine.on_ray import RayEngine

    with tempfile.TemporaryDirectory() as tmp:
        catalog, split, item_ids, emb, models, setup_s = build(Workspace(Path(tmp) / "ws"), *sizes)
        counts = describe(split)
        print(f"# set-up {setup_s:.1f} s: {len(catalog):,} items, {counts['test_users']:,} test users", flush=True)
        start = time.perf_counter()
        with RayEngine.connect(args.address, num_cpus=None if args.address else args.cpus) as engine:
            t_init = time.perf_counter() - start
            facts = engine.describe()
            rows = {}
            rows["encode, hashing (whole catalog)"] = compare_encoding(engine, catalog, "hashing", len(catalog),
                                                                       Path(tmp))
            print(f"# {rows}", flush=True)
            rows[f"encode, MiniLM ({n_minilm:,} texts)"] = compare_encoding(engine, catalog, "minilm", n_minilm,
                                                                            Path(tmp))
            print(f"# {rows}", flush=True)
            rows[f"evaluate, {len(models)} models"] = compare_evaluation(engine, split, item_ids, emb, models)
    text = markdown(args, sizes, counts, facts, t_init, rows, setup_s)
    print(text)
    return {"rows": rows, "markdown": text, "ray_start": t_init}


def _ram_gb() -> float:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1e9
    except (ValueError, OSError):
        return float("nan")


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


if __name__ == "__main__":
    main()
