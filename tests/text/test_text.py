"""Encoders and the embedding cache."""

from __future__ import annotations

import numpy as np
import pytest

from coldrec.text.cache import EmbeddingCache
from coldrec.text.factory import load_encoder
from coldrec.text.hashing import HashingEncoder
from coldrec.text.sentence import SentenceTransformerEncoder, split_precision


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


# -- precision paths: "<model>@fp32|bf16|int8" --

def test_precision_suffix_is_parsed_from_the_spec():
    assert split_precision("minilm") == ("minilm", None)
    assert split_precision("minilm@int8") == ("minilm", "int8")
    assert split_precision("/models/mine@bf16") == ("/models/mine", "bf16")
    assert split_precision("/models/v@2/enc") == ("/models/v@2/enc", None)  # an '@' inside a folder path


def test_a_folder_whose_name_has_an_at_sign_is_a_path_not_a_precision(tmp_path):
    folder = tmp_path / "enc@v2"
    folder.mkdir()
    assert split_precision(str(folder)) == (str(folder), None)


def test_bad_precision_names_the_choices():
    with pytest.raises(ValueError, match=r"unknown precision '@int4'.*@fp32, @bf16, @int8"):
        load_encoder("minilm@int4")
    with pytest.raises(ValueError, match="unknown precision"):
        SentenceTransformerEncoder(precision="fp16")


def test_precision_is_refused_for_encoders_without_one():
    with pytest.raises(ValueError, match="sentence-transformers models only"):
        load_encoder("hashing@int8")


def test_each_precision_has_its_own_cache_key():
    """fp32 keeps its historical key; bf16 and int8 vectors never land in (or are read from) its cache folder."""
    keys = {p: load_encoder(f"minilm@{p}").key for p in ("fp32", "bf16", "int8")}
    assert keys["fp32"] == load_encoder("minilm").key == SentenceTransformerEncoder().key
    assert len(set(keys.values())) == 3
    assert keys["int8"].endswith("-int8") and keys["bf16"].endswith("-bf16")


@pytest.fixture(scope="module")
def item_texts() -> list[str]:
    return ["Espresso coffee beans, dark roast, 1 kg bag", "Two-person camping tent with rain fly",
            "Stainless steel French press, 1 litre", "Kids' waterproof hiking boots",
            "Gift card for a bookshop", "Magazine subscription: monthly cooking recipes and techniques"]


@pytest.mark.parametrize(("precision", "floor"), [("int8", 0.98), ("bf16", 0.999)])
def test_faster_precisions_agree_with_fp32(minilm, item_texts, precision, floor):
    fast = load_encoder(f"minilm@{precision}")
    ref, out = minilm.encode(item_texts), fast.encode(item_texts)
    assert out.dtype == np.float32 and out.shape == ref.shape
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0, rtol=1e-5)
    cosine = (out * ref).sum(axis=1)
    assert cosine.mean() > floor, cosine
    assert fast.encode([]).shape == (0, 384)


def test_int8_and_fp32_vectors_never_mix_in_the_cache(minilm, item_texts, tmp_path):
    cache = EmbeddingCache(tmp_path)
    fp32 = cache.embed(minilm, item_texts[:2])
    int8 = cache.embed(load_encoder("minilm@int8"), item_texts[:2])
    assert cache.count(minilm) == 2 and cache.count(load_encoder("minilm@int8")) == 2
    assert not np.array_equal(fp32, int8)
