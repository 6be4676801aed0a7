"""The static student's pieces on hand-made cases: Zipf weights, the vocabulary table, the linear map, and
the rule that held-out texts never reach the teacher during distillation (no MiniLM needed)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from tokenizers import Tokenizer, models, pre_tokenizers

from coldrec.text import static
from coldrec.text.static import StaticEncoder, distill_static_encoder, vocab_table, zipf_weights

WORDS = ["[UNK]", "red", "blue", "wool", "scarf", "hat", "cotton", "socks", "silk", "tie", "secret", "gloves"]


def test_zipf_weight_is_log_one_plus_the_token_id():
    np.testing.assert_allclose(zipf_weights(np.array([0, 1, 9, 1999])), [0.0, np.log(2), np.log(10), np.log(2000)],
                               rtol=1e-6)


def test_vocabulary_table_is_centred_then_scaled_by_zipf():
    single = np.array([[1.0, 4.0], [3.0, 0.0]])  # mean (2, 2)
    table = vocab_table(single, np.array([1, 9]))
    np.testing.assert_allclose(table, [[-np.log(2), 2 * np.log(2)], [np.log(10), -2 * np.log(10)]], rtol=1e-6)


def test_linear_map_recovers_a_known_map_with_a_tiny_ridge():
    rng = np.random.default_rng(0)
    x, w = rng.normal(size=(50, 4)), rng.normal(size=(4, 3))
    np.testing.assert_allclose(static._linear_map(x, x @ w, 1e-9), w, atol=1e-5)


class RecordingTeacher:
    """A bag-of-words 'teacher' over WORDS that remembers every text it was asked to encode."""

    key = "recording-teacher"

    def __init__(self) -> None:
        self.vectors = np.random.default_rng(1).normal(size=(len(WORDS), 8)).astype(np.float32)
        self.seen: list[str] = []
        self.model = SimpleNamespace(max_seq_length=256, tokenizer=SimpleNamespace(all_special_ids=[0]))

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        self.seen += texts
        out = np.array([self.vectors[[WORDS.index(w) for w in t.split() if w in WORDS]].sum(0) for t in texts])
        return out / np.linalg.norm(out, axis=1, keepdims=True)


@pytest.fixture
def word_level(monkeypatch: pytest.MonkeyPatch) -> RecordingTeacher:
    teacher = RecordingTeacher()
    tok = Tokenizer(models.WordLevel({w: i for i, w in enumerate(WORDS)}, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    monkeypatch.setattr(static, "_fast_tokenizer", lambda t: tok)
    monkeypatch.setattr(static, "_single_token_vectors", lambda t, ids: teacher.vectors[ids] + 0.3)
    return teacher


def test_distillation_never_shows_the_teacher_a_held_out_text(word_level, tmp_path):
    train = ["red wool scarf", "blue wool hat", "red cotton socks", "blue silk tie", "red hat", "blue socks"]
    held = ["secret silk gloves", "red secret"]
    student = distill_static_encoder(word_level, train + held, tmp_path, exclude=held, spans=20, epochs=50)
    assert set(word_level.seen).isdisjoint(held)
    assert not any("secret" in t or "gloves" in t for t in word_level.seen)  # no span cut from a held-out text
    assert student.meta["n_texts"] == len(set(word_level.seen))
    # the toy teacher is itself a bag of words, so the student reproduces it on the texts it trained on
    agree = np.sum(student.encode(train) * word_level.encode(train), axis=1)
    assert agree.min() > 0.99
    assert isinstance(StaticEncoder.load(tmp_path), StaticEncoder)


def test_distillation_refuses_a_corpus_that_is_all_held_out(word_level, tmp_path):
    with pytest.raises(ValueError, match="exclude"):
        distill_static_encoder(word_level, ["red hat"], tmp_path, exclude=["red hat"])
