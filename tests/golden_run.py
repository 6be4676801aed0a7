"""A fixed-seed experiment whose every stored table is kept as a golden copy.

The package layout moved in one step (issue #13); this pins that the move
changed no behaviour. ``python -m tests.golden_run --write`` remakes the copy
(only when a change is *meant* to alter results; say so in the commit).
"""

from __future__ import annotations

import os

# BLAS thread count changes float sums (EASE); the copy and the test both use one thread, as conftest does.
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import json  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

import pandas as pd  # noqa: E402

GOLDEN = Path(__file__).resolve().parent / "golden"
# (run name, protocol settings, models): a user protocol with every cheap model and a cold-item run.
RUNS: tuple[tuple[str, dict, list[str]], ...] = (
    ("cold_user", {"protocol": "cold_user", "seed": 0},
     ["popularity", "itemknn", "ease", "content", "hybrid", "bpr"]),
    ("cold_item", {"protocol": "cold_item", "cold_share": 0.2, "seed": 0}, ["popularity", "content", "ease"]),
)
# Model folders kept as saved before the move: they must still load and score as the fresh ones do.
SAVED_MODELS: tuple[str, ...] = ("popularity", "itemknn", "bpr")
# run.json keys that depend on the machine or the moment, not on the computation.
VOLATILE = ("engine", "timings")


def make_runs(out: Path) -> dict[str, Path]:
    """Ingest a small synthetic shop into a fresh workspace under ``out`` and train every run of :data:`RUNS`."""
    import torch

    from coldrec.data.ingest import ingest
    from coldrec.data.synth import write_shop
    from coldrec.data.workspace import Workspace
    from coldrec.runs.experiment import ExperimentConfig, run_experiment

    torch.set_num_threads(1)  # float sums (BPR) depend on the thread count; the copy was made with one
    ws = Workspace(out / "ws")
    ip, cp = write_shop(out / "shop", n_users=150, n_items=400, n_interactions=2400, seed=3)
    dataset = ingest(ws, ip, cp).dataset.id
    dirs = {}
    for name, split, models in RUNS:
        run_dir = out / name
        cfg = ExperimentConfig(dataset_id=dataset, models=models, split=split, encoder="hashing",
                               model_params={"bpr": {"epochs": 3}})
        run_experiment(ws, cfg, run_dir)
        dirs[name] = run_dir
    return dirs


def tables(run_dir: Path) -> dict[str, pd.DataFrame]:
    """Every parquet table a run folder holds, by file name."""
    return {p.name: pd.read_parquet(p) for p in sorted(run_dir.glob("*.parquet"))}


def run_facts(run_dir: Path) -> dict:
    """run.json without machine-dependent keys, and without the dataset id (a content hash of paths)."""
    facts = json.loads((run_dir / "run.json").read_text())
    for key in VOLATILE:
        facts.pop(key, None)
    facts["config"].pop("dataset_id", None)
    return facts


def write(dest: Path = GOLDEN) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        dirs = make_runs(Path(tmp))
        for name, run_dir in dirs.items():
            # Tables and facts are remade; the model folders saved before the layout move are kept as they are.
            for old in (dest / name).glob("*.*"):
                old.unlink()
            (dest / name).mkdir(parents=True, exist_ok=True)
            for fname, frame in tables(run_dir).items():
                frame.to_parquet(dest / name / fname, index=False)
            if name == RUNS[0][0]:
                for model in SAVED_MODELS:
                    if (dest / name / "models" / model).exists():
                        continue
                    shutil.copytree(run_dir / "models" / model, dest / name / "models" / model)
            (dest / name / "run.json").write_text(json.dumps(run_facts(run_dir), indent=1, sort_keys=True))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true", help="remake the golden copy")
    if parser.parse_args().write:
        write()
