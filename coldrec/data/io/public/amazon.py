"""Amazon 2018 reviews importer: a reviews file (5-core or full) and its category's meta file."""

from __future__ import annotations

import ast
import gzip
import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from coldrec.columns import Columns
from coldrec.data.io.public.common import ImportResult, add_missing_items, drop_unusable, file_digest
from coldrec.data.io.textclean import clean_text, clean_text_column
from coldrec.data.io.validate import ValidationReport

_GZIP_MAGIC = b"\x1f\x8b"
_PLACEHOLDER_SUMMARIES = frozenset(["One Star", "Two Stars", "Three Stars", "Four Stars", "Five Stars"])
_PRICE = re.compile(r"\$?\s*(\d[\d,]*(?:\.\d+)?)")
_MARKUP = re.compile(r"<[a-zA-Z/!]|&(?:#\d+|#[xX][0-9a-fA-F]+|[a-zA-Z]+);|[\"']\s*/?>")


def amazon_pairs(folder: Path) -> list[tuple[Path, Path]]:
    """(reviews, meta) file pairs, matched by category; the 5-core reviews file wins over the full one."""
    pairs = []
    for meta in sorted(folder.glob("meta_*.json*")):
        m = re.fullmatch(r"meta_(.+?)\.json(?:l)?(?:\.gz)?", meta.name)
        if not m:
            continue
        cat = m.group(1)
        for stem in (f"{cat}_5", f"reviews_{cat}_5", cat, f"reviews_{cat}"):
            hits = [folder / f"{stem}{ext}" for ext in (".json.gz", ".json", ".jsonl.gz", ".jsonl")]
            hit = next((h for h in hits if h.is_file()), None)
            if hit is not None:
                pairs.append((hit, meta))
                break
    return pairs


def import_amazon(reviews: str | Path, meta: str | Path) -> ImportResult:
    """Import an Amazon Review Data category: a reviews file and its metadata file (JSON lines, gzipped or not).

    Parameters
    ----------
    reviews
        e.g. ``Gift_Cards_5.json.gz``: reviewerID, asin, overall, unixReviewTime, summary.
    meta
        e.g. ``meta_Gift_Cards.json.gz``: asin, title, description, category, brand, price.

    Returns
    -------
    ImportResult
        Interactions ``user_id, item_id, timestamp, rating, query`` (query: the
        review summary, empty for Amazon's "Five Stars"-style placeholders);
        catalog ``item_id, title, description, category, brand, price``.

    Notes
    -----
    Both files are streamed line by line, keeping only the fields above, so
    multi-GB metadata files fit in memory. Repeated reviews of an item by the
    same user keep the latest (the user's current opinion). Repeated asins in
    the metadata keep the first row. Reviewed items missing from the metadata
    keep their reviews and get a catalog row without text, so validation
    reports them as items without text instead of silently dropping reviews.
    Every one of these is counted in the report.
    """
    reviews, meta = Path(reviews), Path(meta)
    report = ValidationReport()
    inter = _amazon_reviews(reviews, report)
    catalog = _amazon_meta(meta, report)
    catalog = add_missing_items(inter, catalog, meta.name, report)
    cold = int((~catalog[Columns.item].isin(inter[Columns.item])).sum())
    if cold:
        report.warn(meta.name, Columns.item, f"{cold} items have metadata but no reviews; kept as cold items")
    return ImportResult(inter, catalog, report, _amazon_name(reviews), file_digest(reviews, meta),
                        (reviews.name, meta.name))


def _amazon_reviews(path: Path, report: ValidationReport) -> pd.DataFrame:
    """Stream the reviews into canonical interactions, latest review per (user, item)."""
    fields = (Columns.user, Columns.item, Columns.timestamp, Columns.rating, Columns.query)
    cols: dict[str, list[Any]] = {k: [] for k in fields}
    for rec in _records(path, report):
        cols[Columns.user].append(rec.get("reviewerID"))
        cols[Columns.item].append(rec.get("asin"))
        cols[Columns.timestamp].append(_review_time(rec))
        cols[Columns.rating].append(rec.get("overall"))
        cols[Columns.query].append(rec.get("summary"))
    df = pd.DataFrame(cols)
    df[Columns.rating] = pd.to_numeric(df[Columns.rating], errors="coerce").astype(float)
    df[Columns.timestamp] = pd.to_numeric(df[Columns.timestamp], errors="coerce")
    df = drop_unusable(df, path.name, report)
    query = clean_text_column(df[Columns.query])
    placeholder = query.isin(_PLACEHOLDER_SUMMARIES)
    if placeholder.any():
        report.warn(path.name, "summary", f"{int(placeholder.sum())} summaries are Amazon placeholders "
                                          f"('Five Stars' etc.), not the user's words; left empty in '{Columns.query}'")
    df[Columns.query] = query.where(~placeholder, "")
    return _latest_per_pair(df, path.name, report)


def _review_time(rec: dict[str, Any]) -> Any:
    """unixReviewTime, else reviewTime ('06 17, 2018') as unix seconds, else None."""
    ts = rec.get("unixReviewTime")
    if ts is not None:
        return ts
    try:
        return int(datetime.strptime(str(rec.get("reviewTime")), "%m %d, %Y").replace(tzinfo=UTC).timestamp())
    except ValueError:
        return None


def _latest_per_pair(df: pd.DataFrame, file: str, report: ValidationReport) -> pd.DataFrame:
    """Keep the latest review of each (user, item); ties keep the later line."""
    key = [Columns.user, Columns.item]
    order = df.sort_values(Columns.timestamp, kind="stable")
    repeat = order.duplicated(key, keep="last").sort_index()
    if repeat.any():
        pairs = df.loc[repeat, key].drop_duplicates()
        report.warn(file, None, f"{int(repeat.sum())} repeated reviews of the same item by the same user removed "
                                f"({len(pairs)} user-item pairs); the latest review of each was kept")
    return df[~repeat].reset_index(drop=True)


def _amazon_meta(path: Path, report: ValidationReport) -> pd.DataFrame:
    """Stream the metadata into a catalog: first row per asin, text cleaned and prices parsed line by line."""
    fields = (Columns.title, Columns.description, Columns.brand)
    tallies = {k: _TextTally() for k in fields}
    prices = _PriceTally()
    order = (Columns.item, Columns.title, Columns.description, Columns.category, Columns.brand, Columns.price)
    rows: dict[str, list[Any]] = {k: [] for k in order}
    seen: set[str] = set()
    repeats = no_id = 0
    for rec in _records(path, report):
        asin = str(rec.get("asin") or "").strip()
        if not asin:
            no_id += 1
            continue
        if asin in seen:
            repeats += 1
            continue
        seen.add(asin)
        rows[Columns.item].append(asin)
        for k in fields:
            rows[k].append(tallies[k].clean(rec.get(k)))
        rows[Columns.category].append(clean_text(_unique(rec.get("category", rec.get("categories")))))
        rows[Columns.price].append(prices.parse(rec.get("price")))
    if no_id:
        report.warn(path.name, "asin", f"{no_id} rows without an asin skipped")
    if repeats:
        report.warn(path.name, "asin", f"{repeats} repeated asin rows; the first row of each was kept")
    for k in fields:
        tallies[k].report(report, path.name, k)
    prices.report(report, path.name)
    catalog = pd.DataFrame(rows, dtype=object)
    catalog[Columns.price] = catalog[Columns.price].astype(float)
    return catalog


@dataclass
class _TextTally:
    """Cleans one text field value by value, counting joined lists and removed markup for the report."""

    lists: int = 0
    markup: int = 0
    only_markup: int = 0
    example: str = ""

    def clean(self, value: Any) -> str:
        text = clean_text(value)
        is_list = isinstance(value, (list, tuple))
        if is_list and sum(1 for v in value if v) > 1:
            self.lists += 1
        flat = " ".join(map(str, value)) if is_list else value
        if isinstance(flat, str) and _MARKUP.search(flat):
            self.markup += 1
            if not text:
                self.only_markup += 1
                self.example = self.example or flat
        return text

    def report(self, report: ValidationReport, file: str, column: str) -> None:
        if self.lists:
            report.warn(file, column, f"{self.lists} values given as lists of several parts were joined")
        if self.markup:
            empty = (f"; {self.only_markup} held nothing but an HTML fragment (e.g. {_example(self.example)}) "
                     "and are now empty") if self.only_markup else ""
            report.warn(file, column, f"{self.markup} values held HTML tags or entities and were cleaned{empty}")


@dataclass
class _PriceTally:
    """Parses prices ('$1,025.50' -> 1025.5) value by value, counting what was not a single price."""

    parsed: int = 0
    junk: int = 0
    example: str = ""

    def parse(self, value: Any) -> float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if value == value:  # NaN is no price
                self.parsed += 1
            return float(value)
        text = str(value or "").strip()
        m = _PRICE.fullmatch(text)
        if m:
            self.parsed += 1
            return float(m.group(1).replace(",", ""))
        if text:
            self.junk += 1
            self.example = self.example or text
        return math.nan

    def report(self, report: ValidationReport, file: str) -> None:
        if self.junk:
            report.warn(file, "price", f"{self.parsed} prices parsed; {self.junk} values are not a single price "
                                       f"(e.g. {_example(self.example)}) and are left empty")


def _amazon_name(reviews: Path) -> str:
    """'Amazon Gift Cards 5-core' from 'Gift_Cards_5.json.gz'."""
    stem = re.sub(r"\.jsonl?(\.gz)?$", "", reviews.name)
    stem = re.sub(r"^reviews_", "", stem)
    core = stem.endswith("_5")
    return f"Amazon {stem.removesuffix('_5').replace('_', ' ')}{' 5-core' if core else ''}"


def _records(path: Path, report: ValidationReport) -> Iterator[dict[str, Any]]:
    """JSON objects, one a line; the 2014 files' Python-literal lines too. Unreadable lines are counted."""
    with open(path, "rb") as probe:
        gz = probe.read(2) == _GZIP_MAGIC
    bad = 0
    with (gzip.open(path, "rb") if gz else open(path, "rb")) as fh:
        for line in fh:
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except ValueError:
                try:
                    rec = ast.literal_eval(line.decode("utf-8", errors="replace"))
                except (ValueError, SyntaxError, MemoryError, RecursionError):
                    rec = None
            if isinstance(rec, dict):
                yield rec
            else:
                bad += 1
    if bad:
        report.warn(path.name, None, f"{bad} lines are not JSON objects and were skipped")


def _unique(values: Any) -> Any:
    """A list without repeats (Amazon repeats categories: ['Gift Cards', 'Gift Cards']); 2014 nests them."""
    if not isinstance(values, list):
        return values
    flat = [x for v in values for x in (v if isinstance(v, list) else [v])]
    try:
        return list(dict.fromkeys(flat))
    except TypeError:  # unhashable elements: keep them all
        return flat


def _example(value: str, width: int = 40) -> str:
    """A value shortened and quoted, for a message."""
    text = " ".join(value.split())
    return repr(text[:width] + ("..." if len(text) > width else ""))
