"""MovieLens importer: a release in the ``ml-latest`` layout (ratings.csv, movies.csv, optional tags.csv)."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from coldrec.columns import Columns
from coldrec.data.io.public.common import ImportResult, add_missing_items, clean_ids, drop_unusable, file_digest
from coldrec.data.io.textclean import LIST_SEPARATOR, clean_text_column
from coldrec.data.io.validate import ValidationReport

MOVIELENS_FILES = ("ratings.csv", "movies.csv")
_NO_GENRES = "(no genres listed)"


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
    missing = [n for n in MOVIELENS_FILES if not (folder / n).is_file()]
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
    catalog = add_missing_items(inter, catalog, "movies.csv", report)
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
    return drop_unusable(df, path.name, report)


def _movielens_movies(path: Path, report: ValidationReport) -> pd.DataFrame:
    """movieId,title,genres -> catalog with genres as a '; '-joined category."""
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    genres = raw["genres"].str.strip()
    no_genres = genres == _NO_GENRES
    if no_genres.any():
        report.warn(path.name, "genres", f"{int(no_genres.sum())} movies with '{_NO_GENRES}' get an empty category")
    category = [LIST_SEPARATOR.join(x for x in g.split("|") if x) for g in genres.where(~no_genres, "")]
    return pd.DataFrame({Columns.item: clean_ids(raw["movieId"]), Columns.title: clean_text_column(raw["title"]),
                         Columns.description: "", Columns.category: category}, dtype=object)


def _movielens_tags(path: Path, items: pd.Series, report: ValidationReport) -> pd.Series:
    """tags.csv -> one '; '-joined description per movie id, repeats (ignoring case) dropped."""
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    tags = pd.DataFrame({"item": clean_ids(raw["movieId"]), "tag": clean_text_column(raw["tag"])})
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
