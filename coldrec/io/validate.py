"""Turn raw tables into clean interactions and catalog, or say exactly what is wrong.

Errors block storing; warnings inform. Every message names the file and,
where it applies, the column and example rows.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from coldrec.schema import CATALOG_REQUIRED, DEFAULT_TEXT_FIELDS, INTERACTION_REQUIRED, Columns

C = Columns

# Above this share of unparseable timestamps the file is rejected, not cleaned.
MAX_BAD_TIMESTAMP_SHARE = 0.05


class DataValidationError(ValueError):
    """A defect that blocks storing a file."""

    def __init__(self, file: str, column: str | None, message: str) -> None:
        self.file, self.column, self.message = file, column, message
        where = f"{file}: column '{column}'" if column else file
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class Issue:
    """One finding of validation."""

    level: str  # "error" or "warning"
    file: str
    column: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}, column '{self.column}'" if self.column else self.file
        return f"{self.level.upper()} {where}: {self.message}"


@dataclass
class ValidationReport:
    """All findings for one upload; ``ok`` is False when any error blocks storing."""

    issues: list[Issue] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.level == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.level == "warning"]

    def error(self, file: str, column: str | None, message: str) -> None:
        self.issues.append(Issue("error", file, column, message))

    def warn(self, file: str, column: str | None, message: str) -> None:
        self.issues.append(Issue("warning", file, column, message))

    def to_frame(self) -> pd.DataFrame:
        rows = [vars(i) for i in self.issues]
        return pd.DataFrame(rows, columns=["level", "file", "column", "message"])


def _missing_columns(df: pd.DataFrame, required: tuple[str, ...], file: str,
                     report: ValidationReport) -> bool:
    """Report each missing required column; True when any is missing."""
    missing = [c for c in required if c not in df.columns]
    for col in missing:
        report.error(file, col, f"required column is missing (found: {', '.join(map(str, df.columns))}); "
                                f"rename a column to '{col}'")
    return bool(missing)


def _examples(index: pd.Index, n: int = 3) -> str:
    """Row numbers as the user sees them in a spreadsheet (header is row 1)."""
    return ", ".join(str(int(i) + 2) for i in index[:n])


def parse_timestamps(values: pd.Series) -> pd.Series:
    """Unix seconds (int64) from seconds, milliseconds or ISO text; NaN where unparseable."""
    numeric = pd.to_numeric(values, errors="coerce")
    if numeric.notna().mean() > 0.5:
        # Values past year 5138 in seconds are milliseconds.
        scale = 1000.0 if numeric.abs().median() > 1e11 else 1.0
        return (numeric / scale).floordiv(1)
    parsed = pd.to_datetime(values, errors="coerce", utc=True, format="mixed")
    seconds = (parsed - pd.Timestamp("1970-01-01", tz="UTC")) // pd.Timedelta(seconds=1)
    return seconds.astype("Float64").astype(float)


def _clean_ids(df: pd.DataFrame, cols: tuple[str, ...], file: str, report: ValidationReport) -> pd.DataFrame:
    """Ids become stripped strings; rows with an empty id are dropped with a warning."""
    for col in cols:
        ids = df[col].astype("string").str.strip()
        empty = ids.isna() | (ids == "")
        if empty.all():
            report.error(file, col, "every value is empty; map the column that holds the ids")
            continue
        if empty.any():
            report.warn(file, col, f"{int(empty.sum())} rows with an empty id dropped "
                                   f"(rows {_examples(df.index[empty])})")
        df = df.assign(**{col: ids.astype(object)})[~empty]
    return df


def clean_interactions(raw: pd.DataFrame, file: str = "interactions") -> tuple[pd.DataFrame | None, ValidationReport]:
    """Validate and clean an interaction log.

    Returns the clean frame (``user_id``, ``item_id``, ``timestamp`` as int64
    seconds, plus any other columns) sorted by time, or ``None`` when an error
    blocks storing; the report says why.
    """
    report = ValidationReport()
    if raw.empty:
        report.error(file, None, "the file has no rows")
        return None, report
    if _missing_columns(raw, INTERACTION_REQUIRED, file, report):
        return None, report
    df = _clean_ids(raw.reset_index(drop=True), (Columns.user, Columns.item), file, report)
    if not report.ok:
        return None, report
    ts = parse_timestamps(df[Columns.timestamp])
    bad = ts.isna()
    if bad.mean() > MAX_BAD_TIMESTAMP_SHARE:
        report.error(file, Columns.timestamp,
                     f"{int(bad.sum())} of {len(df)} values are not timestamps (rows {_examples(df.index[bad])}, "
                     f"e.g. '{df.loc[bad, Columns.timestamp].iloc[0]}'); use unix seconds, milliseconds or ISO dates")
        return None, report
    if bad.any():
        report.warn(file, Columns.timestamp, f"{int(bad.sum())} rows with unparseable timestamps dropped "
                                             f"(rows {_examples(df.index[bad])})")
    df = df.assign(**{Columns.timestamp: ts})[~bad]
    df[Columns.timestamp] = df[Columns.timestamp].astype("int64")
    df = _drop_duplicates(df, file, report)
    _warn_about_users_and_time(df, file, report)
    if df.empty:
        report.error(file, None, "no rows left after cleaning")
        return None, report
    return df.sort_values(Columns.timestamp, kind="stable").reset_index(drop=True), report


def _drop_duplicates(df: pd.DataFrame, file: str, report: ValidationReport) -> pd.DataFrame:
    """Exact repeats of (user, item, timestamp) are logging artefacts, not signal."""
    key = [Columns.user, Columns.item, Columns.timestamp]
    dup = df.duplicated(key)
    if dup.any():
        report.warn(file, None, f"{int(dup.sum())} duplicate (user, item, timestamp) rows removed")
    return df[~dup]


def _warn_about_users_and_time(df: pd.DataFrame, file: str, report: ValidationReport) -> None:
    """Informative counts: single-interaction users, timestamps after now."""
    sizes = df.groupby(C.user).size()
    single = int((sizes == 1).sum())
    if single:
        report.warn(file, C.user, f"{single} users have a single interaction (they can only be cold users)")
    future = df[C.timestamp] > time.time() + 86400
    if future.any():
        report.warn(file, C.timestamp, f"{int(future.sum())} timestamps are in the future "
                                       f"(rows {_examples(df.index[future])}); check the unit (seconds or ms)")


def clean_catalog(raw: pd.DataFrame, file: str = "catalog",
                  text_fields: tuple[str, ...] = DEFAULT_TEXT_FIELDS) -> tuple[pd.DataFrame | None, ValidationReport]:
    """Validate and clean an item catalog; adds the ``text`` column (``text_fields`` joined) used by encoders."""
    report = ValidationReport()
    if raw.empty:
        report.error(file, None, "the file has no rows")
        return None, report
    if _missing_columns(raw, CATALOG_REQUIRED, file, report):
        return None, report
    df = _clean_ids(raw.reset_index(drop=True), (Columns.item,), file, report)
    if not report.ok:
        return None, report
    dup = df.duplicated(Columns.item)
    if dup.any():
        report.warn(file, Columns.item, f"{int(dup.sum())} repeated item ids; the first row of each was kept")
        df = df[~dup]
    if Columns.price in df.columns:
        df[Columns.price] = pd.to_numeric(df[Columns.price], errors="coerce")
    df[Columns.text] = item_text(df, tuple(text_fields))
    no_text = df[Columns.text].str.len() == 0
    if no_text.all():
        report.error(file, Columns.title, "no item has any text; map a title or description column")
        return None, report
    if no_text.any():
        report.warn(file, Columns.title, f"{int(no_text.sum())} items have no text; text models score them as unknown")
    return df.reset_index(drop=True), report


def item_text(catalog: pd.DataFrame, fields: tuple[str, ...] = DEFAULT_TEXT_FIELDS) -> pd.Series:
    """Join the chosen text fields of each item into one string, skipping empty ones."""
    out = pd.Series("", index=catalog.index, dtype=object)
    for name in (f for f in fields if f in catalog.columns):
        part = catalog[name].astype("string").fillna("").str.strip().astype(object)
        sep = pd.Series(np.where((out != "") & (part != ""), ". ", ""), index=catalog.index)
        out = out + sep + part
    return out


def check_coverage(interactions: pd.DataFrame, catalog: pd.DataFrame, file: str,
                   report: ValidationReport) -> pd.DataFrame:
    """Drop interactions whose item is not in the catalog, with a warning."""
    known = interactions[Columns.item].isin(catalog[Columns.item])
    if not known.any():
        report.error(file, Columns.item, "no interaction's item is in the catalog; check both files use the same ids")
    elif not known.all():
        n_items = interactions.loc[~known, Columns.item].nunique()
        report.warn(file, Columns.item, f"{int((~known).sum())} interactions with {n_items} items missing "
                                        "from the catalog were dropped")
    return interactions[known].reset_index(drop=True)
