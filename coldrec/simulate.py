"""A new user's session: words, recommendations, clicks, re-ranking.

The interest vector starts at the embedding of what the user typed and moves
toward every clicked item: u <- u + alpha * (e_clicked - u). ``alpha`` near 1
follows the last click; near 0 it holds on to the words.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from coldrec.models.base import Context, Recommender
from coldrec.ranking import top_k
from coldrec.schema import Columns
from coldrec.text import TextEncoder
from coldrec.whatif import interest_only
from coldrec.workspace import Workspace


@dataclass(frozen=True)
class Session:
    """Immutable session state; every step returns a new one."""

    query: str
    interest: np.ndarray
    clicked: tuple[int, ...] = field(default_factory=tuple)
    alphas: tuple[float, ...] = field(default_factory=tuple)  # the alpha of each click, so a replay is exact


def start_session(encoder: TextEncoder, query: str) -> Session:
    """A session whose interest vector is the embedding of ``query``."""
    if not query.strip():
        raise ValueError("type a few words about what the user wants")
    return Session(query, encoder.encode([query])[0].astype(np.float32))


def update_interest(interest: np.ndarray, item_vector: np.ndarray, alpha: float) -> np.ndarray:
    """u + alpha * (e - u): move the interest vector toward the clicked item."""
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be in [0, 1], got {alpha}")
    return (interest + alpha * (item_vector - interest)).astype(np.float32)


def click(session: Session, item: int, item_vectors: np.ndarray, alpha: float) -> Session:
    """The session after the user clicks catalog item index ``item``."""
    return replace(session, interest=update_interest(session.interest, item_vectors[item], alpha),
                   clicked=(*session.clicked, item), alphas=(*session.alphas, alpha))


def session_context(model: Recommender, session: Session) -> Context:
    """What a strategy sees: the interest vector, the words, and (for models with their own fold-in) the clicks.

    The content model's user vector *is* the interest vector, so it gets no
    click history (the clicks are already in it); every other model also
    receives the clicked items and folds them in its own way.
    """
    clicked = np.asarray(session.clicked, dtype=np.int64)
    items = clicked if not interest_only(model) else np.zeros(0, dtype=np.int64)
    return Context(items=items, query=session.interest, query_text=session.query)


def recommend(model: Recommender, session: Session, catalog: pd.DataFrame, k: int = 10) -> pd.DataFrame:
    """Top-``k`` catalog rows for the session, clicked items excluded, with rank and score."""
    clicked = np.asarray(session.clicked, dtype=np.int64)
    scores = model.score([session_context(model, session)])
    top = top_k(scores, k, [clicked])[0]
    out = catalog.iloc[top].copy()
    out.insert(0, "rank", np.arange(1, len(top) + 1))
    out["score"] = scores[0, top]
    out["index"] = top
    return out.reset_index(drop=True)[["rank", "index", Columns.item, Columns.title, *_extra(catalog), "score"]]


def explain(recs: pd.DataFrame, session: Session, item_vectors: np.ndarray, catalog: pd.DataFrame,
            query_vector: np.ndarray, strategy: str) -> list[str]:
    """A short reason per recommended item, from where its text sits relative to the words and the clicks."""
    if strategy == "popularity":
        return ["popular with everyone"] * len(recs)
    vecs = item_vectors[recs["index"].to_numpy()]
    to_words = vecs @ query_vector
    reasons = []
    last = session.clicked[-1] if session.clicked else None
    to_click = vecs @ item_vectors[last] if last is not None else np.full(len(recs), -np.inf)
    for w, c in zip(to_words, to_click, strict=True):
        if max(w, c) < 0.2:
            reasons.append("collaborative signal" if strategy != "content" else "weak match")
        elif c > w:
            reasons.append(f"similar to “{catalog.iloc[last][Columns.title]}”")
        else:
            reasons.append("matches your words")
    return reasons


def _extra(catalog: pd.DataFrame) -> list[str]:
    return [c for c in (Columns.category, Columns.price) if c in catalog.columns]


@dataclass
class Simulator:
    """What a session needs: the encoder for words, the catalog, its vectors, and the strategies to compare."""

    encoder: TextEncoder
    catalog: pd.DataFrame
    item_vectors: np.ndarray
    models: dict[str, Recommender]
    _words: dict[str, np.ndarray] = field(default_factory=dict, repr=False)  # query text -> vector

    @property
    def model(self) -> Recommender:
        """The default strategy: text similarity."""
        return self.models["content"]

    def words(self, query: str) -> np.ndarray:
        """The query's embedding, encoded once per simulator (explanations ask for it at every step)."""
        if query not in self._words:
            self._words[query] = self.encoder.encode([query])[0].astype(np.float32)
        return self._words[query]

    def start(self, query: str) -> Session:
        if not query.strip():
            raise ValueError("type a few words about what the user wants")
        return Session(query, self.words(query).copy())

    def with_models(self, models: dict[str, Recommender]) -> Simulator:
        """The same simulator with other strategies (e.g. under what-if knobs); shares the query cache."""
        return replace(self, models=models)

    def click(self, session: Session, item: int, alpha: float) -> Session:
        return click(session, item, self.item_vectors, alpha)

    def recommend(self, session: Session, k: int = 10, strategy: str = "content") -> pd.DataFrame:
        recs = recommend(self.models[strategy], session, self.catalog, k)
        recs["reason"] = explain(recs, session, self.item_vectors, self.catalog, self.words(session.query),
                                 strategy)
        return recs

    def steps(self, session: Session) -> list[Session]:
        """The session after 0, 1, ... clicks, rebuilt from its query, clicks and alphas."""
        out = [self.start(session.query)]
        for item, alpha in zip(session.clicked, session.alphas, strict=True):
            out.append(self.click(out[-1], item, alpha))
        return out

    def lists(self, session: Session, strategies: list[str], k: int = 10) -> pd.DataFrame:
        """Every strategy's list after every click: step, strategy, rank, index, item_id, title, score, reason."""
        frames = [self.recommend(s, k, name).assign(step=step, strategy=name)
                  for step, s in enumerate(self.steps(session)) for name in strategies]
        out = pd.concat(frames, ignore_index=True)
        return out[["step", "strategy", *[c for c in out.columns if c not in ("step", "strategy")]]]


def open_simulator(ws: Workspace, dataset_id: str, encoder_spec: str | None = None,
                   run_id: str | None = None) -> Simulator:
    """A simulator over a stored dataset: the content model, plus every model of a finished run on it.

    Run models score the session through their own state (e.g. BPR folds the
    clicks in, the two-tower reads the interest vector as a query); the run
    must have used the same text encoder, since the interest vector lives in
    that encoder's space.
    """
    from coldrec.experiment import catalog_embeddings, load_run_info, load_run_model
    from coldrec.models import ContentModel, FitData
    from coldrec.text import load_encoder

    catalog = ws.load_catalog(dataset_id)
    vecs, _ = catalog_embeddings(ws, catalog, encoder_spec)
    empty = np.zeros(0, dtype=np.int64)
    models: dict[str, Recommender] = {"content": ContentModel().fit(FitData(len(catalog), empty, empty, empty,
                                                                             embeddings=vecs))}
    if run_id is not None:
        for name in load_run_info(ws, run_id).get("config", {}).get("models", []):
            if name != "content":
                models[name] = load_run_model(ws, run_id, name)
    return Simulator(load_encoder(encoder_spec), catalog, vecs, models)


# -- saving and reloading sessions: plain JSON with item ids (not catalog indices, which a re-import may shift) --

SESSION_FORMAT = "coldrec-session"
_NAME_OK = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.-]{0,79}$")


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
            "strategies": strategies, "knobs": data.get("knobs") if isinstance(data.get("knobs"), dict) else {}}


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
    """The raw bytes of a saved session (check them with :func:`parse_session`)."""
    return (sessions_dir(ws) / f"{name}.json").read_bytes()


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
