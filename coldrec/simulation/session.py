"""A new user's session: words, recommendations, clicks, re-ranking.

The interest vector starts at the embedding of what the user typed and moves
toward every clicked item: u <- u + alpha * (e_clicked - u). ``alpha`` near 1
follows the last click; near 0 it holds on to the words."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from coldrec.columns import Columns
from coldrec.data.workspace import Workspace
from coldrec.models import ContentModel
from coldrec.models.base import Context, FitData, Recommender
from coldrec.ranking import top_k
from coldrec.runs.experiment import catalog_embeddings
from coldrec.runs.store import load_run_info, load_run_model
from coldrec.simulation.ann import IndexSettings, ItemIndex, item_index
from coldrec.text.factory import load_encoder
from coldrec.text.protocol import TextEncoder


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
    items = clicked if not model.reads_interest_only else np.zeros(0, dtype=np.int64)
    return Context(items=items, query=session.interest, query_text=session.query)


def content_index(model: Recommender, settings: IndexSettings | None = None) -> ItemIndex | None:
    """The nearest-neighbour index a session step of ``model`` goes through, or None for exact scoring.

    Only the plain content model qualifies: its score *is* the inner product of
    one user vector with the item embeddings, which the index answers. Every
    other model, and the content model under a what-if wrapper (tail boost,
    blend), scores every item exactly. Smaller catalogs than
    ``settings.min_items`` (default :data:`coldrec.simulation.ann.ANN_MIN_ITEMS`)
    are scored exactly too.
    """
    if type(model) is not ContentModel:
        return None
    return item_index(model.embeddings_, settings)


def session_top_k(model: Recommender, session: Session, k: int = 10,
                  settings: IndexSettings | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Indices and scores of the session's top-``k`` items, best first, clicked items excluded.

    Exact scoring with ties broken by item index (:func:`coldrec.ranking.top_k`),
    except for the content model on a large catalog, where the index proposes
    candidates that are rescored exactly and ordered the same way.
    """
    clicked = np.asarray(session.clicked, dtype=np.int64)
    context = session_context(model, session)
    index = content_index(model, settings)
    if index is not None and isinstance(model, ContentModel):
        user = model.user_vectors([context])[0]
        if np.any(user):  # a zero vector ties every item: the exact path orders those by index
            try:
                return index.search(user, k, clicked)
            except LookupError:
                pass  # too few candidates survived the exclusions: score exactly
    scores = model.score([context])
    top = top_k(scores, k, [clicked])[0]
    return top, scores[0, top]


def recommend(model: Recommender, session: Session, catalog: pd.DataFrame, k: int = 10,
              settings: IndexSettings | None = None) -> pd.DataFrame:
    """Top-``k`` catalog rows for the session, clicked items excluded, with rank and score."""
    top, scores = session_top_k(model, session, k, settings)
    out = catalog.iloc[top].copy()
    out.insert(0, "rank", np.arange(1, len(top) + 1))
    out["score"] = scores
    out["index"] = top
    return out.reset_index(drop=True)[["rank", "index", Columns.item, Columns.title, *_extra(catalog), "score"]]


def explain(recs: pd.DataFrame, session: Session, item_vectors: np.ndarray, catalog: pd.DataFrame,
            query_vector: np.ndarray, strategy: str, uses_text: bool = True) -> list[str]:
    """A short reason per recommended item, from what the strategy can read and where the item sits.

    A strategy without text cannot read the words: before a click it shows
    popular items (every cold-user model falls back to popularity), after one
    it follows what others took with the clicked item. Only text strategies
    say "matches your words".
    """
    last = session.clicked[-1] if session.clicked else None
    if strategy == "popularity":
        return ["popular with everyone"] * len(recs)
    if not uses_text:
        if last is None:
            return ["no click yet: popular items (this strategy reads clicks, not words)"] * len(recs)
        return [f"often taken with “{catalog.iloc[last][Columns.title]}”"] * len(recs)
    vecs = item_vectors[recs["index"].to_numpy()]
    to_words = vecs @ query_vector
    reasons = []
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
    return [c for c in (Columns.category, Columns.brand, Columns.price) if c in catalog.columns]


@dataclass
class Simulator:
    """What a session needs: the encoder for words, the catalog, its vectors, and the strategies to compare."""

    encoder: TextEncoder
    catalog: pd.DataFrame
    item_vectors: np.ndarray
    models: dict[str, Recommender]
    index_settings: IndexSettings | None = None  # when the content model goes through a nearest-neighbour index
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

    def index(self) -> ItemIndex | None:
        """The content model's nearest-neighbour index (built once per catalog, then cached), or None if exact.

        The first step on a large catalog builds it (about a minute per million
        items on one core); a page can call this first to show that wait. None
        also when faiss is missing (:data:`coldrec.simulation.ann.FAISS_NOTE` says why).
        """
        return content_index(self.models["content"], self.index_settings) if "content" in self.models else None

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
        recs = recommend(self.models[strategy], session, self.catalog, k, self.index_settings)
        recs["reason"] = explain(recs, session, self.item_vectors, self.catalog, self.words(session.query),
                                 strategy, self.models[strategy].uses_text)
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
