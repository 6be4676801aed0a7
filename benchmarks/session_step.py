"""Latency of one simulator step: encode the words, score every item, take the top K; and of one click.

Run: ``python -m benchmarks.session_step [--smoke] [--sizes 10000 100000] [--encoders minilm hashing]``.

Target (issue #6): p50 < 30 ms and p99 < 100 ms per step at 100k items on the
project machine. The item side is synthetic (random unit vectors in the
encoder's dimension: scoring cost depends on the shape, not the values); the
query side is the real encoder, fed a different text at every step so nothing
is cached. A *query step* is ``start_session`` (encode) + the content model's
``score`` + ``top_k``; a *click step* is the interest update + ``score`` +
``top_k`` with the clicks excluded; *recommend* is the page's full call
(``Simulator.recommend``: the list as a table with reasons), after a click.
Single-threaded torch/BLAS (``OMP_NUM_THREADS=1``), as the app runs beside a
training worker on 2 cores.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # before numpy/torch load their thread pools
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import argparse  # noqa: E402
import platform  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from coldrec.models import ContentModel
from coldrec.models.base import FitData  # noqa: E402
from coldrec.ranking import top_k  # noqa: E402
from coldrec.simulation.session import Simulator, click, session_context, start_session  # noqa: E402
from coldrec.text.factory import load_encoder  # noqa: E402

TARGET_P50_MS, TARGET_P99_MS = 30.0, 100.0
WORDS = ("coffee", "tent", "baby", "runner", "kitchen", "gift", "light", "warm", "travel", "quiet", "steel", "wool")


def _queries(n: int, seed: int = 0) -> list[str]:
    """Distinct short queries, so no step can reuse an earlier encoding."""
    rng = np.random.default_rng(seed)
    return [" ".join(rng.choice(WORDS, 4)) + f" {i}" for i in range(n)]


def _simulator(encoder, n_items: int, seed: int = 0) -> Simulator:  # noqa: ANN001 - a TextEncoder
    dim = encoder.encode(["probe"]).shape[1]
    vecs = np.random.default_rng(seed).standard_normal((n_items, dim), dtype=np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    catalog = pd.DataFrame({"item_id": [f"i{j}" for j in range(n_items)],
                            "title": [f"item {j}" for j in range(n_items)]})
    empty = np.zeros(0, dtype=np.int64)
    content = ContentModel().fit(FitData(n_items, empty, empty, empty, vecs))
    return Simulator(encoder, catalog, vecs, {"content": content})


def _percentiles(ms: list[float]) -> dict[str, float]:
    a = np.asarray(ms)
    return {"p50": float(np.percentile(a, 50)), "p99": float(np.percentile(a, 99)), "n": len(a)}


def measure(sim: Simulator, steps: int, k: int = 10, warmup: int = 5) -> dict[str, dict[str, float]]:
    """Milliseconds per query step, click step and full recommend call."""
    model, queries = sim.models["content"], _queries(steps + warmup)
    rng = np.random.default_rng(1)
    query_ms, click_ms, rec_ms = [], [], []
    for i, q in enumerate(queries):
        t0 = time.perf_counter()
        session = start_session(sim.encoder, q)
        top = top_k(model.score([session_context(model, session)]), k)[0]
        t1 = time.perf_counter()
        session = click(session, int(top[rng.integers(len(top))]), sim.item_vectors, 0.5)
        top_k(model.score([session_context(model, session)]), k, [np.asarray(session.clicked)])
        t2 = time.perf_counter()
        sim.recommend(session, k)
        t3 = time.perf_counter()
        if i >= warmup:
            query_ms.append(1000 * (t1 - t0))
            click_ms.append(1000 * (t2 - t1))
            rec_ms.append(1000 * (t3 - t2))
    return {"query step": _percentiles(query_ms), "click step": _percentiles(click_ms),
            "recommend (table + reasons)": _percentiles(rec_ms)}


def main(argv: list[str] | None = None) -> dict[tuple[str, int], dict[str, dict[str, float]]]:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--smoke", action="store_true", help="tiny sizes, hashing encoder, few steps (for tests)")
    p.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    p.add_argument("--encoders", nargs="+", default=["minilm", "hashing"])
    p.add_argument("--steps", type=int, default=300)
    p.add_argument("--k", type=int, default=10)
    args = p.parse_args(argv)
    if args.smoke:
        args.sizes, args.encoders, args.steps = [500, 2_000], ["hashing"], 20
    print(f"# session step latency, {platform.processor() or platform.machine()}, "
          f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS')}, K={args.k}, {args.steps} steps each")
    print("| encoder | items | step | p50 ms | p99 ms |")
    print("|---|---:|---|---:|---:|")
    out = {}
    for spec in args.encoders:
        encoder = load_encoder(spec)
        for n in args.sizes:
            result = measure(_simulator(encoder, n), args.steps, args.k)
            out[(spec, n)] = result
            for step, r in result.items():
                print(f"| {spec} | {n:,} | {step} | {r['p50']:.1f} | {r['p99']:.1f} |")
    big = [(s, n) for (s, n) in out if n == max(args.sizes)]
    for key in big:
        r = out[key]["query step"]
        ok = r["p50"] < TARGET_P50_MS and r["p99"] < TARGET_P99_MS
        print(f"{key[0]} query step at {key[1]:,} items: p50 {r['p50']:.1f} ms, p99 {r['p99']:.1f} ms "
              f"({'meets' if ok else 'misses'} the target p50 < {TARGET_P50_MS:.0f} ms, p99 < {TARGET_P99_MS:.0f} ms)")
    return out


if __name__ == "__main__":
    main()
