"""A journey per page in headless Chromium: map an upload, train and cancel, compare runs, long tail, report."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from playwright.sync_api import expect

from coldrec.data.synth import write_shop
from tests.e2e_support import ARTIFACTS, nav, pick, shot

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("screenshot_on_failure")]


def _pick(page, combobox: str, option: str) -> None:
    pick(page, combobox, option)


def test_data_upload_with_a_mapped_column(page, tmp_path):
    nav(page, "Data")
    ip, cp = write_shop(tmp_path / "shop", n_users=300, n_items=400, n_interactions=5000, seed=7)
    mapped = tmp_path / "buyers.csv"
    pd.read_csv(ip).rename(columns={"user_id": "buyer"}).to_csv(mapped, index=False)
    inputs = page.locator('[data-testid="stFileUploaderDropzoneInput"]')
    inputs.nth(0).set_input_files(str(mapped))
    inputs.nth(1).set_input_files(str(cp))
    _pick(page, "user_id", "buyer")
    page.get_by_label("Dataset name").fill("mapped shop")
    page.get_by_label("Dataset name").press("Enter")
    page.get_by_role("button", name="Validate and store").click()
    page.get_by_text("Stored: dataset").wait_for()
    shot(page, "p01-data-mapped-upload")


def test_train_launch_and_cancel(page):
    nav(page, "Train")
    expect(page.get_by_role("combobox", name="Dataset")).to_have_value(re.compile("^mapped shop"))
    page.get_by_role("button", name="Train").click()  # popularity + content with the language model: long enough
    page.get_by_role("button", name="Cancel").first.click()
    page.get_by_text(re.compile(r"Latest finished run \S+: cancelled")).wait_for()
    shot(page, "p02-train-cancelled")


def _train_and_wait(page) -> None:
    """Press Train, read the job id from the toast, wait until the history says that job is done."""
    # An earlier job's toast may still be up; wait it out so the toast read below is this job's.
    expect(page.get_by_text(re.compile(r"Started job \S+"))).to_have_count(0, timeout=30_000)
    page.get_by_role("button", name="Train").click()
    toast = page.get_by_text(re.compile(r"Started job \S+")).last
    job = toast.inner_text().split("Started job ")[1].split()[0]
    page.get_by_text(re.compile(rf"Latest finished run {job}: done")).wait_for(timeout=240_000)


def test_train_two_runs_to_compare(page):
    _pick(page, "Text encoder", "bag of words (no language model)")
    _train_and_wait(page)
    models = page.get_by_role("combobox", name="Models")
    models.click()
    models.press("Backspace")  # drops the last model (content): the second run is popularity alone
    models.press("Escape")
    _pick(page, "Text encoder", "bag of words (no language model)")
    _train_and_wait(page)
    expect(page.get_by_text("NDCG@20 (all users)").first).to_be_attached()
    shot(page, "p03-train-history")


def test_coldstart_metrics_and_two_run_comparison(page):
    nav(page, "Cold start", "Cold start vs warm")
    page.locator(".js-plotly-plot").first.wait_for()
    assert "Cold vs warm users" in page.locator(".js-plotly-plot").first.inner_text()
    page.get_by_role("tab", name="Compare two runs").click()
    _pick(page, "Model in run B", "content")
    chart = page.locator(".js-plotly-plot", has_text="minus")
    chart.wait_for()
    assert "paired bootstrap" in chart.inner_text()
    chart.screenshot(path=str(ARTIFACTS / "p04-coldstart-compare-chart.png"))
    shot(page, "p04-coldstart-compare")


def test_longtail_lorenz_and_tradeoff(page):
    nav(page, "Long tail")
    lorenz = page.locator(".js-plotly-plot", has_text="Exposure Lorenz")
    boost = page.locator(".js-plotly-plot", has_text="Tail boost trade-off")
    boost.wait_for()
    assert "Item popularity" in page.locator(".js-plotly-plot").first.inner_text()
    shot(page, "p05-longtail")
    lorenz.screenshot(path=str(ARTIFACTS / "p05-longtail-lorenz.png"))
    boost.screenshot(path=str(ARTIFACTS / "p05-longtail-tradeoff.png"))


def test_report_download(page, tmp_path):
    nav(page, "Report")
    button = page.get_by_role("button", name="Download HTML report")
    button.wait_for()
    with page.expect_download() as info:
        button.click()
    path = tmp_path / "report.html"
    info.value.save_as(path)
    text = path.read_text()
    assert "<h1>coldrec report</h1>" in text and "mapped shop" in text and "Exposure Lorenz" in text
    assert "Metric definitions" in text and not re.search(r"<script[^>]+src=", text)
    page.get_by_text("Preview").first.wait_for()
    shot(page, "p06-report")
