"""Idle server CPU: the dashboard with one browser tab open and nothing happening (issue #16).

Run: ``python -m benchmarks.idle_server [--smoke] [--window SECONDS]``.

For each of two configurations, in the same run:

(a) the app as configured: ``bash scripts/app.sh --port N``, whose ``.streamlit/config.toml`` sets
    ``server.fileWatcherType = "none"``;
(b) a baseline with the watcher on: the same command with ``STREAMLIT_SERVER_FILE_WATCHER_TYPE=auto`` in the
    environment (Streamlit ranks environment variables above config files), so the ratio is measured here
    and not remembered from an old note;

it starts the server on a fresh temporary workspace (``$COLDREC_WORKSPACE``; the first page run stores the
sample shop), opens one tab in headless Debian chromium (launched as in ``tests/e2e_support.py``), waits for
the Overview heading and for the script to finish, lets it settle, then measures the CPU time (user + sys,
from ``/proc/<pid>/stat``, the server's whole process tree: the ``coldrec app`` wrapper and its streamlit
child) over an idle window with the tab open, then again after the tab is closed. Figures are % of one
core. The browser's own CPU (chromium and the playwright driver) is shown apart, for context. The inotify
watches the server tree holds are counted from ``/proc/<pid>/fdinfo``, so the table shows whether a
watcher really ran. Load averages are printed beside the figures: the machine is shared.

Every process started here (the server's process group and any descendant it had, the browser) is ended by
id in ``finally`` blocks, also on failure. Linux only (``/proc``). Figures are printed, never asserted on.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TICK = os.sysconf("SC_CLK_TCK")
WATCHER_ENV = "STREAMLIT_SERVER_FILE_WATCHER_TYPE"
CONFIGS = [("as configured", None), ("watcher on (auto)", "auto")]

Ident = tuple[int, int]  # (pid, start time in ticks since boot): a pid cannot be mistaken for a reused one


@dataclass
class Config:
    """One configuration's figures; cpu values are % of one core."""

    name: str
    watcher_env: str | None  # the value given to $STREAMLIT_SERVER_FILE_WATCHER_TYPE, None: config.toml decides
    start_s: float = math.nan  # process start to the Overview heading in the browser
    inotify_at_start: int = 0  # inotify watches held by the server tree when the tab-open window starts
    inotify_watches: int = 0  # ... and when it ends
    watched: dict[str, int] = field(default_factory=dict)
    browser_processes: int = 0
    server_threads: int = 0
    open_cpu: float = math.nan
    open_browser_cpu: float = math.nan
    open_load: tuple[float, float] = (math.nan, math.nan)  # 1-minute load average at the window's start, end
    closed_cpu: float = math.nan
    closed_load: tuple[float, float] = (math.nan, math.nan)
    notes: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- /proc


def _stat(pid: int) -> tuple[int, Ident, int] | None:
    """(ppid, identity, cpu ticks incl. reaped children) of a process, None if it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    rest = raw[raw.rfind(")") + 2:].split()  # the command name may hold spaces and parentheses
    ppid, utime, stime, cutime, cstime, start = (int(rest[i]) for i in (1, 11, 12, 13, 14, 19))
    return ppid, (pid, start), utime + stime + cutime + cstime


def _processes() -> dict[int, tuple[int, Ident, int]]:
    out = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (st := _stat(int(entry))) is not None:
            out[int(entry)] = st
    return out


def _tree(root: int, procs: dict[int, tuple[int, Ident, int]] | None = None) -> dict[Ident, int]:
    """Ticks of ``root`` and all its live descendants, by identity."""
    procs = _processes() if procs is None else procs
    children: dict[int, list[int]] = {}
    for pid, (ppid, _, _) in procs.items():
        children.setdefault(ppid, []).append(pid)
    out, todo = {}, [root]
    while todo:
        pid = todo.pop()
        if pid in procs:
            out[procs[pid][1]] = procs[pid][2]
            todo.extend(children.get(pid, []))
    return out


def _delta(before: dict[Ident, int], after: dict[Ident, int]) -> int:
    """Ticks spent in the window by the processes alive at its end (a new one counts from zero)."""
    return sum(t - before.get(ident, 0) for ident, t in after.items())


def _inotify_inodes(idents) -> list[int]:
    """The inode of every inotify watch the processes hold (``inotify wd:.. ino:<hex> ..`` in fdinfo)."""
    out = []
    for pid, _ in idents:
        try:
            fds = os.listdir(f"/proc/{pid}/fdinfo")
        except OSError:
            continue
        for fd in fds:
            try:
                lines = Path(f"/proc/{pid}/fdinfo/{fd}").read_text().splitlines()
            except OSError:
                continue
            for line in lines:
                if line.startswith("inotify"):
                    ino = next((f for f in line.split() if f.startswith("ino:")), "ino:0")
                    out.append(int(ino[4:], 16))
    return out


def _where_watched(inodes: list[int]) -> dict[str, int]:
    """Watches by place: the repository's .venv, the rest of the repository, outside it (inodes matched by a
    walk of the repository's folders, so run after the windows)."""
    if not inodes:
        return {}
    dev = os.stat(REPO).st_dev
    place: dict[int, str] = {}
    for top, _dirs, _ in os.walk(REPO):
        st = os.stat(top)
        if st.st_dev == dev:
            rel = Path(top).relative_to(REPO).parts
            place[st.st_ino] = ".venv" if rel[:1] == (".venv",) else "repository outside .venv"
    counts: dict[str, int] = {}
    for ino in inodes:
        key = place.get(ino, "elsewhere (or a file)")
        counts[key] = counts.get(key, 0) + 1
    return counts


def _threads(idents) -> int:
    return sum(len(os.listdir(f"/proc/{pid}/task")) for pid, _ in idents if os.path.isdir(f"/proc/{pid}/task"))


def _end(idents, grace: float = 10.0) -> None:
    """SIGTERM the given processes by id (if still the same ones), SIGKILL whatever is left after ``grace``."""
    def alive(ident: Ident) -> bool:
        st = _stat(ident[0])
        return st is not None and st[1] == ident and not _zombie(ident[0])

    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 2.0)):
        left = [i for i in idents if alive(i)]
        for pid, _ in left:
            try:
                os.kill(pid, sig)
            except OSError:
                pass
        deadline = time.monotonic() + wait
        while left and time.monotonic() < deadline:
            time.sleep(0.1)
            left = [i for i in left if alive(i)]


def _zombie(pid: int) -> bool:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return raw[raw.rfind(")") + 2:].split()[0] in "ZX"


# ---------------------------------------------------------------- server and browser


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_health(url: str, proc: subprocess.Popen, log: Path, timeout: float = 300.0) -> None:
    """Up to ``timeout``: scripts/app.sh runs scripts/setup.sh first (a no-op when the venv is up to date)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"the app did not answer /_stcore/health in {timeout:.0f} s:\n{log.read_text()[-3000:]}")


def _window(seconds: float, server: int, browser_root: int | None = None) -> tuple[float, float, tuple]:
    """Server-tree and browser CPU (% of one core) over ``seconds`` of doing nothing, and the load averages."""
    procs = _processes()
    s0 = _tree(server, procs)
    b0 = _browser(browser_root, s0, procs)
    load0, t0 = os.getloadavg()[0], time.monotonic()
    time.sleep(seconds)
    procs = _processes()
    s1 = _tree(server, procs)
    b1 = _browser(browser_root, s1, procs)
    wall, load1 = time.monotonic() - t0, os.getloadavg()[0]
    pct = 100.0 / (TICK * wall)
    return _delta(s0, s1) * pct, _delta(b0, b1) * pct, (load0, load1)


def _browser(root: int | None, server: dict[Ident, int], procs) -> dict[Ident, int]:
    """This process's descendants apart from the server tree: chromium and the playwright driver."""
    if root is None:
        return {}
    mine = _tree(root, procs)
    return {i: t for i, t in mine.items() if i not in server and i[0] != root}


def _measure(cfg: Config, window: float, settle: float, tmp: Path) -> None:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    from tests.e2e_support import CHROMIUM, LAUNCH_ARGS

    env = dict(os.environ, COLDREC_WORKSPACE=str(tmp / "ws"), HF_HUB_OFFLINE="1")
    env.pop(WATCHER_ENV, None)
    if cfg.watcher_env is not None:
        env[WATCHER_ENV] = cfg.watcher_env
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp / "server.log"
    me = os.getpid()
    seen_server: set[Ident] = set()
    seen_browser: set[Ident] = set()
    with ExitStack() as stack:
        t0 = time.perf_counter()
        proc = subprocess.Popen(["bash", "scripts/app.sh", "--port", str(port)], cwd=REPO, env=env,
                                stdout=stack.enter_context(open(log, "w")), stderr=subprocess.STDOUT,
                                start_new_session=True)

        def stop_server() -> None:
            seen_server.update(_tree(proc.pid))
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except OSError:
                pass
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                pass
            _end(seen_server)  # anything left, in the group or not (e.g. a detached job worker)
            proc.poll()

        stack.callback(stop_server)
        _wait_health(url, proc, log)
        pw = stack.enter_context(sync_playwright())
        before = set(_tree(me)) - set(_tree(proc.pid))
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        # Whatever browser.close() leaves is ended by id (ExitStack callbacks run last-in, first-out).
        stack.callback(lambda: _end(seen_browser, grace=5.0))
        stack.callback(browser.close)
        seen_browser.update(set(_tree(me)) - set(_tree(proc.pid)) - before)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(180_000)  # a fresh workspace: the first run stores the sample shop
        page.goto(url)
        page.get_by_role("heading", name="Overview").first.wait_for()
        cfg.start_s = time.perf_counter() - t0
        try:
            page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(timeout=60_000)
        except PlaywrightTimeout:
            cfg.notes.append("the script still read as running 60 s after the heading")
        page.wait_for_timeout(settle * 1000)
        seen_browser.update(set(_tree(me)) - set(_tree(proc.pid)) - before)
        server = _tree(proc.pid)
        cfg.inotify_at_start = len(_inotify_inodes(server))
        cfg.browser_processes = len(_browser(me, server, _processes()))
        cfg.server_threads = _threads(server)
        cfg.open_cpu, cfg.open_browser_cpu, cfg.open_load = _window(window, proc.pid, me)
        inodes = _inotify_inodes(_tree(proc.pid))  # watchdog may still be adding watches at the start
        cfg.inotify_watches = len(inodes)
        page.close()
        time.sleep(settle)  # the websocket closes and the session is let go
        cfg.closed_cpu, _, cfg.closed_load = _window(window, proc.pid)
    cfg.watched = _where_watched(inodes)


# ---------------------------------------------------------------- report


def _watcher(c: Config) -> str:
    return f"{c.watcher_env} (${WATCHER_ENV})" if c.watcher_env else "none (.streamlit/config.toml)"


def _report(configs: list[Config], window: float, smoke: bool) -> None:
    load = os.getloadavg()
    print(f"# idle_server{' --smoke' if smoke else ''}: {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores, python {platform.python_version()}, {window:.0f} s windows; "
          f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} at the end")
    print("| server | fileWatcherType | inotify watches (window start → end) | threads | tab open: server CPU | "
          "browser+driver CPU | load 1m | tab closed: server CPU | load 1m | start to heading |")
    print("|---|---|---:|---:|---:|---:|---|---:|---|---:|")
    for c in configs:
        print(f"| {c.name} | {_watcher(c)} | {c.inotify_at_start} → {c.inotify_watches} | {c.server_threads} | "
              f"{c.open_cpu:.2f}% | "
              f"{c.open_browser_cpu:.2f}% | {c.open_load[0]:.2f} → {c.open_load[1]:.2f} | {c.closed_cpu:.2f}% | "
              f"{c.closed_load[0]:.2f} → {c.closed_load[1]:.2f} | {c.start_s:.1f} s |")
    base, ours = configs[-1], configs[0]
    if ours.open_cpu > 0:
        print(f"tab open: the watcher costs {base.open_cpu / ours.open_cpu:.1f}x the configured server's CPU "
              f"({base.open_cpu:.2f}% vs {ours.open_cpu:.2f}% of one core; goal < 2%)")
    else:
        print(f"tab open: the configured server used no measurable CPU (< 1 tick); watcher on {base.open_cpu:.2f}%")
    for c in configs:
        where = ", ".join(f"{n} {k}" for k, n in sorted(c.watched.items())) or "none"
        print(f"{c.name}: inotify watches by place (end of the tab-open window): {where}; "
              f"browser+driver: {c.browser_processes} processes")
    for c in configs:
        for note in c.notes:
            print(f"note ({c.name}): {note}")


def main(argv: list[str] | None = None) -> dict[str, dict]:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--smoke", action="store_true", help="5 s windows (for the test)")
    p.add_argument("--window", type=float, default=None, help="idle window in seconds (default 60, smoke 5)")
    p.add_argument("--settle", type=float, default=None,
                   help="seconds of quiet before each window (default 10, smoke 2)")
    args = p.parse_args(argv)
    if not os.path.isdir("/proc/self"):
        raise SystemExit("idle_server reads /proc: Linux only")
    window = args.window if args.window is not None else (5.0 if args.smoke else 60.0)
    settle = args.settle if args.settle is not None else (2.0 if args.smoke else 10.0)
    configs = [Config(name, watcher) for name, watcher in CONFIGS]
    for cfg in configs:
        with tempfile.TemporaryDirectory(prefix="coldrec-idle-") as tmp:
            _measure(cfg, window, settle, Path(tmp))
    _report(configs, window, args.smoke)
    return {c.name: {"watcher": _watcher(c), "open_cpu": c.open_cpu, "closed_cpu": c.closed_cpu,
                     "browser_cpu": c.open_browser_cpu, "inotify_watches": c.inotify_watches,
                     "inotify_at_start": c.inotify_at_start,
                     "watched": c.watched, "browser_processes": c.browser_processes,
                     "open_load": c.open_load, "closed_load": c.closed_load, "start_s": c.start_s}
            for c in configs}


if __name__ == "__main__":
    main()
