"""Files in, a clean stored dataset out (or a report of what blocks it)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from coldrec.io import DataValidationError, ValidationReport, clean_catalog, clean_interactions, read_table
from coldrec.io.validate import check_coverage
from coldrec.workspace import DatasetInfo, Workspace, content_hash


@dataclass
class IngestResult:
    """What an upload produced: the stored dataset (or None) and the validation report."""

    dataset: DatasetInfo | None
    report: ValidationReport
    created: bool = False


Source = str | Path | tuple[str, bytes]


def _read(source: Source) -> tuple[str, bytes]:
    """(file name, raw bytes) of a path or an upload."""
    if isinstance(source, tuple):
        return source
    path = Path(source)
    return path.name, path.read_bytes()


def ingest(ws: Workspace, interactions: Source, catalog: Source, name: str | None = None) -> IngestResult:
    """Validate an interactions file and a catalog file and store them as one dataset.

    Nothing is stored unless both files pass; an identical pair of files is
    recognised by content hash and returns the dataset already stored.
    """
    (i_name, i_bytes), (c_name, c_bytes) = _read(interactions), _read(catalog)
    report = ValidationReport()
    raw = []
    for fname, data in ((i_name, i_bytes), (c_name, c_bytes)):
        try:
            raw.append(read_table(data, fname))
        except DataValidationError as exc:
            report.error(exc.file, exc.column, exc.message)
            raw.append(None)
    return ingest_frames(ws, raw[0], raw[1], name or Path(i_name).stem, content_hash(i_bytes, c_bytes),
                         files=(i_name, c_name), report=report)


def ingest_frames(ws: Workspace, interactions: pd.DataFrame | None, catalog: pd.DataFrame | None, name: str,
                  digest: str, files: tuple[str, str] = ("interactions", "catalog"),
                  report: ValidationReport | None = None) -> IngestResult:
    """Validate raw frames (canonical column names) and store them; the path every importer takes too.

    ``digest`` identifies the source (e.g. the hash of the raw files) so the
    same source is stored once.
    """
    report = report or ValidationReport()
    inter = cat = None
    if interactions is not None:
        inter, sub = clean_interactions(interactions, files[0])
        report.issues.extend(sub.issues)
    if catalog is not None:
        cat, sub = clean_catalog(catalog, files[1])
        report.issues.extend(sub.issues)
    if inter is None or cat is None:
        return IngestResult(None, report)
    inter = check_coverage(inter, cat, files[0], report)
    if not report.ok:
        return IngestResult(None, report)
    info, created = ws.add_dataset(name, inter, cat, digest)
    return IngestResult(info, report, created)


SAMPLE_NAME = "sample shop (synthetic)"


def sample_dir() -> Path:
    """The bundled sample data folder (next to the package in a source checkout)."""
    return Path(__file__).resolve().parent.parent / "sample_data"


def load_sample(ws: Workspace) -> IngestResult:
    """Store the bundled synthetic shop (a no-op returning the stored one when already there)."""
    folder = sample_dir()
    return ingest(ws, folder / "interactions.csv", folder / "catalog.csv", name=SAMPLE_NAME)
