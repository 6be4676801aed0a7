"""The nearest-neighbour index behind a large catalog's session step: exact below the threshold, recall above it,
clicked items excluded, ties by item index, one build per embedding matrix, exact when faiss is missing."""

from __future__ import annotations

import importlib.util
import sys

import numpy as np
import pandas as pd
import pytest

from coldrec.models import ContentModel
from coldrec.models.base import FitData
from coldrec.models.wrappers import TailBoosted
from coldrec.simulation import ann
from coldrec.simulation.ann import IndexSettings, build_index, faiss_threads, item_index
from coldrec.simulation.session import Session, Simulator, content_index, session_top_k

faiss = pytest.importorskip("faiss")

SMALL = IndexSettings(min_items=100, nlist=16, nprobe=8)  # threshold forced low, half the lists probed


def _unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def _text_like(n: int, dim: int = 16, seed: int = 0) -> np.ndarray:
    """Unit vectors around a common direction with a decaying spectrum, as text embeddings are."""
    rng = np.random.default_rng(seed)
    return _unit(0.5 + rng.standard_normal((n, dim)) * np.linspace(1.0, 0.2, dim))


def _content(vecs: np.ndarray) -> ContentModel:
    empty = np.zeros(0, dtype=np.int64)
    return ContentModel().fit(FitData(len(vecs), empty, empty, empty, embeddings=vecs))


def _brute(vecs: np.ndarray, user: np.ndarray, k: int, exclude: tuple[int, ...] = ()) -> np.ndarray:
    """Top-k by score, ties by index, exclusions dropped: the ranking both paths must give."""
    scores = (vecs @ (user / np.linalg.norm(user))).astype(np.float64)
    scores[list(exclude)] = -np.inf
    return np.lexsort((np.arange(len(vecs)), -scores))[:k]


@pytest.fixture(autouse=True)
def _fresh_cache():
    ann.clear_cache()
    yield
    ann.clear_cache()


def test_below_the_threshold_the_step_is_the_exact_brute_force_ranking():
    vecs = _text_like(500)
    model = _content(vecs)
    assert content_index(model) is None  # 500 items < ANN_MIN_ITEMS
    rng = np.random.default_rng(1)
    for _ in range(20):
        session = Session("q", rng.standard_normal(16).astype(np.float32), clicked=(3, 7))
        top, scores = session_top_k(model, session, 10)
        np.testing.assert_array_equal(top, _brute(vecs, session.interest, 10, (3, 7)))
        np.testing.assert_allclose(scores, vecs[top] @ (session.interest / np.linalg.norm(session.interest)),
                                   rtol=1e-5)


def test_the_index_finds_at_least_95_percent_of_the_exact_top_10():
    vecs = _text_like(4_000)
    model = _content(vecs)
    assert content_index(model, SMALL) is not None
    users = _text_like(100, seed=5)
    recall = [len(set(session_top_k(model, Session("q", u), 10, SMALL)[0]) & set(_brute(vecs, u, 10))) / 10
              for u in users]
    assert np.mean(recall) >= 0.95


def test_scores_from_the_index_are_exact_and_best_first():
    vecs = _text_like(2_000)
    user = _text_like(1, seed=9)[0]
    top, scores = item_index(vecs, SMALL).search(user, 10)
    np.testing.assert_allclose(scores, vecs[top] @ user, rtol=1e-6)
    assert np.all(np.diff(scores) <= 0)


def test_clicked_items_never_come_back_even_when_they_are_the_best_match():
    vecs = _text_like(2_000)
    model = _content(vecs)
    user = _text_like(1, seed=3)[0]
    best = tuple(int(i) for i in _brute(vecs, user, 15))
    top, _ = session_top_k(model, Session("q", user, clicked=best), 10, SMALL)
    assert len(top) == 10 and not set(top) & set(best)
    assert set(top) <= set(_brute(vecs, user, 40))


def test_ties_are_ordered_by_item_index():
    vecs = _text_like(1_000)
    vecs[[900, 40, 500]] = vecs[7]  # four identical items
    top, _ = item_index(vecs, SMALL).search(vecs[7], 4)
    np.testing.assert_array_equal(top, [7, 40, 500, 900])


def test_the_switch_to_the_index_follows_the_catalog_size():
    settings = IndexSettings(min_items=1_000, nlist=16, nprobe=8)
    assert item_index(_text_like(999), settings) is None
    assert item_index(_text_like(1_000), settings) is not None


class OneVector:
    """An encoder that maps every text to one vector."""

    key, dim = "one", 16

    def __init__(self, vector: np.ndarray) -> None:
        self.vector = vector

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        return np.tile(self.vector, (len(texts), 1))


def test_the_simulator_goes_through_the_index_for_content_only(monkeypatch):
    vecs = _text_like(1_000)
    calls = []
    search = ann.ItemIndex.search
    monkeypatch.setattr(ann.ItemIndex, "search", lambda self, *a: calls.append(1) or search(self, *a))
    catalog = pd.DataFrame({"item_id": [f"i{j}" for j in range(1_000)], "title": ["t"] * 1_000})
    model = _content(vecs)
    sim = Simulator(encoder=OneVector(vecs[0]), catalog=catalog, item_vectors=vecs,
                    models={"content": model, "boosted": TailBoosted(model, np.zeros(1_000, bool), 1.0)},
                    index_settings=SMALL)
    assert sim.index() is not None
    session = sim.start("anything")
    assert sim.recommend(session, 5, "content")["index"].iloc[0] == 0
    assert calls == [1]
    assert content_index(sim.models["boosted"], SMALL) is None  # a wrapped content model stays exact
    top, _ = session_top_k(sim.models["boosted"], session, 5, SMALL)
    assert calls == [1] and len(top) == 5


def test_too_few_candidates_fall_back_to_exact():
    vecs = _text_like(400)
    model = _content(vecs)
    few = IndexSettings(min_items=100, nlist=16, nprobe=1, rerank=10)  # one list of ~25 items for a list of 60
    user = _text_like(1, seed=2)[0]
    with pytest.raises(LookupError):
        item_index(vecs, few).search(user, 60)
    top, _ = session_top_k(model, Session("q", user), 60, few)
    np.testing.assert_array_equal(top, _brute(vecs, user, 60))


def test_one_index_per_embedding_matrix_keyed_on_its_content():
    vecs = _text_like(1_000)
    first = item_index(vecs, SMALL)
    assert item_index(vecs, SMALL) is first
    assert item_index(vecs.copy(), SMALL) is first  # same content, another array: no rebuild
    other = vecs.copy()
    other[0] = other[1]
    assert item_index(other, SMALL) is not first
    assert first is not None and first.build_seconds > 0


def test_a_saved_index_is_read_back_instead_of_rebuilt(tmp_path):
    vecs = _text_like(1_000)
    built = item_index(vecs, SMALL, directory=tmp_path)
    assert built is not None and len(list(tmp_path.glob("ann-*-ivf16.faiss"))) == 1
    ann.clear_cache()
    loaded = item_index(vecs, SMALL, directory=tmp_path)
    assert loaded is not None and loaded is not built and loaded.build_seconds == 0.0
    user = _text_like(1, seed=4)[0]
    np.testing.assert_array_equal(loaded.search(user, 10)[0], built.search(user, 10)[0])


def test_without_faiss_every_step_is_exact(monkeypatch):
    vecs = _text_like(1_000)
    model = _content(vecs)
    monkeypatch.setattr(ann, "faiss", None)
    assert item_index(vecs, SMALL) is None
    with pytest.raises(RuntimeError):
        build_index(vecs, SMALL)
    user = _text_like(1, seed=6)[0]
    np.testing.assert_array_equal(session_top_k(model, Session("q", user), 10, SMALL)[0], _brute(vecs, user, 10))
    with faiss_threads(1):
        pass  # a no-op without faiss


def test_a_failed_faiss_import_leaves_a_note(monkeypatch):
    monkeypatch.setitem(sys.modules, "faiss", None)  # makes `import faiss` raise ImportError
    spec = importlib.util.spec_from_file_location("ann_without_faiss", ann.__file__)
    assert spec is not None and spec.loader is not None
    copy = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "ann_without_faiss", copy)  # dataclasses look their module up
    spec.loader.exec_module(copy)
    assert copy.faiss is None and "exactly" in copy.FAISS_NOTE
    assert copy.item_index(_text_like(1_000), SMALL) is None
    assert ann.FAISS_NOTE is None


def test_faiss_threads_restores_the_setting():
    before = faiss.omp_get_max_threads()
    with faiss_threads(1):
        assert faiss.omp_get_max_threads() == 1
    assert faiss.omp_get_max_threads() == before


def test_smaller_catalogs_probe_a_larger_share_of_the_lists():
    settings = IndexSettings()
    assert settings.lists(1_000_000) == 1_024 and settings.probes(1_000_000) == 192  # the 1M setting measured
    assert settings.probes(200_000) == 768  # at least 150k items scanned
    assert settings.probes(150_000) == 1_024
    assert IndexSettings(nprobe=5).probes(1_000_000) == 5
