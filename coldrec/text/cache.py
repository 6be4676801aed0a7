"""The on-disk embedding cache: vectors keyed by encoder and text hash."""

from __future__ import annotations

import hashlib
import os
import time
import uuid
from pathlib import Path

import numpy as np

from coldrec.text.protocol import TextEncoder
from coldrec.types import CountProgress


def text_key(text: str) -> bytes:
    return hashlib.sha1(text.encode("utf-8")).hexdigest().encode()


class EmbeddingCache:
    """Vectors on disk keyed by (encoder key, text hash); only unseen texts are encoded.

    Each call that encodes something appends one npz chunk, written atomically.
    """

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def embed(self, encoder: TextEncoder, texts: list[str], progress: CountProgress | None = None,
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
    def _encode(encoder: TextEncoder, texts: list[str], progress: CountProgress | None,
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
