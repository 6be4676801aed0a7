"""The cold-user split: no leakage, deterministic, labels every test user."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from coldrec.split import ColdUserConfig, cold_user_split


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
