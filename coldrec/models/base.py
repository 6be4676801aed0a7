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


@dataclass
class Context:
    """What a model may use to score one user."""

    items: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    query: np.ndarray | None = None


@dataclass
class FitData:
    """A split's train part, indexed against the catalog."""

    n_items: int
    users: np.ndarray  # int user index per train interaction
    items: np.ndarray  # int item index per train interaction
    timestamps: np.ndarray
    embeddings: np.ndarray | None = None  # (n_items, dim) unit rows, when the model uses text


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

    def __init__(self, config: ModelConfig | None = None) -> None:
        self.config = config or self.config_cls()

    def fit(self, data: FitData) -> Self:
        if self.uses_text and data.embeddings is None:
            raise ValueError(f"{self.name} needs text embeddings of the catalog")
        self.n_items_ = data.n_items
        self._fit(data)
        return self

    def _fit(self, data: FitData) -> None:
        raise NotImplementedError

    def score(self, contexts: Sequence[Context]) -> np.ndarray:
        """Scores of shape (len(contexts), n_items); higher is better."""
        raise NotImplementedError

    # -- persistence: config as JSON, learned arrays as npz, never pickle --
    def state(self) -> dict[str, np.ndarray]:
        return {}

    def set_state(self, arrays: dict[str, np.ndarray]) -> None:
        pass

    def save(self, folder: str | Path) -> None:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        meta = {"name": self.name, "n_items": self.n_items_, "config": self.config.to_dict()}
        (folder / "model.json").write_text(json.dumps(meta, indent=2))
        np.savez(folder / "state.npz", **self.state())

    @classmethod
    def load(cls, folder: str | Path) -> Recommender:
        from coldrec.models import MODELS

        folder = Path(folder)
        meta = json.loads((folder / "model.json").read_text())
        model_cls = MODELS[meta["name"]]
        model = model_cls(model_cls.config_cls.from_dict(meta["config"]))
        model.n_items_ = meta["n_items"]
        with np.load(folder / "state.npz", allow_pickle=False) as z:
            model.set_state({k: z[k] for k in z.files})
        return model
