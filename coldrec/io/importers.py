"""Importers for public recommendation datasets: raw release files in, canonical frames out.

Each importer returns the interactions and the catalog with canonical column
names, plus a report of every defect it handled and how often. What it returns
still goes through ``coldrec.ingest.ingest_frames`` (validation and storing),
like any upload.
"""

from __future__ import annotations

import ast
import gzip
import hashlib
import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from coldrec.io.textclean import LIST_SEPARATOR, clean_text, clean_text_column
from coldrec.io.validate import ValidationReport
from coldrec.schema import Columns

_GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 1 << 20
# Summaries Amazon fills in when the reviewer wrote none: they restate the rating, not the user's words.
_PLACEHOLDER_SUMMARIES = frozenset(["One Star", "Two Stars", "Three Stars", "Four Stars", "Five Stars"])
_PRICE = re.compile(r"\$?\s*(\d[\d,]*(?:\.\d+)?)")
_MARKUP = re.compile(r"<[a-zA-Z/!]|&(?:#\d+|#[xX][0-9a-fA-F]+|[a-zA-Z]+);|[\"']\s*/?>")
_MOVIELENS_FILES = ("ratings.csv", "movies.csv")
_NO_GENRES = "(no genres listed)"


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
    """``coldrec.workspace.content_hash`` of the files' bytes, read in chunks (meta files can be GBs)."""
    outer = hashlib.sha256()
    for path in paths:
        inner = hashlib.sha256()
        with open(path, "rb") as fh:
            while chunk := fh.read(_CHUNK):
                inner.update(chunk)
        outer.update(inner.digest())
    return outer.hexdigest()


# --- dispatch -------------------------------------------------------------------------------------

def detect_format(folder: str | Path) -> str | None:
    """``"movielens"``, ``"amazon"`` or ``None``, from the file names in ``folder`` (not its subfolders)."""
    folder = Path(folder)
    if not folder.is_dir():
        return None
    names = {p.name for p in folder.iterdir() if p.is_file()}
    if all(n in names for n in _MOVIELENS_FILES):
        return "movielens"
    if _amazon_pairs(folder):
        return "amazon"
    return None


def import_folder(folder: str | Path) -> ImportResult:
    """Import the dataset in ``folder``, whichever known format it is.

    Raises
    ------
    ValueError
        When the folder holds no known dataset, or several Amazon categories.
    """
    folder = Path(folder)
    fmt = detect_format(folder)
    if fmt == "movielens":
        return import_movielens(folder)
    if fmt == "amazon":
        pairs = _amazon_pairs(folder)
        if len(pairs) > 1:
            found = ", ".join(f"{r.name} + {m.name}" for r, m in pairs)
            raise ValueError(f"{folder} holds several Amazon categories ({found}); "
                             "import one with import_amazon(reviews, meta)")
        return import_amazon(*pairs[0])
    found = sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []
    raise ValueError(f"{folder}: no known dataset. Expected MovieLens (ratings.csv and movies.csv, "
                     "optionally tags.csv) or Amazon reviews (<Category>_5.json.gz and meta_<Category>.json.gz); "
                     f"found: {', '.join(found) or 'nothing'}")


def _amazon_pairs(folder: Path) -> list[tuple[Path, Path]]:
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


# --- MovieLens ------------------------------------------------------------------------------------

def import_movielens(folder: str | Path, use_tags: bool = True) -> ImportResult:
    """Import a MovieLens release in the ``ml-latest`` layout (ratings.csv, movies.csv, tags.csv).

    Parameters
    ----------
    folder
        The unzipped release folder.
    use_tags
        Join each movie's free-text tags into its description. The digest
        covers tags.csv only when it is used, so the two variants are stored
        as two datasets.

    Returns
    -------
    ImportResult
        Interactions ``user_id, item_id, timestamp, rating``; catalog
        ``item_id, title, description, category``: the title with its year,
        the genres as ``"Adventure; Animation"``, the tags as the description.

    Notes
    -----
    Tags are deduplicated per movie ignoring case, keeping the first spelling
    in file order. Movies nobody rated stay in the catalog: they are the cold
    items a text model can still recommend.
    """
    folder = Path(folder)
    missing = [n for n in _MOVIELENS_FILES if not (folder / n).is_file()]
    if missing:
        raise FileNotFoundError(f"{folder}: not a MovieLens folder, missing {', '.join(missing)}")
    report = ValidationReport()
    ratings_path, movies_path, tags_path = folder / "ratings.csv", folder / "movies.csv", folder / "tags.csv"
    inter = _movielens_ratings(ratings_path, report)
    catalog = _movielens_movies(movies_path, report)
    sources = [ratings_path, movies_path]
    if use_tags and tags_path.is_file():
        sources.append(tags_path)
        tags = _movielens_tags(tags_path, catalog[Columns.item], report)
        catalog[Columns.description] = catalog[Columns.item].map(tags).fillna("").astype(object)
    elif use_tags:
        report.warn("tags.csv", None, "no tags.csv in the folder; descriptions are empty")
    catalog = _add_missing_items(inter, catalog, "movies.csv", report)
    unrated = int((~catalog[Columns.item].isin(inter[Columns.item])).sum())
    if unrated:
        report.warn("movies.csv", Columns.item, f"{unrated} movies have no ratings; kept in the catalog as cold items")
    return ImportResult(inter, catalog, report, _movielens_name(folder), file_digest(*sources),
                        (ratings_path.name, movies_path.name))


def _movielens_ratings(path: Path, report: ValidationReport) -> pd.DataFrame:
    """userId,movieId,rating,timestamp -> canonical interactions; unparseable rows dropped with a warning."""
    raw = pd.read_csv(path, dtype={"userId": str, "movieId": str})  # numbers parsed by the C reader
    df = pd.DataFrame({Columns.user: raw["userId"], Columns.item: raw["movieId"],
                       Columns.timestamp: pd.to_numeric(raw["timestamp"], errors="coerce"),
                       Columns.rating: pd.to_numeric(raw["rating"], errors="coerce")})
    return _drop_unusable(df, path.name, report)


def _movielens_movies(path: Path, report: ValidationReport) -> pd.DataFrame:
    """movieId,title,genres -> catalog with genres as a '; '-joined category."""
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    genres = raw["genres"].str.strip()
    no_genres = genres == _NO_GENRES
    if no_genres.any():
        report.warn(path.name, "genres", f"{int(no_genres.sum())} movies with '{_NO_GENRES}' get an empty category")
    category = [LIST_SEPARATOR.join(x for x in g.split("|") if x) for g in genres.where(~no_genres, "")]
    return pd.DataFrame({Columns.item: _ids(raw["movieId"]), Columns.title: clean_text_column(raw["title"]),
                         Columns.description: "", Columns.category: category}, dtype=object)


def _movielens_tags(path: Path, items: pd.Series, report: ValidationReport) -> pd.Series:
    """tags.csv -> one '; '-joined description per movie id, repeats (ignoring case) dropped."""
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    tags = pd.DataFrame({"item": _ids(raw["movieId"]), "tag": clean_text_column(raw["tag"])})
    tags = tags[tags["tag"] != ""]
    unknown = ~tags["item"].isin(items)
    if unknown.any():
        report.warn(path.name, "movieId", f"{int(unknown.sum())} tags on {tags.loc[unknown, 'item'].nunique()} "
                                          "movies missing from movies.csv were ignored")
        tags = tags[~unknown]
    repeat = tags.assign(key=tags["tag"].str.lower()).duplicated(["item", "key"])
    kept = tags[~repeat]
    by_item: dict[str, list[str]] = {}
    for item, tag in zip(kept["item"].tolist(), kept["tag"].tolist(), strict=True):
        by_item.setdefault(item, []).append(tag)
    joined = pd.Series({item: LIST_SEPARATOR.join(t) for item, t in by_item.items()}, dtype=object)
    report.warn(path.name, "tag", f"{len(tags)} tags on {len(joined)} movies joined into the description "
                                  f"({int(repeat.sum())} repeats of a tag on the same movie, ignoring case, dropped)")
    return joined


def _movielens_name(folder: Path) -> str:
    """'MovieLens ml-latest-small' from the release README, else from the folder name."""
    readme = folder / "README.txt"
    if readme.is_file():
        m = re.search(r"This dataset \((ml-[\w-]+)\)", readme.read_text(encoding="utf-8", errors="replace"))
        if m:
            return f"MovieLens {m.group(1)}"
    return f"MovieLens {folder.name}"


# --- Amazon reviews (2018, also the 2014 layout) ---------------------------------------------------

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
    catalog = _add_missing_items(inter, catalog, meta.name, report)
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
    df = _drop_unusable(df, path.name, report)
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


# --- shared helpers -------------------------------------------------------------------------------

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


def _drop_unusable(df: pd.DataFrame, file: str, report: ValidationReport) -> pd.DataFrame:
    """Ids to stripped strings; rows without a user, item or timestamp dropped with a warning."""
    for col in (Columns.user, Columns.item):
        df[col] = _ids(df[col])
    bad = df[Columns.user].isna() | df[Columns.item].isna() | df[Columns.timestamp].isna()
    bad |= (df[Columns.user] == "") | (df[Columns.item] == "")
    if bad.any():
        report.warn(file, None, f"{int(bad.sum())} rows without a user, item or timestamp dropped")
        df = df[~bad]
    df[Columns.timestamp] = df[Columns.timestamp].floordiv(1).astype("int64")
    df[Columns.rating] = df[Columns.rating].astype(float)
    return df.reset_index(drop=True)


def _add_missing_items(inter: pd.DataFrame, catalog: pd.DataFrame, file: str,
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


def _ids(values: pd.Series) -> pd.Series:
    """Stripped strings as plain objects (missing stays missing): fast to match with ``isin``."""
    return values.astype("string").str.strip().astype(object)


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
