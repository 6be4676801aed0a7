"""App start and page-switch response, measured in headless Debian chromium.

Run: ``python -m benchmarks.app_start [--smoke] [--rounds N]``.

1. Starts ``streamlit run app.py`` on a free port with a temporary workspace
   that already holds the sample shop (a returning user), and times from the
   process start until the landing page's content (the Overview's heading and
   its datasets table) is rendered in the browser. (Until 2026-12 the landing
   page was Data, whose figure also waited for a profile chart.)
2. Submits two training jobs through :func:`coldrec.runs.jobs.submit`, then clicks
   through the sidebar pages while they run and times each click until the
   new page's heading is shown.

The browser is launched as in ``tests/e2e_support.py``. Figures are printed,
never asserted on.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from coldrec.data.workspace import Workspace
from coldrec.runs.experiment import ExperimentConfig
from coldrec.runs.jobs import ACTIVE, JobStore, submit

REPO = Path(__file__).resolve().parents[1]
PAGES = [("Train", "Train"), ("Cold start", "Cold start vs warm"), ("Long tail", "Long tail"),
         ("Report", "Report"), ("Data", "Data")]


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_server(root: Path, port: int, log: Path) -> subprocess.Popen:
    env = dict(os.environ, COLDREC_WORKSPACE=str(root), HF_HUB_OFFLINE="1")
    return subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(REPO / "app.py"),
                             "--server.headless=true", "--server.address=127.0.0.1", f"--server.port={port}",
                             "--browser.gatherUsageStats=false", "--server.fileWatcherType=none",
                             "--client.toolbarMode=viewer"],
                            cwd=REPO, env=env, stdout=open(log, "w"), stderr=subprocess.STDOUT,
                            start_new_session=True)


def _wait_health(url: str, timeout: float = 60.0) -> float:
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                return time.perf_counter()
        except OSError:
            time.sleep(0.05)
    raise TimeoutError("the app did not answer /_stcore/health within a minute")


def _prepare(root: Path, smoke: bool) -> str:
    """A workspace holding a shop (the sample, or a small synthetic one in smoke mode); returns its dataset id."""
    from coldrec.data.ingest import ingest, load_sample

    ws = Workspace(root)
    if smoke:
        from coldrec.data.synth import write_shop

        ip, cp = write_shop(root.parent / "shop", n_users=200, n_items=300, n_interactions=3000, seed=0)
        return ingest(ws, ip, cp).dataset.id
    load_sample(ws)
    return ws.datasets()[0].id


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--smoke", action="store_true", help="a small shop, one round of page switches (seconds)")
    p.add_argument("--rounds", type=int, default=3, help="rounds through the five pages while jobs run")
    args = p.parse_args(argv)
    from playwright.sync_api import sync_playwright

    from tests.e2e_support import CHROMIUM, LAUNCH_ARGS

    rounds = 1 if args.smoke else args.rounds
    encoder = "hashing" if args.smoke else "minilm"
    # A worker still ending may write after the server stops: its files must not fail the clean-up (CI did once).
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as tmp, sync_playwright() as pw:
        root = Path(tmp) / "ws"
        ds = _prepare(root, args.smoke)
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(90_000)
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        t0 = time.perf_counter()
        proc = _start_server(root, port, Path(tmp) / "server.log")
        try:
            healthy = _wait_health(url) - t0
            page.goto(url)
            page.get_by_role("heading", name="Overview").first.wait_for()
            heading = time.perf_counter() - t0
            page.get_by_test_id("stDataFrame").first.wait_for()
            content = time.perf_counter() - t0
            ws = Workspace(root)
            models = ["popularity", "content"] if args.smoke else ["popularity", "content", "itemknn"]
            jobs = [submit(ws, "train", vars(ExperimentConfig(dataset_id=ds, models=models, encoder=encoder)), ds)
                    for _ in range(2)]
            switches: list[float] = []
            for _ in range(rounds):
                for link, title in PAGES:
                    start = time.perf_counter()
                    page.get_by_test_id("stSidebarNavLink").filter(has_text=link).click()
                    page.get_by_role("heading", name=title).first.wait_for()
                    switches.append(time.perf_counter() - start)
                    page.wait_for_timeout(300)  # a reader's pause; also lets the page finish drawing
            store = JobStore(ws)
            running = sum(store.get(j).status in ACTIVE for j in jobs)
            for j in jobs:
                store.request_cancel(j)
            deadline = time.time() + 30  # the workers write until they see the cancel: let them stop first
            while any(store.get(j).status in ACTIVE for j in jobs) and time.time() < deadline:
                store.reconcile()
                time.sleep(0.5)
        finally:
            os.killpg(proc.pid, 15)
            proc.wait(timeout=30)
            browser.close()
    load = os.getloadavg()[0]
    out = {"load": load, "health": healthy, "heading": heading, "content": content,
           "switch_median": statistics.median(switches), "switch_max": max(switches), "switches": len(switches),
           "jobs_running_at_end": running}
    print(f"# app_start{' --smoke' if args.smoke else ''}: {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores, python {platform.python_version()}, load average {load:.1f} at the end")
    print(f"server healthy              {healthy:6.2f} s after process start")
    print(f"Overview heading shown      {heading:6.2f} s")
    print(f"Overview content rendered   {content:6.2f} s (the datasets table)")
    print(f"page switch, 2 jobs running median {out['switch_median']:.2f} s, max {out['switch_max']:.2f} s "
          f"over {len(switches)} switches ({running} of 2 jobs still running at the end)")
    return out


if __name__ == "__main__":
    main()
