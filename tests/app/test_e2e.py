"""The whole journey in real headless Chromium: upload, train, cold-start chart, simulate with a click."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from coldrec.data.synth import write_shop
from tests.e2e_support import nav, shot

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("screenshot_on_failure")]


def test_journey(page, tmp_path):
    # 1. The sample shop is already there.
    nav(page, "Data")
    expect(page.get_by_role("combobox", name="Dataset")).to_have_value(re.compile("^sample shop"))
    shot(page, "01-data-sample")

    # 2. Upload a shop of our own through the page.
    ip, cp = write_shop(tmp_path / "shop", n_users=300, n_items=400, n_interactions=5000, seed=7)
    inputs = page.locator('[data-testid="stFileUploaderDropzoneInput"]')
    inputs.nth(0).set_input_files(str(ip))
    inputs.nth(1).set_input_files(str(cp))
    page.get_by_label("Dataset name").fill("e2e shop")
    page.get_by_label("Dataset name").press("Enter")
    page.get_by_role("button", name="Validate and store").click()
    page.get_by_text("Stored: dataset").wait_for()
    shot(page, "02-data-uploaded")

    # 3. Train in the background; page switches and a reload lose nothing.
    nav(page, "Train")
    expect(page.get_by_role("combobox", name="Dataset")).to_have_value(re.compile("^e2e shop"))
    page.get_by_role("button", name="Train").click()
    page.get_by_test_id("stProgress").first.wait_for()
    shot(page, "03-train-running")
    nav(page, "Data")
    nav(page, "Train")
    page.reload()
    page.get_by_test_id("stApp").wait_for()
    page.get_by_text(re.compile(r"done, took")).wait_for(timeout=180_000)
    shot(page, "04-train-done")

    # 3b. The landing page now shows the finished run, its findings and what to do next.
    nav(page, "Overview")
    expect(page.get_by_text("Latest finished run").first).to_be_visible()
    page.get_by_text("Findings", exact=True).first.wait_for()  # the box, not "read the findings" in Next
    expect(page.get_by_text("Next", exact=True).first).to_be_visible()
    shot(page, "04b-overview-after-run")

    # 4. Cold-start chart and table.
    nav(page, "Cold start", "Cold start vs warm")
    page.get_by_test_id("stPlotlyChart").first.wait_for()
    page.locator(".js-plotly-plot").first.wait_for()
    assert "Cold vs warm users" in page.locator(".js-plotly-plot").first.inner_text()
    shot(page, "05-coldstart")

    # 5. Simulate: a query, a click, a re-ranked list.
    nav(page, "Simulate", "Simulate a new user")
    box = page.get_by_label("What does the new customer want?")
    box.fill("gift for a coffee lover")
    box.press("Enter")
    page.get_by_role("button", name="Click").first.wait_for()
    before = page.get_by_test_id("stText").all_inner_texts()
    shot(page, "06-simulate-query")
    page.get_by_role("button", name="Click").nth(3).click()
    page.get_by_text("1 click(s) so far").wait_for()
    page.wait_for_timeout(500)
    after = page.get_by_test_id("stText").all_inner_texts()
    assert after != before
    shot(page, "07-simulate-clicked")
