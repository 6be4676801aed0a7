"""The model registry: every model by name, a fresh one from plain parameters, a saved one from its folder."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from coldrec.models.base import COUNTS_KEY, Recommender
from coldrec.models.cb2cf import CB2CF
from coldrec.models.content import ContentModel
from coldrec.models.distill import Distill
from coldrec.models.ease import EASE
from coldrec.models.hybrid import Hybrid
from coldrec.models.itemknn import ItemKNN
from coldrec.models.mf import BPR
from coldrec.models.popularity import Popularity
from coldrec.models.transfer import AdapterModel, TransferModel
from coldrec.models.twotower import TwoTower

MODELS: dict[str, type[Recommender]] = {m.name: m for m in (Popularity, ContentModel, ItemKNN, EASE, BPR,
                                                            AdapterModel, TransferModel, TwoTower, Distill,
                                                            Hybrid, CB2CF)}

# The models that won on validation splits of four datasets (#14, benchmarks/RESULTS.md), and when to use each:
# the Train page proposes them and the whole-run benchmark times them.
DEFAULT_MODELS: dict[str, str] = {
    "popularity": "the baseline every cold start collapses to; what anyone unknown is shown",
    "content": "text only: a user's own words, or new items when nothing else is known",
    "cb2cf": "new items: text predicts the collaborative score they would have had",
    "hybrid": "new users with a few clicks: text + co-occurrence + a text-predicted popularity",
    "ease": "warm users with a history: the strongest collaborative model"}


def make_model(name: str, params: dict | None = None) -> Recommender:
    """A fresh model by registry name, its config built from plain ``params``."""
    if name not in MODELS:
        raise KeyError(f"unknown model '{name}'; choose from {', '.join(MODELS)}")
    cls = MODELS[name]
    return cls(cls.config_cls.from_dict(params or {}))


def load_model(folder: str | Path) -> Recommender:
    """A model saved by :meth:`Recommender.save`: config from model.json, arrays from state.npz (never pickle)."""
    folder = Path(folder)
    meta = json.loads((folder / "model.json").read_text())
    model_cls = MODELS[meta["name"]]
    model = model_cls(model_cls.config_cls.from_dict(meta["config"]))
    model.n_items_ = meta["n_items"]
    with np.load(folder / "state.npz", allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    if COUNTS_KEY in arrays:
        model.item_counts_ = arrays.pop(COUNTS_KEY)
    model.set_state(arrays)
    model._load_extra(folder)
    return model
