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
"""

from __future__ import annotations

import importlib.util
import json
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from coldrec.evaluate import EvalResult
    from coldrec.models import Recommender
    from coldrec.split import Split
    from coldrec.workspace import Workspace

ENGINES = ("local", "ray", "auto")
RAY_EXTRA_HINT = "install the Ray extra with: pip install 'coldrec[ray]'"


class EngineError(RuntimeError):
    """The engine asked for cannot be used (Ray missing, cluster unreachable, cluster lost)."""


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


class Engine(Protocol):
    """What the experiment and the search ask of an engine."""

    def describe(self) -> dict:
        """Plain facts for run.json: kind, address, nodes, CPUs, version."""
        ...

    def embed(self, ws: Workspace, texts: list[str], encoder_spec: str | None,
              progress: Callable[[int, int], None] | None = None) -> tuple[np.ndarray, str]:
        """Vectors for ``texts`` in order (through the workspace's embedding cache) and the encoder key."""
        ...

    def evaluate(self, models: Mapping[str, Recommender], split: Split, item_ids: pd.Index,
                 ks: tuple[int, ...], embeddings: np.ndarray | None = None,
                 on_model: Callable[[str], None] | None = None) -> EvalResult:
        """:func:`coldrec.evaluate.evaluate` with the users ranked wherever the engine runs."""
        ...

    def few_shot(self, models: Mapping[str, Recommender], split: Split, item_ids: pd.Index,
                 ks: tuple[int, ...], encoder_spec: str | None):  # noqa: ANN201 - FewShotResult
        """:func:`coldrec.fewshot.few_shot` for every model."""
        ...

    def map(self, fn: Callable[..., Any], items: Sequence[Any], *shared: Any,
            on_done: Callable[[int, int], None] | None = None) -> list[Any]:
        """``[fn(item, *shared) for item in items]``, in order; ``on_done(done, total)`` as results arrive."""
        ...


class LocalEngine:
    """Everything in this process: the library's plain functions, unchanged."""

    def describe(self) -> dict:
        return {"kind": "local"}

    def embed(self, ws: Workspace, texts: list[str], encoder_spec: str | None,
              progress: Callable[[int, int], None] | None = None) -> tuple[np.ndarray, str]:
        from coldrec.text import EmbeddingCache, load_encoder

        encoder = load_encoder(encoder_spec)
        return EmbeddingCache(ws.root / "embeddings").embed(encoder, texts, progress=progress), encoder.key

    def evaluate(self, models: Mapping[str, Recommender], split: Split, item_ids: pd.Index,
                 ks: tuple[int, ...], embeddings: np.ndarray | None = None,
                 on_model: Callable[[str], None] | None = None) -> EvalResult:
        from coldrec.evaluate import evaluate

        return evaluate(models, split, item_ids, ks, embeddings=embeddings, on_model=on_model)

    def few_shot(self, models: Mapping[str, Recommender], split: Split, item_ids: pd.Index,
                 ks: tuple[int, ...], encoder_spec: str | None):  # noqa: ANN201 - FewShotResult
        from coldrec.fewshot import few_shot
        from coldrec.text import load_encoder

        encode = load_encoder(encoder_spec).encode if any(m.uses_text for m in models.values()) else None
        return few_shot(models, split, item_ids, ks=ks, encode=encode)

    def map(self, fn: Callable[..., Any], items: Sequence[Any], *shared: Any,
            on_done: Callable[[int, int], None] | None = None) -> list[Any]:
        out = []
        for item in items:
            if on_done:
                on_done(len(out), len(items))
            out.append(fn(item, *shared))
        if on_done:
            on_done(len(out), len(items))
        return out


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
    from coldrec.distributed import RayEngine

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
    for name in ("run.json", "search.json"):
        path = ws.run_dir(job_id) / name
        if path.exists():
            info = json.loads(path.read_text())
            if "engine" in info:
                return engine_label(info["engine"])
            return engine_label(None)
    from coldrec.jobs import JobStore

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
