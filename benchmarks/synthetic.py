"""A synthetic shop stored, split and indexed for a benchmark: the set-up several benchmarks share."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from coldrec.columns import Columns
from coldrec.data.ingest import ingest_frames
from coldrec.data.synth import generate_shop
from coldrec.data.workspace import Workspace
from coldrec.evaluation.evaluate import fit_data
from coldrec.models.base import FitData
from coldrec.runs.experiment import catalog_embeddings
from coldrec.split.base import Split
from coldrec.split.protocols import make_split


@dataclass
class ShopSetup:
    """What a benchmark fits and evaluates on: the stored catalog, its cold-user split and the fit inputs."""

    catalog: pd.DataFrame
    split: Split
    item_ids: pd.Index
    embeddings: np.ndarray
    data: FitData


def cold_user_shop(ws: Workspace, n_users: int, n_items: int, n_interactions: int, label: str) -> ShopSetup:
    """Generate (seed 0), store, reload and split a shop cold-user, with hashing-encoder embeddings.

    Storing and reloading goes through the same path as an upload, so the
    benchmark measures what the app would run on.
    """
    inter, cat = generate_shop(n_users=n_users, n_items=n_items, n_interactions=n_interactions, seed=0)
    ds = ingest_frames(ws, inter, cat, f"{label} shop", digest=f"{label} {n_users} {n_items} {n_interactions}")
    if ds.dataset is None:
        raise RuntimeError(ds.report.issues)
    interactions, catalog = ws.load_interactions(ds.dataset.id), ws.load_catalog(ds.dataset.id)
    item_ids = pd.Index(catalog[Columns.item])
    split = make_split(interactions, catalog, {"protocol": "cold_user"})
    emb, _ = catalog_embeddings(ws, catalog, "hashing")
    return ShopSetup(catalog, split, item_ids, emb, fit_data(split, item_ids, emb, catalog, "hashing"))
