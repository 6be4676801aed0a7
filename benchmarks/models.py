"""Training time and quality of every registered model on one dataset and split protocol.

Run: ``python -m benchmarks.models [--dataset sample|movielens|gift_cards|magazines]
[--protocol cold_user|cold_item|leave_last_out] [--encoder minilm|hashing] [--models a,b,...]
[--compare-encoder hashing] [--quick]``.

Prints one Markdown table: per model, the seconds of ``make_model(...).fit(data)``
(timed here, one model after the other on the same data), NDCG@20 and Recall@20
for all / cold / warm test users with 95% bootstrap intervals, and NDCG@20 as a
multiple of the "peer": the best model that uses no text (highest NDCG@20 over
all users in this same run).

The library pieces are called directly (make_split, fit_data, evaluate,
summarize) instead of ``run_experiment``, so the cold-item protocol's few-shot
curve, which refits every model once per shot count, does not swamp the timings.

Data: ``sample`` is the bundled synthetic shop; the public sets are imported
with ``coldrec.data.ingest.import_and_store`` from ``../shared/data/<folder>``.
MovieLens ratings count as positives from 4 stars up (``rating >= 4``); a
rating of 3 or less is a watched-but-not-liked movie, not a recommendation
target. Amazon 5-core reviews are all positives (a review means a purchase;
the ratings are heavily skewed to 5 anyway). ``--quick`` swaps the data for a
tiny synthetic shop and shortens every training schedule (smoke mode).
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from coldrec.columns import Columns
from coldrec.data.ingest import IngestOptions, import_and_store, ingest, ingest_frames, public_data_roots, sample_dir
from coldrec.data.io.feedback import FeedbackConfig
from coldrec.data.synth import generate_shop
from coldrec.data.workspace import DatasetInfo, Workspace
from coldrec.evaluation.aggregate import compare, summarize
from coldrec.evaluation.evaluate import evaluate, fit_data
from coldrec.models.base import Recommender
from coldrec.models.registry import MODELS, make_model
from coldrec.runs.experiment import catalog_embeddings
from coldrec.split.protocols import make_split
from coldrec.split.segments import describe

PUBLIC = {"movielens": "movielens_latest_small", "gift_cards": "amazon2018_gift_cards",
          "magazines": "amazon2018_magazine_subscriptions"}
# Positives per public set: MovieLens from 4 stars; Amazon reviews all count (see the module docstring).
FEEDBACK = {"movielens": FeedbackConfig(rating_threshold=4.0)}
SLOW = ("transfer",)  # fine-tunes the sentence encoder: minutes; only when asked for by name
K = 20
SEGMENTS = ("all", "cold", "warm")
# Smoke mode: schedules short enough for a test, not for figures.
QUICK_PARAMS: dict[str, dict] = {
    "bpr": {"epochs": 2, "fold_in_steps": 3},
    "twotower": {"epochs": 1, "min_steps": 5},
    "distill": {"epochs": 1, "min_steps": 5, "agreement_users": 20},
    "adapter": {"epochs": 1, "max_steps": 5},
    "transfer": {"max_steps": 2, "min_steps": 1, "max_pairs": 64},
}


def default_models() -> list[str]:
    """Every registered model except the slow ones."""
    return [m for m in MODELS if m not in SLOW]


def data_folder(name: str) -> Path:
    """The folder of a public dataset under the first data root that has it."""
    for root in public_data_roots():
        if (root / PUBLIC[name]).is_dir():
            return root / PUBLIC[name]
    raise FileNotFoundError(f"{PUBLIC[name]} not found under {public_data_roots() or '../shared/data'}")


def load_dataset(ws: Workspace, name: str, quick: bool) -> DatasetInfo:
    """Store the chosen dataset in ``ws`` and return it."""
    if quick:
        inter, cat = generate_shop(n_users=150, n_items=200, n_interactions=2000, seed=0)
        result = ingest_frames(ws, inter, cat, "quick shop", digest="benchmarks.models quick shop")
    elif name == "sample":
        result = ingest(ws, sample_dir() / "interactions.csv", sample_dir() / "catalog.csv", name="sample")
    else:
        result = import_and_store(ws, data_folder(name), IngestOptions(feedback=FEEDBACK.get(name, FeedbackConfig())))
    if result.dataset is None:
        raise RuntimeError(f"{name} did not pass validation: {result.report.issues}")
    return result.dataset


def fit_timed(names: list[str], data, params: dict[str, dict]) -> tuple[dict[str, Recommender], dict[str, float],
                                                                        dict[str, str]]:
    """Fit each model in turn; (models, fit seconds, failures as 'Type: message')."""
    models, seconds, failed = {}, {}, {}
    for name in names:
        start = time.perf_counter()
        try:
            models[name] = make_model(name.split("@")[0], params.get(name.split("@")[0])).fit(data)
        except Exception as exc:  # noqa: BLE001 - one model failing must not hide the others' figures
            failed[name] = f"{type(exc).__name__}: {exc}"
        seconds[name] = time.perf_counter() - start
    return models, seconds, failed


def headline_table(summary: pd.DataFrame, seconds: dict[str, float], text_models: set[str]) -> pd.DataFrame:
    """One row per model: fit s, NDCG/Recall@20 mean and CI per user segment, NDCG ratio to the peer."""
    part = summary[(summary["by"] == "segment") & (summary["item_segment"] == "all") & (summary["k"] == K)
                   & summary["metric"].isin(["ndcg", "recall"])]
    rows = []
    for model, block in part.groupby("model", sort=False):
        row = {"model": model, "fit_s": seconds.get(model, np.nan), "text": model in text_models}
        for r in block.itertuples():
            row[(r.metric, r.group)] = (r.mean, r.ci_low, r.ci_high)
            row[("n", r.group)] = r.n_users
        rows.append(row)
    table = pd.DataFrame(rows).set_index("model")
    overall = table[("ndcg", "all")].map(lambda t: t[0])
    no_text = overall[~table["text"]]
    peer = no_text.idxmax() if len(no_text) else None
    # Without text a cold item can only be ranked below every seen one: on cold-item splits the peer scores 0
    # and a ratio to it means nothing, so the ratios are taken to the content model (no training) instead.
    ref = peer if peer is not None and overall[peer] > 0 else ("content" if "content" in table.index else None)
    for seg in SEGMENTS:
        col = ("ndcg", seg)
        if ref is None or col not in table.columns or not isinstance(table.at[ref, col], tuple):
            continue
        base = table.at[ref, col][0]
        table[("ratio", seg)] = table[col].map(lambda t, b=base: t[0] / b if isinstance(t, tuple) and b > 0 else np.nan)
    table.attrs["peer"], table.attrs["ref"] = peer, ref
    return table


def _cell(t: object) -> str:
    return f"{t[0]:.4f} [{t[1]:.3f}, {t[2]:.3f}]" if isinstance(t, tuple) else "-"


def _ratio(x: object) -> str:
    return f"{x:.2f}x" if isinstance(x, float) and np.isfinite(x) else "-"


def markdown(table: pd.DataFrame, failed: dict[str, str]) -> str:
    """The table as Markdown, best NDCG@20 (all users) first; failed models listed last."""
    segs = [s for s in SEGMENTS if ("ndcg", s) in table.columns]
    n = {s: int(table[("n", s)].max()) for s in segs}
    ref = table.attrs["ref"]
    head = (["model", "fit s"] + [f"NDCG@{K} {s} (n={n[s]})" for s in segs] + [f"Recall@{K} {s}" for s in segs]
            + [f"NDCG {s} / {'peer' if ref == table.attrs['peer'] else ref}" for s in segs
               if ("ratio", s) in table.columns])
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    order = table[("ndcg", "all")].map(lambda t: t[0]).sort_values(ascending=False).index
    for model in order:
        r = table.loc[model]
        name = f"{model}{' (text)' if r['text'] else ''}{' = peer' if model == table.attrs['peer'] else ''}"
        cells = [name, f"{r['fit_s']:.3f}" if r["fit_s"] < 0.1 else f"{r['fit_s']:.2f}"]
        cells += [_cell(r.get(("ndcg", s))) for s in segs]
        cells += [_cell(r.get(("recall", s))) for s in segs]
        cells += [_ratio(r.get(("ratio", s))) for s in segs if ("ratio", s) in table.columns]
        lines.append("| " + " | ".join(cells) + " |")
    for model, why in failed.items():
        lines.append(f"| {model} | failed: {why[:120]} |" + " |" * (len(head) - 2))
    return "\n".join(lines)


def encoder_lift(per_user: pd.DataFrame, a: str, b: str) -> str:
    """Paired NDCG@20 lift of model ``a`` over ``b`` per user segment, bootstrapped on the same users."""
    diff = compare(per_user, a, b)
    part = diff[(diff["item_segment"] == "all") & (diff["metric"] == "ndcg") & (diff["k"] == K)]
    out = []
    for r in part.itertuples():
        out.append(f"{a} vs {b}, NDCG@{K} {r.group} users (n={r.n_users}): {r.mean_a:.4f} vs {r.mean_b:.4f}, "
                   f"diff {r.diff:+.4f} [{r.diff_low:+.4f}, {r.diff_high:+.4f}], "
                   f"lift {r.lift:+.1%} [{r.lift_low:+.1%}, {r.lift_high:+.1%}]")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dataset", default="sample", choices=["sample", *PUBLIC])
    p.add_argument("--protocol", default="cold_user", choices=["cold_user", "cold_item", "leave_last_out"])
    p.add_argument("--encoder", default="minilm", help="minilm | hashing | a model folder")
    p.add_argument("--models", default=None, help=f"comma-separated (default: all but {', '.join(SLOW)})")
    p.add_argument("--compare-encoder", default=None, metavar="ENC",
                   help="also fit the content model on ENC's embeddings (as content@ENC); print the paired lift")
    p.add_argument("--threads", type=int, default=1, help="torch threads (default 1, as the app's worker)")
    p.add_argument("--workspace", default=None, help="reuse this workspace (its embedding cache); default: temp")
    p.add_argument("--quick", action="store_true", help="a tiny synthetic shop, short schedules (smoke mode)")
    args = p.parse_args(argv)
    names = args.models.split(",") if args.models else default_models()
    unknown = [m for m in names if m not in MODELS]
    if unknown:
        p.error(f"unknown models {unknown}; choose from {list(MODELS)}")
    if args.quick and args.dataset != "sample":
        p.error("--quick runs on a tiny synthetic shop; leave --dataset at sample")
    import torch

    torch.set_num_threads(args.threads)
    params = QUICK_PARAMS if args.quick else {}
    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace(Path(args.workspace) if args.workspace else Path(tmp) / "ws")
        return run(ws, args, names, params)


def run(ws: Workspace, args: argparse.Namespace, names: list[str], params: dict[str, dict]) -> dict:
    """Load, split, embed, fit, evaluate and print; returns the figures for tests and notebooks."""
    ds = load_dataset(ws, args.dataset, args.quick)
    inter, catalog = ws.load_interactions(ds.id), ws.load_catalog(ds.id)
    item_ids = pd.Index(catalog[Columns.item])
    split = make_split(inter, catalog, {"protocol": args.protocol})
    text = {m for m in names if MODELS[m].uses_text}
    emb, enc_s = None, 0.0
    if text:
        start = time.perf_counter()
        emb, _ = catalog_embeddings(ws, catalog, args.encoder)
        enc_s = time.perf_counter() - start
    models, seconds, failed = fit_timed(names, fit_data(split, item_ids, emb, catalog, args.encoder), params)
    extra = f"content@{args.compare_encoder}" if args.compare_encoder else None
    if extra:
        other, _ = catalog_embeddings(ws, catalog, args.compare_encoder)
        more, secs, fails = fit_timed([extra], fit_data(split, item_ids, other, catalog, args.compare_encoder), params)
        models.update(more)
        seconds.update(secs)
        failed.update(fails)
        text.add(extra)
    start = time.perf_counter()
    result = evaluate(models, split, item_ids, ks=(K,), embeddings=emb)
    eval_s = time.perf_counter() - start
    summary = summarize(result.per_user, by=("segment",))
    table = headline_table(summary, seconds, text)
    counts = describe(split)
    print(f"# benchmarks.models: {'quick shop' if args.quick else args.dataset}, protocol {args.protocol}, "
          f"encoder {args.encoder} ({enc_s:.1f} s to embed the catalog)")
    print(f"# {ds.n_interactions:,} interactions, {ds.n_items:,} catalog items; split: "
          + ", ".join(f"{k} {v:.2f}" if isinstance(v, float) else f"{k} {v}" for k, v in counts.items()))
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, python "
          f"{platform.python_version()}, torch threads {args.threads}, load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}; evaluation {eval_s:.1f} s")
    peer, ref = table.attrs["peer"], table.attrs["ref"]
    print(f"# peer (best model without text): {peer}"
          + ("" if ref == peer else f"; it scores 0 here (no cold-item ranking without text), ratios are to {ref}"))
    print(markdown(table, failed))
    lift = ""
    if extra and "content" in models and extra in models:
        lift = encoder_lift(result.per_user, "content", extra)
        print(f"# content on {args.encoder} vs on {args.compare_encoder} (paired bootstrap, same users)")
        print(lift)
    return {"table": table, "failed": failed, "seconds": seconds, "encode_s": enc_s, "eval_s": eval_s,
            "summary": summary, "lift": lift, "split": counts}


if __name__ == "__main__":
    main()
