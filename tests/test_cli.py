"""The command line gives the same results as the library."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from coldrec.cli import main
from coldrec.data.workspace import Workspace


def test_ingest_with_mapping_and_threshold(tmp_path, capsys):
    log = tmp_path / "log.csv"
    log.write_text("buyer,sku,when,stars\nu1,a,1700000000,5\nu2,b,1700000060,2\nu1,b,1700000120,4\n")
    cat = tmp_path / "cat.csv"
    cat.write_text("sku,name,blurb\na,Mug,<b>Stoneware</b>\nb,Tent,Sleeps two\n")
    ws = tmp_path / "ws"
    code = main(["--workspace", str(ws), "ingest", str(log), str(cat), "--map", "user_id=buyer",
                 "--map", "timestamp=when", "--map", "rating=stars", "--map-catalog", "title=name",
                 "--map-catalog", "description=blurb", "--rating-threshold", "4"])
    assert code == 0, capsys.readouterr().err
    (ds,) = Workspace(ws).datasets()
    inter = Workspace(ws).load_interactions(ds.id)
    assert inter["user_id"].tolist() == ["u1", "u1"] and inter["rating"].tolist() == [5.0, 4.0]
    assert "stored:" in capsys.readouterr().out


def test_ingest_failure_exits_2_and_names_the_column(tmp_path, capsys):
    log = tmp_path / "log.csv"
    log.write_text("user_id,item_id\nu1,a\n")
    cat = tmp_path / "cat.csv"
    cat.write_text("item_id,title\na,Mug\n")
    assert main(["--workspace", str(tmp_path / "ws"), "ingest", str(log), str(cat)]) == 2
    assert "column 'timestamp'" in capsys.readouterr().err
    assert Workspace(tmp_path / "ws").datasets() == []


def test_train_prints_the_summary(tmp_path, capsys):
    from coldrec.data.synth import write_shop

    ip, cp = write_shop(tmp_path / "shop", n_users=200, n_items=300, n_interactions=3000, seed=0)
    ws = str(tmp_path / "ws")
    assert main(["--workspace", ws, "ingest", str(ip), str(cp)]) == 0
    (ds,) = Workspace(ws).datasets()
    capsys.readouterr()
    assert main(["--workspace", ws, "train", ds.id, "--encoder", "hashing"]) == 0
    out = capsys.readouterr().out
    assert "popularity" in out and "content" in out and "cold" in out
    summary = pd.read_parquet(next((tmp_path / "ws" / "runs").glob("*/summary.parquet")))
    assert set(summary["model"]) == {"popularity", "content"}


def test_import_movielens_folder_with_a_rating_threshold(tmp_path, capsys):
    from tests.data.test_importers import DATA

    folder = DATA / "movielens_latest_small"
    if not folder.exists():
        pytest.skip("../shared/data is absent")
    ratings = pd.read_csv(folder / "ratings.csv")
    positives = ratings[ratings["rating"] >= 4]
    ws = str(tmp_path / "ws")
    assert main(["--workspace", ws, "import", str(folder), "--rating-threshold", "4"]) == 0
    (ds,) = Workspace(ws).datasets()
    assert (ds.n_interactions, ds.n_users) == (len(positives), positives["userId"].nunique())
    assert Workspace(ws).load_interactions(ds.id)["rating"].min() == 4.0


def test_evaluate_reloads_saved_models_and_reproduces_the_run(tmp_path, capsys):
    from coldrec.data.synth import write_shop

    ip, cp = write_shop(tmp_path / "shop", n_users=200, n_items=300, n_interactions=3000, seed=0)
    ws = str(tmp_path / "ws")
    main(["--workspace", ws, "ingest", str(ip), str(cp)])
    (ds,) = Workspace(ws).datasets()
    main(["--workspace", ws, "train", ds.id, "--encoder", "hashing"])
    run_dir = next((tmp_path / "ws" / "runs").iterdir())
    assert main(["--workspace", ws, "evaluate", run_dir.name, "--ks", "20", "--out", str(tmp_path / "out")]) == 0
    again = pd.read_csv(tmp_path / "out" / "summary.csv")
    original = pd.read_parquet(run_dir / "summary.parquet")
    key = ["model", "by", "group", "item_segment", "metric", "k"]
    merged = original[original["k"].isin([0, 20])].merge(again, on=key, suffixes=("", "_again"))
    assert len(merged) == len(again) > 0
    assert (merged["mean"] - merged["mean_again"]).abs().max() < 1e-9
    assert "NDCG@20" in capsys.readouterr().out


def test_train_with_a_protocol_split_settings_and_model_params(tmp_path, capsys):
    from coldrec.data.synth import write_shop
    from coldrec.runs.store import load_run_info

    ip, cp = write_shop(tmp_path / "shop", n_users=200, n_items=300, n_interactions=3000, seed=0)
    ws = str(tmp_path / "ws")
    main(["--workspace", ws, "ingest", str(ip), str(cp)])
    (ds,) = Workspace(ws).datasets()
    assert main(["--workspace", ws, "train", ds.id, "--models", "popularity,ease", "--protocol", "temporal",
                 "--split", "test_share=0.3", "--param", "ease.l2=50"]) == 0
    run = next((tmp_path / "ws" / "runs").iterdir()).name
    info = load_run_info(Workspace(ws), run)
    assert info["split"]["protocol"] == "temporal" and info["split"]["test_share"] == 0.3
    assert info["config"]["model_params"] == {"ease": {"l2": 50}}


def test_train_ray_flag_is_off_by_default_and_takes_an_optional_address():
    from coldrec.cli import build_parser
    from coldrec.runs.engine import engine_setting

    p = build_parser()
    assert p.parse_args(["train", "ds"]).ray is None
    assert engine_setting(p.parse_args(["train", "ds", "--ray"]).ray) == "ray"
    assert engine_setting(p.parse_args(["train", "ds", "--ray", "10.0.0.5:6379"]).ray) == "ray:10.0.0.5:6379"
    assert engine_setting(p.parse_args(["evaluate", "run1", "--ray", "ray://head:10001"]).ray) == "ray://head:10001"


def test_train_with_ray_but_without_the_extra_exits_3_with_the_install_hint(tmp_path, capsys, monkeypatch):
    from coldrec.data.synth import write_shop
    from coldrec.runs import engine

    monkeypatch.setattr(engine, "ray_installed", lambda: False)
    ip, cp = write_shop(tmp_path / "shop", n_users=100, n_items=100, n_interactions=800, seed=0)
    ws = str(tmp_path / "ws")
    assert main(["--workspace", ws, "ingest", str(ip), str(cp)]) == 0
    (ds,) = Workspace(ws).datasets()
    assert main(["--workspace", ws, "train", ds.id, "--encoder", "hashing", "--ray"]) == 3
    assert "pip install 'coldrec[ray]'" in capsys.readouterr().err


# -- #17: a user error is one line on stderr and a non-zero exit, never a traceback ---------------------------
BAD_FILES = Path(__file__).resolve().parent / "data" / "bad_files"
GOOD = [str(BAD_FILES / "good_interactions.csv"), str(BAD_FILES / "good_catalog.csv")]


@pytest.mark.parametrize("args,message", [
    (["ingest", "/no/such/log.csv", GOOD[1]], "coldrec ingest: /no/such/log.csv: no such file or folder; check the "
                                              "path"),
    (["ingest", str(BAD_FILES), GOOD[1]], f"coldrec ingest: {BAD_FILES} is a folder; give the path of a file"),
    ([*["ingest", *GOOD], "--event-weight", "view=lots"], "coldrec ingest: --event-weight view=lots: the weight must "
                                                          "be a number, e.g. view=5 (0 drops the event)"),
    ([*["ingest", *GOOD], "--map", "user_id"], "coldrec ingest: expected ROLE=COLUMN, got 'user_id'"),
    ([*["ingest", *GOOD], "--map", "user_id=customer"], "ERROR good_interactions.csv, column 'user_id': the column "
                                                        "mapping points user_id at 'customer', which this file does "
                                                        "not have (columns found: user_id, item_id, timestamp)"),
    ([*["ingest", *GOOD], "--event-weight", "view=-2"], "the weight of event 'view' is -2; event weights must be 0 "
                                                        "or more"),
    (["import", "/no/such/folder"], "coldrec import: /no/such/folder: no known dataset"),
    (["evaluate", "no-such-run"], "coldrec evaluate: run no-such-run has no run.json"),
])
def test_a_user_error_is_one_line_without_a_traceback(tmp_path, capsys, args, message):
    code = main(["--workspace", str(tmp_path / "ws"), *args])
    err = capsys.readouterr().err
    assert code == 2 and message in err, err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert Workspace(tmp_path / "ws").datasets() == []


def test_the_app_command_hides_error_details(monkeypatch):
    calls: list[list[str]] = []
    monkeypatch.setattr("subprocess.call", lambda cmd: calls.append(cmd) or 0)
    assert main(["app"]) == 0
    cmd = calls[0]
    assert cmd[cmd.index("--client.showErrorDetails") + 1] == "none"
    assert cmd[cmd.index("--server.address") + 1] == "127.0.0.1"
