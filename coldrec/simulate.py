"""A new user's session: words, recommendations, clicks, re-ranking.

The interest vector starts at the embedding of what the user typed and moves
toward every clicked item: u <- u + alpha * (e_clicked - u). ``alpha`` near 1
follows the last click; near 0 it holds on to the words.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from coldrec.models.base import Context, Recommender
from coldrec.ranking import top_k
from coldrec.schema import Columns
from coldrec.text import TextEncoder
from coldrec.workspace import Workspace


@dataclass(frozen=True)
class Session:
    """Immutable session state; every step returns a new one."""

    query: str
    interest: np.ndarray
    clicked: tuple[int, ...] = field(default_factory=tuple)


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
                   clicked=(*session.clicked, item))


def recommend(model: Recommender, session: Session, catalog: pd.DataFrame, k: int = 10) -> pd.DataFrame:
    """Top-``k`` catalog rows for the session, clicked items excluded, with rank and score."""
    clicked = np.asarray(session.clicked, dtype=np.int64)
    # The clicks are already in the interest vector; passing them again as
    # history would count them twice.
    scores = model.score([Context(query=session.interest)])
    top = top_k(scores, k, [clicked])[0]
    out = catalog.iloc[top].copy()
    out.insert(0, "rank", np.arange(1, len(top) + 1))
    out["score"] = scores[0, top]
    out["index"] = top
    return out.reset_index(drop=True)[["rank", "index", Columns.item, Columns.title, *_extra(catalog), "score"]]


def _extra(catalog: pd.DataFrame) -> list[str]:
    return [c for c in (Columns.category, Columns.price) if c in catalog.columns]


@dataclass
class Simulator:
    """What a session needs: the encoder for words, the catalog, its vectors, a scoring model."""

    encoder: TextEncoder
    catalog: pd.DataFrame
    item_vectors: np.ndarray
    model: Recommender

    def start(self, query: str) -> Session:
        return start_session(self.encoder, query)

    def click(self, session: Session, item: int, alpha: float) -> Session:
        return click(session, item, self.item_vectors, alpha)

    def recommend(self, session: Session, k: int = 10) -> pd.DataFrame:
        return recommend(self.model, session, self.catalog, k)


def open_simulator(ws: Workspace, dataset_id: str, encoder_spec: str | None = None) -> Simulator:
    """A content-model simulator over a stored dataset's catalog (text embeddings come from the cache)."""
    from coldrec.experiment import catalog_embeddings
    from coldrec.models import ContentModel, FitData
    from coldrec.text import load_encoder

    catalog = ws.load_catalog(dataset_id)
    vecs, _ = catalog_embeddings(ws, catalog, encoder_spec)
    empty = np.zeros(0, dtype=np.int64)
    model = ContentModel().fit(FitData(len(catalog), empty, empty, empty, embeddings=vecs))
    return Simulator(load_encoder(encoder_spec), catalog, vecs, model)
