"""Fit seconds and cold-item NDCG@20 of the slow text models: today's settings against the new defaults, one run.

Run: ``python -m benchmarks.fit_speed [--quick] [--dataset shop|gift_cards|magazines] [--models transfer,distill]
[--shop 20000,12000,200000] [--encoder minilm] [--workspace DIR]``.

Per model, both settings are fitted one after the other on the same cold-item split (``protocol cold_item``: the
newest 20% of interacted items are cold and every test target is one of them), in the same process on one torch
thread, then scored on the same test users. Printed: fit seconds of each, their ratio, NDCG@20 with a 95% bootstrap
interval, and the paired difference new - today with its interval (``coldrec.evaluation.aggregate.compare``).

"today" is the settings before issue #16, written out in :data:`TODAY` (so the comparison survives later default
changes); "new" is ``make_model(name)`` with no parameters, the library's defaults. The load average is printed
with the figures: the machine is shared and wall seconds move with it. ``--workspace`` keeps the embedding cache
between runs (encoding 12k texts with MiniLM takes minutes). ``--quick`` is a smoke mode: a tiny shop, the hashing
encoder for the run's embeddings, and schedules cut to a few steps for both settings.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one thread per worker process, as the app's jobs run

import pandas as pd  # noqa: E402

from benchmarks.models import FEEDBACK, data_folder  # noqa: E402
from coldrec.columns import Columns  # noqa: E402
from coldrec.data.ingest import IngestOptions, import_and_store, ingest_frames  # noqa: E402
from coldrec.data.io.feedback import FeedbackConfig  # noqa: E402
from coldrec.data.synth import generate_shop  # noqa: E402
from coldrec.data.workspace import DatasetInfo, Workspace  # noqa: E402
from coldrec.evaluation.aggregate import compare, summarize  # noqa: E402
from coldrec.evaluation.evaluate import evaluate, fit_data  # noqa: E402
from coldrec.models.base import Recommender  # noqa: E402
from coldrec.models.registry import make_model  # noqa: E402
from coldrec.runs.experiment import catalog_embeddings  # noqa: E402
from coldrec.split.protocols import make_split  # noqa: E402

K = 20
# The settings before issue #16 ("Model fits"), spelled out.
TODAY: dict[str, dict] = {
    "transfer": {"max_pairs": 4096, "epochs": 1, "batch_size": 32, "min_steps": 8, "max_steps": 200,
                 "train_layers": 4, "max_seq_length": 64, "cache_frozen": False, "time_budget": 0.0},
    "distill": {"max_teacher_items": 5000, "epochs": 15, "batch_size": 64, "val_users": 0, "patience": 0},
}
# Smoke mode: a few steps for both settings (figures mean nothing).
QUICK: dict[str, dict] = {
    "transfer": {"max_steps": 2, "min_steps": 1, "max_pairs": 64},
    "distill": {"epochs": 2, "min_steps": 4, "agreement_users": 20},
}
SHOP = (20_000, 12_000, 200_000)
QUICK_SHOP = (150, 200, 2_000)


def load(ws: Workspace, dataset: str, shop: tuple[int, int, int]) -> DatasetInfo:
    """Store the synthetic shop (seed 0) or a public set in ``ws``."""
    if dataset == "shop":
        n_users, n_items, n_inter = shop
        inter, cat = generate_shop(n_users=n_users, n_items=n_items, n_interactions=n_inter, seed=0)
        result = ingest_frames(ws, inter, cat, "fit-speed shop", digest=f"fit speed {n_users} {n_items} {n_inter}")
    else:
        result = import_and_store(ws, data_folder(dataset),
                                  IngestOptions(feedback=FEEDBACK.get(dataset, FeedbackConfig())))
    if result.dataset is None:
        raise RuntimeError(f"{dataset} did not pass validation: {result.report.issues}")
    return result.dataset


def settings(name: str, which: str, quick: bool) -> dict:
    """Parameters of ``name`` for ``which`` ("today" or "new"), cut short in smoke mode."""
    base = dict(TODAY[name]) if which == "today" else {}
    return {**base, **(QUICK[name] if quick else {})}


def fit_both(names: list[str], data: object, quick: bool) -> tuple[dict[str, Recommender], dict[str, float]]:
    """Fit today's settings then the new defaults of each model; (models, fit seconds) keyed 'name (which)'."""
    import torch

    torch.set_num_threads(1)
    models, seconds = {}, {}
    for name in names:
        for which in ("today", "new"):
            key = f"{name} ({which})"
            start = time.perf_counter()
            models[key] = make_model(name, settings(name, which, quick)).fit(data)  # type: ignore[arg-type]
            seconds[key] = time.perf_counter() - start
            print(f"# fitted {key} in {seconds[key]:.1f} s, load {os.getloadavg()[0]:.2f}{_detail(models[key])}",
                  flush=True)
    return models, seconds


def _detail(model: Recommender) -> str:
    """Steps or epochs the fit ran, when the model says."""
    if hasattr(model, "steps_"):
        return f", {model.steps_}/{model.planned_steps_} fine-tuning steps"
    if hasattr(model, "epochs_run_"):
        return f", {model.epochs_run_} epochs, agreement {model.agreement_:.3f}"
    return ""


def table(per_user: pd.DataFrame, names: list[str], seconds: dict[str, float]) -> tuple[str, list[dict]]:
    """Markdown rows: fit s today/new and ratio, NDCG@20 today/new with intervals, paired difference."""
    summary = summarize(per_user, by=("segment",))
    ndcg = summary[(summary["group"] == "all") & (summary["item_segment"] == "all") & (summary["k"] == K)
                   & (summary["metric"] == "ndcg")].set_index("model")
    lines = ["| model | fit s today | fit s new | speed-up | NDCG@20 today | NDCG@20 new | new - today (paired) "
             "| new / today |", "|---|---|---|---|---|---|---|---|"]
    rows = []
    for name in names:
        old, new = f"{name} (today)", f"{name} (new)"
        d = compare(per_user, new, old)
        d = d[(d["group"] == "all") & (d["item_segment"] == "all") & (d["metric"] == "ndcg") & (d["k"] == K)].iloc[0]
        row = {"model": name, "fit_today": seconds[old], "fit_new": seconds[new],
               "ratio": seconds[old] / max(seconds[new], 1e-9), "ndcg_today": float(ndcg.at[old, "mean"]),
               "ndcg_new": float(ndcg.at[new, "mean"]), "diff": float(d["diff"]), "diff_low": float(d["diff_low"]),
               "diff_high": float(d["diff_high"]), "n_users": int(d["n_users"])}
        rows.append(row)
        cell = lambda m: f"{ndcg.at[m, 'mean']:.4f} [{ndcg.at[m, 'ci_low']:.4f}, {ndcg.at[m, 'ci_high']:.4f}]"  # noqa: E731
        keep = row["ndcg_new"] / row["ndcg_today"] if row["ndcg_today"] > 0 else float("nan")
        lines.append(f"| {name} | {row['fit_today']:.1f} | {row['fit_new']:.1f} | {row['ratio']:.2f}x | {cell(old)} "
                     f"| {cell(new)} | {row['diff']:+.4f} [{row['diff_low']:+.4f}, {row['diff_high']:+.4f}] "
                     f"| {keep:.1%} |")
    return "\n".join(lines), rows


def main(argv: list[str] | None = None) -> list[dict]:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="a tiny shop, a few steps (smoke mode)")
    p.add_argument("--dataset", default="shop", choices=["shop", "gift_cards", "magazines"])
    p.add_argument("--models", default="transfer,distill")
    p.add_argument("--shop", default=",".join(map(str, SHOP)), help="users,items,interactions of the shop")
    p.add_argument("--encoder", default="minilm", help="the run's encoder (the embeddings distill reads)")
    p.add_argument("--workspace", default=None, help="reuse this workspace (its embedding cache); default: temp")
    args = p.parse_args(argv)
    names = [n for n in args.models.split(",") if n]
    unknown = [n for n in names if n not in TODAY]
    if unknown:
        p.error(f"unknown models {unknown}; choose from {list(TODAY)}")
    if args.quick and args.dataset != "shop":
        p.error("--quick runs on a tiny synthetic shop; leave --dataset at shop")
    shop = QUICK_SHOP if args.quick else tuple(int(x) for x in args.shop.split(","))
    encoder = "hashing" if args.quick else args.encoder
    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace(Path(args.workspace) if args.workspace else Path(tmp) / "ws")
        return run(ws, args.dataset, shop, encoder, names, args.quick)  # type: ignore[arg-type]


def run(ws: Workspace, dataset: str, shop: tuple[int, int, int], encoder: str, names: list[str],
        quick: bool) -> list[dict]:
    """Load, split cold-item, embed, fit both settings, evaluate and print; returns the table rows."""
    ds = load(ws, dataset, shop)
    inter, catalog = ws.load_interactions(ds.id), ws.load_catalog(ds.id)
    item_ids = pd.Index(catalog[Columns.item])
    split = make_split(inter, catalog, {"protocol": "cold_item"})
    start = time.perf_counter()
    emb, _ = catalog_embeddings(ws, catalog, encoder)
    encode_s = time.perf_counter() - start
    label = dataset if dataset != "shop" else f"shop {shop[0]} users/{shop[1]} items/{shop[2]} interactions"
    print(f"# benchmarks.fit_speed: {label}"
          f"{' (quick)' if quick else ''}, protocol cold_item, encoder {encoder} ({encode_s:.1f} s to embed or read "
          f"the cache); {ds.n_interactions:,} interactions, {ds.n_items:,} items")
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, python "
          f"{platform.python_version()}, OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS')}, load average at start "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    models, seconds = fit_both(names, fit_data(split, item_ids, emb, catalog, encoder), quick)
    result = evaluate(models, split, item_ids, ks=(K,), embeddings=emb)
    body, rows = table(result.per_user, names, seconds)
    print(f"# load average at the end {' '.join(f'{x:.2f}' for x in os.getloadavg())}; "
          f"{rows[0]['n_users'] if rows else 0} test users, every target a cold item")
    print(body)
    return rows


if __name__ == "__main__":
    main()
