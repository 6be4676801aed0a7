"""The model zoo: one module per model behind one interface.

Offers
------
- :class:`Recommender`, :class:`Context`, :class:`FitData`, :class:`ModelConfig`: the contract every model follows.
- :data:`MODELS`, :func:`make_model`, :func:`load_model`: the registry (by name, from parameters, from a folder).
- One class per model: :class:`Popularity`, :class:`ItemKNN`, :class:`EASE`, :class:`BPR`,
  :class:`ContentModel`, :class:`TwoTower`, :class:`Distill`, :class:`AdapterModel`,
  :class:`TransferModel`, :class:`Hybrid`.
- :class:`Blend`, :class:`TailBoosted`: models made of other models (what-if strategies).
- :func:`editable_params`: the hyperparameters a person may set, with their help lines.
"""

from coldrec.models.base import Context, FitData, ModelConfig, Recommender
from coldrec.models.cb2cf import CB2CF, CB2CFConfig
from coldrec.models.content import ContentConfig, ContentModel
from coldrec.models.distill import Distill
from coldrec.models.ease import EASE
from coldrec.models.hybrid import Hybrid
from coldrec.models.itemknn import ItemKNN
from coldrec.models.mf import BPR
from coldrec.models.params import Param, editable_params, param_help
from coldrec.models.popularity import Popularity, PopularityConfig
from coldrec.models.registry import DEFAULT_MODELS, MODELS, load_model, make_model
from coldrec.models.transfer import AdapterModel, TransferModel
from coldrec.models.twotower import TwoTower
from coldrec.models.wrappers import Blend, TailBoosted

__all__ = [
    "CB2CF", "CB2CFConfig", "Param", "editable_params", "param_help",
    "BPR",
    "EASE",
    "DEFAULT_MODELS", "MODELS",
    "AdapterModel",
    "Blend",
    "ContentConfig",
    "ContentModel",
    "Context",
    "Distill",
    "FitData",
    "Hybrid",
    "ItemKNN",
    "ModelConfig",
    "Popularity",
    "PopularityConfig",
    "Recommender",
    "TailBoosted",
    "TransferModel",
    "TwoTower",
    "load_model",
    "make_model",
]
