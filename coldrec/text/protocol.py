"""The text-encoder protocol: what every encoder offers.

An encoder turns item text and a user's own words into unit vectors in the
same space, so cosine similarity is a dot product.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np


class TextEncoder(Protocol):
    """What every encoder offers."""

    key: str  # identifies the model and its weights in the embedding cache

    @property
    def dim(self) -> int:
        """Length of every vector (read-only: a plain attribute or a property both satisfy it)."""
        ...

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        """Unit-norm float32 vectors, one row per text."""
        ...
