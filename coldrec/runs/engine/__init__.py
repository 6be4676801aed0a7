"""Where the heavy stages of a run execute: in this process ("local") or on a Ray cluster.

An engine offers the stages that split cleanly into independent pieces:
encoding the catalog text, ranking test users, scoring few-shot curves and
running search trials. Every engine gives the same numbers; Ray only changes
where the work happens. Ray is an optional extra (``pip install 'coldrec[ray]'``)
and is imported only when a Ray engine is asked for.

Engine settings (``ExperimentConfig.engine``, ``SearchConfig.engine``):

- ``None`` or ``"local"``: this process, exactly as without the extra;
- ``"ray"``: Ray at ``$RAY_ADDRESS`` when set, else a local Ray started for the run;
- ``"ray:HOST:PORT"`` or ``"ray://HOST:PORT"``: an existing cluster (GCS address or Ray Client);
- ``"auto"``: Ray at ``$RAY_ADDRESS`` when it is set and Ray is installed, else local.

This package is the one factory: backends (:mod:`.local`, :mod:`.on_ray`) import only :mod:`.base`, never
this module, and the Ray backend is imported only when a Ray engine is asked for.
"""

from __future__ import annotations

import importlib.util
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from coldrec.data.workspace import Workspace
from coldrec.runs.engine.base import RAY_EXTRA_HINT, Engine, EngineError
from coldrec.runs.engine.local import LocalEngine
from coldrec.runs.jobs import JobStore
from coldrec.runs.store import RunStore

__all__ = ["ENGINES", "Engine", "EngineError", "EngineSpec", "LocalEngine", "engine_label", "engine_setting",
           "open_engine", "parse_engine", "ray_installed", "run_engine"]

ENGINES = ("local", "ray", "auto")


@dataclass(frozen=True)
class EngineSpec:
    """A parsed engine setting: ``kind`` is "local" or "ray"; ``address`` None means a Ray started for the run."""

    kind: str = "local"
    address: str | None = None


def ray_installed() -> bool:
    return importlib.util.find_spec("ray") is not None


def parse_engine(value: str | None) -> EngineSpec:
    """The :class:`EngineSpec` of an engine setting (see the module docstring)."""
    value = (value or "local").strip()
    if value == "local":
        return EngineSpec()
    if value == "auto":
        address = os.environ.get("RAY_ADDRESS")
        return EngineSpec("ray", address) if address and ray_installed() else EngineSpec()
    if value == "ray":
        return EngineSpec("ray", os.environ.get("RAY_ADDRESS") or None)
    if value.startswith("ray://"):
        return EngineSpec("ray", value)
    if value.startswith("ray:"):
        return EngineSpec("ray", value.removeprefix("ray:") or None)
    raise ValueError(f"unknown engine '{value}': use 'local', 'ray', 'ray:HOST:PORT', 'ray://HOST:PORT' or 'auto'")


def engine_setting(ray_flag: str | None) -> str | None:
    """The engine setting for the command line's ``--ray [ADDRESS]``: None when absent, "" (no address) -> "ray"."""
    if ray_flag is None:
        return None
    if not ray_flag:
        return "ray"
    return ray_flag if ray_flag.startswith("ray://") else f"ray:{ray_flag}"


@contextmanager
def open_engine(value: str | None) -> Iterator[Engine]:
    """The engine of a setting, ready for a run; a Ray started here is shut down on exit.

    Raises
    ------
    EngineError
        Ray is asked for but not installed, or its cluster cannot be reached
        within the connection timeout (``$COLDREC_RAY_TIMEOUT``, 20 s).
    """
    spec = parse_engine(value)
    if spec.kind == "local":
        yield LocalEngine()
        return
    if not ray_installed():
        raise EngineError(f"engine '{value}' needs Ray, which is not installed; {RAY_EXTRA_HINT}")
    from coldrec.runs.engine.on_ray import RayEngine

    with RayEngine.connect(spec.address) as engine:
        yield engine


def engine_label(facts: dict | None) -> str:
    """A one-line description of where a run executed, from its recorded engine facts."""
    if not facts or facts.get("kind", "local") == "local":
        return "local (this machine, one worker process)"
    if facts.get("address"):
        where = f"at {facts['address']}"
    else:
        where = "local, started for the run" if facts.get("started_for_run", True) else "local"
    cpus = facts.get("cpus")
    size = f"{facts.get('nodes', '?')} node(s), {cpus:g} CPUs" if isinstance(cpus, int | float) else "size unknown"
    return " ".join(filter(None, ["Ray", facts.get("ray_version"), where, f"({size})"]))


def run_engine(ws: Workspace, job_id: str) -> str:
    """Where a job ran (finished runs) or was asked to run (queued, running, failed), for the Train page.

    Reads ``engine`` from the run's run.json / search.json; older runs without
    it ran locally. A job that has not written its run file yet is described
    by its requested setting.
    """
    for name in (RunStore.RUN_INFO, RunStore.SEARCH_INFO):
        path = ws.run_dir(job_id) / name
        if path.exists():
            info = json.loads(path.read_text())
            if "engine" in info:
                return engine_label(info["engine"])
            return engine_label(None)
    try:
        setting = JobStore(ws).get(job_id).params.get("engine")
    except KeyError:
        return engine_label(None)
    try:
        spec = parse_engine(setting)
    except ValueError:
        return f"unknown engine setting '{setting}'"
    if spec.kind == "local":
        return engine_label(None)
    return f"Ray at {spec.address or 'a local Ray started for the run'} (requested)"
