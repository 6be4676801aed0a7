"""Split protocols: no leakage, deterministic, parts partition the log, users and items labelled."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from coldrec.data.synth import generate_shop
from coldrec.split.protocols import PROTOCOLS, ColdUserConfig, cold_user_split, make_split
from coldrec.split.segments import HISTORY_BUCKETS, describe, history_bucket, label_items

PARTS = ("train", "context", "test")


@pytest.fixture
def log() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    n = 3000
    return pd.DataFrame({"user_id": rng.integers(0, 200, n).astype(str),
                         "item_id": rng.integers(0, 300, n).astype(str),
                         "timestamp": rng.integers(0, 10**6, n)})


def _rows(df: pd.DataFrame) -> set:
    return set(map(tuple, df[["user_id", "item_id", "timestamp"]].to_numpy().tolist()))


def test_parts_partition_the_log(log):
    s = cold_user_split(log, ColdUserConfig(cold_share=0.25, n_reveal=2))
    assert len(s.train) + len(s.context) + len(s.test) == len(log)
    assert not (_rows(s.train) & _rows(s.test)) and not (_rows(s.context) & _rows(s.test))


def test_cold_users_have_no_train_interactions(log):
    s = cold_user_split(log, ColdUserConfig(cold_share=0.25))
    cold = set(s.users.loc[s.users["segment"] == "cold", "user_id"])
    assert cold and not cold & set(s.train["user_id"])
    assert set(s.context["user_id"]) <= cold
    n_users = log["user_id"].nunique()
    assert abs(len(set(s.context["user_id"])) - 0.25 * n_users) <= 1


def test_cold_context_is_the_first_interactions_in_time(log):
    s = cold_user_split(log, ColdUserConfig(n_reveal=3))
    for user, ctx in s.context.groupby("user_id"):
        rest = s.test[s.test["user_id"] == user]
        assert len(ctx) <= 3
        if len(rest):
            assert ctx["timestamp"].max() <= rest["timestamp"].min()


def test_warm_test_is_each_users_latest(log):
    s = cold_user_split(log)
    warm = s.users.loc[s.users["segment"] == "warm", "user_id"]
    for user in warm[:20]:
        tr = s.train[s.train["user_id"] == user]["timestamp"]
        te = s.test[s.test["user_id"] == user]["timestamp"]
        assert tr.max() <= te.min()


def test_same_seed_same_split_other_seed_other_users(log):
    a, b = cold_user_split(log, ColdUserConfig(seed=1)), cold_user_split(log, ColdUserConfig(seed=1))
    c = cold_user_split(log, ColdUserConfig(seed=2))
    assert a.test.equals(b.test)
    assert set(a.context["user_id"]) != set(c.context["user_id"])


def test_history_length_labels(log):
    s = cold_user_split(log, ColdUserConfig(n_reveal=2))
    cold = s.users[s.users["segment"] == "cold"]
    assert (cold["n_history"] <= 2).all()
    warm = s.users[s.users["segment"] == "warm"].set_index("user_id")
    counts = s.train.groupby("user_id").size()
    assert (warm["n_history"] == counts.loc[warm.index]).all()


# --- every protocol through make_split ---------------------------------------------------------

@pytest.fixture(scope="module")
def shop() -> tuple[pd.DataFrame, pd.DataFrame]:
    interactions, catalog = generate_shop(n_users=300, n_items=1200, n_interactions=5000, seed=0)
    return interactions.assign(row=np.arange(len(interactions))), catalog


def _config(protocol: str, **settings) -> dict:
    return {"protocol": protocol, **({"category": "Music"} if protocol == "new_domain" else {}), **settings}


@pytest.fixture(scope="module", params=sorted(PROTOCOLS))
def split(request, shop):
    return make_split(*shop, _config(request.param))


def test_parts_partition_the_input_rows(split, shop):
    rows = np.concatenate([getattr(split, p)["row"].to_numpy() for p in PARTS])
    assert np.array_equal(np.sort(rows), np.arange(len(shop[0])))
    assert not set(split.test["row"]) & set(split.train["row"])


def test_cold_items_and_cold_users_have_no_train_interactions(split):
    items = split.items.set_index("item_id")
    cold_items = items.index[items["segment"] == "cold"]
    assert not set(cold_items) & set(split.train["item_id"])
    assert (items["n_train"] == split.train["item_id"].value_counts().reindex(items.index, fill_value=0)).all()
    cold_users = split.users.loc[split.users["segment"] == "cold", "user_id"]
    assert not set(cold_users) & set(split.train["user_id"])


def test_labels_cover_every_test_user_and_catalog_item(split, shop):
    assert sorted(split.users["user_id"]) == sorted(split.test["user_id"].unique())
    assert sorted(split.items["item_id"]) == sorted(shop[1]["item_id"])
    history = pd.concat([split.train, split.context]).groupby("user_id").size()
    n_history = history.reindex(split.users["user_id"], fill_value=0).to_numpy()
    assert np.array_equal(split.users["n_history"], n_history)
    assert np.array_equal(split.users["history_bucket"], history_bucket(n_history))


def test_same_seed_same_split_and_config_round_trips(split, shop):
    again = make_split(*shop, split.config)
    for part in (*PARTS, "users", "items"):
        pd.testing.assert_frame_equal(getattr(split, part), getattr(again, part))
    cls = PROTOCOLS[split.config["protocol"]]
    assert cls.from_dict(split.config).to_dict() == split.config
    assert {"seed", "head_share", "protocol"} <= set(split.config) and "Notes" in cls.__doc__


def test_describe_counts_the_parts(split):
    d = describe(split)
    assert (d["train_rows"], d["context_rows"], d["test_rows"]) == tuple(len(getattr(split, p)) for p in PARTS)
    assert d["test_users_cold"] + d["test_users_warm"] == d["test_users"] == len(split.users)
    assert d["items_cold"] == int((split.items["segment"] == "cold").sum())


# --- protocol by protocol ----------------------------------------------------------------------

def _log(timestamps: list[int], users: list[str] | None = None, items: list[str] | None = None) -> pd.DataFrame:
    n = len(timestamps)
    return pd.DataFrame({"user_id": users or ["u"] * n, "item_id": items or [f"i{k}" for k in range(n)],
                         "timestamp": timestamps, "row": np.arange(n)})


def test_temporal_test_is_the_last_share_of_time(shop):
    s = make_split(*shop, _config("temporal", test_share=0.25))
    assert s.train["timestamp"].max() < s.test["timestamp"].min()
    assert len(s.test) == round(0.25 * len(shop[0]))  # no timestamp ties in the shop
    cold = set(s.users.loc[s.users["segment"] == "cold", "user_id"])
    assert cold == set(s.test["user_id"]) - set(s.train["user_id"]) and cold
    new_items = set(s.test["item_id"]) - set(s.train["item_id"])
    assert new_items and new_items <= set(s.items.loc[s.items["segment"] == "cold", "item_id"])


def test_temporal_ties_at_the_cutoff_go_to_test():
    s = make_split(_log([1, 2, 3, 4, 5, 6, 7, 8, 8, 8]), config={"protocol": "temporal", "test_share": 0.2})
    assert list(s.test["timestamp"]) == [8, 8, 8] and s.train["timestamp"].max() == 7


def test_new_arrivals_tests_every_interaction_after_the_cut_warm_and_new_items_together(shop):
    """#14: after the cut, new items (first seen then) compete with warm ones; every later row is test."""
    s = make_split(*shop, _config("new_arrivals", test_share=0.25))
    assert s.train["timestamp"].max() < s.test["timestamp"].min()
    assert len(s.test) + len(s.train) == len(shop[0]) and len(s.context) == 0
    new_items = set(s.test["item_id"]) - set(s.train["item_id"])
    warm_in_test = set(s.test["item_id"]) & set(s.train["item_id"])
    assert new_items and warm_in_test  # both kinds compete in the same test
    assert new_items <= set(s.items.loc[s.items["segment"] == "cold", "item_id"])


def test_cold_item_holds_out_the_newest_items_entirely(shop):
    interactions = shop[0]
    s = make_split(*shop, _config("cold_item", cold_share=0.3))
    held_out = set(s.test["item_id"])
    assert len(held_out) == round(0.3 * interactions["item_id"].nunique())
    assert not held_out & set(s.train["item_id"])
    assert set(interactions.loc[interactions["item_id"].isin(held_out), "row"]) == set(s.test["row"])
    first_seen = interactions.groupby("item_id")["timestamp"].min()
    assert first_seen[list(held_out)].min() >= first_seen.drop(list(held_out)).max()


def test_cold_item_breaks_first_seen_ties_by_seed():
    log = _log([0, 0, 0, 0, 1, 1], users=list("abcdef"), items=["x", "y", "p", "q", "r", "s"])
    picks = {frozenset(make_split(log, config={"protocol": "cold_item", "cold_share": 0.5, "seed": seed})
                       .test["item_id"]) for seed in range(20)}
    assert all({"r", "s"} < p and len(p) == 3 for p in picks) and len(picks) > 1


def test_new_domain_tests_exactly_the_held_out_category(shop):
    interactions, catalog = shop
    s = make_split(*shop, _config("new_domain"))
    music = set(catalog.loc[catalog["category"] == "Music", "item_id"])
    assert set(s.test["item_id"]) == music & set(interactions["item_id"])
    assert not music & set(s.train["item_id"])
    assert set(s.items.loc[s.items["item_id"].isin(music), "segment"]) == {"cold"}


def test_new_domain_explains_a_missing_category(shop):
    interactions, catalog = shop
    with pytest.raises(ValueError, match=r"'Rockets' is not in the catalog.*Baby.*Music"):
        make_split(interactions, catalog, {"protocol": "new_domain", "category": "Rockets"})
    with pytest.raises(ValueError, match="no category chosen; available categories: Art Supplies, Baby"):
        make_split(interactions, catalog, {"protocol": "new_domain"})
    with pytest.raises(ValueError, match="category"):
        make_split(interactions, None, {"protocol": "new_domain", "category": "Music"})
    with pytest.raises(ValueError, match="category"):
        make_split(interactions, catalog.drop(columns="category"), {"protocol": "new_domain", "category": "Music"})


def test_leave_last_out_tests_each_users_last_row(shop):
    interactions = shop[0]
    s = make_split(*shop, {"protocol": "leave_last_out"})
    ordered = interactions.sort_values("timestamp", kind="stable")
    n_rows = ordered.groupby("user_id")["row"].transform("size")
    last = ordered[n_rows >= 2].groupby("user_id").tail(1)
    assert set(s.test["row"]) == set(last["row"])
    assert set(s.users["segment"]) == {"warm"}


def test_leave_last_out_keeps_single_rows_and_breaks_ties_by_file_order():
    log = _log([5, 5, 1, 9], users=["a", "a", "a", "b"])
    s = make_split(log, config={"protocol": "leave_last_out"})
    assert list(s.test["row"]) == [1] and sorted(s.train["row"]) == [0, 2, 3]


def test_make_split_defaults_to_the_cold_user_split(log):
    a, b = make_split(log), cold_user_split(log)
    pd.testing.assert_frame_equal(a.test, b.test)
    pd.testing.assert_frame_equal(a.users, b.users)


def test_make_split_rejects_unknown_settings(log):
    with pytest.raises(ValueError, match=r"\['n_reveal', 'typo'\]"):
        make_split(log, config={"protocol": "temporal", "typo": 1, "n_reveal": 2})
    with pytest.raises(ValueError, match="unknown split protocol 'random'"):
        make_split(log, config={"protocol": "random"})
    with pytest.raises(ValueError, match="test_share must be between 0 and 1"):
        make_split(log, config={"protocol": "temporal", "test_share": 1.5})


# --- segments by hand --------------------------------------------------------------------------

def test_head_covers_the_share_including_the_item_that_crosses_it():
    train = pd.DataFrame({"item_id": ["a"] * 5 + ["b"] * 3 + ["c", "d"]})
    ids = pd.Index(["a", "b", "c", "d", "new"])
    items = label_items(train, ids, head_share=0.8)  # a+b = 8 of 10 rows: exactly 80%
    assert list(items["band"]) == ["head", "head", "tail", "tail", "tail"]
    assert list(items["segment"]) == ["warm"] * 4 + ["cold"] and list(items["n_train"]) == [5, 3, 1, 1, 0]
    assert list(label_items(train, ids, 0.7)["band"]) == ["head", "head", "tail", "tail", "tail"]  # b crosses
    assert list(label_items(train, ids, 0.5)["band"]) == ["head", "tail", "tail", "tail", "tail"]
    # c crosses 85%; d ties with it, so it is head too
    assert list(label_items(train, ids, 0.85)["band"]) == ["head"] * 4 + ["tail"]
    assert set(label_items(train, ids, 0.0)["band"]) == {"tail"}


def test_history_buckets_at_their_boundaries():
    n = np.array([0, 1, 2, 3, 5, 6, 10, 11, 20, 21, 500])
    expected = ["0", "1-2", "1-2", "3-5", "3-5", "6-10", "6-10", "11-20", "11-20", "21+", "21+"]
    assert list(history_bucket(n)) == expected
    assert HISTORY_BUCKETS == ("0", "1-2", "3-5", "6-10", "11-20", "21+")
    with pytest.raises(ValueError):
        history_bucket(np.array([-1]))
