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

Exact vs nearest-neighbour index (issue #16, ``--ann-sizes``, default 100k, 200k
and 1M items): the item vectors are *text-like*, drawn from a Gaussian with the
mean and covariance of the encoder's embeddings of synthetic shop titles
(uniform random unit vectors have no neighbourhood structure in 384
dimensions, and no index finds their neighbours: a worst case no text
encoder produces). Per query, the same session is ranked exactly and through
the index (order alternated), timed with the encoding counted in both, and
recall@10 of the index against the exact list is taken, at the query step and
after one click (clicked item excluded). A third row ranks held-out draws of
the item distribution ("catalog-like" interest vectors). Index build seconds,
index memory and the load average are printed with the table.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # before numpy/torch load their thread pools
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import argparse  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from dataclasses import replace  # noqa: E402

import faiss  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from coldrec.data.synth import generate_shop  # noqa: E402
from coldrec.models import ContentModel  # noqa: E402
from coldrec.models.base import FitData  # noqa: E402
from coldrec.ranking import top_k  # noqa: E402
from coldrec.simulation.ann import IndexSettings, clear_cache, item_index  # noqa: E402
from coldrec.simulation.session import (  # noqa: E402
    Session,
    Simulator,
    click,
    session_context,
    session_top_k,
    start_session,
)
from coldrec.text.factory import load_encoder  # noqa: E402

TARGET_P50_MS, TARGET_P99_MS = 30.0, 100.0
WORDS = ("coffee", "tent", "baby", "runner", "kitchen", "gift", "light", "warm", "travel", "quiet", "steel", "wool")


def _queries(n: int, seed: int = 0) -> list[str]:
    """Distinct short queries, so no step can reuse an earlier encoding."""
    rng = np.random.default_rng(seed)
    return [" ".join(rng.choice(WORDS, 4)) + f" {i}" for i in range(n)]


def _simulator(encoder, n_items: int, seed: int = 0, vecs: np.ndarray | None = None,  # noqa: ANN001
               settings: IndexSettings | None = None) -> Simulator:
    if vecs is None:
        dim = encoder.encode(["probe"]).shape[1]
        vecs = np.random.default_rng(seed).standard_normal((n_items, dim), dtype=np.float32)
        vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    catalog = pd.DataFrame({"item_id": [f"i{j}" for j in range(n_items)],
                            "title": [f"item {j}" for j in range(n_items)]})
    empty = np.zeros(0, dtype=np.int64)
    content = ContentModel().fit(FitData(n_items, empty, empty, empty, vecs))
    return Simulator(encoder, catalog, vecs, {"content": content}, settings)


class TextLike:
    """Unit vectors from a Gaussian fitted to the encoder's embeddings of ``n_fit`` synthetic shop titles."""

    def __init__(self, encoder, n_fit: int = 2_000, seed: int = 0) -> None:  # noqa: ANN001 - a TextEncoder
        titles = generate_shop(n_users=50, n_items=n_fit, n_interactions=0, seed=seed)[1]["title"].tolist()
        real = np.asarray(encoder.encode(titles), dtype=np.float64)
        cov = np.cov(real.T) + 1e-6 * np.eye(real.shape[1])
        self.mean, self.chol = real.mean(axis=0).astype(np.float32), np.linalg.cholesky(cov).astype(np.float32)
        self.real, self.seed = real.astype(np.float32), seed

    def draw(self, n: int, seed: int) -> np.ndarray:
        rng, out = np.random.default_rng(seed), np.empty((n, len(self.mean)), dtype=np.float32)
        for start in range(0, n, 100_000):
            m = min(100_000, n - start)
            block = self.mean + rng.standard_normal((m, len(self.mean)), dtype=np.float32) @ self.chol.T
            out[start:start + m] = block / np.linalg.norm(block, axis=1, keepdims=True)
        return out


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


def _recall(exact: np.ndarray, approx: np.ndarray) -> float:
    return len(set(exact.tolist()) & set(approx.tolist())) / max(len(exact), 1)


def _pair(sim: Simulator, session: Session, k: int, exact: IndexSettings, first: str) -> dict[str, tuple]:
    """The same session ranked exactly and through the index: (top, milliseconds) per path, in ``first`` order."""
    out = {}
    model = sim.models["content"]
    for path in (("exact", "index") if first == "exact" else ("index", "exact")):
        t0 = time.perf_counter()
        top, _ = session_top_k(model, session, k, exact if path == "exact" else sim.index_settings)
        out[path] = (top, 1000 * (time.perf_counter() - t0))
    return out


def measure_ann(sim: Simulator, steps: int, k: int = 10, warmup: int = 3,
                held_out: np.ndarray | None = None) -> dict[str, dict[str, dict[str, float]]]:
    """Exact vs index per step kind: p50/p99 ms of each path and the index's recall@k against exact."""
    exact = replace(sim.index_settings or IndexSettings(), min_items=sys.maxsize)
    queries, rng = _queries(steps + warmup, seed=2), np.random.default_rng(3)
    ms: dict[str, dict[str, list[float]]] = {}
    recall: dict[str, list[float]] = {}

    def record(kind: str, pair: dict[str, tuple], extra_ms: float) -> None:
        for path, (_, t) in pair.items():
            ms.setdefault(kind, {}).setdefault(path, []).append(t + extra_ms)
        recall.setdefault(kind, []).append(_recall(pair["exact"][0], pair["index"][0]))

    rec_ms = []
    for i, q in enumerate(queries):
        first = "exact" if i % 2 else "index"
        t0 = time.perf_counter()
        session = start_session(sim.encoder, q)
        encode_ms = 1000 * (time.perf_counter() - t0)
        pair = _pair(sim, session, k, exact, first)
        t0 = time.perf_counter()
        session = click(session, int(pair["exact"][0][rng.integers(k)]), sim.item_vectors, 0.5)
        update_ms = 1000 * (time.perf_counter() - t0)
        after = _pair(sim, session, k, exact, first)
        t0 = time.perf_counter()
        sim.recommend(session, k)
        page_ms = 1000 * (time.perf_counter() - t0)
        if i >= warmup:
            record("query step", pair, encode_ms)
            record("click step", after, update_ms)
            rec_ms.append(page_ms)
    if held_out is not None:
        for i, v in enumerate(held_out):
            record("catalog-like query", _pair(sim, Session("held out", v), k, exact, "exact" if i % 2 else "index"), 0)
    out = {kind: {path: _percentiles(t) for path, t in paths.items()} for kind, paths in ms.items()}
    for kind in out:
        out[kind]["recall"] = {"mean": float(np.mean(recall[kind])), "min": float(np.min(recall[kind])),
                               "n": len(recall[kind])}
    out["recommend (table + reasons)"] = {"index": _percentiles(rec_ms)}
    return out


def run_ann(encoder, spec: str, sizes: list[int], steps: int, k: int,  # noqa: ANN001 - a TextEncoder
            settings: IndexSettings, n_fit: int) -> dict[int, dict]:
    """The exact-vs-index table for each size, with build seconds and memory."""
    text_like, out = TextLike(encoder, n_fit), {}
    print(f"\n# exact vs index ({spec}, text-like items fitted on {n_fit} encoded shop titles), "
          f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("| items | step | exact p50 | exact p99 | index p50 | index p99 | index/exact p50 "
          "| recall@10 mean | min | n |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n in sizes:
        clear_cache()
        vecs = text_like.draw(n, seed=n)
        sim = _simulator(encoder, n, vecs=vecs, settings=settings)
        t0 = time.perf_counter()
        index = item_index(sim.models["content"].embeddings_, settings)  # type: ignore[attr-defined]
        first_ms = 1000 * (time.perf_counter() - t0)
        if index is None:
            raise RuntimeError(f"no index at {n:,} items (faiss missing or min_items above the size)")
        result = measure_ann(sim, steps, k, held_out=text_like.draw(max(steps, 200), seed=n + 1))
        result["build"] = {"seconds": index.build_seconds, "first_call_seconds": first_ms / 1000,
                           "index_mb": len(faiss.serialize_index(index.index)) / 2**20,
                           "embeddings_mb": vecs.nbytes / 2**20, "nlist": settings.lists(n),
                           "nprobe": settings.probes(n)}
        out[n] = result
        for kind in ("query step", "click step", "catalog-like query"):
            r = result[kind]
            ex, ix, rc = r["exact"], r["index"], r["recall"]
            print(f"| {n:,} | {kind} | {ex['p50']:.1f} | {ex['p99']:.1f} | {ix['p50']:.1f} | {ix['p99']:.1f} | "
                  f"{ix['p50'] / ex['p50']:.2f} | {rc['mean']:.3f} | {rc['min']:.1f} | {rc['n']} |")
        b, page = result["build"], result["recommend (table + reasons)"]["index"]
        print(f"{n:,} items: IVF{b['nlist']},SQ8 nprobe {b['nprobe']}, built in {b['seconds']:.1f} s "
              f"(content hash + build {b['first_call_seconds']:.1f} s), index {b['index_mb']:.0f} MB beside "
              f"{b['embeddings_mb']:.0f} MB of embeddings; page recommend p50 {page['p50']:.1f} ms, "
              f"p99 {page['p99']:.1f} ms; load average now {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return out


def main(argv: list[str] | None = None) -> dict[tuple[str, int], dict[str, dict[str, float]]]:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--smoke", action="store_true", help="tiny sizes, hashing encoder, few steps (for tests)")
    p.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    p.add_argument("--encoders", nargs="+", default=["minilm", "hashing"])
    p.add_argument("--steps", type=int, default=300)
    p.add_argument("--k", type=int, default=10)
    p.add_argument("--ann-sizes", type=int, nargs="*", default=[100_000, 200_000, 1_000_000],
                   help="sizes for the exact vs index table (none: skip it)")
    p.add_argument("--ann-encoder", default="minilm")
    p.add_argument("--ann-steps", type=int, default=300, help="queries per size (each: query step + click step)")
    p.add_argument("--nprobe", type=int, default=0, help="lists visited per query (0: the library default)")
    p.add_argument("--nlist", type=int, default=0, help="inverted lists (0: the library default)")
    args = p.parse_args(argv)
    n_fit = 2_000
    if args.smoke:
        args.sizes, args.encoders, args.steps = [500, 2_000], ["hashing"], 20
        args.ann_sizes, args.ann_encoder, args.ann_steps, n_fit = [3_000], "hashing", 20, 600
        args.nlist = args.nlist or 16  # k-means wants ~40 training points per list
    settings = IndexSettings(min_items=1, nlist=args.nlist, nprobe=args.nprobe)
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
    if args.ann_sizes:
        ann = run_ann(load_encoder(args.ann_encoder), args.ann_encoder, args.ann_sizes, args.ann_steps, args.k,
                      settings, n_fit)
        out.update({("ann", n): r for n, r in ann.items()})
    return out


if __name__ == "__main__":
    main()
