"""Time and peak memory of each pipeline stage on synthetic shops from 10k to 1M interactions.

Run: ``python -m benchmarks.scaling [--sizes 10000,30000,100000,300000,1000000] [--smoke]
[--svg benchmarks/scaling.svg]``.

Each size is a ``coldrec.data.synth.generate_shop`` with one item per 10 interactions (100k items at 1M) and one
user per 5. Stages, in order, on one thread (as the app's worker): ingest (validate, clean, store; from
frames), split (cold_user), encode the catalog with the hashing encoder, encode with MiniLM (fp32, only while
the catalog has at most ``--minilm-max-items`` items; above that the time is extrapolated from the measured
rate and marked so), fit popularity / itemknn / ease / bpr / content, and evaluate every fitted model on at most
``--eval-users`` test users (top-20 over the whole catalog; users/s in the table). EASE is skipped above
``--ease-max-items`` items: its dense n x n inverse needs 4 n^2 bytes (40 GB at 100k items) and cubic time.
BPR trains ``--bpr-epochs`` epochs (default 10 rather than its 60: the cost per epoch is what scales) and is
skipped above ``--bpr-max-interactions``. Memory is the peak resident-set growth during the stage (a 10 ms
sampler, see ``benchmarks.peers.PeakRSS``). The chart (seconds per stage against interactions, log-log) is an
SVG written by this script; RESULTS.md shows it with ``![...](scaling.svg)``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from benchmarks.encode_speed import machine_line
from benchmarks.peers import PeakRSS, subsample
from coldrec.columns import Columns
from coldrec.data.ingest import ingest_frames
from coldrec.data.synth import generate_shop
from coldrec.data.workspace import Workspace
from coldrec.evaluation.evaluate import eval_users, fit_data, rank_users
from coldrec.models.registry import make_model
from coldrec.runs.experiment import catalog_embeddings
from coldrec.split.protocols import make_split

SIZES = (10_000, 30_000, 100_000, 300_000, 1_000_000)
SMOKE_SIZES = (2_000, 5_000)
MODELS = ("popularity", "itemknn", "ease", "bpr", "content")


def shape(n_interactions: int) -> tuple[int, int]:
    """(users, items) of the shop with ``n_interactions`` rows."""
    return max(50, n_interactions // 5), max(200, n_interactions // 10)


def measure(rows: list[dict], size: int, stage: str, fn: Callable[[], Any], note: str = "") -> Any:
    """Run ``fn``, appending its seconds and peak RSS growth (MB) as one row."""
    start = time.perf_counter()
    with PeakRSS() as mem:
        out = fn()
    rows.append({"interactions": size, "stage": stage, "seconds": time.perf_counter() - start,
                 "peak_mb": mem.peak / 1e6, "note": note})
    return out


def skip(rows: list[dict], size: int, stage: str, why: str) -> None:
    rows.append({"interactions": size, "stage": stage, "seconds": math.nan, "peak_mb": math.nan, "note": why})


def run_size(size: int, args: argparse.Namespace, root: Path) -> list[dict]:
    """Every stage at one size; one row per stage."""
    rows: list[dict] = []
    n_users, n_items = shape(size)
    inter, catalog = generate_shop(n_users=n_users, n_items=n_items, n_interactions=size, seed=0)
    ws = Workspace(root / f"ws-{size}")
    result = measure(rows, size, "ingest", lambda: ingest_frames(ws, inter, catalog, f"shop {size}",
                                                                 digest=f"benchmarks.scaling {size}"))
    ds = result.dataset
    inter, catalog = ws.load_interactions(ds.id), ws.load_catalog(ds.id)
    item_ids = pd.Index(catalog[Columns.item])
    split = measure(rows, size, "split", lambda: make_split(inter, catalog, {"protocol": "cold_user"}))
    emb = measure(rows, size, "encode hashing", lambda: catalog_embeddings(ws, catalog, "hashing")[0])
    if n_items <= args.minilm_max_items:
        measure(rows, size, "encode MiniLM", lambda: catalog_embeddings(ws, catalog, args.minilm)[0])
        args.minilm_rate = n_items / rows[-1]["seconds"]
    elif getattr(args, "minilm_rate", None):
        rows.append({"interactions": size, "stage": "encode MiniLM", "seconds": n_items / args.minilm_rate,
                     "peak_mb": math.nan, "note": f"extrapolated from {args.minilm_rate:.0f} texts/s"})
    else:
        why = "not in smoke mode" if args.smoke else f"over {args.minilm_max_items:,} items"
        skip(rows, size, "encode MiniLM", why)
    data = fit_data(split, item_ids, emb, catalog, "hashing")
    models = {}
    for name in MODELS:
        if name == "ease" and n_items > args.ease_max_items:
            skip(rows, size, "fit ease", f"{n_items:,} items: dense inverse needs {4 * n_items ** 2 / 1e9:.0f} GB")
            continue
        if name == "bpr" and size > args.bpr_max_interactions:
            skip(rows, size, "fit bpr", f"over {args.bpr_max_interactions:,} interactions")
            continue
        params = {"epochs": args.bpr_epochs} if name == "bpr" else None
        models[name] = measure(rows, size, f"fit {name}", lambda n=name, p=params: make_model(n, p).fit(data))
    users = subsample(eval_users(split, item_ids), args.eval_users)
    for name, model in models.items():
        measure(rows, size, f"evaluate {name}", lambda m=model: rank_users(m, users, 20),
                note=f"{len(users.user_ids):,} users")
        rows[-1]["users_per_s"] = len(users.user_ids) / rows[-1]["seconds"]
    return rows


def markdown(frame: pd.DataFrame) -> str:
    """Stages as rows, sizes as columns: seconds (peak MB)."""
    sizes = sorted(frame["interactions"].unique())
    head = ["stage"] + [f"{s:,} ({shape(s)[1]:,} items)" for s in sizes]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for stage in dict.fromkeys(frame["stage"]):
        cells = [stage]
        for s in sizes:
            r = frame[(frame["stage"] == stage) & (frame["interactions"] == s)]
            if r.empty:
                cells.append("-")
                continue
            r = r.iloc[0]
            if pd.isna(r["seconds"]):
                cells.append(f"skipped: {r['note']}")
                continue
            cell = f"{r['seconds']:.2f} s" if r["seconds"] < 100 else f"{r['seconds']:.0f} s"
            if pd.notna(r["peak_mb"]):
                cell += f", {r['peak_mb']:.0f} MB"
            if "users_per_s" in r and pd.notna(r.get("users_per_s")):
                cell += f", {r['users_per_s']:,.0f} users/s"
            if r["note"].startswith("extrapolated"):
                cell = f"~{r['seconds']:.0f} s ({r['note']})"
            cells.append(cell)
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
          "#17becf", "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173")


def svg_chart(frame: pd.DataFrame, title: str, width: int = 760, height: int = 440) -> str:
    """Seconds per stage against interactions, both axes log10; plain SVG (renders on GitHub, no image export)."""
    data = frame[frame["seconds"].notna() & (frame["seconds"] > 0)]
    stages = list(dict.fromkeys(data["stage"]))
    left, right, top, bottom = 60, 210, 40, 50
    xs, ys = data["interactions"], data["seconds"]
    x0, x1 = math.floor(math.log10(xs.min())), math.ceil(math.log10(xs.max()))
    y0, y1 = math.floor(math.log10(max(ys.min(), 1e-3))), math.ceil(math.log10(ys.max()))
    x1, y1 = max(x1, x0 + 1), max(y1, y0 + 1)

    def px(x: float) -> float:
        return left + (math.log10(x) - x0) / (x1 - x0) * (width - left - right)

    def py(y: float) -> float:
        return height - bottom - (math.log10(max(y, 10 ** y0)) - y0) / (y1 - y0) * (height - top - bottom)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'font-family="sans-serif" font-size="11">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="{left}" y="20" font-size="13">{title}</text>']
    for e in range(x0, x1 + 1):
        x = px(10 ** e)
        out += [f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{height - bottom}" stroke="#ddd"/>',
                f'<text x="{x:.1f}" y="{height - bottom + 15}" text-anchor="middle">{10 ** e:,}</text>']
    for e in range(y0, y1 + 1):
        y = py(10 ** e)
        out += [f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="#ddd"/>',
                f'<text x="{left - 5}" y="{y + 4:.1f}" text-anchor="end">{10 ** e:g} s</text>']
    out.append(f'<text x="{(left + width - right) / 2}" y="{height - 12}" text-anchor="middle">interactions '
               '(items = interactions / 10)</text>')
    for i, stage in enumerate(stages):
        part = data[data["stage"] == stage].sort_values("interactions")
        color = COLORS[i % len(COLORS)]
        dash = ' stroke-dasharray="4 3"' if part["note"].str.startswith("extrapolated").any() else ""
        pts = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in zip(part["interactions"], part["seconds"], strict=True))
        out.append(f'<polyline points="{pts}" fill="none" stroke="{color}" stroke-width="2"{dash}/>')
        out += [f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="3" fill="{color}"/>'
                for x, y in zip(part["interactions"], part["seconds"], strict=True)]
        ly = top + 14 * i
        out += [f'<line x1="{width - right + 10}" y1="{ly}" x2="{width - right + 30}" y2="{ly}" stroke="{color}" '
                f'stroke-width="2"{dash}/>', f'<text x="{width - right + 35}" y="{ly + 4}">{stage}</text>']
    out.append("</svg>")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> pd.DataFrame:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", default=None, help="comma-separated interaction counts")
    p.add_argument("--minilm", default="minilm", help="the sentence encoder spec timed at small sizes")
    p.add_argument("--minilm-max-items", type=int, default=1_000)
    p.add_argument("--ease-max-items", type=int, default=10_000)
    p.add_argument("--bpr-epochs", type=int, default=10)
    p.add_argument("--bpr-max-interactions", type=int, default=300_000)
    p.add_argument("--eval-users", type=int, default=2_000)
    p.add_argument("--svg", default=None, help="write the chart here (default: benchmarks/scaling.svg; none in smoke)")
    p.add_argument("--smoke", action="store_true", help="two tiny shops, hashing encoder only")
    args = p.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else list(SMOKE_SIZES if args.smoke else SIZES)
    if args.smoke:
        args.minilm_max_items, args.bpr_epochs, args.eval_users = 0, 1, 200
    import torch
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(1)
    rows: list[dict] = []
    with threadpool_limits(1), tempfile.TemporaryDirectory() as tmp:
        # Warm-up: first calls import torch, sklearn and pyarrow paths; not a cost of any size.
        run_size(1_000, argparse.Namespace(**{**vars(args), "minilm_max_items": 0}), Path(tmp) / "warm-up")
        for size in sizes:
            start = time.perf_counter()
            rows += run_size(size, args, Path(tmp))
            print(f"# {size:,} interactions: {time.perf_counter() - start:.0f} s", flush=True)
    frame = pd.DataFrame(rows)
    cmd = "python -m benchmarks.scaling" + (" --smoke" if args.smoke else "") + (
        f" --sizes {args.sizes}" if args.sizes else "")
    print(f"\n## Scaling: pipeline stages from {sizes[0]:,} to {sizes[-1]:,} interactions "
          f"({dt.date.today().isoformat()})\n")
    print(f"`{cmd}`\n")
    print(f"{machine_line(1)}; everything on one thread. Cells: seconds, peak RSS growth during the stage; "
          f"evaluation on at most {args.eval_users:,} test users (top-20 over the whole catalog). BPR at "
          f"{args.bpr_epochs} epochs.\n")
    print(markdown(frame))
    svg = args.svg or (None if args.smoke else str(Path(__file__).with_name("scaling.svg")))
    if svg:
        Path(svg).write_text(svg_chart(frame, f"coldrec pipeline stages, seconds (log-log), {dt.date.today()}"))
        print(f"\n![seconds per stage against interactions]({Path(svg).name})")
    return frame


if __name__ == "__main__":
    main()
