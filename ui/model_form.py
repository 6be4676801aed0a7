"""Hyperparameter widgets for the chosen models, drawn from their config dataclasses."""

from __future__ import annotations

import inspect
from dataclasses import fields

import streamlit as st

from coldrec.models.registry import MODELS


def _help(cls: type, name: str) -> str | None:
    """The config docstring line that mentions ``name``, if any."""
    for line in (inspect.getdoc(cls) or "").splitlines():
        if f"``{name}``" in line or line.strip().startswith(f"{name}:") or line.strip().startswith(name + " "):
            return line.strip()
    return None


def model_params_form(models: list[str]) -> dict[str, dict]:
    """One expander per model with its config fields; returns only values changed from the defaults."""
    params: dict[str, dict] = {}
    for name in models:
        cfg_cls = MODELS[name].config_cls
        editable = [f for f in fields(cfg_cls) if isinstance(f.default, (int, float, bool)) and f.init]
        if not editable:
            continue
        with st.expander(f"{MODELS[name].label}: hyperparameters"):
            cols = st.columns(3)
            changed = {}
            for i, f in enumerate(editable):
                key, helptext = f"hp_{name}_{f.name}", _help(cfg_cls, f.name)
                col = cols[i % 3]
                if isinstance(f.default, bool):
                    value = col.checkbox(f.name, value=f.default, key=key, help=helptext)
                elif isinstance(f.default, int):
                    value = int(col.number_input(f.name, value=f.default, step=1, key=key, help=helptext))
                else:
                    value = float(col.number_input(f.name, value=float(f.default), key=key, help=helptext,
                                                   format="%g"))
                if value != f.default:
                    changed[f.name] = value
            if changed:
                params[name] = changed
    return params
