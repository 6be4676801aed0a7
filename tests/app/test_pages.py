"""Every page renders through Streamlit's AppTest, on a fresh workspace with the sample loaded."""

from __future__ import annotations

import json
import time

import pytest
from streamlit.testing.v1 import AppTest

from coldrec.runs.experiment import ExperimentConfig
from coldrec.runs.jobs import JobStore, submit
from tests.conftest import REPO
from ui import state

TIMEOUT = 60


@pytest.fixture
def app(tmp_path, monkeypatch):
    monkeypatch.setenv("COLDREC_WORKSPACE", str(tmp_path / "ws"))
    monkeypatch.setenv("COLDREC_ENCODER", "hashing")  # the real encoder is covered by test_text and e2e
    monkeypatch.chdir(REPO)
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Overview"  # the landing page
    at.switch_page("pages/data.py").run()
    return at


def _texts(at: AppTest) -> str:
    return " ".join(str(e.value) for kind in ("markdown", "caption", "info", "success", "error", "warning", "text")
                    for e in getattr(at, kind))


def test_data_page_shows_the_sample(app):
    assert app.title[0].value == "Data"
    assert "sample shop" in app.dataframe[0].value["name"].iloc[0]
    assert app.selectbox(key=state.DATASET).value is not None


def test_upload_missing_column_names_it_and_stores_nothing(app, tmp_path):
    ws_before = state.workspace().datasets()
    app.file_uploader(key="upload_interactions").set_value(
        ("log.csv", b"user_id,item_id\nu1,a\n", "text/csv"))
    app.file_uploader(key="upload_catalog").set_value(("cat.csv", b"item_id,title\na,Mug\n", "text/csv"))
    app.run()
    next(b for b in app.button if b.label == "Validate and store").click().run()
    errors = " ".join(e.value for e in app.error)
    assert "log.csv, column 'timestamp'" in errors and "Nothing was stored" in errors
    assert state.workspace().datasets() == ws_before


def test_train_page_renders_form_and_history(app):
    app.switch_page("pages/train.py").run()
    assert not app.exception
    assert app.multiselect[0].value == ["popularity", "content", "cb2cf", "hybrid", "ease"]
    assert "No job running" in " ".join(s.value for s in app.subheader)


def test_train_button_starts_a_background_job(app):
    app.switch_page("pages/train.py").run()
    app.button[0].click().run()  # the form's Train button
    assert not app.exception
    jobs = JobStore(state.workspace()).list()
    assert len(jobs) == 1 and jobs[0].params["models"] == ["popularity", "content", "cb2cf", "hybrid", "ease"]
    assert app.session_state[state.RUN] == jobs[0].id


def test_coldstart_page_guides_before_any_run(app):
    app.switch_page("pages/coldstart.py").run()
    assert "No finished training run yet" in _texts(app)


def test_coldstart_page_draws_chart_and_table_after_a_run(app):
    ws = state.workspace()
    ds = ws.datasets()[0].id
    store = JobStore(ws)
    job_id = submit(ws, "train", vars(ExperimentConfig(dataset_id=ds, encoder="hashing")), ds)
    deadline = time.time() + 120
    while store.get(job_id).status not in ("done", "failed") and time.time() < deadline:
        time.sleep(0.5)
    assert store.get(job_id).status == "done", store.get(job_id).message
    app.switch_page("pages/coldstart.py").run()
    assert not app.exception
    charts = [json.loads(e.proto.spec) for e in app.main if hasattr(getattr(e, "proto", None), "spec")]
    assert {t["name"] for t in charts[0]["data"]} == {"cold users", "warm users"}
    titles = [c["layout"]["title"]["text"] for c in charts]
    for expected in ("by user history length", "cold, warm, head and tail items", "Few-shot curve", "Lift of content"):
        assert any(expected in t for t in titles), titles
    table = app.dataframe[0].value
    assert set(table["users"]) >= {"cold", "warm", "all"} and "NDCG@20" in table.columns


def test_simulate_query_click_reranks(app):
    app.switch_page("pages/simulate.py").run()
    app.text_input(key="sim_query").set_value("gift for a coffee lover").run()
    assert not app.exception
    first = [t.value for t in app.text][:10]
    assert len(app.button) >= 10
    click = next(b for b in app.button if b.key and b.key.startswith("click_"))
    click.click().run()
    assert not app.exception
    after = [t.value for t in app.text][:10]
    assert after != first
    assert "1 click(s)" in _texts(app)


def test_upload_with_a_mapping_chosen_in_the_page(app):
    app.file_uploader(key="upload_interactions").set_value(
        ("log.csv", b"buyer,thing,when\nu1,a,1700000000\nu2,b,1700000060\n", "text/csv"))
    app.file_uploader(key="upload_catalog").set_value(("cat.csv", b"thing,title\na,Mug\nb,Tent\n", "text/csv"))
    app.run()
    assert app.selectbox(key="map_interactions_user_id").value == "(none)"
    assert app.selectbox(key="map_catalog_title").value == "title"
    app.selectbox(key="map_interactions_user_id").set_value("buyer")
    app.selectbox(key="map_interactions_item_id").set_value("thing")
    app.selectbox(key="map_interactions_timestamp").set_value("when")
    app.selectbox(key="map_catalog_item_id").set_value("thing")
    app.run()
    next(b for b in app.button if b.label == "Validate and store").click().run()
    assert not app.exception
    assert any("Stored: dataset" in s.value for s in app.success), [e.value for e in app.error]
    assert len(state.workspace().datasets()) == 2


def test_data_page_profiles_the_selected_dataset(app):
    import json

    from coldrec.data.profile import profile_dataset

    ws = state.workspace()
    ds = ws.datasets()[0].id
    expected = profile_dataset(ws.load_interactions(ds), ws.load_catalog(ds))
    charts = [json.loads(e.proto.spec) for e in app.main if hasattr(getattr(e, "proto", None), "spec")]
    titles = " ".join(c["layout"]["title"]["text"] for c in charts)
    assert len(charts) == 4 and "Gini" in titles
    summary = app.dataframe[1].value
    assert summary.shape[0] == len(expected.summary())


def test_import_a_public_dataset_from_the_page(app):
    from tests.data.test_importers import DATA

    folder = DATA / "amazon2018_gift_cards"
    if not folder.exists():
        pytest.skip("../shared/data is absent")
    app.text_input(key="import_folder_typed").set_value(str(folder))
    app.button(key="import_button").click().run()
    assert not app.exception
    assert any("Imported" in s.value for s in app.success), [e.value for e in app.error]
    names = [d.name for d in state.workspace().datasets()]
    assert any("Gift" in n for n in names), names


def test_train_with_a_changed_hyperparameter(app):
    app.switch_page("pages/train.py").run()
    app.multiselect(key="train_models").set_value(["popularity"]).run()
    app.number_input(key="hp_popularity_window_days").set_value(7.0)  # inside the form: sent with the submit
    next(b for b in app.button if b.label == "Train").click().run()
    assert not app.exception
    (job,) = JobStore(state.workspace()).list()
    assert job.params["models"] == ["popularity"] and job.params["model_params"] == {"popularity": {"window_days": 7.0}}


def test_search_from_the_train_page_and_read_its_log(app):
    app.switch_page("pages/train.py").run()
    app.selectbox(key="search_model").set_value("popularity").run()
    app.text_input(key="search_values").set_value("0, 30").run()
    app.button(key="search_button").click().run()
    assert not app.exception
    (job,) = JobStore(state.workspace()).list()
    assert job.kind == "search" and job.params["space"] == {"window_days": [0, 30]}
    deadline = time.time() + 120
    while JobStore(state.workspace()).get(job.id).status not in ("done", "failed") and time.time() < deadline:
        time.sleep(0.5)
    app.run()
    assert JobStore(state.workspace()).get(job.id).status == "done"
    assert len(app.selectbox(key="search_done").options) == 1


def test_simulate_strategies_from_a_run_side_by_side(app):
    ws = state.workspace()
    ds = ws.datasets()[0].id
    cfg = ExperimentConfig(dataset_id=ds, models=["popularity", "itemknn"], encoder="hashing")
    job_id = submit(ws, "train", vars(cfg), ds)
    deadline = time.time() + 120
    while JobStore(ws).get(job_id).status not in ("done", "failed") and time.time() < deadline:
        time.sleep(0.5)
    app.switch_page("pages/simulate.py").run()
    app.selectbox(key="sim_run").set_value(job_id).run()
    app.multiselect(key="sim_strategies").set_value(["content", "itemknn", "popularity"]).run()
    app.selectbox(key="sim_persona").set_value("Coffee lover").run()
    assert not app.exception
    assert app.text_input(key="sim_query").value.startswith("gift for a coffee lover")
    buttons = [b for b in app.button if b.key and b.key.startswith("click_")]
    assert {b.key.split("_")[1] for b in buttons} == {"content", "itemknn", "popularity"}
    clicked = next(b for b in buttons if b.key.startswith("click_content_"))
    item = int(clicked.key.rsplit("_", 1)[1])
    clicked.click().run()
    assert not app.exception
    keys = {b.key for b in app.button if b.key and b.key.startswith("click_")}
    assert not any(k.endswith(f"_{item}") for k in keys)  # the clicked item left every list
    assert any(d.label == "Export session (JSON)" for d in app.get("download_button"))


def _table_with(at: AppTest, column: str):
    """The page's one table holding ``column`` (the Train page draws its run timings and its history)."""
    (table,) = [d.value for d in at.dataframe if column in d.value.columns]
    return table


def _charts(at: AppTest) -> list[dict]:
    return [json.loads(e.proto.spec) for e in at.main if hasattr(getattr(e, "proto", None), "spec")]


def _titles(at: AppTest) -> str:
    return " | ".join(c["layout"]["title"]["text"] for c in _charts(at))


def _train(ws, ds: str, models: list[str], split: dict | None = None) -> str:
    return submit(ws, "train", vars(ExperimentConfig(dataset_id=ds, models=models, encoder="hashing",
                                                     split=split or {})), ds)


@pytest.fixture(scope="module")
def runs_ws(tmp_path_factory):
    """One workspace with three finished runs: two on the same split (pairable), one on a temporal split."""
    from coldrec.data.ingest import load_sample
    from coldrec.data.workspace import Workspace

    ws = Workspace(tmp_path_factory.mktemp("runs") / "ws")
    load_sample(ws)
    ds = ws.datasets()[0].id
    ids = {"a": _train(ws, ds, ["popularity", "itemknn"]), "b": _train(ws, ds, ["popularity"]),
           "t": _train(ws, ds, ["popularity"], {"protocol": "temporal"})}
    store, deadline = JobStore(ws), time.time() + 240
    while any(store.get(j).status not in ("done", "failed") for j in ids.values()) and time.time() < deadline:
        time.sleep(0.5)
    assert all(store.get(j).status == "done" for j in ids.values()), [store.get(j).message for j in ids.values()]
    return ws.root, ids


@pytest.fixture
def app_runs(runs_ws, monkeypatch):
    root, ids = runs_ws
    monkeypatch.setenv("COLDREC_WORKSPACE", str(root))
    monkeypatch.setenv("COLDREC_ENCODER", "hashing")
    monkeypatch.chdir(REPO)
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=TIMEOUT)
    at.session_state[state.RUN] = ids["a"]
    at.run()
    assert not at.exception, at.exception
    return at, ids


def test_data_page_explains_how_to_load_when_empty(app):
    ws = state.workspace()
    for d in ws.datasets():
        ws.delete_dataset(d.id)
    app.run()
    assert "No dataset yet" in _texts(app)
    assert any(b.label == "Load the sample shop" for b in app.button)


def test_train_page_says_how_to_start(app):
    app.switch_page("pages/train.py").run()
    assert "No runs yet" in _texts(app)


def test_train_page_deletes_a_finished_run(app):
    ws = state.workspace()
    store = JobStore(ws)
    job_id = store.create("train", {"models": ["popularity"]}, None)
    store.request_cancel(job_id)  # finished (cancelled before it started)
    (ws.run_dir(job_id) / "models").mkdir(parents=True)
    (ws.run_dir(job_id) / "models" / "weights.bin").write_bytes(b"x" * 2_000_000)
    app.switch_page("pages/train.py").run()
    app.selectbox(key="delete_job").set_value(job_id).run()
    app.button(key="delete_run").click().run()
    assert not app.exception
    assert store.list() == [] and not ws.run_dir(job_id).exists()
    assert "2.0 MB freed" in " ".join(t.value for t in app.toast)


def test_train_history_shows_status_duration_and_headline_metrics(app_runs):
    at, ids = app_runs
    at.switch_page("pages/train.py").run()
    history = _table_with(at, "job").set_index("job")
    assert history.loc[ids["a"], "status"] == "done" and history.loc[ids["a"], "duration (s)"] > 0
    assert "popularity 0." in history.loc[ids["a"], "NDCG@20 (all users)"]
    assert "itemknn 0." in history.loc[ids["a"], "NDCG@20 (all users)"]
    assert history.loc[ids["a"], "engine"].startswith("local")  # read from the run's run.json


@pytest.mark.parametrize("page", ["pages/longtail.py", "pages/report.py"])
def test_result_pages_guide_before_any_run(app, page):
    app.switch_page(page).run()
    assert not app.exception
    assert "No finished training run yet" in _texts(app) and "**Train**" in _texts(app)


def test_longtail_page_draws_popularity_lorenz_and_tradeoff(app_runs):
    at, ids = app_runs
    at.switch_page("pages/longtail.py").run()
    assert not at.exception
    titles = _titles(at)
    for expected in ("Item popularity", "Exposure Lorenz curves at K=20", "Tail boost trade-off at K=20"):
        assert expected in titles, titles
    table = at.dataframe[0].value
    assert list(table["model"]) == ["popularity", "itemknn"]
    assert {"coverage", "aplt", "tail_recall", "exposure_gini", "cold_share"} <= set(table.columns)
    lorenz = next(c for c in _charts(at) if "Lorenz" in c["layout"]["title"]["text"])
    assert {t["name"].split(" (")[0] for t in lorenz["data"]} == {"popularity", "itemknn", "equal exposure"}
    assert "500 of" in titles and "a random sample" in titles  # says how many users were scored
    at.selectbox(key="lt_k").set_value(10).run()
    assert not at.exception and "Tail boost trade-off at K=10" in _titles(at)


def test_longtail_page_asks_to_retrain_without_stored_lists(app_runs, runs_ws):
    at, ids = app_runs
    root, _ = runs_ws
    tops = root / "runs" / ids["b"] / "tops.parquet"
    tops.rename(tops.with_suffix(".bak"))
    try:
        at.session_state[state.RUN] = ids["b"]
        at.switch_page("pages/longtail.py").run()
        assert not at.exception
        assert "re-train to see exposure" in _texts(at)
        assert at.dataframe[0].value["model"].tolist() == ["popularity"]  # the tail table still shows
    finally:
        tops.with_suffix(".bak").rename(tops)


def test_report_page_offers_html_and_csv_downloads(app_runs):
    at, ids = app_runs
    at.switch_page("pages/report.py").run()
    assert not at.exception
    assert at.multiselect(key="report_runs").value == [ids["a"]]
    labels = [d.label for d in at.get("download_button")]
    assert "Download HTML report" in labels and "Download tables (CSV, zip)" in labels
    assert any(label.startswith("long_tail.csv") for label in labels)
    at.multiselect(key="report_runs").set_value([ids["a"], ids["t"]]).run()
    assert not at.exception and "Download HTML report" in [d.label for d in at.get("download_button")]


def test_coldstart_compares_two_runs_on_the_same_split(app_runs):
    at, ids = app_runs
    at.switch_page("pages/coldstart.py").run()
    at.selectbox(key="cmp_run_b").set_value(ids["b"]).run()
    at.selectbox(key="cmp_model_a").set_value("itemknn").run()
    assert not at.exception
    assert f"{ids['a']}: itemknn minus {ids['b']}: popularity" in _titles(at)
    table = at.dataframe[-1].value
    assert set(table["users"]) >= {"all", "cold", "warm"} and (table["paired users"] > 0).all()


def test_coldstart_refuses_to_pair_runs_on_different_splits(app_runs):
    at, ids = app_runs
    at.switch_page("pages/coldstart.py").run()
    at.selectbox(key="cmp_run_b").set_value(ids["t"]).run()
    assert not at.exception
    warning = " ".join(w.value for w in at.warning)
    assert "split the data differently" in warning and "protocol: cold_user vs temporal" in warning
    assert "minus" not in _titles(at)


def test_overview_lands_with_counts_the_latest_finished_run_and_its_findings(app_runs):
    at, ids = app_runs
    assert at.title[0].value == "Overview"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Runs finished"] == "3" and metrics["Running"] == "0" and metrics["Datasets"] == "1"
    texts = _texts(at)
    assert "sample shop" in texts and any(i in texts for i in ids.values())  # the latest run, by dataset name
    assert "**Findings**" in texts  # the latest run read like for like
    assert "**Cold start**" in texts and "cold items" in texts  # next: read findings; ask the item question


def test_train_form_remembers_the_last_run_after_a_reload(app, monkeypatch):
    app.switch_page("pages/train.py").run()
    app.selectbox(key="split_protocol").set_value("cold_item").run()
    app.slider(key="split_cold_item_cold_share").set_value(0.3).run()
    app.multiselect(key="train_models").set_value(["popularity", "itemknn"]).run()
    app.selectbox(key="train_encoder").set_value("hashing")
    app.number_input(key="hp_itemknn_k_neighbors").set_value(50)
    next(b for b in app.button if b.label == "Train").click().run()
    assert not app.exception and len(JobStore(state.workspace()).list()) == 1
    # A reload is a new session: nothing of the old one's widget state survives.
    fresh = AppTest.from_file(str(REPO / "app.py"), default_timeout=TIMEOUT)
    fresh.run()
    fresh.switch_page("pages/train.py").run()
    assert not fresh.exception and not fresh.warning, [w.value for w in fresh.warning]
    assert fresh.selectbox(key="split_protocol").value == "cold_item"
    assert fresh.slider(key="split_cold_item_cold_share").value == 0.3
    assert fresh.multiselect(key="train_models").value == ["popularity", "itemknn"]
    assert fresh.selectbox(key="train_encoder").value == "hashing"
    assert fresh.number_input(key="hp_itemknn_k_neighbors").value == 50


def test_train_page_shows_where_a_finished_run_spent_its_time(app_runs):
    at, _ = app_runs
    at.switch_page("pages/train.py").run()
    assert any(e.label.startswith("Where the time went") for e in at.expander)
    stages = _table_with(at, "stage")
    assert {"split", "fit popularity", "evaluate"} <= set(stages["stage"])


def test_cold_item_refits_are_offered_with_their_cost_and_sent_with_the_run(app):
    app.switch_page("pages/train.py").run()
    app.selectbox(key="split_protocol").set_value("cold_item").run()
    app.multiselect(key="train_models").set_value(["popularity", "bpr"]).run()
    box = app.checkbox(key="curve_refits")
    assert "bpr cannot fold new interactions in" in box.help and "not yet timed here" in box.help
    box.check()
    next(b for b in app.button if b.label == "Train").click().run()
    assert not app.exception
    (job,) = JobStore(state.workspace()).list()
    assert job.params["item_curve_refits"] is True


def test_train_page_says_which_models_do_not_fit_the_catalog(app):
    app.switch_page("pages/train.py").run()
    app.multiselect(key="train_models").set_value(["ease"]).run()
    assert not app.warning  # the sample's catalog is far below EASE's limit
    from coldrec.models.ease import EASE, EASEConfig

    with pytest.MonkeyPatch.context() as mp:  # the same rule over a smaller limit (the sample has 600 items)
        rule = EASE.size_note
        mp.setattr(EASE, "size_note", lambda self, n: rule(EASE(EASEConfig(max_items=10)), n))
        app.run()
    assert "**ease** will not fit this dataset" in " ".join(w.value for w in app.warning)
