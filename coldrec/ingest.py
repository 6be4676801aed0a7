"""Files in, a clean stored dataset out (or a report of what blocks it)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

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
    frames = []
    for fname, data, clean in ((i_name, i_bytes, clean_interactions), (c_name, c_bytes, clean_catalog)):
        try:
            frame, sub = clean(read_table(data, fname), fname)
        except DataValidationError as exc:
            report.error(exc.file, exc.column, exc.message)
            frame, sub = None, ValidationReport()
        report.issues.extend(sub.issues)
        frames.append(frame)
    inter, cat = frames
    if inter is None or cat is None:
        return IngestResult(None, report)
    inter = check_coverage(inter, cat, i_name, report)
    if not report.ok:
        return IngestResult(None, report)
    info, created = ws.add_dataset(name or Path(i_name).stem, inter, cat, content_hash(i_bytes, c_bytes))
    return IngestResult(info, report, created)


SAMPLE_NAME = "sample shop (synthetic)"


def sample_dir() -> Path:
    """The bundled sample data folder (next to the package in a source checkout)."""
    return Path(__file__).resolve().parent.parent / "sample_data"


def load_sample(ws: Workspace) -> IngestResult:
    """Store the bundled synthetic shop (a no-op returning the stored one when already there)."""
    folder = sample_dir()
    return ingest(ws, folder / "interactions.csv", folder / "catalog.csv", name=SAMPLE_NAME)
