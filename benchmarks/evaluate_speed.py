"""Evaluation throughput: rank every test user with six models, then bootstrap the summary.

Run: ``python -m benchmarks.evaluate_speed [--quick] [--profile] [--users N --items N --interactions N]``.

Target (issue): 20k test users x 12k items x 6 models evaluated in under 60 s
on the project machine. A synthetic shop (``coldrec.data.synth.generate_shop``) is
stored and split cold-user (20% of users held out, 3 revealed interactions);
popularity, content, itemknn, ease, bpr and twotower are fitted, then
``evaluate(models, split, item_ids, ks=(5, 10, 20, 50), embeddings=...)`` and
``summarize(per_user)`` are timed separately. Per model, the time between
``evaluate``'s ``on_model`` calls gives users/s; the shared set-up (test users'
contexts, item facts) is timed on its own.

What is not measured: training. The content model uses the ``hashing``
encoder so set-up does not spend minutes embedding 12k texts (its scoring cost
is that of any 512-d embedding: a dense user x item product); bpr and
twotower run short schedules, which change their quality, not the cost of
scoring. ``--profile`` runs evaluate + summarize under cProfile and prints the
top functions by own time and by cumulative time.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import platform
import pstats
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from coldrec.columns import Columns
from coldrec.data.workspace import Workspace
from coldrec.evaluation.aggregate import summarize
from coldrec.evaluation.evaluate import KS, evaluate
from coldrec.models.registry import make_model
from coldrec.split.segments import describe

from .synthetic import cold_user_shop

TARGET_S = 60.0
MODELS = ("popularity", "content", "itemknn", "ease", "bpr", "twotower")
# Short schedules: evaluation cost does not depend on how long a model trained.
PARAMS: dict[str, dict] = {"bpr": {"epochs": 5, "fold_in_steps": 30}, "twotower": {"epochs": 1}}
QUICK_PARAMS: dict[str, dict] = {"bpr": {"epochs": 1, "fold_in_steps": 3}, "twotower": {"epochs": 1, "min_steps": 5}}
FULL = (20_300, 12_000, 325_000)  # ~20k test users in the cold-user split
QUICK = (600, 500, 6_000)


def build(ws: Workspace, n_users: int, n_items: int, n_interactions: int, quick: bool):  # noqa: ANN201
    """Store a synthetic shop, split it cold-user, fit the models: (models, split, item_ids, embeddings, seconds)."""
    t0 = time.perf_counter()
    shop = cold_user_shop(ws, n_users, n_items, n_interactions, "evaluate_speed")
    split, item_ids, emb, data = shop.split, shop.item_ids, shop.embeddings, shop.data
    t_data = time.perf_counter() - t0
    params = QUICK_PARAMS if quick else PARAMS
    models, fit_s = {}, {}
    for name in MODELS:
        start = time.perf_counter()
        models[name] = make_model(name, params.get(name)).fit(data)
        fit_s[name] = time.perf_counter() - start
    return models, split, item_ids, emb, {"data": t_data, **{f"fit {k}": v for k, v in fit_s.items()}}


def timed_evaluate(models: dict, split, item_ids: pd.Index, emb, ks: tuple[int, ...]):  # noqa: ANN001, ANN201
    """evaluate() with the seconds of its shared set-up and of each model; (result, seconds)."""
    marks: list[tuple[str, float]] = []
    start = time.perf_counter()
    result = evaluate(models, split, item_ids, ks, embeddings=emb,
                      on_model=lambda n: marks.append((n, time.perf_counter())))
    end = time.perf_counter()
    seconds = {"set-up (contexts, item facts)": marks[0][1] - start}
    for (name, t0), (_, t1) in zip(marks, [*marks[1:], ("end", end)], strict=True):
        seconds[name] = t1 - t0
    seconds["evaluate total"] = end - start
    return result, seconds


WHAT_IF = {
    "ease_c_order": "EASE weights made C-contiguous after fit (scipy copies a Fortran-ordered dense operand "
                    "on every sparse @ dense product)",
    "no_diversity": "evaluate without embeddings, so no intra-list diversity is computed",
}


def measure(models: dict, split, item_ids: pd.Index, emb, profiler: cProfile.Profile | None = None):  # noqa: ANN001, ANN201
    """Seconds of evaluate (set-up and per model) and of summarize; (seconds, n users, rows, summary rows)."""
    if profiler:
        profiler.enable()
    result, seconds = timed_evaluate(models, split, item_ids, emb, KS)
    start = time.perf_counter()
    summary = summarize(result.per_user)
    seconds["summarize (bootstrap)"] = time.perf_counter() - start
    if profiler:
        profiler.disable()
    return seconds, int(result.per_user[Columns.user].nunique()), len(result.per_user), len(summary)


def apply_what_if(models: dict, emb, changes: list[str]):  # noqa: ANN001, ANN201
    """The models and embeddings as the candidate library fixes would leave them."""
    if "ease_c_order" in changes and "ease" in models:
        models["ease"].weights_ = np.ascontiguousarray(models["ease"].weights_)
    return models, None if "no_diversity" in changes else emb


def report(columns: dict[str, dict[str, float]], n_eval: int, n_items: int, n_models: int) -> dict[str, float]:
    """Print seconds and users/s per stage for each measured variant; returns the totals."""
    names = list(columns)
    print(f"{'stage':<32}" + "".join(f" {n + ' s':>16} {'users/s':>8}" for n in names))
    for stage in columns[names[0]]:
        cells = ""
        for n in names:
            s = columns[n][stage]
            rate = f"{n_eval / s:8,.0f}" if stage not in ("evaluate total", "summarize (bootstrap)") and \
                not stage.startswith("set-up") else " " * 8
            cells += f" {s:16.2f} {rate}"
        print(f"{stage:<32}{cells}")
    totals = {n: c["evaluate total"] + c["summarize (bootstrap)"] for n, c in columns.items()}
    for n, total in totals.items():
        verdict = "meets" if total < TARGET_S else "misses"
        print(f"evaluate + summarize [{n}]: {total:.2f} s for {n_eval:,} users x {n_items:,} items x {n_models} "
              f"models: {verdict} the {TARGET_S:.0f} s target")
    return totals


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help=f"{QUICK[0]} users, {QUICK[1]} items (smoke mode)")
    p.add_argument("--users", type=int, default=None)
    p.add_argument("--items", type=int, default=None)
    p.add_argument("--interactions", type=int, default=None)
    p.add_argument("--threads", type=int, default=1, help="torch threads (default 1, as the app's worker)")
    p.add_argument("--profile", action="store_true", help="run evaluate + summarize (as is) under cProfile")
    p.add_argument("--what-if", default=None, metavar="CHANGES",
                   help="after the as-is pass, evaluate again in the same run with candidate fixes simulated "
                        f"from outside the library (comma-separated: {', '.join(WHAT_IF)})")
    args = p.parse_args(argv)
    changes = args.what_if.split(",") if args.what_if else []
    if set(changes) - set(WHAT_IF):
        p.error(f"unknown --what-if {sorted(set(changes) - set(WHAT_IF))}; choose from {list(WHAT_IF)}")
    size = QUICK if args.quick else FULL
    n_users, n_items, n_inter = (args.users or size[0], args.items or size[1], args.interactions or size[2])
    import torch

    torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory() as tmp:
        models, split, item_ids, emb, setup = build(Workspace(Path(tmp) / "ws"), n_users, n_items, n_inter,
                                                    args.quick)
    counts = describe(split)
    print(f"# evaluate_speed: generate_shop({n_users:,} users, {n_items:,} items, {n_inter:,} interactions), "
          f"cold-user split: {counts['test_users']:,} test users ({counts['test_users_cold']:,} cold), "
          f"{len(item_ids):,} items, ks={KS}")
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, python "
          f"{platform.python_version()}, torch threads {args.threads}, load average {_load()} before evaluating")
    for name, s in setup.items():
        print(f"setup {name:<28} {s:8.2f} s")
    profiler = cProfile.Profile() if args.profile else None
    columns: dict[str, dict[str, float]] = {}
    columns["as is"], n_eval, n_rows, n_summary = measure(models, split, item_ids, emb, profiler)
    print(f"# as is: {n_rows:,} per-user rows, {n_summary:,} summary rows; load average {_load()} after")
    if changes:
        models, emb = apply_what_if(models, emb, changes)
        columns["what-if"], *_ = measure(models, split, item_ids, emb)
        print(f"# what-if ({'; '.join(WHAT_IF[c] for c in changes)}): load average {_load()} after")
    totals = report(columns, n_eval, len(item_ids), len(models))
    if profiler:
        for key in ("tottime", "cumulative"):
            buf = io.StringIO()
            pstats.Stats(profiler, stream=buf).sort_stats(key).print_stats(25)
            print(f"# cProfile of the as-is pass, top 25 by {key}\n{buf.getvalue()}")
    return {"seconds": columns, "total": totals["as is"], "totals": totals, "n_users": n_eval,
            "n_items": len(item_ids), "meets_target": totals["as is"] < TARGET_S}


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


if __name__ == "__main__":
    main()
