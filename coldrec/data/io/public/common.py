"""What every public-dataset importer shares: the result type, the file digest, and row clean-up.

Each importer returns the interactions and the catalog with canonical column
names, plus a report of every defect it handled and how often. What it returns
still goes through ``coldrec.data.ingest.ingest_frames`` (validation and storing),
like any upload.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from coldrec.columns import Columns
from coldrec.data.io.validate import ValidationReport

_CHUNK = 1 << 20


@dataclass
class ImportResult:
    """Canonical frames of one imported dataset and what the import handled on the way.

    Store it with ``ingest_frames(ws, r.interactions, r.catalog, r.name, r.digest,
    files=r.files, report=r.report)`` so validation adds to the import's report.
    """

    interactions: pd.DataFrame
    catalog: pd.DataFrame
    report: ValidationReport
    name: str
    digest: str
    files: tuple[str, str] = ("interactions", "catalog")  # source file names, for validation messages

    def stats(self) -> dict[str, int]:
        """Headline counts: users, items in the catalog, items with interactions, interactions."""
        rated = self.interactions[Columns.item].nunique()
        return {"users": int(self.interactions[Columns.user].nunique()), "items": len(self.catalog),
                "rated_items": int(rated), "cold_items": len(self.catalog) - int(rated),
                "interactions": len(self.interactions)}


def file_digest(*paths: str | Path) -> str:
    """``coldrec.data.workspace.content_hash`` of the files' bytes, read in chunks (meta files can be GBs)."""
    outer = hashlib.sha256()
    for path in paths:
        inner = hashlib.sha256()
        with open(path, "rb") as fh:
            while chunk := fh.read(_CHUNK):
                inner.update(chunk)
        outer.update(inner.digest())
    return outer.hexdigest()


def drop_unusable(df: pd.DataFrame, file: str, report: ValidationReport) -> pd.DataFrame:
    """Ids to stripped strings; rows without a user, item or timestamp dropped with a warning."""
    for col in (Columns.user, Columns.item):
        df[col] = clean_ids(df[col])
    bad = df[Columns.user].isna() | df[Columns.item].isna() | df[Columns.timestamp].isna()
    bad |= (df[Columns.user] == "") | (df[Columns.item] == "")
    if bad.any():
        report.warn(file, None, f"{int(bad.sum())} rows without a user, item or timestamp dropped")
        df = df[~bad]
    df[Columns.timestamp] = df[Columns.timestamp].floordiv(1).astype("int64")
    df[Columns.rating] = df[Columns.rating].astype(float)
    return df.reset_index(drop=True)


def add_missing_items(inter: pd.DataFrame, catalog: pd.DataFrame, file: str,
                       report: ValidationReport) -> pd.DataFrame:
    """A text-less catalog row for each interacted item the catalog lacks, so no interaction is lost."""
    missing = inter.loc[~inter[Columns.item].isin(catalog[Columns.item]), Columns.item]
    if missing.empty:
        return catalog
    items = missing.drop_duplicates()
    report.warn(file, Columns.item, f"{len(items)} items with {len(missing)} interactions are missing from {file}; "
                                    "kept with an empty catalog row (no text), so their interactions count")
    rows = pd.DataFrame({c: "" for c in catalog.columns if c != Columns.price}, index=range(len(items)))
    rows[Columns.item] = items.to_numpy()
    if Columns.price in catalog.columns:
        rows[Columns.price] = np.nan
    return pd.concat([catalog, rows[catalog.columns]], ignore_index=True)


def clean_ids(values: pd.Series) -> pd.Series:
    """Stripped strings as plain objects (missing stays missing): fast to match with ``isin``."""
    return values.astype("string").str.strip().astype(object)
