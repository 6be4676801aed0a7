"""The model zoo: one module per model behind :class:`Recommender`."""

from coldrec.models.base import Context, FitData, ModelConfig, Recommender
from coldrec.models.content import ContentConfig, ContentModel
from coldrec.models.distill import Distill
from coldrec.models.ease import EASE
from coldrec.models.hybrid import Hybrid
from coldrec.models.itemknn import ItemKNN
from coldrec.models.mf import BPR
from coldrec.models.popularity import Popularity, PopularityConfig
from coldrec.models.transfer import AdapterModel, TransferModel
from coldrec.models.twotower import TwoTower

MODELS: dict[str, type[Recommender]] = {m.name: m for m in (Popularity, ContentModel, ItemKNN, EASE, BPR,
                                                            AdapterModel, TransferModel, TwoTower, Distill,
                                                            Hybrid)}


def make_model(name: str, params: dict | None = None) -> Recommender:
    """A fresh model by registry name, its config built from plain ``params``."""
    if name not in MODELS:
        raise KeyError(f"unknown model '{name}'; choose from {', '.join(MODELS)}")
    cls = MODELS[name]
    return cls(cls.config_cls.from_dict(params or {}))


__all__ = ["MODELS", "ContentConfig", "ContentModel", "Context", "FitData", "ModelConfig",
           "Popularity", "PopularityConfig", "Recommender", "make_model"]
