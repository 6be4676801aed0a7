"""Every cheap model trained on real data (MovieLens ml-latest-small) through ``run_experiment``.

Slow (minutes: EASE inverts a 9,742 x 9,742 matrix, the neural models train for
real); run with ``pytest -m slow``. Skips when ``../shared/data`` is absent.
The expectations below were measured on this data (see benchmarks/RESULTS.md,
"Model zoo"); the margins leave room for other seeds and library versions.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from coldrec.data.ingest import IngestOptions, import_and_store
from coldrec.data.io.feedback import FeedbackConfig
from coldrec.data.workspace import Workspace
from coldrec.evaluation.aggregate import compare, headline
from coldrec.metrics import accuracy as M
from coldrec.models.registry import MODELS
from coldrec.runs.experiment import ExperimentConfig, run_experiment

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
MOVIELENS = DATA / "movielens_latest_small"
CHEAP = [m for m in MODELS if m != "transfer"]  # transfer fine-tunes the sentence encoder
SHARES = [*M.METRICS, "auc", "aplt", "cold_share", "diversity"]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not MOVIELENS.is_dir(), reason=f"public data not found at {MOVIELENS}"),
]


@pytest.fixture(scope="module")
def movielens_run(tmp_path_factory) -> tuple[pd.DataFrame, pd.DataFrame, Path]:
    """(summary, per_user, run folder) of one cold-user run of every cheap model, hashing encoder.

    Ratings from 4 stars up are the positives, as in ``benchmarks.models``.
    """
    tmp = tmp_path_factory.mktemp("movielens")
    ws = Workspace(tmp / "ws")
    stored = import_and_store(ws, MOVIELENS, IngestOptions(feedback=FeedbackConfig(rating_threshold=4.0)))
    assert stored.dataset is not None, stored.report.issues
    run_dir = tmp / "run"
    summary = run_experiment(ws, ExperimentConfig(dataset_id=stored.dataset.id, models=CHEAP, encoder="hashing"),
                             run_dir)
    return summary, pd.read_parquet(run_dir / "per_user.parquet"), run_dir


def _ndcg(summary: pd.DataFrame, users: str) -> pd.Series:
    head = headline(summary)
    return head[head["users"] == users].set_index("model")["mean"]


def test_every_cheap_model_runs_to_completion(movielens_run):
    summary, per_user, run_dir = movielens_run
    assert set(summary["model"]) == set(CHEAP)
    for name in CHEAP:
        assert (run_dir / "models" / name / "model.json").exists()
    assert (run_dir / "fewshot.parquet").exists()
    users = per_user.drop_duplicates("user_id")["segment"].value_counts()
    assert users["cold"] == 121 and users["warm"] == 486  # 20% of 609 users held out; 2 have nothing new to find


def test_every_share_metric_and_interval_lies_in_0_1(movielens_run):
    summary, per_user, _ = movielens_run
    shares = summary[summary["metric"].isin(SHARES)]
    assert shares["mean"].between(0, 1).all()
    assert shares["ci_low"].between(0, 1).all() and shares["ci_high"].between(0, 1).all()
    eps = 1e-6
    assert ((shares["ci_low"] <= shares["mean"] + eps) & (shares["mean"] <= shares["ci_high"] + eps)).all()
    values = per_user.loc[per_user["metric"].isin(SHARES), "value"].dropna()
    assert values.between(0, 1).all()


@pytest.mark.parametrize("model", ["ease", "itemknn"])
def test_collaborative_models_beat_popularity_for_warm_users(movielens_run, model):
    """Paired on the same users; measured: EASE +0.044, itemknn +0.022 NDCG@20 over popularity 0.065."""
    _, per_user, _ = movielens_run
    diff = compare(per_user, model, "popularity")
    warm = diff[(diff["group"] == "warm") & (diff["item_segment"] == "all") & (diff["metric"] == "ndcg")
                & (diff["k"] == 20)].iloc[0]
    assert warm["diff_low"] > 0, warm


def test_every_model_ranks_far_better_than_chance(movielens_run):
    """AUC over the whole catalog: 0.5 is a random ranking."""
    summary, _, _ = movielens_run
    auc = summary[(summary["by"] == "segment") & (summary["group"] == "all") & (summary["metric"] == "auc")
                  & (summary["item_segment"] == "all")].set_index("model")["mean"]
    assert (auc > 0.6).all(), auc  # measured: content 0.66, the rest 0.81-0.90


def test_ease_leads_overall_and_content_trails_popularity(movielens_run):
    """Honest MovieLens facts: EASE is the strongest model here, and the bag-of-words content model
    (titles, genres, tags) is well below popularity, for cold users too."""
    summary, _, _ = movielens_run
    overall = _ndcg(summary, "all")
    assert overall.idxmax() == "ease", overall
    cold = _ndcg(summary, "cold")
    assert cold["content"] < 0.5 * cold["popularity"], cold
