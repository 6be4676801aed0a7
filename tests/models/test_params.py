"""Model hyperparameters a person may set: numbers and switches only, each with its docstring help line."""

from __future__ import annotations

from dataclasses import dataclass

from coldrec.models.base import ModelConfig
from coldrec.models.params import editable_params, param_help
from coldrec.models.registry import MODELS


@dataclass
class _Config(ModelConfig):
    """Known answer.

    ``alpha`` weighs the past.
    beta: how many neighbours.
    gamma is a switch.
    """

    alpha: float = 0.5
    beta: int = 3
    gamma: bool = False
    name: str = "not a number"


def test_each_number_and_switch_gets_its_help_line_and_text_fields_are_left_out():
    params = editable_params(_Config)
    assert [(p.name, p.default) for p in params] == [("alpha", 0.5), ("beta", 3), ("gamma", False)]
    assert [p.help for p in params] == ["``alpha`` weighs the past.", "beta: how many neighbours.",
                                        "gamma is a switch."]
    assert param_help(_Config, "delta") is None


def test_every_registered_model_offers_only_numbers_and_switches():
    for cls in MODELS.values():
        assert all(isinstance(p.default, int | float | bool) for p in editable_params(cls.config_cls))
