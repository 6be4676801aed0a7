"""The one interface every recommender implements.

A model fits on a split's train part (item indices into the catalog, plus the
catalog's text embeddings) and scores *contexts* against every catalog item.
A context is what is known about a user at scoring time: the items they
interacted with (oldest first) and/or a query vector in the text space.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, ClassVar, Self

import numpy as np
import pandas as pd
import scipy.sparse as sp

from coldrec.types import Progress, no_progress

COUNTS_KEY = "_item_counts"  # state.npz entry of the train counts behind the empty-context ranking


@dataclass
class Context:
    """What a model may use to score one user.

    ``items``: catalog indices of the user's interactions, oldest first;
    ``weights``: optional weight per item (event weights, ratings);
    ``query``: the user's own words embedded by the run's text encoder;
    ``query_text``: the same words as text, for models with their own encoder.
    """

    items: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    query: np.ndarray | None = None
    weights: np.ndarray | None = None
    query_text: str | None = None


@dataclass
class FitData:
    """A split's train part, indexed against the catalog."""

    n_items: int
    users: np.ndarray  # int user index per train interaction
    items: np.ndarray  # int item index per train interaction
    timestamps: np.ndarray
    embeddings: np.ndarray | None = None  # (n_items, dim) unit rows, when the model uses text
    catalog: pd.DataFrame | None = None  # row i describes item i: item_id, text, category, brand, price...
    weights: np.ndarray | None = None  # per train interaction (event weight); None = all 1
    encoder: str | None = None  # spec of the encoder that made ``embeddings`` (see coldrec.text.load_encoder)

    @property
    def n_users(self) -> int:
        return int(self.users.max()) + 1 if len(self.users) else 0

    def matrix(self) -> sp.csr_matrix:
        """(n_users, n_items) user-item matrix of train interactions (summed weights)."""
        w = self.weights if self.weights is not None else np.ones(len(self.items), dtype=np.float32)
        return sp.csr_matrix((w.astype(np.float32), (self.users, self.items)), shape=(self.n_users, self.n_items))


@dataclass
class ModelConfig:
    """Base for model configs; subclasses add fields with defaults."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Self:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})


class Recommender:
    """Base class: ``fit`` does bookkeeping and calls ``_fit``; ``score`` returns one row per context."""

    name: ClassVar[str]
    label: ClassVar[str]
    config_cls: ClassVar[type[ModelConfig]] = ModelConfig
    uses_text: ClassVar[bool] = False
    cold_users: ClassVar[bool] = False  # can rank for a user absent from train
    cold_items: ClassVar[bool] = False  # can rank an item absent from train above chance
    # Reads a session only through the interest vector (clicks are already in it): the simulator then
    # passes no clicked items, so they are not counted twice.
    reads_interest_only: ClassVar[bool] = False
    # How fold_in learns new interactions without a full fit, for the reader; "" = it cannot (a refit is needed).
    folds_in: ClassVar[str] = ""
    config: ModelConfig  # an instance of config_cls; subclasses narrow the type to their own config class

    def __init__(self, config: ModelConfig | None = None) -> None:
        self.config = config or self.config_cls()

    def fit(self, data: FitData, progress: Progress | None = None) -> Self:
        """Learn from ``data``; long fits report ``progress(fraction, step)``, which may raise to cancel."""
        if self.uses_text and data.embeddings is None:
            raise ValueError(f"{self.name} needs text embeddings of the catalog")
        self.n_items_ = data.n_items
        self._progress = progress or no_progress
        self.item_counts_ = train_counts(data)
        self._fit(data)
        return self

    def _fit(self, data: FitData) -> None:
        raise NotImplementedError

    def size_note(self, n_items: int) -> str:
        """Why this model, as configured, cannot be fitted on a catalog of ``n_items`` ("" when it can)."""
        return ""

    def fold_in(self, data: FitData) -> Recommender | None:
        """A model that has also seen ``data``'s new interactions, without a full fit; None if it needs a refit.

        ``data`` is this model's train part plus new interactions (the cold-item few-shot curve reveals a new
        item's first k). The fitted model is left as it is. Models whose item vectors come from training (BPR,
        two-tower, the fine-tuned encoders) return None: the caller refits them, when asked, with
        :meth:`frozen_copy`.
        """
        return None

    def frozen_copy(self) -> Self:
        """An unfitted model with this one's config and the settings its fit chose, so a refit does not tune again."""
        chosen = dict(getattr(self, "chosen_", {}))
        return type(self)(self.config_cls.from_dict(self.config.to_dict() | chosen | {"tune": False}))

    def refit_cheaply(self, data: FitData) -> Self:
        """``fold_in`` of models whose fit takes seconds: a fresh fit with the settings already chosen."""
        return self.frozen_copy().fit(data)

    def score(self, contexts: Sequence[Context]) -> np.ndarray:
        """Scores of shape (len(contexts), n_items); higher is better."""
        raise NotImplementedError

    def empty_as_popular(self, contexts: Sequence[Context], scores: np.ndarray) -> np.ndarray:
        """``scores`` with every empty context's row (no items, no query) replaced by the train counts.

        Notes
        -----
        A user about whom nothing is known gets the popularity list: any other
        ranking (a text vector of zeros, a cold-item prior, a mean of no
        factors) has no evidence behind it and scores far below popularity.
        Every cold-capable model ends its ``score`` with this call; a model
        loaded from a folder saved before the counts were stored has none and
        keeps its own scores.
        """
        counts = getattr(self, "item_counts_", None)
        if counts is None:
            return scores
        empty = [row for row, ctx in enumerate(contexts) if is_empty(ctx)]
        if empty:
            scores = np.array(scores, dtype=np.float32)
            scores[empty] = counts
        return scores

    # -- persistence: config as JSON, learned arrays as npz, never pickle --
    def state(self) -> dict[str, np.ndarray]:
        return {}

    def set_state(self, arrays: dict[str, np.ndarray]) -> None:
        pass

    def save(self, folder: str | Path) -> None:
        """Config as model.json, arrays as state.npz; :func:`coldrec.models.registry.load_model` reads them back."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        meta = {"name": self.name, "n_items": self.n_items_, "config": self.config.to_dict()}
        (folder / "model.json").write_text(json.dumps(meta, indent=2))
        arrays = self.state() | ({COUNTS_KEY: self.item_counts_} if hasattr(self, "item_counts_") else {})
        np.savez(folder / "state.npz", **arrays)  # type: ignore[arg-type]  # no key is "allow_pickle"
        self._save_extra(folder)

    def _save_extra(self, folder: Path) -> None:
        """Files beyond arrays (e.g. a fine-tuned encoder folder)."""

    def _load_extra(self, folder: Path) -> None:
        """Counterpart of ``_save_extra``."""


def train_counts(data: FitData) -> np.ndarray:
    """Interactions per item in ``data`` (float32): the ranking of a context about which nothing is known."""
    return np.bincount(np.asarray(data.items, dtype=np.int64), minlength=data.n_items).astype(np.float32)


def is_empty(ctx: Context) -> bool:
    """Nothing known about the user: no items, no query vector, no query text."""
    return len(ctx.items) == 0 and ctx.query is None and not ctx.query_text
