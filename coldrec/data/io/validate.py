"""Turn raw tables into clean interactions and catalog, or say exactly what is wrong.

Errors block storing; warnings inform. Every message names the file and,
where it applies, the column and example rows.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from coldrec.columns import CATALOG_REQUIRED, DEFAULT_TEXT_FIELDS, INTERACTION_REQUIRED, Columns
from coldrec.data.io.textclean import clean_text_column

C = Columns

# Above this share of unparseable timestamps the file is rejected, not cleaned.
MAX_BAD_TIMESTAMP_SHARE = 0.05
# How many example rows (or values) a message shows.
N_EXAMPLES = 3
# ``DataFrame.attrs`` key set by the readers: how the file numbers its rows.
ROW_NUMBERING = "coldrec_rows"
# What each required column holds, for "rename the column that holds ..." hints.
_HOLDS = {C.user: "the user ids", C.item: "the item ids", C.timestamp: "the time of each interaction",
          C.title: "the item names"}


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


def set_row_numbering(df: pd.DataFrame, label: str, first: int) -> pd.DataFrame:
    """Record how the file numbers its rows: ``label`` ("rows" or "lines") and the number of the first one.

    A CSV with a header starts at row 2 (the header is row 1, as in a
    spreadsheet); JSON lines start at line 1. Frames without it are
    numbered as a CSV with a header.
    """
    df.attrs[ROW_NUMBERING] = (label, first)
    return df


@dataclass(frozen=True)
class _Rows:
    """Turns frame positions into the row (or line) numbers the user sees in the file."""

    label: str = "rows"
    first: int = 2

    def __call__(self, index: pd.Index) -> str:
        numbers = [str(int(i) + self.first) for i in index[:N_EXAMPLES]]
        return f"{self.label} {', '.join(numbers)}{', ...' if len(index) > N_EXAMPLES else ''}"


def _numbered(raw: pd.DataFrame) -> tuple[pd.DataFrame, _Rows]:
    """The frame indexed 0..n-1 without the readers' attrs (they must not reach storage), and its row numbers."""
    rows = _Rows(*raw.attrs.get(ROW_NUMBERING, ("rows", 2)))
    df = raw.reset_index(drop=True)
    df.attrs = {}
    return df, rows


def _shown(value: object) -> str:
    """A cell value as quoted in a message."""
    if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)) or str(value).strip() == "":
        return "(empty)"
    text = str(value)
    return f"'{text[:40]}...'" if len(text) > 40 else f"'{text}'"


def _count(n: int, noun: str) -> str:
    """'1 row', '3 rows'."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _some(values: pd.Series) -> str:
    """A few distinct example values, quoted."""
    return ", ".join(_shown(v) for v in pd.unique(values)[:N_EXAMPLES])


def _missing_columns(df: pd.DataFrame, required: tuple[str, ...], file: str,
                     report: ValidationReport, looks_like: dict[str, tuple[str, ...]] | None = None) -> bool:
    """Report each missing required column; True when any is missing.

    ``looks_like`` maps the name of the other file kind to columns only it has,
    so a file uploaded in the wrong slot is named as such.
    """
    missing = [c for c in required if c not in df.columns]
    cols = list(map(str, df.columns))
    found = ", ".join(cols[:12]) + (f", ... ({len(cols)} columns)" if len(cols) > 12 else "")
    hint = ""
    for kind, marks in (looks_like or {}).items():
        if all(m in df.columns for m in marks):
            hint = f"; this looks like {kind}: were the two files swapped?"
    for col in missing:
        report.error(file, col, f"required column is missing (columns found: {found}); rename the column that "
                                f"holds {_HOLDS.get(col, col)} to '{col}', or map it in the column mapping{hint}")
    return bool(missing)


def _no_rows(raw: pd.DataFrame, file: str, report: ValidationReport) -> bool:
    """Report a file without data rows; True when it has none."""
    if not raw.empty:
        return False
    if len(raw.columns):
        report.error(file, None, "the file has a header but no rows; export the data rows too, not only the "
                                 "column names")
    else:
        report.error(file, None, "the file has no rows; upload a file with a header and rows")
    return True


def parse_timestamps(values: pd.Series) -> pd.Series:
    """Unix seconds (int64) from seconds, milliseconds or ISO text; NaN where unparseable.

    Notes
    -----
    Numbers are read as seconds, or as milliseconds, microseconds or
    nanoseconds when their median is too large to be seconds (past year
    5138). Datetime columns (Parquet) are converted as they are.
    """
    if pd.api.types.is_datetime64_any_dtype(values):
        parsed = values.dt.tz_localize("UTC") if values.dt.tz is None else values
        return _seconds(parsed)
    numeric = pd.to_numeric(values, errors="coerce")
    if numeric.notna().mean() > 0.5:
        median = numeric.abs().median()
        scale = 1e9 if median > 1e17 else 1e6 if median > 1e14 else 1e3 if median > 1e11 else 1.0
        return (numeric / scale).floordiv(1)
    return _seconds(pd.to_datetime(values, errors="coerce", utc=True, format="mixed"))


def _seconds(parsed: pd.Series) -> pd.Series:
    """Whole unix seconds (float, NaN where missing) of UTC datetimes."""
    seconds = (parsed - pd.Timestamp("1970-01-01", tz="UTC")) // pd.Timedelta(seconds=1)
    return seconds.astype("Float64").astype(float)


def _id_strings(values: pd.Series) -> pd.Series:
    """Ids as stripped strings; whole floats (ints stored as float beside nulls) lose their '.0'."""
    if pd.api.types.is_float_dtype(values):
        whole = values.dropna()
        if np.isfinite(whole).all() and (whole == whole.round()).all():
            values = values.astype("Int64")
    return values.astype("string").str.strip()


def _clean_ids(df: pd.DataFrame, cols: tuple[str, ...], file: str, report: ValidationReport,
               rows: _Rows) -> pd.DataFrame:
    """Ids become stripped strings; rows with an empty id are dropped with a warning."""
    for col in cols:
        ids = _id_strings(df[col])
        empty = ids.isna() | (ids == "")
        if empty.all():
            report.error(file, col, f"every value is empty ({_count(len(df), 'row')}); fill in {_HOLDS[col]}, "
                                    "or map the column that holds them in the column mapping")
            continue
        if empty.any():
            report.warn(file, col, f"{_count(int(empty.sum()), 'row')} with an empty id dropped "
                                   f"({rows(df.index[empty])}); fill in the ids to keep those rows")
        df = df.assign(**{col: ids.astype(object)})[~empty]
    return df


def clean_interactions(raw: pd.DataFrame, file: str = "interactions") -> tuple[pd.DataFrame | None, ValidationReport]:
    """Validate and clean an interaction log.

    Returns the clean frame (``user_id``, ``item_id``, ``timestamp`` as int64
    seconds, plus any other columns) sorted by time, or ``None`` when an error
    blocks storing; the report says why.
    """
    report = ValidationReport()
    if _no_rows(raw, file, report):
        return None, report
    if _missing_columns(raw, INTERACTION_REQUIRED, file, report, {"a catalog": (C.item, C.title)}):
        return None, report
    df, rows = _numbered(raw)
    df = _clean_ids(df, (Columns.user, Columns.item), file, report, rows)
    if not report.ok:
        return None, report
    df = _clean_timestamps(df, file, report, rows)
    if df is None:
        return None, report
    _warn_about_ratings(df, file, report, rows)
    df = _drop_duplicates(df, file, report, rows)
    _warn_about_users_and_time(df, file, report, rows)
    if df.empty:
        report.error(file, None, "no rows left after cleaning; check the warnings above")
        return None, report
    return df.sort_values(Columns.timestamp, kind="stable").reset_index(drop=True), report


def _clean_timestamps(df: pd.DataFrame, file: str, report: ValidationReport, rows: _Rows) -> pd.DataFrame | None:
    """Timestamps as int64 seconds; a few unparseable rows are dropped, too many block the file (None)."""
    ts = parse_timestamps(df[Columns.timestamp])
    bad = ts.isna()
    if not bad.any():
        return df.assign(**{Columns.timestamp: ts.astype("int64")})
    example = _shown(df.loc[bad, Columns.timestamp].iloc[0])
    formats = "use unix seconds, milliseconds or ISO dates such as 2024-03-01 12:00:00"
    if bad.mean() > MAX_BAD_TIMESTAMP_SHARE:
        report.error(file, Columns.timestamp,
                     f"{int(bad.sum())} of {len(df)} values are not timestamps ({rows(df.index[bad])}, "
                     f"e.g. {example}); more than {MAX_BAD_TIMESTAMP_SHARE:.0%} cannot be dropped: {formats}, "
                     "or map the column that holds the time")
        return None
    report.warn(file, Columns.timestamp, f"{_count(int(bad.sum()), 'row')} with an unparseable timestamp dropped "
                                         f"({rows(df.index[bad])}, e.g. {example}); {formats} to keep them")
    return df.assign(**{Columns.timestamp: ts})[~bad].astype({Columns.timestamp: "int64"})


def _warn_about_ratings(df: pd.DataFrame, file: str, report: ValidationReport, rows: _Rows) -> None:
    """Ratings that are text, not numbers, count as unrated; say which (a rating threshold drops them)."""
    if C.rating not in df.columns:
        return
    values = df[C.rating]
    text = pd.to_numeric(values, errors="coerce").isna() & values.notna() & (values.astype("string").str.strip() != "")
    if text.any():
        report.warn(file, C.rating, f"{_count(int(text.sum()), 'non-numeric rating')} ({rows(df.index[text])}, e.g. "
                                    f"{_some(values[text])}); they count as unrated, so a rating threshold drops "
                                    "them: write them as numbers, or leave them empty")


def _drop_duplicates(df: pd.DataFrame, file: str, report: ValidationReport, rows: _Rows) -> pd.DataFrame:
    """Exact repeats of (user, item, timestamp) are logging artefacts, not signal."""
    key = [Columns.user, Columns.item, Columns.timestamp]
    dup = df.duplicated(key)
    if dup.any():
        report.warn(file, None, f"{_count(int(dup.sum()), 'duplicate (user, item, timestamp) row')} removed "
                                f"({rows(df.index[dup])}; each repeats an earlier row)")
    return df[~dup]


def _warn_about_users_and_time(df: pd.DataFrame, file: str, report: ValidationReport, rows: _Rows) -> None:
    """Informative counts: single-interaction users, timestamps after now."""
    sizes = df.groupby(C.user, sort=False).size()
    single = sizes.index[sizes == 1]
    if len(single):
        report.warn(file, C.user, f"{_count(len(single), 'user')} with a single interaction "
                                  f"(e.g. {_some(single.to_series())}); they can only be cold users")
    future = df[C.timestamp] > time.time() + 86400
    if future.any():
        first = pd.Timestamp(int(df.loc[future, C.timestamp].iloc[0]), unit="s").strftime("%Y-%m-%d")
        report.warn(file, C.timestamp, f"{_count(int(future.sum()), 'timestamp')} in the future "
                                       f"({rows(df.index[future])}, e.g. {first}); check the clock that logged "
                                       "them, or the unit (seconds or milliseconds)")


def clean_catalog(raw: pd.DataFrame, file: str = "catalog",
                  text_fields: tuple[str, ...] = DEFAULT_TEXT_FIELDS) -> tuple[pd.DataFrame | None, ValidationReport]:
    """Validate and clean an item catalog; adds the ``text`` column (``text_fields`` joined) used by encoders."""
    report = ValidationReport()
    if _no_rows(raw, file, report):
        return None, report
    if _missing_columns(raw, CATALOG_REQUIRED, file, report, {"an interactions file": (C.user, C.timestamp)}):
        return None, report
    df, rows = _numbered(raw)
    df = _clean_ids(df, (Columns.item,), file, report, rows)
    if not report.ok:
        return None, report
    dup = df.duplicated(Columns.item)
    if dup.any():
        report.warn(file, Columns.item, f"{_count(int(dup.sum()), 'repeated item id')} ({rows(df.index[dup])}, e.g. "
                                        f"{_some(df.loc[dup, Columns.item])}); the first row of each was kept")
        df = df[~dup]
    if Columns.price in df.columns:
        df = df.assign(**{Columns.price: pd.to_numeric(df[Columns.price], errors="coerce")})
    df = df.assign(**{Columns.text: item_text(df, tuple(text_fields))})
    no_text = df[Columns.text].str.len() == 0
    if no_text.all():
        fields = ", ".join(text_fields) or "(no text fields chosen)"
        report.error(file, Columns.title, f"no item has any text: the text fields ({fields}) are empty or missing "
                                          "in every row; fill in the titles, or map a title or description column")
        return None, report
    if no_text.any():
        report.warn(file, Columns.title, f"{_count(int(no_text.sum()), 'item')} without text "
                                         f"({rows(df.index[no_text])}); text models score them as unknown: "
                                         "fill in a title or description")
    return df.reset_index(drop=True), report


def item_text(catalog: pd.DataFrame, fields: tuple[str, ...] = DEFAULT_TEXT_FIELDS) -> pd.Series:
    """Join the chosen text fields of each item into one string, skipping empty ones.

    Each field is cleaned first (HTML stripped, entities unescaped, lists
    joined), so exports from shop systems embed as the words a customer reads.
    """

    out = pd.Series("", index=catalog.index, dtype=object)
    for name in (f for f in fields if f in catalog.columns):
        part = clean_text_column(catalog[name]).astype(object)
        sep = pd.Series(np.where((out != "") & (part != ""), ". ", ""), index=catalog.index)
        out = out + sep + part
    return out


def check_coverage(interactions: pd.DataFrame, catalog: pd.DataFrame, file: str,
                   report: ValidationReport) -> pd.DataFrame:
    """Drop interactions whose item is not in the catalog, with a warning."""
    known = interactions[Columns.item].isin(catalog[Columns.item])
    if not known.any():
        report.error(file, Columns.item, f"no interaction's item is in the catalog (interactions have e.g. "
                                         f"{_some(interactions[Columns.item])}; the catalog has e.g. "
                                         f"{_some(catalog[Columns.item])}); check both files use the same ids")
    elif not known.all():
        missing = interactions.loc[~known, Columns.item]
        report.warn(file, Columns.item, f"{int((~known).sum())} interactions with {missing.nunique()} items missing "
                                        f"from the catalog were dropped (e.g. {_some(missing)}); add those items "
                                        "to the catalog to keep them")
    return interactions[known].reset_index(drop=True)
