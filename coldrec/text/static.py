"""A static student encoder distilled from a sentence-transformers teacher.

The student keeps the teacher's tokenizer and one vector per token; a text's
embedding is the unit-normalised sum of its tokens' vectors. No transformer
runs at encode time, so it is tens to hundreds of times faster on CPU.

Notes
-----
The table starts model2vec-style: the teacher embeds every vocabulary token
alone, centred and Zipf-weighted; a linear map fitted on the corpus moves all
rows at once, then Adam on the cosine loss fits the corpus' tokens so that
the student's embedding of each corpus text points where the teacher's does
(see :func:`distill_static_encoder`). A token's length is its weight.
A text with no known token encodes to zeros.

The folder holds ``static_encoder.json`` (metadata), ``tokenizer.json`` and
``vectors.safetensors`` (token ids and vectors); no pickle.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Callable, Collection, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from coldrec.text.protocol import TextEncoder
from coldrec.types import Progress, no_progress

MARKER = "static_encoder.json"
FORMAT = "coldrec-static-1"
_SINGLE: dict[tuple[str, str], np.ndarray] = {}  # single-token teacher vectors of the last table built


class StaticEncoder:
    """Token vectors summed and L2-normalised; implements :class:`coldrec.text.protocol.TextEncoder`."""

    def __init__(self, tokenizer: Any, token_ids: np.ndarray, vectors: np.ndarray, max_length: int = 254,
                 key: str | None = None, meta: dict | None = None) -> None:
        self.tokenizer = tokenizer
        self.tokenizer.no_padding()
        self.tokenizer.no_truncation()
        self.token_ids = np.asarray(token_ids, dtype=np.int64)
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self.max_length = max_length
        self.meta = meta or {}
        self.dim = int(self.vectors.shape[1])
        self._row = np.full(tokenizer.get_vocab_size(), -1, dtype=np.int64)
        self._row[self.token_ids] = np.arange(len(self.token_ids))
        self.key = key or "static-" + hashlib.sha1(self.token_ids.tobytes() + self.vectors.tobytes()).hexdigest()[:10]

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        """Unit rows (zeros for a text with no known token); ``batch_size`` is ignored."""
        bag = self.bag(list(texts))
        out = np.asarray(bag @ self.vectors, dtype=np.float32)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms > 0, norms, 1.0)

    def bag(self, texts: list[str]) -> sp.csr_matrix:
        """(n_texts, n_tokens) token counts over this encoder's token rows."""
        return _bag(self.tokenizer, texts, self._row, len(self.token_ids), self.max_length)

    def save(self, folder: str | Path) -> None:
        from safetensors.numpy import save_file

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        self.tokenizer.save(str(folder / "tokenizer.json"))
        save_file({"token_ids": self.token_ids, "vectors": self.vectors}, str(folder / "vectors.safetensors"))
        meta = {**self.meta, "format": FORMAT, "key": self.key, "dim": self.dim, "n_tokens": len(self.token_ids),
                "max_length": self.max_length}
        (folder / MARKER).write_text(json.dumps(meta, indent=2))

    @classmethod
    def load(cls, folder: str | Path) -> StaticEncoder:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        folder = Path(folder)
        if not (folder / MARKER).exists():
            raise FileNotFoundError(f"{folder} is not a static encoder folder (no {MARKER})")
        meta = json.loads((folder / MARKER).read_text())
        arrays = load_file(str(folder / "vectors.safetensors"))
        return cls(Tokenizer.from_file(str(folder / "tokenizer.json")), arrays["token_ids"], arrays["vectors"],
                   int(meta["max_length"]), meta.get("key"), meta)


def distill_static_encoder(teacher: Any, texts: Sequence[str], out_dir: str | Path, *, spans: int = 2000,
                           full_vocab: bool = True, epochs: int = 100, lr: float = 0.1, ridge: float = 0.1,
                           exclude: Collection[str] = (), seed: int = 0,
                           progress: Progress | None = None) -> StaticEncoder:
    """Fit a :class:`StaticEncoder` to ``teacher`` on ``texts`` and save it in ``out_dir``.

    Parameters
    ----------
    teacher
        A :class:`coldrec.text.sentence.SentenceTransformerEncoder` (its fast tokenizer is reused).
    texts
        The corpus: catalog texts, titles, queries. Pass a sample of the shop's
        own catalog, never the texts you will score the student on.
    spans
        Random 1-4 word windows cut from ``texts`` and added to the corpus, so
        that short queries are read well too.
    full_vocab
        Give every vocabulary token a vector (the teacher embeds each of ~30k
        tokens alone: 40-90 s on this 2-core CPU; the folder is ~47 MB); else
        only the tokens of the corpus get one.
    epochs, lr, ridge
        Full-batch Adam steps on the cosine loss, their step size relative to
        the mean absolute entry of the table, and the ridge penalty of the
        linear map.
    exclude
        Texts the student must never train on (held-out items): dropped from
        ``texts`` before anything else, so no span is cut from them either.

    Notes
    -----
    Three steps, each measured on held-out cold items (``benchmarks.static_encoder``):

    1. *Vocabulary table* (model2vec-style): the teacher embeds each token alone;
       the mean over tokens is removed (every such vector shares the [CLS]/[SEP]
       part) and each row is scaled by its Zipf weight ``log(1 + token id)``
       (BERT's word-piece ids run roughly from frequent to rare), see
       :func:`zipf_weights`.
    2. *Linear map*: one 384x384 ridge map from the pooled table to the
       teacher's sentence embeddings of the corpus, applied to every row, so
       tokens the corpus never had move with the ones it had.
    3. *Regression*: Adam on ``1 - cos`` between the pooled student and the
       teacher for the corpus' tokens, starting from step 2.
    """
    progress = progress or no_progress
    banned = set(exclude)
    corpus = sorted({t for t in texts if t and t.strip() and t not in banned})
    if not corpus:
        raise ValueError("distillation needs at least one non-empty text outside `exclude`")
    corpus = sorted((set(corpus) | set(word_spans(corpus, spans, seed))) - banned)
    tokenizer = _fast_tokenizer(teacher)
    max_length = int(teacher.model.max_seq_length) - 2
    vocab = tokenizer.get_vocab_size()
    counts = _bag(tokenizer, corpus, np.arange(vocab), vocab, max_length)
    used = np.flatnonzero(np.asarray(counts.sum(axis=0)).ravel() > 0)
    special = set(teacher.model.tokenizer.all_special_ids)
    every = np.arange(vocab) if full_vocab else used
    token_ids = np.array([i for i in every if i not in special], dtype=np.int64)
    progress(0.0, f"teacher embedding {len(token_ids)} tokens alone")
    base = vocab_table(_single_token_vectors(teacher, token_ids), token_ids)
    progress(0.4, f"teacher encoding {len(corpus)} texts")
    target = teacher.encode(corpus)
    row = np.full(vocab, -1, dtype=np.int64)
    row[token_ids] = np.arange(len(token_ids))
    bag = _bag(tokenizer, corpus, row, len(token_ids), max_length)
    progress(0.6, "fitting the linear map")
    table = base @ _linear_map(_unit_rows(np.asarray(bag @ base)), target, ridge)
    fitted = np.flatnonzero(np.asarray(bag.sum(axis=0)).ravel() > 0)
    start = table[fitted]
    table[fitted] = _fit_cosine(bag[:, fitted].tocsr(), target, start, epochs, lr * float(np.abs(start).mean()),
                                lambda f: progress(0.6 + 0.35 * f, "fitting token vectors"))
    meta = {"teacher": teacher.key, "n_texts": len(corpus), "spans": spans, "full_vocab": full_vocab,
            "method": "vocab table (centred, zipf) -> linear map -> cosine regression"}
    student = StaticEncoder(tokenizer, token_ids, table, max_length, meta=meta)
    student.save(out_dir)
    progress(1.0, "saved")
    return student


def zipf_weights(token_ids: np.ndarray) -> np.ndarray:
    """``log(1 + id)`` per token: rare word pieces (high ids) weigh more, [PAD] and glue nothing or little."""
    return np.log1p(np.asarray(token_ids, dtype=np.float64)).astype(np.float32)


def vocab_table(single: np.ndarray, token_ids: np.ndarray) -> np.ndarray:
    """Single-token teacher vectors, centred on their mean and scaled by :func:`zipf_weights`."""
    single = np.asarray(single, dtype=np.float32)
    return ((single - single.mean(axis=0)) * zipf_weights(token_ids)[:, None]).astype(np.float32)


def compare_encoders(student: TextEncoder, teacher: TextEncoder, texts: Sequence[str],
                     batch_size: int = 64) -> dict[str, float]:
    """Speed and agreement of ``student`` with ``teacher`` on ``texts``, measured side by side.

    Returns texts/s of each (one timed pass after a one-text warm-up, in the
    same process), their ratio, and the mean, 5th percentile and minimum
    cosine between the two embeddings of each text. Pass held-out texts: on
    the distillation corpus agreement is optimistic.
    """
    texts = list(texts)
    student.encode(texts[:1])
    teacher.encode(texts[:1])
    t0 = time.perf_counter()
    s = student.encode(texts, batch_size=batch_size)
    t1 = time.perf_counter()
    t = teacher.encode(texts, batch_size=batch_size)
    t2 = time.perf_counter()
    cos = np.sum(s * t, axis=1)
    student_rate, teacher_rate = len(texts) / max(t1 - t0, 1e-9), len(texts) / max(t2 - t1, 1e-9)
    return {"n_texts": float(len(texts)), "student_texts_per_s": student_rate, "teacher_texts_per_s": teacher_rate,
            "speedup": student_rate / teacher_rate, "mean_cosine": float(cos.mean()),
            "p05_cosine": float(np.quantile(cos, 0.05)), "min_cosine": float(cos.min())}


def word_spans(texts: Sequence[str], n: int, seed: int = 0) -> list[str]:
    """Up to ``n`` distinct random windows of 1-4 consecutive words from ``texts``."""
    rng = np.random.default_rng(seed)
    words = [w for w in (re.findall(r"[\w'&-]+", t) for t in texts) if w]
    out: set[str] = set()
    for _ in range(20 * n if words else 0):
        if len(out) >= n:
            break
        w = words[rng.integers(len(words))]
        k = int(rng.integers(1, 5))
        start = int(rng.integers(0, max(1, len(w) - k + 1)))
        out.add(" ".join(w[start:start + k]))
    return sorted(out)


def _fast_tokenizer(teacher: Any) -> Any:
    """A private copy of the teacher's Rust tokenizer (``tokenizers.Tokenizer``)."""
    from tokenizers import Tokenizer

    backend = getattr(teacher.model.tokenizer, "backend_tokenizer", None)
    if backend is None:
        raise ValueError("the teacher has no fast tokenizer to reuse")
    tokenizer = Tokenizer.from_str(backend.to_str())
    tokenizer.no_padding()
    tokenizer.no_truncation()
    return tokenizer


def _bag(tokenizer: Any, texts: list[str], row_of: np.ndarray, n_rows: int, max_length: int) -> sp.csr_matrix:
    """Token counts per text over the rows ``row_of[token id]`` (-1 = unknown, dropped)."""
    encodings = tokenizer.encode_batch(texts, add_special_tokens=False)
    ids = [np.asarray(e.ids[:max_length], dtype=np.int64) for e in encodings]
    lengths = np.fromiter((len(i) for i in ids), dtype=np.int64, count=len(ids))
    cols = row_of[np.concatenate(ids)] if len(ids) and lengths.sum() else np.zeros(0, dtype=np.int64)
    rows = np.repeat(np.arange(len(texts)), lengths)
    keep = cols >= 0
    data = np.ones(int(keep.sum()), dtype=np.float32)
    return sp.csr_matrix((data, (rows[keep], cols[keep])), shape=(len(texts), n_rows))


def _unit_rows(x: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero)."""
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.where(norms > 0, norms, 1.0)


def _linear_map(x: np.ndarray, target: np.ndarray, ridge: float) -> np.ndarray:
    """The ridge least-squares map ``W`` with ``x @ W ~ target``."""
    gram = x.T @ x + ridge * np.eye(x.shape[1])
    return np.linalg.solve(gram, x.T @ target).astype(np.float32)


def _fit_cosine(bag: sp.csr_matrix, target: np.ndarray, start: np.ndarray, epochs: int, lr: float,
                progress: Callable[[float], None]) -> np.ndarray:
    """Full-batch Adam on mean(1 - cos(bag @ T, target)), gradient written out by hand."""
    vec, m, v = start.copy(), np.zeros_like(start), np.zeros_like(start)
    bag_t = bag.T.tocsr()
    b1, b2 = 0.9, 0.999
    for step in range(1, epochs + 1):
        out = bag @ vec
        norm = np.linalg.norm(out, axis=1, keepdims=True) + 1e-12
        cos = np.sum(out * target, axis=1, keepdims=True) / norm
        grad = bag_t @ (-(target / norm - cos * out / norm**2) / len(out))
        m = b1 * m + (1 - b1) * grad
        v = b2 * v + (1 - b2) * grad * grad
        vec -= lr * (m / (1 - b1**step)) / (np.sqrt(v / (1 - b2**step)) + 1e-8)
        if step % 10 == 0:
            progress(step / epochs)
    return vec.astype(np.float32)


def _single_token_vectors(teacher: Any, token_ids: np.ndarray, batch: int = 1024) -> np.ndarray:
    """The teacher's embedding of each token alone ([CLS] token [SEP]), remembered per teacher and token set."""
    import torch

    memo = (str(teacher.key), hashlib.sha1(np.asarray(token_ids, dtype=np.int64).tobytes()).hexdigest())
    if memo in _SINGLE:
        return _SINGLE[memo]

    tok = teacher.model.tokenizer
    model = teacher.model
    parts = []
    with torch.no_grad():
        for start in range(0, len(token_ids), batch):
            ids = torch.as_tensor(token_ids[start:start + batch])
            inp = torch.stack([torch.full_like(ids, tok.cls_token_id), ids, torch.full_like(ids, tok.sep_token_id)], 1)
            features = {"input_ids": inp, "attention_mask": torch.ones_like(inp),
                        "token_type_ids": torch.zeros_like(inp)}
            parts.append(model(features)["sentence_embedding"].numpy())
    _SINGLE.clear()  # one table kept: ~47 MB for the full vocabulary
    _SINGLE[memo] = np.concatenate(parts).astype(np.float32)
    return _SINGLE[memo]
