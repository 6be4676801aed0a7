"""A bag-of-words encoder: the lexical baseline with no language model."""

from __future__ import annotations

import numpy as np


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
