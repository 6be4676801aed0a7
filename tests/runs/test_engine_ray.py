"""The Ray engine gives the local results: same embeddings, same per-user rows, same list figures, same trials.

One local Ray with 2 CPUs serves the whole module; the shop is tiny and the
hashing encoder is used except for one small check with the real MiniLM.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

ray = pytest.importorskip("ray", reason="Ray is an optional extra: pip install 'coldrec[ray]'")

from coldrec.columns import Columns  # noqa: E402
from coldrec.data.ingest import ingest  # noqa: E402
from coldrec.data.synth import write_shop  # noqa: E402
from coldrec.data.workspace import Workspace  # noqa: E402
from coldrec.evaluation.evaluate import evaluate  # noqa: E402
from coldrec.models.registry import make_model  # noqa: E402
from coldrec.runs.engine import open_engine, run_engine  # noqa: E402
from coldrec.runs.engine.base import EngineError  # noqa: E402
from coldrec.runs.engine.on_ray import WORKER_ENV, RayEngine  # noqa: E402
from coldrec.runs.experiment import ExperimentConfig, catalog_embeddings, run_experiment  # noqa: E402
from coldrec.runs.jobs import JobStore, submit  # noqa: E402
from coldrec.runs.search import SearchConfig, run_search  # noqa: E402
from coldrec.runs.store import load_run_info  # noqa: E402
from coldrec.split.protocols import make_split  # noqa: E402
from coldrec.text.cache import EmbeddingCache  # noqa: E402
from coldrec.text.hashing import HashingEncoder  # noqa: E402
from tests.runs.test_experiment import _wait  # noqa: E402

TABLES = ("per_user", "lists", "tops", "summary", "fewshot")


@pytest.fixture(scope="module", autouse=True)
def local_ray():
    """A 2-CPU local Ray for the module (the engine reuses it and leaves it running)."""
    os.environ.pop("RAY_ADDRESS", None)
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, runtime_env={"env_vars": dict(WORKER_ENV)})
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def shop(tmp_path_factory) -> tuple[Workspace, str]:
    tmp = tmp_path_factory.mktemp("rayshop")
    ws = Workspace(tmp / "ws")
    ip, cp = write_shop(tmp / "shop", n_users=300, n_items=1200, n_interactions=5000, seed=1)
    return ws, ingest(ws, ip, cp).dataset.id


def test_run_on_ray_matches_the_local_run(shop, tmp_path):
    ws, ds = shop
    runs = {}
    for engine in (None, "ray"):
        cfg = ExperimentConfig(dataset_id=ds, models=["popularity", "content", "itemknn"], encoder="hashing",
                               engine=engine)
        run_experiment(ws, cfg, tmp_path / str(engine))
        runs[engine] = {name: pd.read_parquet(tmp_path / str(engine) / f"{name}.parquet") for name in TABLES}
    for name in TABLES:
        pd.testing.assert_frame_equal(runs[None][name], runs["ray"][name], obj=name)
    info = json.loads((tmp_path / "ray" / "run.json").read_text())
    assert info["engine"]["kind"] == "ray" and info["engine"]["cpus"] == 2 and info["config"]["engine"] == "ray"
    assert json.loads((tmp_path / "None" / "run.json").read_text())["engine"] == {"kind": "local"}


def test_sharded_evaluation_gives_identical_rows_and_list_figures(shop):
    """Many shards of 64 users: the per-user rows are the local ones, coverage/Gini are of the whole lists."""
    ws, ds = shop
    catalog = ws.load_catalog(ds)
    item_ids = pd.Index(catalog[Columns.item])
    split = make_split(ws.load_interactions(ds), catalog, {"protocol": "cold_user"})
    emb, _ = catalog_embeddings(ws, catalog, "hashing")
    from coldrec.evaluation.evaluate import fit_data

    data = fit_data(split, item_ids, emb, catalog, "hashing")
    models = {name: make_model(name).fit(data) for name in ("popularity", "content")}
    local = evaluate(models, split, item_ids, (10, 20), embeddings=emb, batch_size=64)
    with RayEngine.connect() as engine:
        sharded = engine.evaluate(models, split, item_ids, (10, 20), embeddings=emb, shard_size=64, batch_size=64)
    assert local.per_user[Columns.user].nunique() > 3 * 64  # several shards really ran
    pd.testing.assert_frame_equal(local.per_user, sharded.per_user)
    pd.testing.assert_frame_equal(local.lists, sharded.lists)
    pd.testing.assert_frame_equal(local.tops, sharded.tops)
    # Coverage is of the concatenated lists: more than any one shard could reach on its own.
    default = evaluate(models, split, item_ids, (10, 20), embeddings=emb)
    pd.testing.assert_frame_equal(default.lists, sharded.lists, atol=1e-9)


def test_ray_encoding_fills_the_same_cache_in_catalog_order(shop, tmp_path):
    ws, ds = shop
    catalog = ws.load_catalog(ds)
    local, key = catalog_embeddings(ws, catalog, "hashing")
    fresh = Workspace(tmp_path / "fresh")
    half = catalog.iloc[::2]  # already cached: Ray gets only the rest, and the order must still be the catalog's
    catalog_embeddings(fresh, half, "hashing")
    steps = []
    with open_engine("ray") as engine:
        vecs, key_ray = catalog_embeddings(fresh, catalog, "hashing", lambda f, s: steps.append(f), engine)
    assert key_ray == key and vecs.shape == local.shape
    np.testing.assert_allclose(vecs, local, atol=1e-5)
    assert steps[-1] == 1.0
    cache = EmbeddingCache(fresh.root / "embeddings")
    assert cache.count(HashingEncoder()) == len(catalog)
    chunks = sorted((fresh.root / "embeddings").rglob("chunk-*.npz"))
    again, _ = catalog_embeddings(fresh, catalog, "hashing")  # the local path finds everything cached
    assert sorted((fresh.root / "embeddings").rglob("chunk-*.npz")) == chunks
    np.testing.assert_array_equal(again, vecs)
    assert not list((fresh.root / "tmp").iterdir())  # the texts staged as Parquet for Ray Data are removed


def test_ray_encoding_with_the_real_minilm_matches(minilm, tmp_path):
    texts = [f"{adj} {noun} for the {place}" for adj in ("red", "quiet", "sturdy", "light")
             for noun in ("kettle", "tent", "lamp", "backpack") for place in ("kitchen", "trail")]
    local = minilm.encode(texts)
    with RayEngine.connect() as engine:
        remote = engine.encode_texts(texts, minilm, "minilm", n_actors=2, batch_size=8)
    np.testing.assert_allclose(remote, local, atol=1e-5)


def test_search_trials_on_ray_match_local(shop, tmp_path):
    ws, ds = shop
    tables = []
    for engine in (None, "ray"):
        cfg = SearchConfig(dataset_id=ds, model="itemknn", space={"k_neighbors": [20, 100], "shrink": [0.0, 10.0]},
                           engine=engine)
        tables.append(run_search(ws, cfg, tmp_path / str(engine)))
    pd.testing.assert_frame_equal(tables[0], tables[1])
    assert len(tables[0]) == 4


def test_bad_address_fails_fast_with_advice(shop):
    """No hang: a closed port is reported within the timeout, naming the address and what to do."""
    ws, ds = shop
    code = ("import sys\nfrom coldrec.runs.engine import open_engine\n"
            "with open_engine(sys.argv[1]):\n    pass\n")
    for address in ("ray:127.0.0.1:1", "ray://no-such-host.invalid:10001"):
        start = time.monotonic()
        out = subprocess.run([sys.executable, "-c", code, address], capture_output=True, text=True, timeout=120,
                             env={**os.environ, "COLDREC_RAY_TIMEOUT": "5"})
        assert out.returncode != 0
        assert "EngineError" in out.stderr and address.removeprefix("ray:").removeprefix("//") in out.stderr
        assert "ray status" in out.stderr
        assert time.monotonic() - start < 60


def test_a_job_with_an_unreachable_cluster_fails_with_the_reason(shop):
    ws, ds = shop
    cfg = ExperimentConfig(dataset_id=ds, encoder="hashing", engine="ray:127.0.0.1:1")
    job_id = submit(ws, "train", vars(cfg), ds)
    store = JobStore(ws)
    assert _wait(store, job_id, timeout=90) == "failed"
    message = store.get(job_id).message
    assert "EngineError" in message and "127.0.0.1:1" in message
    assert run_engine(ws, job_id) == "Ray at 127.0.0.1:1 (requested)"


def test_cli_train_with_ray_records_the_engine(shop, capsys):
    from coldrec.cli import main

    ws, ds = shop
    assert main(["--workspace", str(ws.root), "train", ds, "--encoder", "hashing", "--models", "popularity",
                 "--ray"]) == 0
    job_id = capsys.readouterr().out.split("run ", 1)[1].split()[0]
    assert load_run_info(ws, job_id)["engine"]["kind"] == "ray"
    assert run_engine(ws, job_id).startswith("Ray 2.")


def test_cli_train_with_a_bad_address_exits_with_the_reason(shop, capsys, monkeypatch):
    from coldrec.cli import main

    ws, ds = shop
    monkeypatch.setattr(ray, "is_initialized", lambda: False)  # as in a fresh process: connect, do not reuse
    monkeypatch.setenv("COLDREC_RAY_TIMEOUT", "5")
    assert main(["--workspace", str(ws.root), "train", ds, "--encoder", "hashing", "--ray", "127.0.0.1:1"]) == 3
    err = capsys.readouterr().err
    assert "cannot reach the Ray cluster at 127.0.0.1:1" in err
    with pytest.raises(EngineError, match="127.0.0.1:1"):
        with open_engine("ray:127.0.0.1:1"):
            pass
