"""The Train form remembers: a new session (a reload, a new tab) starts from the newest run's settings."""

from __future__ import annotations

from dataclasses import fields

import streamlit as st

from coldrec.data.workspace import Workspace
from coldrec.models.params import editable_params
from coldrec.models.registry import MODELS
from coldrec.runs.history import DEFAULT_PROTOCOL, last_settings
from coldrec.split.protocols import PROTOCOLS

MODELS_KEY = "train_models"
ENCODER_KEY = "train_encoder"
PROTOCOL_KEY = "split_protocol"


def remember_last_settings(ws: Workspace, dataset_id: str, encoders: list[str]) -> None:
    """Seed the form's widget keys from the newest run on this dataset, once per session and dataset.

    Widgets keep their values only within a session; without this a reload
    forgot the protocol, models, encoder and hyperparameters just used.
    """
    marker = f"_train_form_seeded_{dataset_id}"
    if st.session_state.get(marker):
        return
    st.session_state[marker] = True
    params = last_settings(ws, dataset_id)
    if not params:
        return
    _seed_split(dict(params.get("split") or {}))
    models = [m for m in params.get("models", []) if m in MODELS]
    if models:
        st.session_state[MODELS_KEY] = models
    if params.get("encoder") in encoders:
        st.session_state[ENCODER_KEY] = params["encoder"]
    for model, values in (params.get("model_params") or {}).items():
        if model in MODELS:
            _seed_params(model, values)
    # Rerun so the widgets meet these values as state from an earlier run: set in this run, Streamlit would
    # warn that each widget also has a default.
    st.rerun()


def _seed_split(split: dict) -> None:
    protocol = split.pop("protocol", DEFAULT_PROTOCOL)
    if protocol not in PROTOCOLS:
        return
    st.session_state[PROTOCOL_KEY] = protocol
    kinds = {f.name: type(f.default) for f in fields(PROTOCOLS[protocol]) if f.init}
    for name, value in split.items():
        if name in kinds:  # widgets refuse a value of another numeric type than their default's
            st.session_state[f"split_{protocol}_{name}"] = kinds[name](value)


def _seed_params(model: str, values: dict) -> None:
    kinds = {p.name: type(p.default) for p in editable_params(MODELS[model].config_cls)}
    for name, value in values.items():
        if name in kinds:
            st.session_state[f"hp_{model}_{name}"] = kinds[name](value)
