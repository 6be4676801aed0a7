"""Text encoding paths side by side: throughput, agreement with fp32, and what each does to cold-start NDCG@20.

Run: ``python -m benchmarks.encode_speed [--dataset gift_cards|movielens|magazines|sample] [--threads 1]
[--paths minilm,minilm@bf16,minilm@int8,static] [--smoke]``.

Paths: ``minilm`` (the default fp32 all-MiniLM-L6-v2), ``minilm@bf16`` (autocast to bfloat16),
``minilm@int8`` (dynamic int8 quantisation of the Linear layers), both through
``coldrec.text.load_encoder``; ``static`` is the distilled static-token student
(``coldrec.text.static``), distilled here on the dataset's own catalog texts
(how it is meant to be used; its agreement is therefore in-sample, see
``benchmarks.static_encoder`` for held-out figures) and its distillation time is
reported apart.

Throughput is measured side by side: the catalog texts are cut into chunks and
every path encodes each chunk in turn, so load from other work on the machine
hits all paths alike; the speed-up is the median of the per-chunk ratios to
fp32. Agreement is the cosine of each text's vector with its fp32 vector.
Downstream: the content model (no training) on the dataset's cold-item split,
NDCG@20 over all test users with 95% bootstrap intervals, and the paired
difference to fp32 on the same users (``coldrec.evaluation.aggregate.compare``).
``--smoke``: the sample shop's first 300 items and a minute-scale distillation.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from coldrec.columns import Columns
from coldrec.data.ingest import ingest_frames
from coldrec.data.workspace import Workspace
from coldrec.evaluation.aggregate import compare, summarize
from coldrec.evaluation.evaluate import evaluate, fit_data
from coldrec.models.registry import make_model
from coldrec.split.protocols import make_split
from coldrec.text.factory import load_encoder

K = 20
PATHS = ("minilm", "minilm@bf16", "minilm@int8", "static")


def machine_line(threads: int) -> str:
    """One line naming the machine and its load, for every benchmark section."""
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return (f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
            f"python {platform.python_version()}, torch threads {threads}, load average {load}")


def load_data(ws: Workspace, dataset: str, smoke: bool) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(interactions, catalog) of the dataset, stored in ``ws`` through coldrec's importers."""
    from benchmarks.models import load_dataset

    if smoke:
        from coldrec.data.ingest import sample_dir

        inter = pd.read_csv(sample_dir() / "interactions.csv", dtype={"user_id": str, "item_id": str})
        cat = pd.read_csv(sample_dir() / "catalog.csv", dtype=str).head(300)
        inter = inter[inter["item_id"].isin(cat["item_id"])]
        ds = ingest_frames(ws, inter, cat, "smoke shop", digest="benchmarks.encode_speed smoke").dataset
    else:
        ds = load_dataset(ws, dataset, quick=False)
    return ws.load_interactions(ds.id), ws.load_catalog(ds.id)


def build_encoders(paths: list[str], texts: list[str], smoke: bool, out: Path) -> tuple[dict, dict[str, float]]:
    """Load every path (distilling the static student on ``texts``); (encoders, seconds to build each)."""
    encoders, build_s = {}, {}
    for path in paths:
        start = time.perf_counter()
        if path == "static":
            from coldrec.text.static import distill_static_encoder

            teacher = encoders.get("minilm") or load_encoder("minilm")
            encoders[path] = distill_static_encoder(teacher, texts, out / "static", full_vocab=False,
                                                    epochs=10 if smoke else 100, spans=200 if smoke else 3000)
        else:
            encoders[path] = load_encoder(path)
            encoders[path].encode(["warm up the model"])  # load weights / quantise outside the timed loop
        build_s[path] = time.perf_counter() - start
    return encoders, build_s


def encode_side_by_side(encoders: dict, texts: list[str], chunk: int, batch_size: int = 64
                        ) -> tuple[dict[str, np.ndarray], dict[str, float], dict[str, float]]:
    """Every text through every encoder, chunk by chunk in turn; (vectors, texts/s, median per-chunk ratio)."""
    parts: dict[str, list[np.ndarray]] = {p: [] for p in encoders}
    secs: dict[str, list[float]] = {p: [] for p in encoders}
    for start in range(0, len(texts), chunk):
        block = texts[start:start + chunk]
        for path, enc in encoders.items():
            t0 = time.perf_counter()
            parts[path].append(enc.encode(block, batch_size=batch_size))
            secs[path].append(time.perf_counter() - t0)
    ref = next(iter(encoders))
    rate = {p: len(texts) / sum(s) for p, s in secs.items()}
    ratio = {p: float(np.median(np.array(secs[ref]) / np.array(s))) for p, s in secs.items()}
    return {p: np.concatenate(v) for p, v in parts.items()}, rate, ratio


def downstream(inter: pd.DataFrame, catalog: pd.DataFrame, vectors: dict[str, np.ndarray]) -> pd.DataFrame:
    """Content-model NDCG@20 on the cold-item split per path, and the paired difference to the first path."""
    item_ids = pd.Index(catalog[Columns.item])
    split = make_split(inter, catalog, {"protocol": "cold_item"})
    models = {p: make_model("content").fit(fit_data(split, item_ids, v, catalog, p)) for p, v in vectors.items()}
    per_user = evaluate(models, split, item_ids, ks=(K,)).per_user
    summary = summarize(per_user, by=("segment",))
    part = summary[(summary["group"] == "all") & (summary["item_segment"] == "all") & (summary["metric"] == "ndcg")
                   & (summary["k"] == K)].set_index("model")
    ref = next(iter(vectors))
    rows = []
    for p in vectors:
        row = {"path": p, "ndcg": part.at[p, "mean"], "low": part.at[p, "ci_low"], "high": part.at[p, "ci_high"],
               "n_users": int(part.at[p, "n_users"])}
        if p != ref:
            d = compare(per_user, p, ref)
            d = d[(d["group"] == "all") & (d["item_segment"] == "all") & (d["metric"] == "ndcg") & (d["k"] == K)]
            row.update(diff=float(d["diff"].iloc[0]), diff_low=float(d["diff_low"].iloc[0]),
                       diff_high=float(d["diff_high"].iloc[0]))
        rows.append(row)
    return pd.DataFrame(rows).set_index("path")


def markdown(rate: dict, ratio: dict, cos: dict, build_s: dict, quality: pd.DataFrame) -> str:
    """The table: one row per path."""
    head = ["path", "texts/s", "speed-up vs fp32 (median per chunk)", "cosine with fp32: mean", "min",
            f"content NDCG@{K} cold-item [95% CI]", "paired diff vs fp32 [95% CI]", "load / build s"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for p in rate:
        q = quality.loc[p]
        diff = "-" if "diff" not in q or pd.isna(q.get("diff")) else \
            f"{q['diff']:+.4f} [{q['diff_low']:+.4f}, {q['diff_high']:+.4f}]"
        lines.append(f"| {p} | {rate[p]:,.0f} | {ratio[p]:.2f}x | {cos[p].mean():.4f} | {cos[p].min():.4f} | "
                     f"{q['ndcg']:.4f} [{q['low']:.4f}, {q['high']:.4f}] | {diff} | {build_s[p]:.1f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dataset", default="gift_cards", choices=["sample", "movielens", "gift_cards", "magazines"])
    p.add_argument("--paths", default=",".join(PATHS), help="comma-separated; the first is the reference")
    p.add_argument("--threads", type=int, default=1, help="torch threads (default 1, as the app's worker)")
    p.add_argument("--chunk", type=int, default=256, help="texts per side-by-side timing chunk")
    p.add_argument("--max-texts", type=int, default=None, help="time only the first N catalog texts")
    p.add_argument("--smoke", action="store_true", help="300 sample-shop items, a short distillation")
    args = p.parse_args(argv)
    import torch

    torch.set_num_threads(args.threads)
    paths = args.paths.split(",")
    with tempfile.TemporaryDirectory() as tmp:
        inter, catalog = load_data(Workspace(Path(tmp) / "ws"), args.dataset, args.smoke)
        texts = catalog[Columns.text].fillna("").tolist()
        encoders, build_s = build_encoders(paths, texts, args.smoke, Path(tmp))
        timed = texts[:args.max_texts] if args.max_texts else texts
        vectors, rate, ratio = encode_side_by_side(encoders, timed, 64 if args.smoke else args.chunk)
        if len(timed) < len(texts):
            vectors = {q: enc.encode(texts) for q, enc in encoders.items()}
    ref = paths[0]
    cos = {q: (v * vectors[ref]).sum(axis=1) for q, v in vectors.items()}
    quality = downstream(inter, catalog, vectors)
    name = "sample shop (300 items, smoke)" if args.smoke else args.dataset
    print(f"## Text encoding paths: {name} ({dt.date.today().isoformat()})\n")
    cmd = "--smoke" if args.smoke else f"--dataset {args.dataset}"
    print(f"`python -m benchmarks.encode_speed {cmd} --threads {args.threads}`\n")
    print(f"{machine_line(args.threads)}; {len(timed):,} catalog texts timed in chunks of "
          f"{64 if args.smoke else args.chunk}, every path in turn per chunk; cold-item split of "
          f"{len(inter):,} interactions, {int(quality['n_users'].iloc[0]):,} test users."
          + (" `static` distilled on this catalog's texts (agreement in-sample); its build time is the distillation."
             if "static" in paths else "") + "\n")
    print(markdown(rate, ratio, cos, build_s, quality))
    return {"rate": rate, "ratio": ratio, "cosine": {q: float(c.mean()) for q, c in cos.items()},
            "quality": quality, "build_s": build_s}


if __name__ == "__main__":
    main()
