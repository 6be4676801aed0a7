"""Models that pick their own settings do it on the train part only, and the run records what they chose."""

from __future__ import annotations

import json

import numpy as np
import pytest

from coldrec.data.ingest import ingest
from coldrec.data.synth import write_shop
from coldrec.runs.experiment import ExperimentConfig, run_experiment
from coldrec.runs.store import RunStore


@pytest.fixture
def shop_id(ws, tmp_path) -> str:
    ip, cp = write_shop(tmp_path / "shop", n_users=200, n_items=300, n_interactions=3000, seed=3)
    return ingest(ws, ip, cp).dataset.id


def test_run_json_records_what_each_model_chose(ws, shop_id, tmp_path):
    cfg = ExperimentConfig(dataset_id=shop_id, encoder="hashing", models=["ease", "cb2cf", "content"],
                           split={"protocol": "cold_item"})
    run_experiment(ws, cfg, tmp_path / "run")
    chosen = json.loads((tmp_path / "run" / RunStore.RUN_INFO).read_text())["chosen"]
    assert set(chosen) == {"ease", "cb2cf"}
    assert chosen["ease"]["l2"] in (50.0, 100.0, 200.0, 500.0, 1000.0)
    assert {"map_l2", "w_text", "w_cf"} == set(chosen["cb2cf"])


def test_choices_do_not_change_when_every_test_row_is_poisoned(ws, shop_id, tmp_path, monkeypatch):
    """The split's test rows are replaced by random ones before the models fit: the choices stay the same."""
    import coldrec.runs.experiment as experiment

    cfg = ExperimentConfig(dataset_id=shop_id, encoder="hashing", models=["ease", "cb2cf"],
                           split={"protocol": "cold_item"})
    run_experiment(ws, cfg, tmp_path / "clean")
    real = experiment.make_split

    def poisoned(*args, **kwargs):
        split = real(*args, **kwargs)
        rng = np.random.default_rng(0)
        split.test = split.test.assign(item_id=rng.permutation(split.test["item_id"].to_numpy()),
                                       user_id=rng.permutation(split.test["user_id"].to_numpy()))
        return split

    monkeypatch.setattr(experiment, "make_split", poisoned)
    run_experiment(ws, cfg, tmp_path / "poisoned")
    read = [json.loads((tmp_path / r / RunStore.RUN_INFO).read_text())["chosen"] for r in ("clean", "poisoned")]
    assert read[0] == read[1]
