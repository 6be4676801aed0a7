"""The Simulate page in real headless Chromium: query, two clicks, timeline, replay, the tail boost knob.

A run is trained through the Train page first (sample shop, default models), as a user would.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e_support import nav, shot

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("screenshot_on_failure")]


def _idle(page) -> None:
    """Wait until the app's script run is over (after waiting for the run's own text: the flag can lag a click)."""
    page.wait_for_timeout(300)
    page.wait_for_function("() => document.querySelector('[data-testid=stApp]')"
                           "?.getAttribute('data-test-script-state') === 'notRunning'")


def _list_captions(page) -> list[str]:
    """The caption under every recommended item (category, price, reason, score)."""
    return [t for t in page.get_by_test_id("stCaptionContainer").all_inner_texts() if "score" in t]


def _list_titles(page) -> list[str]:
    """Every list's titles, strategy by strategy (content first, then popularity)."""
    return page.get_by_test_id("stText").all_inner_texts()


def test_simulate_journey(page):
    # 1. A finished run gives the page collaborative strategies and held-out users to replay.
    nav(page, "Data")
    nav(page, "Train")
    page.get_by_role("button", name="Train").click()
    page.get_by_text(re.compile(r"done, took")).wait_for(timeout=300_000)

    # 2. A query: every strategy recommends.
    page.set_viewport_size({"width": 1400, "height": 2400})  # the app scrolls inside a container: show it all
    nav(page, "Simulate", "Simulate a new user")
    page.get_by_role("combobox", name="Strategies from training run").click()
    page.get_by_role("option").filter(has_text="popularity").first.click()
    page.get_by_role("combobox", name="Strategies side by side").click()
    page.get_by_role("option", name="popularity").click()
    page.keyboard.press("Escape")
    box = page.get_by_label("What does the new customer want?")
    box.fill("gift for a coffee lover")
    box.press("Enter")
    page.get_by_role("button", name="Click").first.wait_for()
    page.get_by_text("The timeline appears after the first click").wait_for()
    first = _list_titles(page)
    assert any("Coffee" in t or "coffee" in t for t in first), first
    shot(page, "sim-01-query")

    # 3. Two clicks: the list re-ranks and the timeline shows what entered, left and moved.
    _idle(page)
    page.get_by_role("button", name="Click", exact=True).nth(2).click()
    page.get_by_text("1 click(s) so far").wait_for()
    _idle(page)
    page.get_by_role("button", name="Click", exact=True).nth(4).click()
    page.get_by_text("2 click(s) so far").wait_for()
    _idle(page)
    assert _list_titles(page) != first
    page.locator(".js-plotly-plot").filter(has_text="moves step by step").first.wait_for()
    shot(page, "sim-02-two-clicks-timeline")

    # 4. Replay a real held-out user.
    page.get_by_role("tab", name="Replay a held-out user").click()
    _idle(page)
    page.locator(".js-plotly-plot").filter(has_text="Replay: how much of the rest").wait_for()
    page.locator(".js-plotly-plot").filter(has_text="All replayed held-out users").wait_for()
    expect(page.get_by_text("Revealed so far (1)")).to_be_visible()
    shot(page, "sim-03-replay")

    # 5. The tail boost knob: the trade-off point moves and the session's lists change at once.
    page.get_by_role("tab", name="What-if").click()
    page.locator(".js-plotly-plot").filter(has_text="Tail boost trade-off").wait_for()
    page.get_by_role("tab", name="Session").click()
    before = _list_captions(page)
    page.get_by_role("tab", name="What-if").click()
    knob = page.get_by_test_id("stSlider").filter(has_text="tail boost").get_by_role("slider")
    knob.focus()
    for _ in range(6):
        knob.press("ArrowRight")
    expect(page.get_by_test_id("stSlider").filter(has_text="tail boost")).to_contain_text("1.50")
    page.wait_for_timeout(1000)
    _idle(page)
    shot(page, "sim-04-whatif-tail-boost")
    page.get_by_role("tab", name="Session").click()
    _idle(page)
    after = _list_captions(page)
    # every list is re-scored at once (standardised + boost); whether the order changes depends on the query
    assert after != before and "score" in after[0]
    shot(page, "sim-05-session-boosted")


def test_three_strategies_fit_at_1280_px(page):
    # The run of the journey above is there: three strategies side by side on a laptop-width window.
    page.set_viewport_size({"width": 1280, "height": 2000})
    page.get_by_role("tab", name="Session").click()
    pick = page.get_by_role("combobox", name="Strategies side by side")
    pick.click()
    page.get_by_role("option").filter(has_text="hybrid").first.click()
    page.keyboard.press("Escape")
    _idle(page)
    expect(page.get_by_role("button", name="Click", exact=True)).to_have_count(30)
    # Every Click button shows its whole label (nothing cut to "C."), and no rank wraps onto two lines.
    cut = page.evaluate("""() => [...document.querySelectorAll('[data-testid=stButton] button')]
        .filter(b => b.innerText.trim() === 'Click')
        .filter(b => b.scrollWidth > b.clientWidth + 1 || b.getBoundingClientRect().height > 48).length""")
    assert cut == 0
    titles = _list_titles(page)
    assert all(t.split(".")[0].isdigit() for t in titles if t[:1].isdigit()), titles[:5]
    shot(page, "sim-06-three-strategies-1280")
