"""Shared fixtures: tiny known-answer data, a temporary workspace, the real encoder once per session."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
# Small torch steps run 10-30x slower with two threads on a busy 2-core machine.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from coldrec.data.workspace import Workspace  # noqa: E402
from tests.e2e_support import page, screenshot_on_failure, server  # noqa: E402,F401 - browser fixtures for journeys

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return Workspace(tmp_path / "ws")


@pytest.fixture
def one_torch_thread():
    """Torch on one thread for the test, restored afterwards (small steps are far faster so on 2 cores)."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="session")
def minilm():
    """The packaged all-MiniLM-L6-v2, loaded once per test session."""
    from coldrec.text.sentence import SentenceTransformerEncoder

    enc = SentenceTransformerEncoder()
    enc.encode(["warm up"])
    return enc


@pytest.fixture
def tiny_shop() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two tastes (coffee, camping); 12 users, 8 items, times increasing per user.

    Users u0-u5 like coffee items (c0-c3), u6-u11 camping items (k0-k3); c0 and k0
    are the most popular of their group.
    """
    catalog = pd.DataFrame({
        "item_id": ["c0", "c1", "c2", "c3", "k0", "k1", "k2", "k3"],
        "title": ["Espresso coffee beans", "Pour-over coffee dripper", "Coffee grinder burr",
                  "Ceramic coffee mug", "Camping tent two person", "Camping sleeping bag",
                  "Camping stove gas", "Hiking backpack camping"],
        "category": ["coffee"] * 4 + ["outdoor"] * 4,
    })
    rows, t = [], 1_700_000_000
    for u in range(12):
        group = "c" if u < 6 else "k"
        for j in (0, 1 + u % 3, 0 if u % 2 else 3):
            t += 60
            rows.append((f"u{u}", f"{group}{j}", t))
    inter = pd.DataFrame(rows, columns=["user_id", "item_id", "timestamp"]).drop_duplicates(["user_id", "item_id"])
    return inter.reset_index(drop=True), catalog


def write_csvs(folder: Path, inter: pd.DataFrame, catalog: pd.DataFrame) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    ip, cp = folder / "interactions.csv", folder / "catalog.csv"
    inter.to_csv(ip, index=False)
    catalog.to_csv(cp, index=False)
    return ip, cp


def unit_rows(a: np.ndarray) -> np.ndarray:
    return a / np.linalg.norm(a, axis=1, keepdims=True)


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Expose each phase's report on the test item (for screenshots on failure)."""
    outcome = yield
    rep = outcome.get_result()
    setattr(item, f"rep_{rep.when}", rep)
