"""Hyperparameter widgets for the chosen models, drawn from their config dataclasses."""

from __future__ import annotations

import streamlit as st

from coldrec.models.params import editable_params
from coldrec.models.registry import MODELS


def model_params_form(models: list[str]) -> dict[str, dict]:
    """One expander per model with its config fields; returns only values changed from the defaults."""
    params: dict[str, dict] = {}
    for name in models:
        editable = editable_params(MODELS[name].config_cls)
        if not editable:
            continue
        with st.expander(f"{MODELS[name].label}: hyperparameters"):
            cols = st.columns(3)
            changed = {}
            for i, f in enumerate(editable):
                key, helptext = f"hp_{name}_{f.name}", f.help
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
