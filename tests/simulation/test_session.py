"""The session simulator: the update rule by hand, exclusion of clicks, re-ranking."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from coldrec.models import ContentModel
from coldrec.models.base import FitData
from coldrec.simulation.files import session_record
from coldrec.simulation.session import Session, Simulator, update_interest


def test_update_rule_by_hand():
    u = np.array([1.0, 0.0])
    e = np.array([0.0, 1.0])
    np.testing.assert_allclose(update_interest(u, e, 0.25), [0.75, 0.25])
    np.testing.assert_allclose(update_interest(u, e, 0.0), u)
    np.testing.assert_allclose(update_interest(u, e, 1.0), e)
    with pytest.raises(ValueError, match="alpha"):
        update_interest(u, e, 1.5)


class FixedEncoder:
    """Maps known phrases to fixed vectors."""

    key, dim = "fixed", 3
    table = {"coffee": [1.0, 0.0, 0.0], "tent": [0.0, 1.0, 0.0]}

    def encode(self, texts, batch_size=64):
        return np.array([self.table[t] for t in texts], dtype=np.float32)


@pytest.fixture
def sim() -> Simulator:
    vecs = np.array([[1, 0, 0], [0.9, 0.1, 0], [0.8, 0, 0.2], [0, 1, 0], [0.1, 0.9, 0], [0, 0.8, 0.2]],
                    dtype=np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    catalog = pd.DataFrame({"item_id": list("abcdef"), "title": ["coffee"] * 3 + ["tent"] * 3,
                            "category": ["kitchen"] * 3 + ["outdoor"] * 3})
    empty = np.zeros(0, dtype=np.int64)
    model = ContentModel().fit(FitData(6, empty, empty, empty, vecs))
    return Simulator(FixedEncoder(), catalog, vecs, {"content": model})


def test_query_ranks_matching_items_first(sim):
    recs = sim.recommend(sim.start("coffee"), k=3)
    assert recs["item_id"].tolist() == ["a", "b", "c"]
    assert recs["rank"].tolist() == [1, 2, 3]


def test_click_moves_interest_excludes_item_and_reranks(sim):
    s0 = sim.start("coffee")
    s1 = sim.click(s0, 4, alpha=0.9)  # clicks a tent item
    np.testing.assert_allclose(s1.interest, s0.interest + 0.9 * (sim.item_vectors[4] - s0.interest), rtol=1e-6)
    recs = sim.recommend(s1, k=3)["item_id"].tolist()
    assert "e" not in recs
    assert recs[0] in {"d", "f"}  # the list followed the click
    assert s0.clicked == () and s1.clicked == (4,)


def test_empty_query_is_refused(sim):
    with pytest.raises(ValueError, match="type a few words"):
        sim.start("  ")


def test_session_is_immutable(sim):
    s = sim.start("tent")
    assert isinstance(s, Session)
    with pytest.raises(AttributeError):
        s.query = "x"  # type: ignore[misc]


def test_reasons_follow_words_then_clicks(sim):
    s0 = sim.start("coffee")
    assert set(sim.recommend(s0, k=3)["reason"]) == {"matches your words"}
    s1 = sim.click(s0, 4, alpha=0.9)
    assert sim.recommend(s1, k=1)["reason"].iloc[0] == "similar to “tent”"


def test_strategies_side_by_side_share_the_clicks(sim):
    from coldrec.models.base import FitData
    from coldrec.models.registry import make_model

    users = np.array([0, 0, 1, 1, 2, 2])
    items = np.array([3, 4, 3, 5, 4, 5])  # tents are bought together
    sim.models["itemknn"] = make_model("itemknn").fit(FitData(6, users, items, np.arange(6)))
    s = sim.click(sim.start("coffee"), 3, alpha=0.5)
    knn = sim.recommend(s, k=2, strategy="itemknn")
    assert set(knn["item_id"]) == {"e", "f"} and "d" not in set(knn["item_id"])  # folded in the click on d
    assert "d" not in set(sim.recommend(s, k=5, strategy="content")["item_id"])


def test_session_lists_per_step_rebuild_from_clicks_and_alphas(sim):
    s = sim.click(sim.click(sim.start("coffee"), 4, alpha=0.9), 0, alpha=0.2)
    assert s.alphas == (0.9, 0.2)
    steps = sim.steps(s)
    assert len(steps) == 3
    np.testing.assert_allclose(steps[-1].interest, s.interest, rtol=1e-6)
    lists = sim.lists(s, ["content"], k=3)
    assert lists.groupby("step").size().tolist() == [3, 3, 3]
    assert lists[lists["step"] == 0]["item_id"].tolist() == ["a", "b", "c"]
    assert "e" not in set(lists[lists["step"] == 1]["item_id"])


def test_saved_session_reloads_to_the_same_lists(sim, ws):
    from coldrec.simulation.files import parse_session, restore_session, same_lists, save_session, saved_sessions

    s = sim.click(sim.click(sim.start("coffee"), 4, alpha=0.9), 3, alpha=0.3)
    lists = sim.lists(s, ["content"], k=3)
    record = session_record(s, sim.catalog, "ds1", ["content"], {"k": 3}, lists=lists)
    path = save_session(ws, "my session", record)
    assert path == ws.root / "sessions" / "my session.json" and saved_sessions(ws) == ["my session"]
    assert not list(path.parent.glob(".*.tmp"))  # written atomically: no temporary file left behind
    back = parse_session(path.read_bytes(), sim.catalog)
    assert back["clicked"] == ["e", "d"] and back["alphas"] == [0.9, 0.3]
    again = restore_session(sim, back)
    assert again.clicked == s.clicked
    relisted = sim.lists(again, back["strategies"], k=back["knobs"]["k"])
    cols = ["step", "strategy", "rank", "item_id"]
    pd.testing.assert_frame_equal(relisted[cols], pd.DataFrame(back["lists"])[cols], check_dtype=False)
    assert same_lists(back, relisted)
    assert not same_lists(back, sim.lists(sim.start("tent"), ["content"], k=3))
    with pytest.raises(ValueError, match="session name"):
        save_session(ws, "../escape", record)


@pytest.mark.parametrize(("data", "message"), [
    (b"{not json", "not a JSON file"),
    (b"[1, 2]", "expected a JSON object"),
    (b'{"clicked": ["a"]}', "'query' is missing"),
    (b'{"query": "coffee", "clicked": "a"}', "'clicked' must be a list"),
    (b'{"query": "coffee", "clicked": ["a", "zz"], "dataset": "other"}', "not in this dataset's catalog: zz"),
    (b'{"query": "coffee", "clicked": ["a"], "alphas": [2]}', "one number in [0, 1] per click"),
])
def test_bad_session_files_name_what_is_wrong(sim, data, message):
    from coldrec.simulation.files import SessionFileError, parse_session

    with pytest.raises(SessionFileError) as err:
        parse_session(data, sim.catalog)
    assert message in str(err.value)


def test_older_export_with_one_alpha_still_loads(sim):
    from coldrec.simulation.files import parse_session

    rec = parse_session(b'{"query": "tent", "clicked": ["a", "b"], "alpha": 0.25}', sim.catalog)
    assert rec["alphas"] == [0.25, 0.25] and rec["strategies"] == ["content"]
