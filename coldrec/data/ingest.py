"""Files in, a clean stored dataset out (or a report of what blocks it).

read -> map columns -> clean and validate -> feedback (positives, weights)
-> check the two files agree -> store. Nothing is stored unless every step passes.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

import coldrec
from coldrec.columns import DEFAULT_TEXT_FIELDS
from coldrec.data.io import DataValidationError, ValidationReport, clean_catalog, clean_interactions, read_table
from coldrec.data.io.feedback import FeedbackConfig, apply_feedback
from coldrec.data.io.mapping import (
    CATALOG_ALIASES,
    INTERACTION_ALIASES,
    ambiguous_roles,
    apply_mapping,
    resolve_mapping,
)
from coldrec.data.io.public.dispatch import ImportResult, detect_format, import_folder, import_movielens
from coldrec.data.io.readers import check_file_size
from coldrec.data.io.validate import check_coverage, item_text
from coldrec.data.workspace import DatasetInfo, Workspace, content_hash


@dataclass
class IngestOptions:
    """The analyst's choices for one upload; stored with the dataset.

    ``interaction_columns``/``catalog_columns`` override the recognised
    mapping (``{canonical: file column}``); ``text_fields`` are the catalog
    fields joined into an item's text, in order.
    """

    interaction_columns: dict[str, str] = field(default_factory=dict)
    catalog_columns: dict[str, str] = field(default_factory=dict)
    text_fields: list[str] = field(default_factory=lambda: list(DEFAULT_TEXT_FIELDS))
    feedback: FeedbackConfig = field(default_factory=FeedbackConfig)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> IngestOptions:
        d = dict(d)
        d["feedback"] = FeedbackConfig(**d.get("feedback", {}))
        return cls(**d)


@dataclass
class IngestResult:
    """What an upload produced: the stored dataset (or None) and the validation report."""

    dataset: DatasetInfo | None
    report: ValidationReport
    created: bool = False


Source = str | Path | tuple[str, bytes]


def _read(source: Source) -> tuple[str, bytes]:
    """(file name, raw bytes) of a path or an upload; a file over ``MAX_FILE_MB`` is refused before it is read."""
    if isinstance(source, tuple):
        return source
    path = Path(source)
    check_file_size(path)
    return path.name, path.read_bytes()


def read_mapped(source: Source, aliases: dict, overrides: dict[str, str],
                report: ValidationReport) -> pd.DataFrame | None:
    """Read one file and rename its columns to canonical names; None (with an error) when it fails."""
    fname = source[0] if isinstance(source, tuple) else Path(source).name
    try:
        _, data = _read(source)
        raw = read_table(data, fname, report)
        columns = list(map(str, raw.columns))
        mapping = resolve_mapping(columns, aliases, overrides)
        for role, message in ambiguous_roles(columns, mapping, overrides):
            report.error(fname, role, message)
        if not report.ok:
            return None
        return apply_mapping(raw.rename(columns=str), mapping, fname)
    except DataValidationError as exc:
        report.error(exc.file, exc.column, exc.message)
    except (KeyError, ValueError) as exc:
        report.error(fname, None, str(exc).strip("'\""))
    return None


def ingest(ws: Workspace, interactions: Source, catalog: Source, name: str | None = None,
           options: IngestOptions | None = None) -> IngestResult:
    """Validate an interactions file and a catalog file and store them as one dataset.

    Nothing is stored unless both files pass; the same files with the same
    options are recognised by content hash and return the dataset already
    stored.
    """
    opts = options or IngestOptions()
    report = ValidationReport()
    try:
        (i_name, i_bytes), (c_name, c_bytes) = _read(interactions), _read(catalog)
    except DataValidationError as exc:
        report.error(exc.file, exc.column, exc.message)
        return IngestResult(None, report)
    inter = read_mapped((i_name, i_bytes), INTERACTION_ALIASES, opts.interaction_columns, report)
    cat = read_mapped((c_name, c_bytes), CATALOG_ALIASES, opts.catalog_columns, report)
    digest = content_hash(i_bytes, c_bytes, json.dumps(opts.to_dict(), sort_keys=True).encode())
    return ingest_frames(ws, inter, cat, name or Path(i_name).stem, digest, files=(i_name, c_name),
                         report=report, options=opts)


def ingest_frames(ws: Workspace, interactions: pd.DataFrame | None, catalog: pd.DataFrame | None, name: str,
                  digest: str, files: tuple[str, str] = ("interactions", "catalog"),
                  report: ValidationReport | None = None, options: IngestOptions | None = None) -> IngestResult:
    """Validate raw frames (canonical column names) and store them; the path every importer takes too.

    ``digest`` identifies the source (e.g. the hash of the raw files) so the
    same source is stored once.
    """
    report = report or ValidationReport()
    opts = options or IngestOptions()
    inter = cat = None
    if interactions is not None:
        inter, sub = clean_interactions(interactions, files[0])
        report.issues.extend(sub.issues)
    if inter is not None:
        inter = apply_feedback(inter, opts.feedback, files[0], report)
        if inter.empty and report.ok:
            report.error(files[0], None, "no rows left after cleaning; loosen the rating threshold or event weights")
    if catalog is not None:
        cat, sub = clean_catalog(catalog, files[1], tuple(opts.text_fields))
        report.issues.extend(sub.issues)
    if inter is None or cat is None or not report.ok:
        return IngestResult(None, report)
    inter = check_coverage(inter, cat, files[0], report)
    if not report.ok:
        return IngestResult(None, report)
    try:
        info, created = ws.add_dataset(name, inter, cat, digest, options=opts.to_dict())
    except OSError as exc:  # a full disk, a quota, a read-only workspace: nothing was stored
        why = exc.strerror or type(exc).__name__
        report.error(files[0], None, f"the dataset could not be written to the workspace ({why}); nothing was "
                                     "stored: free some disk space (delete old runs on the Train page) or ask "
                                     "whoever runs the app, then upload again")
        return IngestResult(None, report)
    return IngestResult(info, report, created)


SAMPLE_NAME = "sample shop (synthetic)"


def sample_dir() -> Path:
    """The bundled sample data folder (next to the package in a source checkout)."""
    return Path(coldrec.__file__).resolve().parent.parent / "sample_data"


def load_sample(ws: Workspace) -> IngestResult:
    """Store the bundled synthetic shop (a no-op returning the stored one when already there)."""
    folder = sample_dir()
    return ingest(ws, folder / "interactions.csv", folder / "catalog.csv", name=SAMPLE_NAME)


@dataclass
class FilePreview:
    """What the mapping step shows before anything is stored."""

    columns: list[str]
    mapping: dict[str, str]
    head: pd.DataFrame
    report: ValidationReport


def preview_file(source: Source, kind: str, overrides: dict[str, str] | None = None, n: int = 5) -> FilePreview:
    """Columns, the recognised mapping and the first rows of an upload (``kind``: "interactions"/"catalog")."""
    aliases = INTERACTION_ALIASES if kind == "interactions" else CATALOG_ALIASES
    report = ValidationReport()
    try:
        fname, data = _read(source)
        raw = read_table(data, fname, report).rename(columns=str)
    except DataValidationError as exc:
        report.error(exc.file, exc.column, exc.message)
        return FilePreview([], {}, pd.DataFrame(), report)
    columns = list(raw.columns)
    try:
        mapping = resolve_mapping(columns, aliases, overrides)
    except ValueError as exc:
        report.error(fname, None, str(exc))
        mapping = {}
    return FilePreview(columns, mapping, raw.head(n), report)


def preview_text(catalog: pd.DataFrame, mapping: dict[str, str], fields: list[str], n: int = 5) -> pd.DataFrame:
    """Item text as it will be embedded, for the first ``n`` rows of a (raw) catalog."""

    mapped = apply_mapping(catalog.head(n), {k: v for k, v in mapping.items() if v in catalog.columns}, "catalog")
    out = pd.DataFrame({"item_id": mapped.get("item_id", pd.Series(range(len(mapped))))})
    out["text"] = item_text(mapped, tuple(fields)).to_numpy()
    return out


def ingest_import(ws: Workspace, imported: ImportResult, options: IngestOptions | None = None) -> IngestResult:
    """Store what a public-format importer read; its own findings and validation's land in one report."""
    opts = options or IngestOptions()
    digest = content_hash(imported.digest.encode(), json.dumps(opts.to_dict(), sort_keys=True).encode())
    return ingest_frames(ws, imported.interactions, imported.catalog, imported.name, digest, files=imported.files,
                         report=imported.report, options=opts)


def import_and_store(ws: Workspace, folder: str | Path, options: IngestOptions | None = None,
                     use_tags: bool = True) -> IngestResult:
    """Recognise a public dataset folder (MovieLens, Amazon 2018), import it and store it."""

    if detect_format(folder) == "movielens":
        imported = import_movielens(folder, use_tags=use_tags)
    else:
        imported = import_folder(folder)
    return ingest_import(ws, imported, options)


def public_data_roots() -> list[Path]:
    """Folders searched for public datasets: ``$COLDREC_DATA_ROOTS`` (os.pathsep-separated), else ../shared/data."""
    import os

    env = os.environ.get("COLDREC_DATA_ROOTS")
    roots = [Path(p) for p in env.split(os.pathsep)] if env else [sample_dir().parent.parent / "shared" / "data"]
    return [r for r in roots if r.is_dir()]


def importable_folder(folder: str | Path) -> Path:
    """``folder`` resolved, when it lies inside one of the data roots; else ``ValueError``.

    The app imports only from the data roots, so someone who can reach it
    cannot make it read, or list, any other folder of the server.
    """
    path = Path(folder).expanduser().resolve()
    for root in public_data_roots():
        if path.is_relative_to(root.resolve()):
            return path
    raise ValueError("only folders inside the data folders can be imported here; pick a detected folder, ask "
                     "whoever runs the app to add yours to COLDREC_DATA_ROOTS, or use 'coldrec import FOLDER'")


def find_public_datasets() -> list[tuple[Path, str]]:
    """(folder, format) for every recognisable dataset folder directly under the data roots."""

    found = []
    for root in public_data_roots():
        for folder in sorted(p for p in root.iterdir() if p.is_dir()):
            fmt = detect_format(folder)
            if fmt:
                found.append((folder, fmt))
    return found
