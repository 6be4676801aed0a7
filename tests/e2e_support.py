"""Browser-test support: the app on a free local port with a fresh workspace, Debian chromium driving it.

conftest re-exports the ``server`` and ``page`` fixtures (module-scoped: one
app and browser per journey module); a journey module sets
``pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("screenshot_on_failure")]``
and uses :func:`nav` and :func:`shot`. The real packaged MiniLM encoder is used. Screenshots land in
``test-artifacts/``.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import expect

REPO = Path(__file__).resolve().parents[1]

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


@contextmanager
def browser_page(url: str):
    """Debian chromium on ``url`` in a 1400 x 1000 window, closed on exit."""
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        pg = browser.new_page(viewport={"width": 1400, "height": 1000})
        pg.set_default_timeout(90_000)
        pg.goto(url)
        try:
            yield pg
        finally:
            browser.close()


@pytest.fixture(scope="module")
def page(server):
    with browser_page(server) as pg:
        pg.get_by_test_id("stApp").wait_for()
        # The first run stores the sample shop before app.py's navigation exists; until then Streamlit shows
        # its legacy list of file names, whose links lead nowhere. The landing page's heading means it is done.
        pg.get_by_role("heading", name="Overview").first.wait_for()
        yield pg


@pytest.fixture
def screenshot_on_failure(request, page):
    yield
    if getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed:
        page.screenshot(path=str(ARTIFACTS / f"FAILED-{request.node.name}.png"), full_page=True)


def nav(page, link: str, heading: str | None = None) -> None:
    page.get_by_test_id("stSidebarNavLink").filter(has_text=link).click()
    page.get_by_role("heading", name=heading or link).first.wait_for()


def shot(page, name: str) -> None:
    page.wait_for_timeout(500)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def pick(page, combobox: str, option: str, tries: int = 3) -> None:
    """Choose ``option`` in a selectbox by typing it and pressing Enter, checked and retried.

    Option lists re-render while a fragment polls (the Train page's job panel), so a click on an option can
    miss, and on a loaded machine Enter can land before the typed filter has applied.
    """
    box = page.get_by_role("combobox", name=combobox)
    if box.input_value() == option:  # already chosen (the form kept it): typing it again lists nothing new
        return
    for _ in range(tries):
        box.click()
        box.fill(option)
        page.get_by_role("option", name=option).first.wait_for()
        box.press("Enter")
        try:
            expect(box).to_have_value(option, timeout=10_000)
            return
        except AssertionError:
            page.keyboard.press("Escape")
    expect(box).to_have_value(option)
