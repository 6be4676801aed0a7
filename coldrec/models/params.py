"""The hyperparameters a person may set for a model, with the help text its config docstring gives them."""

from __future__ import annotations

import inspect
from dataclasses import dataclass, fields

from coldrec.models.base import ModelConfig


@dataclass(frozen=True)
class Param:
    """One settable number or switch of a model config."""

    name: str
    default: int | float | bool
    help: str | None


def param_help(config_cls: type[ModelConfig], name: str) -> str | None:
    """The config docstring line that mentions ``name`` (``name``, ``name:`` or ``name ...``), if any."""
    for line in (inspect.getdoc(config_cls) or "").splitlines():
        text = line.strip()
        if f"``{name}``" in text or text.startswith(f"{name}:") or text.startswith(name + " "):
            return text
    return None


def editable_params(config_cls: type[ModelConfig]) -> list[Param]:
    """The config's numeric and boolean fields in declaration order, each with its help line."""
    return [Param(f.name, f.default, param_help(config_cls, f.name)) for f in fields(config_cls)
            if isinstance(f.default, int | float | bool) and f.init]
