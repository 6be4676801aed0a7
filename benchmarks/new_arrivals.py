"""New arrivals: after a time cut, do new items win the slots users actually gave them?

Run: ``python -m benchmarks.new_arrivals [--datasets sample,gift_cards,magazines,movielens] [--models ...]
[--encoder minilm] [--workspace DIR] [--max-users 1000] [--smoke]``.

The ``new_arrivals`` split (``coldrec.split.protocols.NewArrivalsConfig``): every interaction after the cut is
test, warm and new items together. Per model, on the same users: overall NDCG@20 (coldrec's evaluation, with a
95% interval), recall@20 of the new items alone (users with a new item in their test), and new items' share of
the top-20 slots against their share of the test interactions (a calibrated model shows new items about as
often as users chose them).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.encode_speed import machine_line
from benchmarks.models import load_dataset
from benchmarks.peers import K, build, subsample
from coldrec.columns import Columns
from coldrec.data.workspace import Workspace
from coldrec.evaluation.aggregate import summarize
from coldrec.evaluation.evaluate import eval_users, fit_data, item_facts, rank_users, user_rows
from coldrec.models.registry import MODELS
from coldrec.runs.experiment import catalog_embeddings
from coldrec.split.protocols import make_split

DEFAULT_MODELS = ("popularity", "content", "ease", "itemknn", "hybrid", "cb2cf")


def new_item_figures(top: np.ndarray, relevant: list[np.ndarray], new: np.ndarray) -> tuple[float, float]:
    """(recall@K of new items over users who have one, new items' share of the top-K slots)."""
    new_idx = np.flatnonzero(new)
    recalls = [np.isin(t, r[np.isin(r, new_idx)]).sum() / min(int(np.isin(r, new_idx).sum()), K)
               for t, r in zip(top, relevant, strict=True) if np.isin(r, new_idx).any()]
    return (float(np.mean(recalls)) if recalls else float("nan"), float(np.isin(top, new_idx).mean()))


def run_dataset(ws: Workspace, name: str, args: argparse.Namespace) -> str:
    ds = load_dataset(ws, name, args.smoke)
    inter, catalog = ws.load_interactions(ds.id), ws.load_catalog(ds.id)
    emb, _ = catalog_embeddings(ws, catalog, args.encoder)
    item_ids = pd.Index(catalog[Columns.item])
    split = make_split(inter, catalog, {"protocol": "new_arrivals"})
    data = fit_data(split, item_ids, emb, catalog, args.encoder)
    users = subsample(eval_users(split, item_ids), args.max_users)
    facts = item_facts(split, item_ids, emb)
    new = facts.cold
    test_new_share = float(split.test[Columns.item].isin(item_ids[new]).mean())
    lines = [f"### {'tiny synthetic shop (smoke)' if args.smoke else name}: new arrivals\n",
             f"{len(users.user_ids):,} test users; new items are {new.mean():.1%} of the catalog and "
             f"{test_new_share:.1%} of the test interactions.\n",
             f"| model | NDCG@{K} [95% CI] | new-item recall@{K} | new items' share of slots |", "|---|---|---|---|"]
    for model_name in args.models:
        model = build(model_name, args.smoke).fit(data)
        top, auc = rank_users(model, users, K)
        rows = user_rows(users, top, auc, facts, (K,), beyond={}).assign(model=model_name)
        s = summarize(rows[rows["metric"] == "ndcg"], by=("segment",))
        cell = s[(s["group"] == "all") & (s["item_segment"] == "all") & (s["k"] == K)].iloc[0]
        recall, share = new_item_figures(top, users.relevant, new)
        lines.append(f"| {model_name} | {cell['mean']:.4f} [{cell['ci_low']:.3f}, {cell['ci_high']:.3f}] | "
                     f"{recall:.4f} | {share:.1%} (test: {test_new_share:.1%}) |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> str:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--datasets", default="sample,gift_cards,magazines,movielens")
    p.add_argument("--models", default=",".join(DEFAULT_MODELS))
    p.add_argument("--encoder", default=None)
    p.add_argument("--workspace", default=None)
    p.add_argument("--max-users", type=int, default=1000)
    p.add_argument("--smoke", action="store_true", help="a tiny synthetic shop, hashing encoder")
    args = p.parse_args(argv)
    args.models = [m for m in args.models.split(",") if m in MODELS]
    args.encoder = args.encoder or ("hashing" if args.smoke else "minilm")
    out = [f"## New arrivals ({machine_line(1)})\n"]
    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace(Path(args.workspace) if args.workspace else Path(tmp) / "ws")
        for name in (["sample"] if args.smoke else args.datasets.split(",")):
            text = run_dataset(ws, name, args)
            print(text, flush=True)
            out.append(text)
    return "\n".join(out)


if __name__ == "__main__":
    main()
