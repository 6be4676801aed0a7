"""Saved sessions: the JSON record of a session, validated on import, stored in the workspace."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd

from coldrec.columns import Columns
from coldrec.data.workspace import Workspace
from coldrec.simulation.session import Session, Simulator

SESSION_FORMAT = "coldrec-session"


_NAME_OK = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.-]{0,79}$")
# The what-if knobs an imported file may set, and the range of each (the Simulate page's sliders).
KNOB_BOUNDS: dict[str, tuple[float, float]] = {"alpha": (0.0, 1.0), "k": (3, 20), "blend_weight": (0.0, 1.0),
                                               "tail_boost": (0.0, 3.0), "new_share": (0.0, 0.5)}


class SessionFileError(ValueError):
    """A session file that cannot be loaded; the message names what is wrong."""


def session_record(session: Session, catalog: pd.DataFrame, dataset_id: str, strategies: list[str],
                   knobs: dict | None = None, run_id: str | None = None,
                   lists: pd.DataFrame | None = None) -> dict:
    """A JSON-ready description of a session; ``lists`` (from :meth:`Simulator.lists`) lets a reload check itself."""
    ids = catalog[Columns.item].astype(str).to_numpy()
    record = {"format": SESSION_FORMAT, "version": 1, "dataset": dataset_id, "run": run_id, "query": session.query,
              "clicked": [ids[i] for i in session.clicked], "alphas": [float(a) for a in session.alphas],
              "strategies": list(strategies), "knobs": dict(knobs or {})}
    if lists is not None:
        record["lists"] = [{"step": int(r.step), "strategy": r.strategy, "rank": int(r.rank), "item_id": str(r.item_id)}
                           for r in lists.itertuples()]
    return record


def parse_session(data: bytes | str | dict, catalog: pd.DataFrame) -> dict:
    """A checked session record from an uploaded or saved file; raises :class:`SessionFileError` naming the fault.

    Accepts the older export too (one ``alpha`` for every click, no ``alphas``).
    """
    if not isinstance(data, dict):
        try:
            data = json.loads(data)
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise SessionFileError(f"not a JSON file ({e})") from None
    if not isinstance(data, dict):
        raise SessionFileError(f"expected a JSON object with 'query' and 'clicked', got a {type(data).__name__}")
    query = data.get("query")
    if not isinstance(query, str) or not query.strip():
        raise SessionFileError("'query' is missing or empty: a session starts from the user's words")
    clicked = data.get("clicked", [])
    if not isinstance(clicked, list) or not all(isinstance(c, str | int) for c in clicked):
        raise SessionFileError("'clicked' must be a list of item ids")
    clicked = [str(c) for c in clicked]
    known = set(catalog[Columns.item].astype(str))
    unknown = [c for c in clicked if c not in known]
    if unknown:
        raise SessionFileError(f"clicked items not in this dataset's catalog: {', '.join(unknown[:5])}"
                               + (f" and {len(unknown) - 5} more" if len(unknown) > 5 else "")
                               + f" (the session was saved on dataset {data.get('dataset', '?')!r})")
    alphas = data.get("alphas", [data.get("alpha", 0.5)] * len(clicked))
    if (not isinstance(alphas, list) or len(alphas) != len(clicked)
            or not all(isinstance(a, int | float) and 0 <= a <= 1 for a in alphas)):
        raise SessionFileError(f"'alphas' must hold one number in [0, 1] per click ({len(clicked)} clicks)")
    strategies = data.get("strategies", ["content"])
    if not isinstance(strategies, list) or not all(isinstance(s, str) for s in strategies):
        raise SessionFileError("'strategies' must be a list of strategy names")
    return {**data, "query": query, "clicked": clicked, "alphas": [float(a) for a in alphas],
            "strategies": strategies, "knobs": _checked_knobs(data.get("knobs", {}))}


def _checked_knobs(knobs: object) -> dict:
    """The knobs of a session file, each inside its range; unknown names are dropped, wrong values refused."""
    if knobs is None:
        return {}
    if not isinstance(knobs, dict):
        raise SessionFileError("'knobs' must be an object of what-if settings, e.g. {\"alpha\": 0.5, \"k\": 10}")
    out: dict = {}
    for name, (lo, hi) in KNOB_BOUNDS.items():
        if name not in knobs:
            continue
        value = knobs[name]
        whole = name == "k"
        ok = isinstance(value, int | float) and not isinstance(value, bool) and lo <= value <= hi
        if not ok or (whole and float(value) != int(value)):
            kind = "a whole number" if whole else "a number"
            raise SessionFileError(f"knob '{name}' is {str(value)[:40]!r}; it must be {kind} from {lo:g} to {hi:g}")
        out[name] = int(value) if whole else float(value)
    blend_with = knobs.get("blend_with")
    if blend_with is not None and not (isinstance(blend_with, str) and len(blend_with) <= 80):
        raise SessionFileError("knob 'blend_with' must be the name of a model, or null")
    if "blend_with" in knobs:
        out["blend_with"] = blend_with
    return out


def restore_session(sim: Simulator, record: dict) -> Session:
    """The session of a parsed record, replayed click by click with the saved alphas."""
    index = pd.Index(sim.catalog[Columns.item].astype(str))
    session = sim.start(record["query"])
    for item, alpha in zip(index.get_indexer(record["clicked"]), record["alphas"], strict=True):
        session = sim.click(session, int(item), alpha)
    return session


def sessions_dir(ws: Workspace) -> Path:
    return ws.root / "sessions"


def save_session(ws: Workspace, name: str, record: dict) -> Path:
    """Write ``record`` as ``sessions/<name>.json`` in the workspace, atomically (a crash leaves the old file)."""
    if not _NAME_OK.match(name):
        raise ValueError("a session name is 1-80 letters, digits, spaces, '_', '-' or '.', starting with a letter "
                         "or digit")
    path = sessions_dir(ws) / f"{name}.json"
    ws.write_json(path, record)
    return path


def saved_sessions(ws: Workspace) -> list[str]:
    """Names of the saved sessions, newest first."""
    files = sorted(sessions_dir(ws).glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
    return [p.stem for p in files if not p.name.startswith(".")]


def load_session(ws: Workspace, name: str) -> bytes:
    """The raw bytes of a saved session (check them with :func:`parse_session`).

    Only names a save could have made are read, so ``../`` or an absolute
    path never leaves the sessions folder; :class:`SessionFileError` otherwise.
    """
    if not isinstance(name, str) or not _NAME_OK.match(name) or name in (".", ".."):
        raise SessionFileError(f"no saved session named {str(name)[:80]!r}")
    folder = sessions_dir(ws).resolve()
    path = (folder / f"{name}.json").resolve()
    if path.parent != folder or not path.is_file():
        raise SessionFileError(f"no saved session named {name!r}")
    return path.read_bytes()


def same_lists(record: dict, lists: pd.DataFrame) -> bool | None:
    """Whether ``lists`` reproduce the lists saved in ``record``; None when the record saved none."""
    if not record.get("lists"):
        return None
    cols = ["step", "strategy", "rank", Columns.item]
    saved = pd.DataFrame(record["lists"])
    if not set(cols) <= set(saved.columns):
        return False
    saved = saved[cols].astype(str).sort_values(cols[:3]).reset_index(drop=True)
    now = lists[lists["strategy"].isin(saved["strategy"])][cols].astype(str).sort_values(cols[:3])
    return saved.equals(now.reset_index(drop=True))
