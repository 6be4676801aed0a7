"""The whole journey in real headless Chromium: upload, train, cold-start chart, simulate with a click.

Starts the app on a free local port with a fresh workspace and the real
packaged MiniLM encoder. Screenshots land in ``test-artifacts/``.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect

from coldrec.synth import write_shop

from .conftest import REPO

pytestmark = pytest.mark.e2e
expect.set_options(timeout=90_000)  # first renders load models and profiles; CI machines are busy
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = REPO / "test-artifacts"
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed (scripts/test.sh installs it)")
    port = _free_port()
    env = dict(os.environ, COLDREC_WORKSPACE=str(tmp_path_factory.mktemp("ws")), HF_HUB_OFFLINE="1")
    env.pop("COLDREC_ENCODER", None)  # the real encoder
    log = open(tmp_path_factory.mktemp("log") / "server.log", "w+")
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(REPO / "app.py"),
                             "--server.headless=true", "--server.address=127.0.0.1", f"--server.port={port}",
                             "--browser.gatherUsageStats=false", "--server.fileWatcherType=none",
                             "--client.toolbarMode=viewer"],
                            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                break
        except OSError:
            time.sleep(0.3)
    else:
        log.seek(0)
        pytest.fail(f"server did not start:\n{log.read()}")
    yield url
    os.killpg(proc.pid, 15)
    proc.wait(timeout=20)


@pytest.fixture(scope="module")
def page(server):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        pg = browser.new_page(viewport={"width": 1400, "height": 1000})
        pg.set_default_timeout(90_000)
        pg.goto(server)
        pg.get_by_test_id("stApp").wait_for()
        yield pg
        browser.close()


@pytest.fixture(autouse=True)
def _screenshot_on_failure(request, page):
    yield
    if getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed:
        page.screenshot(path=str(ARTIFACTS / f"FAILED-{request.node.name}.png"), full_page=True)


def _nav(page, link: str, heading: str | None = None) -> None:
    page.get_by_test_id("stSidebarNavLink").filter(has_text=link).click()
    page.get_by_role("heading", name=heading or link).first.wait_for()


def _shot(page, name: str) -> None:
    page.wait_for_timeout(500)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_journey(page, tmp_path):
    # 1. The sample shop is already there.
    page.get_by_role("heading", name="Data").first.wait_for()
    expect(page.get_by_role("combobox", name="Dataset")).to_have_value(re.compile("^sample shop"))
    _shot(page, "01-data-sample")

    # 2. Upload a shop of our own through the page.
    ip, cp = write_shop(tmp_path / "shop", n_users=300, n_items=400, n_interactions=5000, seed=7)
    inputs = page.locator('[data-testid="stFileUploaderDropzoneInput"]')
    inputs.nth(0).set_input_files(str(ip))
    inputs.nth(1).set_input_files(str(cp))
    page.get_by_label("Dataset name").fill("e2e shop")
    page.get_by_label("Dataset name").press("Enter")
    page.get_by_role("button", name="Validate and store").click()
    page.get_by_text("Stored: dataset").wait_for()
    _shot(page, "02-data-uploaded")

    # 3. Train in the background; page switches and a reload lose nothing.
    _nav(page, "Train")
    expect(page.get_by_role("combobox", name="Dataset")).to_have_value(re.compile("^e2e shop"))
    page.get_by_role("button", name="Train").click()
    page.get_by_test_id("stProgress").first.wait_for()
    _shot(page, "03-train-running")
    _nav(page, "Data")
    _nav(page, "Train")
    page.reload()
    page.get_by_test_id("stApp").wait_for()
    page.get_by_text("Latest run").wait_for()
    page.get_by_text("done in").wait_for(timeout=180_000)
    _shot(page, "04-train-done")

    # 4. Cold-start chart and table.
    _nav(page, "Cold start", "Cold start vs warm")
    page.get_by_test_id("stPlotlyChart").first.wait_for()
    page.locator(".js-plotly-plot").first.wait_for()
    assert "Cold vs warm users" in page.locator(".js-plotly-plot").first.inner_text()
    _shot(page, "05-coldstart")

    # 5. Simulate: a query, a click, a re-ranked list.
    _nav(page, "Simulate", "Simulate a new user")
    box = page.get_by_label("What does the new customer want?")
    box.fill("gift for a coffee lover")
    box.press("Enter")
    page.get_by_role("button", name="Click").first.wait_for()
    before = page.get_by_test_id("stText").all_inner_texts()
    _shot(page, "06-simulate-query")
    page.get_by_role("button", name="Click").nth(3).click()
    page.get_by_text("1 click(s) so far").wait_for()
    page.wait_for_timeout(500)
    after = page.get_by_test_id("stText").all_inner_texts()
    assert after != before
    _shot(page, "07-simulate-clicked")
