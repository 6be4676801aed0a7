"""Encoders and the embedding cache."""

from __future__ import annotations

import numpy as np
import pytest

from coldrec.text import EmbeddingCache, HashingEncoder, SentenceTransformerEncoder, load_encoder


class CountingEncoder(HashingEncoder):
    """Counts the texts it is asked to encode."""

    def __init__(self) -> None:
        super().__init__(dim=64)
        self.seen: list[str] = []

    def encode(self, texts, batch_size=64):
        self.seen.extend(texts)
        return super().encode(texts, batch_size)


def test_cache_encodes_each_text_once(tmp_path):
    enc = CountingEncoder()
    cache = EmbeddingCache(tmp_path)
    first = cache.embed(enc, ["red mug", "blue tent", "red mug"])
    assert sorted(enc.seen) == ["blue tent", "red mug"]
    enc.seen.clear()
    second = EmbeddingCache(tmp_path).embed(enc, ["blue tent", "red mug", "green stove"])
    assert enc.seen == ["green stove"]
    np.testing.assert_array_equal(first[[1, 0]], second[:2])
    assert cache.count(enc) == 3


def test_cache_is_keyed_by_encoder(tmp_path):
    cache = EmbeddingCache(tmp_path)
    a, b = HashingEncoder(dim=32), HashingEncoder(dim=64)
    assert cache.embed(a, ["mug"]).shape == (1, 32)
    assert cache.embed(b, ["mug"]).shape == (1, 64)


def test_hashing_vectors_are_unit_length():
    vecs = HashingEncoder().encode(["coffee mug", "tent"])
    np.testing.assert_allclose(np.linalg.norm(vecs, axis=1), 1.0, rtol=1e-6)


def test_load_encoder_rejects_a_folder_that_is_not_a_model(tmp_path):
    with pytest.raises(FileNotFoundError, match="not a sentence-transformers model"):
        load_encoder(str(tmp_path))


def test_packaged_minilm_understands_meaning(minilm):
    """The reason the product exists: words with no overlap still match by meaning."""
    q, espresso, tent = minilm.encode(["gift for a coffee lover", "espresso machine", "two-person tent"])
    assert minilm.dim == 384
    assert float(q @ espresso) > float(q @ tent) + 0.1
    np.testing.assert_allclose(np.linalg.norm([q, espresso]), np.sqrt(2), rtol=1e-5)


def test_any_local_model_folder_loads(minilm, tmp_path):
    """A copied model directory (e.g. a fine-tuned one) loads and gets its own cache key."""
    import shutil

    copy = tmp_path / "my-encoder"
    shutil.copytree(minilm.path, copy)
    other = SentenceTransformerEncoder(copy)
    assert other.key != minilm.key
    np.testing.assert_allclose(other.encode(["mug"]), minilm.encode(["mug"]), atol=1e-5)
