"""The distilled static-token student vs its MiniLM teacher: speed against cold-item quality in one table.

Run: ``python -m benchmarks.static_encoder [--datasets gift_cards,magazines,movielens,sample]
[--train-on catalog|warm] [--quick]``.

For each dataset: the cold-item split (``coldrec.split``), then the student is
distilled (``coldrec.text.static.distill_static_encoder``) on the shop's own
texts without the held-out ones, passed as ``exclude`` so that they never
reach the teacher and no span is cut from them. ``--train-on catalog``
(default): every catalog text except the held-out cold items' (items with test
interactions), as a shop distils on its catalog before new items arrive;
``--train-on warm``: only the warm items' texts (the never-rated catalog items
are held out too). Speed: both encoders time the same chunks in turn (held-out
texts first, up to ``--timed``), the speed-up is the median per-chunk ratio to
fp32 MiniLM in the same run. Quality: the content model's NDCG@20 on cold items
with each encoder's vectors, and the paired bootstrap interval of the
difference (``benchmarks.encode_speed.downstream``).
``--quick``: the sample shop's first 300 items, a short distillation (smoke mode).
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchmarks.encode_speed import downstream, encode_side_by_side, load_data, machine_line
from coldrec.columns import Columns
from coldrec.data.workspace import Workspace
from coldrec.split.protocols import make_split
from coldrec.text.factory import load_encoder
from coldrec.text.static import distill_static_encoder

DATASETS = ("gift_cards", "magazines", "movielens", "sample")
TRAIN_ON = {"catalog": "every catalog text except the held-out cold items' (items with test interactions)",
            "warm": "the texts of the cold-item split's warm items only"}


def training_texts(inter: pd.DataFrame, catalog: pd.DataFrame, train_on: str = "catalog"
                   ) -> tuple[list[str], list[str]]:
    """(texts the student may train on, held-out texts it must not) for the cold-item split.

    ``catalog``: every catalog text except those of the held-out cold items (items with test
    interactions), as a shop would distil on its catalog before new items arrive. ``warm``: only the
    texts of items with train interactions (stricter: the never-rated catalog items are held out too).
    """
    split = make_split(inter, catalog, {"protocol": "cold_item"})
    chosen = split.test if train_on == "catalog" else split.train
    inside = catalog[Columns.item].isin(set(chosen[Columns.item])).to_numpy()
    keep = ~inside if train_on == "catalog" else inside
    texts = catalog[Columns.text].fillna("").to_numpy()
    held = set(texts[~keep].tolist())
    return [t for t in texts[keep].tolist() if t not in held], sorted(held)


class _Remembered:
    """The teacher, answering from already computed vectors for texts it has embedded (not used for timing)."""

    def __init__(self, teacher: Any, texts: list[str], vectors: np.ndarray) -> None:
        self.teacher, self.key, self.model = teacher, teacher.key, teacher.model
        self.memo = dict(zip(texts, vectors, strict=True))

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        new = [t for t in dict.fromkeys(texts) if t not in self.memo]
        if new:
            self.memo.update(zip(new, self.teacher.encode(new, batch_size=batch_size), strict=True))
        return np.stack([self.memo[t] for t in texts])


def one_dataset(dataset: str, teacher: Any, args: argparse.Namespace, tmp: Path) -> dict:
    """Distil without the held-out texts, time both encoders side by side, score cold items; one table row."""
    inter, catalog = load_data(Workspace(tmp / dataset / "ws"), dataset, args.quick)
    train, held = training_texts(inter, catalog, args.train_on)
    texts = catalog[Columns.text].fillna("").tolist()
    minilm = teacher.encode(texts)  # once, untimed: the content model's reference vectors
    start = time.perf_counter()
    student = distill_static_encoder(_Remembered(teacher, texts, minilm), train, tmp / dataset / "static",
                                     exclude=held, full_vocab=not args.quick, epochs=10 if args.quick else 100,
                                     spans=200 if args.quick else 2000)
    build_s = time.perf_counter() - start
    timed = held + [t for t in texts if t not in set(held)][:max(0, args.timed - len(held))]
    _, rate, ratio = encode_side_by_side({"minilm": teacher, "static": student}, timed, 64 if args.quick else 256)
    vectors = {"minilm": minilm, "static": student.encode(texts)}
    quality = downstream(inter, catalog, vectors)
    out = catalog[Columns.text].isin(set(held)).to_numpy()
    cos = (vectors["static"][out] * vectors["minilm"][out]).sum(axis=1)
    return {"dataset": dataset, "n_texts": len(texts), "n_train": len(train), "n_held": len(held),
            "n_timed": len(timed), "minilm_rate": rate["minilm"], "static_rate": rate["static"],
            "speedup": ratio["static"], "cold_cosine": float(cos.mean()), "build_s": build_s, **_quality_row(quality)}


def _quality_row(q: pd.DataFrame) -> dict[str, float]:
    """NDCG of each, the ratio, and the paired interval of the difference as a ratio (reference mean fixed)."""
    ref, st = q.loc["minilm"], q.loc["static"]
    return {"n_users": float(ref["n_users"]), "minilm_ndcg": float(ref["ndcg"]), "static_ndcg": float(st["ndcg"]),
            "ratio": float(st["ndcg"] / ref["ndcg"]), "ratio_low": float(1 + st["diff_low"] / ref["ndcg"]),
            "ratio_high": float(1 + st["diff_high"] / ref["ndcg"]), "diff": float(st["diff"]),
            "diff_low": float(st["diff_low"]), "diff_high": float(st["diff_high"])}


def markdown(rows: list[dict]) -> str:
    """Speed against quality: one row per dataset."""
    head = ["dataset", "texts (train / held out)", "MiniLM fp32 texts/s", "static texts/s", "speed-up (median/chunk)",
            "cos on held-out texts", "users", "MiniLM NDCG@20", "static NDCG@20", "static / MiniLM [paired 95%]",
            "difference [paired 95%]", "distil s"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        lines.append(row_line(r))
    return "\n".join(lines)


def row_line(r: dict) -> str:
    """One dataset's row of :func:`markdown`."""
    return (
            f"| {r['dataset']} | {r['n_texts']:,} ({r['n_train']:,} / {r['n_held']:,}) | {r['minilm_rate']:,.0f} | "
            f"{r['static_rate']:,.0f} | {r['speedup']:.0f}x | {r['cold_cosine']:.3f} | {r['n_users']:.0f} | "
            f"{r['minilm_ndcg']:.4f} | {r['static_ndcg']:.4f} | {r['ratio']:.0%} [{r['ratio_low']:.0%}, "
            f"{r['ratio_high']:.0%}] | {r['diff']:+.4f} [{r['diff_low']:+.4f}, {r['diff_high']:+.4f}] | "
            f"{r['build_s']:.0f} |")


def main(argv: list[str] | None = None) -> dict[str, dict]:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--datasets", default=",".join(DATASETS), help="comma-separated, from " + ", ".join(DATASETS))
    p.add_argument("--train-on", default="catalog", choices=["catalog", "warm"],
                   help="catalog: all texts but the held-out cold items'; warm: warm items' texts only")
    p.add_argument("--timed", type=int, default=1024, help="texts timed side by side (held-out ones first)")
    p.add_argument("--quick", action="store_true", help="300 sample-shop items, a short distillation (smoke mode)")
    args = p.parse_args(argv)
    import torch

    torch.set_num_threads(1)
    datasets = ["sample"] if args.quick else args.datasets.split(",")
    teacher = load_encoder("minilm")
    teacher.encode(["warm up the model"])
    cmd = "--quick" if args.quick else f"--datasets {','.join(datasets)} --train-on {args.train_on}"
    print(f"## Distilled static encoder vs MiniLM: speed against cold-item quality ({dt.date.today().isoformat()})\n")
    print(f"`OMP_NUM_THREADS=1 python -m benchmarks.static_encoder {cmd}`\n")
    print(f"{machine_line(1)}. Student distilled on {TRAIN_ON[args.train_on]} (plus word spans of them), never "
          "on a held-out text; content model, cold-item protocol, NDCG@20 over all test users; speed timed side by "
          f"side on up to {args.timed} catalog texts (held-out first); the ratio's interval is the paired bootstrap "
          "interval of the difference over MiniLM's mean.\n")
    print(markdown([]), flush=True)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for d in datasets:
            rows.append(one_dataset(d, teacher, args, Path(tmp)))
            print(row_line(rows[-1]), flush=True)
    return {r["dataset"]: r for r in rows}

if __name__ == "__main__":
    main()
