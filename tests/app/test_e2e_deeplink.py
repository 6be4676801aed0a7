"""A deep link opened first after a server start shows the real navigation, not Streamlit's legacy page list."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e_support import ARTIFACTS, browser_page

pytestmark = pytest.mark.e2e


def test_first_request_to_a_deep_link_after_start_shows_the_real_navigation(server):
    # The module's server is fresh (only its health endpoint was asked): /train is its first session.
    with browser_page(f"{server}/train") as page:
        try:
            links = page.get_by_test_id("stSidebarNavLink")
            expect(links.filter(has_text="Cold start")).to_be_visible()
            expect(page.get_by_text("Workspace:")).to_be_visible()  # app.py ran: its sidebar caption is there
            labels = [t.strip().splitlines()[-1] for t in links.all_inner_texts()]  # after the icon name
            assert "Train" in labels and "Long tail" in labels, labels
            assert not {"app", "coldstart", "longtail", "simulate"} & set(labels), labels  # raw names = legacy
            assert page.url.rstrip("/").endswith("/train")
        finally:
            page.screenshot(path=str(ARTIFACTS / "deeplink-train-after-start.png"), full_page=True)
