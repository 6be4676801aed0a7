"""A cold-item run in headless Chromium: cold vs warm items, the lift over a zero baseline, findings, the report.

The downloaded report is then opened offline (no server) and every chart's
traces are read back from plotly: traces of different models must have
different colours, none black (importing streamlit used to leave the report's
charts in placeholder black).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from coldrec.visuals.theme import MODEL_COLORS
from tests.e2e_support import ARTIFACTS, nav, pick, shot

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("screenshot_on_failure")]
MODELS = {"popularity", "content", "itemknn"}


def _pick(page, combobox: str, option: str) -> None:
    pick(page, combobox, option)


def test_train_a_cold_item_run(page):
    # Wait for the first run of app.py (it stores the sample): until it calls st.navigation the sidebar
    # lists raw page files, and clicking one runs that page without app.py.
    page.get_by_test_id("stSidebarNavLink").filter(has_text="Cold start").wait_for()
    nav(page, "Train")
    _pick(page, "Split protocol", "Cold items (hold out the newest items)")
    page.wait_for_timeout(3000)  # the page proposes models for the protocol; edit them once it has
    _pick(page, "Text encoder", "bag of words (no language model)")
    models = page.get_by_role("combobox", name="Models")
    models.click()
    for _ in range(12):  # clear the default models, then pick three quick ones
        models.press("Backspace")
    for name in sorted(MODELS):
        models.fill(name)
        models.press("Enter")
    models.press("Escape")
    page.get_by_role("button", name="Train").click()
    toast = page.get_by_text(re.compile(r"Started job \S+")).last
    job = toast.inner_text().split("Started job ")[1].split()[0]
    page.get_by_text(re.compile(rf"Latest finished run\s+{job}\s*:\s*done")).wait_for(timeout=600_000)


def test_coldstart_page_leads_with_findings_and_cold_vs_warm_items(page):
    nav(page, "Cold start", "Cold start vs warm")
    page.get_by_text("Findings").first.wait_for()
    body = page.get_by_test_id("stMain").inner_text()
    assert "best model, all test users" in body and "has the highest NDCG@20" in body
    assert "Cold vs warm items" in body and "Cold vs warm users" not in body
    assert "Like for like: every segment is scored on each user's next 3 new items" in body
    chart = page.locator(".js-plotly-plot").first
    expect(chart).to_contain_text("Cold vs warm items")
    assert "no held-out users" not in body  # the contradiction is gone
    shot(page, "cs01-cold-item-findings-and-items")


def test_lift_over_a_zero_baseline_is_absolute(page):
    page.get_by_role("tab", name="Effects").click()
    lift = page.locator(".js-plotly-plot", has_text="Lift of")
    lift.first.wait_for()
    text = page.get_by_test_id("stMain").inner_text()
    assert re.search(r"\w+ minus (popularity|itemknn) is \+0\.\d{4} NDCG@20", text)
    assert "scores 0 here, so only the absolute difference means anything" in text
    assert "Train transfer in this run" in text and "Train distill and ease" in text
    lift.first.scroll_into_view_if_needed()
    shot(page, "cs02-cold-item-lift-zero-baseline")
    page.get_by_role("tab", name="Item few-shot curve").click()
    expect(page.locator(".js-plotly-plot", has_text="a new item gains interactions")).to_be_visible()
    shot(page, "cs03-cold-item-few-shot")


def _trace_colours(page) -> list[tuple[str, str, str]]:
    """(chart title, trace name, colour as drawn) of every trace of every chart on the page."""
    return page.evaluate("""() => [...document.querySelectorAll('.js-plotly-plot')].flatMap(gd =>
        gd._fullData.map(t => [gd._fullLayout.title.text || '', t.name || '',
                               String((t.line && t.line.color) || (t.marker && t.marker.color) || '')]))""")


def test_downloaded_report_opens_offline_with_findings_and_model_colours(page, tmp_path):
    nav(page, "Report")
    with page.expect_download(timeout=180_000) as dl:
        page.get_by_role("button", name="Download HTML report").click()
    path = tmp_path / "report.html"
    dl.value.save_as(path)
    context = page.context.browser.new_context(offline=True, viewport={"width": 1300, "height": 1000})
    report = context.new_page()
    report.goto(path.as_uri())
    report.locator(".js-plotly-plot").first.wait_for()
    headings = report.locator("h2").all_inner_texts()
    assert headings[0].startswith("Findings: run")
    traces = _trace_colours(report)
    by_model: dict[str, set[str]] = {}
    for _, label, colour in traces:
        name = label.split(" (")[0]  # "content (Gini 0.41)" on the Lorenz chart
        if name in MODEL_COLORS:
            by_model.setdefault(name, set()).add(colour.lower())
    assert len(by_model) >= 3 and "content" in by_model, traces
    assert all(len(c) == 1 for c in by_model.values()), by_model  # one colour per model on every chart
    colours = [next(iter(c)) for c in by_model.values()]
    assert len(set(colours)) == len(colours)
    assert not {"#000", "#000000", "black", "rgb(0, 0, 0)", "#444"} & set(colours), colours
    report.screenshot(path=str(ARTIFACTS / "cs04-report-offline.png"), full_page=False)
    context.close()
