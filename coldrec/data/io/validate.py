"""Turn raw tables into clean interactions and catalog, or say exactly what is wrong.

Errors block storing; warnings inform. Every message names the file and,
where it applies, the column and example rows.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from coldrec.columns import CATALOG_REQUIRED, DEFAULT_TEXT_FIELDS, INTERACTION_REQUIRED, Columns
from coldrec.data.io.limits import MAX_TEXT_CHARS
from coldrec.data.io.textclean import clean_text_column
from coldrec.data.io.timestamps import UNIT_NAMES, date_text, is_excel_serial, parse_timestamps, unit_scales

C = Columns

# Above this share of unparseable timestamps the file is rejected, not cleaned.
MAX_BAD_TIMESTAMP_SHARE = 0.05
# How many example rows (or values) a message shows.
N_EXAMPLES = 3
# ``DataFrame.attrs`` key set by the readers: how the file numbers its rows.
ROW_NUMBERING = "coldrec_rows"
# Spellings of "no value" that exports write into id columns; never a real user or item.
PLACEHOLDER_IDS = frozenset(("nan", "null", "none", "n/a", "#n/a", "nil", "undefined", "<na>"))
# Characters nobody types in an id: controls, zero-width marks, bidi overrides, the byte order mark.
_INVISIBLE_IN_IDS = re.compile("[\x00-\x1f\x7f\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
# Currency marks stripped from prices: symbols and three-letter codes.
_CURRENCY = re.compile(r"[$€£¥₹₩₽¢]|\b[A-Z]{3}\b|\s")
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
    text = _INVISIBLE_IN_IDS.sub(lambda m: f"\\u{ord(m.group()):04x}", str(value))
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


def _id_strings(values: pd.Series) -> pd.Series:
    """Ids as stripped strings; whole floats (ints stored as float beside nulls) lose their '.0'."""
    if pd.api.types.is_float_dtype(values):
        whole = values.dropna()
        if np.isfinite(whole).all() and (whole == whole.round()).all():
            values = values.astype("Int64")
    return values.astype("string").str.strip()


def _clean_ids(df: pd.DataFrame, cols: tuple[str, ...], file: str, report: ValidationReport,
               rows: _Rows) -> pd.DataFrame:
    """Ids become stripped strings; rows with an empty or placeholder id are dropped with a warning.

    Nested values (a Parquet struct or list) block the file; invisible
    characters (controls, zero-width marks, bidi overrides, byte order marks)
    are removed from ids with a warning, so ``'u0\u200b1'`` is the user ``'u01'``.
    """
    for col in cols:
        nested = _nested(df[col])
        if nested is not None:
            report.error(file, col, nested)
            continue
        ids = _id_strings(df[col])
        ids = _strip_invisible(ids, col, file, report, rows)
        empty = ids.isna() | (ids == "")
        placeholder = ~empty & ids.str.lower().isin(PLACEHOLDER_IDS).fillna(False).astype(bool)
        if (empty | placeholder).all():
            report.error(file, col, f"every value is empty ({_count(len(df), 'row')}); fill in {_HOLDS[col]}, "
                                    "or map the column that holds them in the column mapping")
            continue
        if empty.any():
            report.warn(file, col, f"{_count(int(empty.sum()), 'row')} with an empty id dropped "
                                   f"({rows(df.index[empty])}); fill in the ids to keep those rows")
        if placeholder.any():
            report.warn(file, col, f"{_count(int(placeholder.sum()), 'row')} whose id stands for a missing value "
                                   f"dropped ({rows(df.index[placeholder])}, e.g. {_some(ids[placeholder])}); "
                                   "fill in the ids to keep those rows")
        df = df.assign(**{col: ids.astype(object)})[~(empty | placeholder)]
    return df


def _nested(values: pd.Series) -> str | None:
    """Why a column of records or lists cannot hold ids (None when it holds plain values)."""
    if values.dtype != object:
        return None
    kinds = values.map(lambda v: "records" if isinstance(v, dict) else
                       "lists" if isinstance(v, (list, tuple, np.ndarray)) else "")
    if not (kinds != "").any():
        return None
    first = int(np.argmax((kinds != "").to_numpy()))
    return (f"holds {kinds.iloc[first]} (nested values, e.g. {_shown(values.iloc[first])}), not one id per row; "
            "flatten the column when exporting (e.g. take the id field), or map the column that holds the "
            "plain ids")


def _strip_invisible(ids: pd.Series, col: str, file: str, report: ValidationReport, rows: _Rows) -> pd.Series:
    """Ids without characters nobody types; the change is reported with an example."""
    hidden = ids.str.contains(_INVISIBLE_IN_IDS, na=False).astype(bool)
    if not hidden.any():
        return ids
    cleaned = ids.str.replace(_INVISIBLE_IN_IDS, "", regex=True).str.strip()
    first = hidden.index[hidden][0]
    report.warn(file, col, f"{_count(int(hidden.sum()), 'id')} held invisible characters (control, zero-width, "
                           f"bidi or byte order mark) that were removed ({rows(hidden.index[hidden])}, e.g. "
                           f"{_shown(ids[first])} read as {_shown(cleaned[first])}); check the program that "
                           "exported them")
    return cleaned


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
    df = _clean_ratings(df, file, report, rows)
    df = _clean_weights(df, file, report, rows)
    df = _drop_duplicates(df, file, report, rows)
    _warn_about_users_and_time(df, file, report, rows)
    if df.empty:
        report.error(file, None, "no rows left after cleaning; check the warnings above")
        return None, report
    return df.sort_values(Columns.timestamp, kind="stable").reset_index(drop=True), report


def _clean_timestamps(df: pd.DataFrame, file: str, report: ValidationReport, rows: _Rows) -> pd.DataFrame | None:
    """Timestamps as int64 seconds; a few unparseable rows are dropped, too many block the file (None)."""
    ts = parse_timestamps(df[Columns.timestamp])
    _report_units(df[Columns.timestamp], file, report, rows)
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


def _report_units(values: pd.Series, file: str, report: ValidationReport, rows: _Rows) -> None:
    """Say how numbers were read when it was a choice: Excel dates, or a unit that differs from most rows."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return
    numeric = pd.to_numeric(values, errors="coerce")
    numeric = numeric.where(np.isfinite(numeric.astype(float))).dropna()
    numeric = numeric[numeric.abs() < 9.2e18]  # beyond nanoseconds: reported as not timestamps
    if len(numeric) <= len(values) / 2:
        return
    if is_excel_serial(numeric):
        report.warn(file, C.timestamp, f"the values are Excel date numbers (e.g. {_shown(numeric.iloc[0])}); read "
                                       "as days since 1899-12-30: export the dates as text (yyyy-mm-dd hh:mm) or "
                                       "unix seconds to be sure")
        return
    scales = unit_scales(numeric)
    usual = scales.mode().iloc[0]
    odd = scales != usual
    if odd.any():
        units = ", ".join(sorted({UNIT_NAMES[u] for u in scales[odd]}))
        report.warn(file, C.timestamp, f"{_count(int(odd.sum()), 'timestamp')} in {units} among "
                                       f"{UNIT_NAMES[usual]} ({rows(odd.index[odd])}, e.g. "
                                       f"{_shown(values[odd.index[odd][0]])}); each was read in the unit its size "
                                       "says: check the program that logged them")


def _clean_ratings(df: pd.DataFrame, file: str, report: ValidationReport, rows: _Rows) -> pd.DataFrame:
    """Ratings as numbers; text and infinite values count as unrated, and the report says which.

    A rating threshold drops unrated rows, so an ``inf`` must never pass one.
    """
    if C.rating not in df.columns:
        return df
    values = df[C.rating]
    numeric = pd.to_numeric(values, errors="coerce").astype(float)
    text = numeric.isna() & values.notna() & (values.astype("string").str.strip() != "")
    if text.any():
        report.warn(file, C.rating, f"{_count(int(text.sum()), 'non-numeric rating')} ({rows(df.index[text])}, e.g. "
                                    f"{_some(values[text])}); they count as unrated, so a rating threshold drops "
                                    "them: write them as numbers, or leave them empty")
    infinite = pd.Series(np.isinf(numeric.to_numpy()), index=df.index)
    if infinite.any():
        report.warn(file, C.rating, f"{_count(int(infinite.sum()), 'infinite rating')} ({rows(df.index[infinite])}, "
                                    f"e.g. {_some(values[infinite])}); they count as unrated, so a rating threshold "
                                    "drops them: write the ratings as finite numbers")
    return df.assign(**{C.rating: numeric.mask(infinite)})


def _clean_weights(df: pd.DataFrame, file: str, report: ValidationReport, rows: _Rows) -> pd.DataFrame:
    """A weight column as numbers >= 0; rows whose weight is negative, infinite or not a number are dropped."""
    if C.weight not in df.columns:
        return df
    values = df[C.weight]
    numeric = pd.to_numeric(values, errors="coerce").astype(float)
    bad = ~np.isfinite(numeric) | (numeric < 0)
    bad &= values.notna() & (values.astype("string").str.strip() != "")
    if bad.any():
        report.warn(file, C.weight, f"{_count(int(bad.sum()), 'row')} with a negative, infinite or non-numeric "
                                    f"weight dropped ({rows(df.index[bad])}, e.g. {_some(values[bad])}); weights "
                                    "are counts or strengths, 0 or more: fix them, or unmap the weight column")
    return df.assign(**{C.weight: numeric.fillna(1.0)})[~bad]


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
        first = date_text(int(df.loc[future, C.timestamp].iloc[0]))
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
    df = _drop_repeated_items(df, file, report, rows, tuple(text_fields))
    if Columns.price in df.columns:
        df = df.assign(**{Columns.price: _prices(df[Columns.price], file, report, rows)})
    df = df.assign(**{Columns.text: _capped(item_text(df, tuple(text_fields)), file, report, rows)})
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


def _drop_repeated_items(df: pd.DataFrame, file: str, report: ValidationReport, rows: _Rows,
                         text_fields: tuple[str, ...]) -> pd.DataFrame:
    """Keep the first row of each item id; say so, and say when the repeats describe a different item."""
    dup = df.duplicated(Columns.item)
    if not dup.any():
        return df
    fields = [f for f in text_fields if f in df.columns]
    differs = dup & ~df.duplicated([Columns.item, *fields]) if fields else pd.Series(False, index=df.index)
    if differs.any():
        at = differs.idxmax()
        item, other = df.at[at, Columns.item], df.at[at, fields[0]]
        kept = df.loc[df[Columns.item] == item, fields[0]].iloc[0]
        report.warn(file, Columns.item, f"{_count(int(dup.sum()), 'repeated item id')} ({rows(df.index[dup])}, e.g. "
                                        f"{_some(df.loc[dup, Columns.item])}), {int(differs.sum())} with different "
                                        f"text (e.g. {_shown(item)} is both {_shown(kept)} and {_shown(other)}); "
                                        "the first row of each was kept: give different items different ids")
    else:
        report.warn(file, Columns.item, f"{_count(int(dup.sum()), 'repeated item id')} ({rows(df.index[dup])}, e.g. "
                                        f"{_some(df.loc[dup, Columns.item])}); the first row of each was kept")
    return df[~dup]


def _prices(values: pd.Series, file: str, report: ValidationReport, rows: _Rows) -> pd.Series:
    """Prices as numbers: currency symbols and codes dropped, '5,00' read as 5.00; what is not a price is reported."""
    numeric = pd.to_numeric(values, errors="coerce")
    given = values.notna() & (values.astype("string").str.strip() != "").fillna(False).astype(bool)
    todo = numeric.isna() & given
    if todo.any():
        numeric = numeric.astype(float)
        numeric[todo] = values[todo].map(_price)
    bad = (numeric.isna() | ~np.isfinite(numeric.astype(float))) & given
    read = todo & ~bad
    if read.any():
        first = read.idxmax()
        report.warn(file, Columns.price, f"{_count(int(read.sum()), 'price')} with a currency mark or separators "
                                         f"read as numbers ({rows(values.index[read])}, e.g. {_shown(values[first])} "
                                         f"as {numeric[first]:g}); check them in the preview")
    if bad.any():
        report.warn(file, Columns.price, f"{_count(int(bad.sum()), 'price')} not readable as a number "
                                         f"({rows(values.index[bad])}, e.g. {_some(values[bad])}) stored as empty; "
                                         "write prices as numbers such as 12.99")
    return numeric.astype(float).mask(bad)


def _price(value: object) -> float:
    """'$1,299.00', '€5,00', '12.00 EUR' -> a number; NaN when it is not one."""
    text = _CURRENCY.sub("", str(value))
    if "," in text and "." in text:
        text = text.replace(",", "") if text.rfind(",") < text.rfind(".") else text.replace(".", "").replace(",", ".")
    elif "," in text:
        head, _, tail = text.rpartition(",")
        text = f"{head.replace(',', '')}.{tail}" if len(tail) == 2 else text.replace(",", "")
    try:
        return float(text)
    except ValueError:
        return float("nan")


def _capped(text: pd.Series, file: str, report: ValidationReport, rows: _Rows) -> pd.Series:
    """Item text cut at ``MAX_TEXT_CHARS`` (the encoders read a few hundred words); the cut is reported."""
    limit = MAX_TEXT_CHARS.value
    long = text.str.len() > limit
    if not long.any():
        return text
    report.warn(file, Columns.title, f"{_count(int(long.sum()), 'item')} with more than {limit:,} characters of "
                                     f"text ({rows(text.index[long])}) cut to that length; {MAX_TEXT_CHARS.advice()}")
    return text.mask(long, text.str.slice(0, limit))


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
