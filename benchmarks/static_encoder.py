"""The distilled static-token student vs its MiniLM teacher: speed against cold-item quality in one table.

Run: ``python -m benchmarks.static_encoder [--datasets gift_cards,magazines,movielens,sample] [--quick]``.

For each dataset: the cold-item split (``coldrec.split``), then the student is
distilled (``coldrec.text.static.distill_static_encoder``) on the texts of the
split's *warm* items only (items with train interactions) plus word spans of
them; every other catalog text (the held-out cold items the content model
ranks, and the never-rated catalog items they compete with) is passed as
``exclude``, so the student never trains on a text it is scored on. Both
encoders then embed the whole catalog side by side in chunks (texts/s and the
median per-chunk speed-up over fp32 MiniLM, measured in the same run), and the
content model's NDCG@20 on cold items is compared with the paired bootstrap
interval of the difference (``benchmarks.encode_speed.downstream``).
``--quick``: the sample shop's first 300 items, a short distillation (smoke mode).
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from pathlib import Path

import pandas as pd

from benchmarks.encode_speed import downstream, encode_side_by_side, load_data, machine_line
from coldrec.columns import Columns
from coldrec.data.workspace import Workspace
from coldrec.split.protocols import make_split
from coldrec.text.factory import load_encoder
from coldrec.text.static import distill_static_encoder

DATASETS = ("gift_cards", "magazines", "movielens", "sample")


def training_texts(inter: pd.DataFrame, catalog: pd.DataFrame) -> tuple[list[str], list[str]]:
    """(texts of the cold-item split's warm items, every other catalog text) -- train on the first only."""
    split = make_split(inter, catalog, {"protocol": "cold_item"})
    warm = catalog[Columns.item].isin(set(split.train[Columns.item])).to_numpy()
    texts = catalog[Columns.text].fillna("").to_numpy()
    return texts[warm].tolist(), texts[~warm].tolist()


def one_dataset(dataset: str, teacher: object, quick: bool, tmp: Path) -> dict:
    """Distil on warm texts, time both encoders side by side, score cold items; one row of the table."""
    inter, catalog = load_data(Workspace(tmp / dataset / "ws"), dataset, quick)
    train, held = training_texts(inter, catalog)
    start = time.perf_counter()
    student = distill_static_encoder(teacher, train, tmp / dataset / "static", exclude=held,
                                     full_vocab=not quick, epochs=10 if quick else 100, spans=200 if quick else 2000)
    build_s = time.perf_counter() - start
    texts = catalog[Columns.text].fillna("").tolist()
    vectors, rate, ratio = encode_side_by_side({"minilm": teacher, "static": student}, texts, 64 if quick else 256)
    quality = downstream(inter, catalog, vectors)
    cold = ~catalog[Columns.text].isin(set(train)).to_numpy()
    cos = (vectors["static"][cold] * vectors["minilm"][cold]).sum(axis=1)
    return {"dataset": dataset, "n_texts": len(texts), "n_train": len(train), "n_held": len(held),
            "minilm_rate": rate["minilm"], "static_rate": rate["static"], "speedup": ratio["static"],
            "cold_cosine": float(cos.mean()), "build_s": build_s, **_quality_row(quality)}


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
        lines.append(
            f"| {r['dataset']} | {r['n_texts']:,} ({r['n_train']:,} / {r['n_held']:,}) | {r['minilm_rate']:,.0f} | "
            f"{r['static_rate']:,.0f} | {r['speedup']:.0f}x | {r['cold_cosine']:.3f} | {r['n_users']:.0f} | "
            f"{r['minilm_ndcg']:.4f} | {r['static_ndcg']:.4f} | {r['ratio']:.0%} [{r['ratio_low']:.0%}, "
            f"{r['ratio_high']:.0%}] | {r['diff']:+.4f} [{r['diff_low']:+.4f}, {r['diff_high']:+.4f}] | "
            f"{r['build_s']:.0f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict[str, dict]:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--datasets", default=",".join(DATASETS), help="comma-separated, from " + ", ".join(DATASETS))
    p.add_argument("--quick", action="store_true", help="300 sample-shop items, a short distillation (smoke mode)")
    args = p.parse_args(argv)
    import torch

    torch.set_num_threads(1)
    datasets = ["sample"] if args.quick else args.datasets.split(",")
    teacher = load_encoder("minilm")
    teacher.encode(["warm up the model"])
    with tempfile.TemporaryDirectory() as tmp:
        rows = [one_dataset(d, teacher, args.quick, Path(tmp)) for d in datasets]
    cmd = "--quick" if args.quick else f"--datasets {','.join(datasets)}"
    print(f"## Distilled static encoder vs MiniLM: speed against cold-item quality ({dt.date.today().isoformat()})\n")
    print(f"`OMP_NUM_THREADS=1 python -m benchmarks.static_encoder {cmd}`\n")
    print(f"{machine_line(1)}. Student distilled on the warm items' texts of each cold-item split (plus word "
          "spans of them), never on a held-out text; content model, cold-item protocol, NDCG@20 over all test "
          "users; the ratio's interval is the paired bootstrap interval of the difference over MiniLM's mean.\n")
    print(markdown(rows))
    return {r["dataset"]: r for r in rows}


if __name__ == "__main__":
    main()
