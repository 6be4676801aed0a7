"""An approximate nearest-neighbour index over item text embeddings, so a session step stays fast at 1M items.

A session step scores the interest vector against every item's embedding and
takes the top K. Below :data:`ANN_MIN_ITEMS` items that exact scan is cheap and
is what runs; above it the content model's step goes through a faiss inverted
file index (``IVF<nlist>,SQ8``, inner product), built once per embedding
matrix and cached in memory (optionally on disk) under the matrix's content
hash. faiss is optional at run time: when it cannot be imported every step is
exact and :data:`FAISS_NOTE` says why.

Notes
-----
Why an inverted file with 8-bit codes: on one core a graph index (HNSW, M=32,
efConstruction=40) took 147 s to build over 100k text-like vectors against 18 s
for an inverted file (machine under load), which puts a 1M build near half an
hour, and it keeps a full float copy of the vectors besides; the 8-bit codes
hold a 1M x 384 catalog in ~0.4 GB next to the 1.5 GB float matrix the content
model already keeps, and build in about half a minute. The index only proposes candidates:
they are rescored exactly against the float embeddings, the clicked items are
dropped, and ties are ordered by item index as in :func:`coldrec.ranking.top_k`,
so the scores shown are exact and the list differs from the exact one only
where an item was never proposed (recall measured in
``benchmarks/session_step.py``).
"""

from __future__ import annotations

import hashlib
import logging
import math
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

try:
    import faiss
except ImportError as _exc:  # the wheel is a main dependency, but a broken install must not break sessions
    faiss = None  # type: ignore[assignment]
    FAISS_NOTE: str | None = f"faiss could not be imported ({_exc}): session steps score every item exactly"
    logging.getLogger(__name__).warning(FAISS_NOTE)
else:
    FAISS_NOTE = None

# Below this many items a step scores every item exactly. The exact scan is memory-bound and linear: ~0.11 ms
# per 1,000 x 384 items on one quiet core (11.6 ms at 100k, benchmarks/RESULTS.md), ~0.3 ms under load 10
# (benchmarks/session_step.py), on top of ~10 ms to encode the words, so it meets the 30 ms step budget up to
# ~180k items on a quiet core; 150k keeps a margin, and below it lists are exact and nothing is built.
ANN_MIN_ITEMS = 150_000
# Candidates proposed by the index and rescored exactly; the clicked items come on top of this.
RERANK = 100
# Index objects kept in memory (one per embedding matrix): a 1M-item index is ~0.4 GB.
CACHE_SIZE = 2


@dataclass(frozen=True)
class IndexSettings:
    """How the index is built and searched.

    ``min_items``: catalogs smaller than this are scored exactly;
    ``nlist``: inverted lists (0 = 4 sqrt(n), between 16 and 1,024);
    ``nprobe``: lists visited per query (0 = a share ``probe_share`` of them, or more so that at least
    ``min_scan`` items are scanned); ``rerank``: candidates rescored exactly; ``seed``: training sample.

    Notes
    -----
    Recall at a given share of lists probed falls as the catalog shrinks (lists
    of ~200 items at 200k): at 200k, 192 of 1,024 lists gave recall@10 0.937 on
    MiniLM queries where 256 gave 0.964. Scanning at least ``min_scan`` codes
    probes most lists on a catalog just over the threshold (cheap there) and
    leaves 1M at 192 lists (0.958, search p50 22.9 ms under load 8).
    """

    min_items: int = ANN_MIN_ITEMS
    nlist: int = 0
    nprobe: int = 0
    probe_share: float = 0.1875  # 192 of 1,024 lists: recall@10 0.958-0.981 at 1M; 0.25 gives 0.975-0.989
    min_scan: int = 150_000
    rerank: int = RERANK
    seed: int = 0

    def lists(self, n_items: int) -> int:
        return self.nlist or max(16, min(1024, round(4 * n_items**0.5)))

    def probes(self, n_items: int) -> int:
        lists = self.lists(n_items)
        if self.nprobe:
            return min(lists, self.nprobe)
        share = max(self.probe_share, self.min_scan / max(n_items, 1))
        return min(lists, max(1, math.ceil(share * lists)))


@contextmanager
def faiss_threads(n: int) -> Iterator[None]:
    """Run the block with ``n`` faiss (OpenMP) threads, restoring the setting after; a no-op without faiss.

    Notes
    -----
    The one place faiss threads are set (torch's live in
    :func:`coldrec.models.features.torch_threads`). OpenMP keeps the setting per
    calling thread, and Streamlit serves each session from its own thread, so it
    is set around every build and search rather than once at import.
    """
    if faiss is None:
        yield
        return
    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(n)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(before)


class ItemIndex:
    """A faiss index over one embedding matrix; :meth:`search` returns exactly rescored top-K item indices."""

    def __init__(self, index: Any, embeddings: np.ndarray, settings: IndexSettings, build_seconds: float) -> None:
        self.index = index
        self.embeddings = embeddings
        self.settings = settings
        self.build_seconds = build_seconds

    @property
    def n_items(self) -> int:
        return int(self.embeddings.shape[0])

    def search(self, user: np.ndarray, k: int, exclude: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top-``k`` item indices for one user vector and their exact scores, best first, ``exclude`` skipped.

        Raises :class:`LookupError` when the index proposes fewer than ``k``
        eligible items (the caller then scores exactly).
        """
        exclude = np.asarray(exclude if exclude is not None else [], dtype=np.int64)
        wanted = min(self.n_items, max(self.settings.rerank, k) + len(exclude))
        query = np.ascontiguousarray(user, dtype=np.float32).reshape(1, -1)
        params = faiss.SearchParametersIVF()  # per call, so concurrent sessions never share a setting
        params.nprobe = self.settings.probes(self.n_items)
        with faiss_threads(1):
            _, found = self.index.search(query, wanted, params=params)
        cand = found[0][found[0] >= 0]
        cand = cand[~np.isin(cand, exclude)]
        if len(cand) < min(k, self.n_items - len(np.unique(exclude))):
            raise LookupError(f"the index proposed {len(cand)} eligible items for a list of {k}")
        scores = self.embeddings[cand] @ query[0]
        order = np.lexsort((cand, -scores))[:k]  # best score first, ties by item index
        return cand[order], scores[order]

    def save(self, path: str | Path) -> Path:
        """Write the faiss index to ``path`` (the embeddings are not written: they live with the catalog)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        faiss.write_index(self.index, str(tmp))
        tmp.replace(path)
        return path


def build_index(embeddings: np.ndarray, settings: IndexSettings | None = None) -> ItemIndex:
    """Train and fill an ``IVF<nlist>,SQ8`` inner-product index over ``embeddings`` (one thread); timed."""
    if faiss is None:
        raise RuntimeError(FAISS_NOTE)
    settings = settings or IndexSettings()
    vecs = np.ascontiguousarray(embeddings, dtype=np.float32)
    n, dim = vecs.shape
    lists = settings.lists(n)
    start = time.perf_counter()
    index = faiss.index_factory(dim, f"IVF{lists},SQ8", faiss.METRIC_INNER_PRODUCT)
    sample = np.random.default_rng(settings.seed).permutation(n)[:min(n, 50 * lists)]
    with faiss_threads(1):
        index.train(vecs[np.sort(sample)])
        index.add(vecs)
    return ItemIndex(index, vecs, settings, time.perf_counter() - start)


def load_index(path: str | Path, embeddings: np.ndarray, settings: IndexSettings | None = None) -> ItemIndex:
    """An index saved by :meth:`ItemIndex.save`, over the same ``embeddings`` it was built from."""
    if faiss is None:
        raise RuntimeError(FAISS_NOTE)
    index = faiss.read_index(str(path))
    if index.ntotal != len(embeddings) or index.d != embeddings.shape[1]:
        raise ValueError(f"{path} indexes {index.ntotal} x {index.d} vectors, not {embeddings.shape}")
    return ItemIndex(index, np.ascontiguousarray(embeddings, dtype=np.float32), settings or IndexSettings(), 0.0)


def embeddings_key(embeddings: np.ndarray) -> str:
    """A content hash of the matrix (shape, dtype, bytes), computed once per array object.

    Embedding matrices are never modified in place in coldrec; a matrix
    changed in place after hashing would keep its old key.
    """
    memo = _DIGESTS.get(id(embeddings))
    if memo is not None and memo[0]() is embeddings:
        return memo[1]
    h = hashlib.blake2b(f"{embeddings.shape}{embeddings.dtype}".encode(), digest_size=16)
    h.update(np.ascontiguousarray(embeddings).data)
    key = h.hexdigest()
    _DIGESTS[id(embeddings)] = (weakref.ref(embeddings), key)
    weakref.finalize(embeddings, _DIGESTS.pop, id(embeddings), None)
    return key


def item_index(embeddings: np.ndarray, settings: IndexSettings | None = None,
               directory: str | Path | None = None) -> ItemIndex | None:
    """The cached index over ``embeddings``, building it on first use; None when exact search should run.

    None when the catalog is smaller than ``settings.min_items`` or faiss is
    unavailable. With ``directory`` the index is read from (or written to)
    ``<directory>/ann-<content hash>-ivf<nlist>.faiss`` so a restart does not rebuild it.
    """
    settings = settings or IndexSettings()
    if faiss is None or len(embeddings) < settings.min_items:
        return None
    key = f"{embeddings_key(embeddings)}-{settings}"
    with _LOCK:  # one build per matrix even when two sessions ask at once
        if key in _INDEXES:
            _INDEXES.move_to_end(key)
            return _INDEXES[key]
        name = f"ann-{key.split('-')[0]}-ivf{settings.lists(len(embeddings))}.faiss"
        path = Path(directory) / name if directory is not None else None
        if path is not None and path.exists():
            found = load_index(path, embeddings, settings)
        else:
            found = build_index(embeddings, settings)
            if path is not None:
                found.save(path)
        _INDEXES[key] = found
        while len(_INDEXES) > CACHE_SIZE:
            _INDEXES.popitem(last=False)
        return found


def clear_cache() -> None:
    """Forget every cached index (tests; or to free memory)."""
    with _LOCK:
        _INDEXES.clear()


_LOCK = threading.Lock()
_INDEXES: OrderedDict[str, ItemIndex] = OrderedDict()
_DIGESTS: dict[int, tuple[weakref.ref, str]] = {}
