"""Storing datasets: validation gates storing, identical uploads are stored once."""

from __future__ import annotations

from coldrec.data.ingest import ingest, load_sample
from coldrec.runs.jobs import JobStore
from tests.conftest import write_csvs


def test_ingest_stores_and_reloads(ws, tiny_shop, tmp_path):
    ip, cp = write_csvs(tmp_path / "in", *tiny_shop)
    result = ingest(ws, ip, cp, name="tiny")
    assert result.report.ok and result.created
    info = result.dataset
    assert (info.n_users, info.n_items, info.n_interactions) == (12, 8, len(tiny_shop[0]))
    assert ws.load_interactions(info.id)["item_id"].isin(tiny_shop[1]["item_id"]).all()
    assert "text" in ws.load_catalog(info.id).columns
    assert [d.id for d in ws.datasets()] == [info.id]


def test_same_upload_is_not_stored_twice(ws, tiny_shop, tmp_path):
    ip, cp = write_csvs(tmp_path / "in", *tiny_shop)
    first, second = ingest(ws, ip, cp), ingest(ws, ip, cp)
    assert not second.created and second.dataset.id == first.dataset.id
    assert len(ws.datasets()) == 1


def test_failed_upload_stores_nothing_and_keeps_existing(ws, tiny_shop, tmp_path):
    ip, cp = write_csvs(tmp_path / "ok", *tiny_shop)
    good = ingest(ws, ip, cp).dataset
    inter, cat = tiny_shop
    bad_ip, bad_cp = write_csvs(tmp_path / "bad", inter.drop(columns=["user_id"]), cat)
    result = ingest(ws, bad_ip, bad_cp)
    assert result.dataset is None
    assert any(i.column == "user_id" and i.file == "interactions.csv" for i in result.report.errors)
    assert [d.id for d in ws.datasets()] == [good.id]
    assert len(list((ws.root / "datasets").iterdir())) == 1
    assert ws.load_interactions(good.id).shape[0] == len(inter)


def test_interactions_with_unknown_items_are_dropped_with_a_warning(ws, tiny_shop, tmp_path):
    inter, cat = tiny_shop
    ip, cp = write_csvs(tmp_path / "in", inter, cat[cat["item_id"] != "c0"])
    result = ingest(ws, ip, cp)
    n_c0 = int((inter["item_id"] == "c0").sum())
    assert result.dataset.n_interactions == len(inter) - n_c0
    assert any(f"{n_c0} interactions with 1 items missing" in i.message for i in result.report.warnings)


def test_delete_dataset(ws, tiny_shop, tmp_path):
    ds = ingest(ws, *write_csvs(tmp_path / "in", *tiny_shop)).dataset
    ws.delete_dataset(ds.id)
    assert ws.datasets() == [] and not (ws.root / "datasets" / ds.id).exists()


def test_bundled_sample_loads(ws):
    result = load_sample(ws)
    assert result.report.ok, result.report.issues
    assert result.dataset.n_interactions > 10_000 and result.dataset.n_items > 1_000


def test_workspace_reopens_with_its_state(ws, tiny_shop, tmp_path):
    ds = ingest(ws, *write_csvs(tmp_path / "in", *tiny_shop)).dataset
    job = JobStore(ws).create("train", {"models": ["popularity"]}, ds.id)
    again = type(ws)(ws.root)
    assert [d.id for d in again.datasets()] == [ds.id]
    assert JobStore(again).get(job).status == "queued"


def test_two_processes_write_and_read_the_workspace_at_once(ws, tiny_shop, tmp_path):
    """A worker process records progress while the app lists jobs and datasets: no 'database is locked'."""
    import subprocess
    import sys

    ds = ingest(ws, *write_csvs(tmp_path / "in", *tiny_shop)).dataset
    store = JobStore(ws)
    job = store.create("train", {}, ds.id)
    store.mark_running(job, 0)
    writer = subprocess.Popen([sys.executable, "-c", (
        "import sys; from coldrec.data.workspace import Workspace; from coldrec.runs.jobs import JobStore\n"
        "s = JobStore(Workspace(sys.argv[1]))\n"
        "for i in range(300): s.set_progress(sys.argv[2], i / 300, f'step {i}')\n"), str(ws.root), job])
    reads = 0
    while writer.poll() is None:
        assert [d.id for d in ws.datasets()] == [ds.id]
        assert store.get(job).status == "running"
        reads += 1
    assert writer.returncode == 0 and reads > 0
    assert store.get(job).step == "step 299"
