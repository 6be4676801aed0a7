"""Read a table from CSV/TSV, Parquet or JSON lines, gzipped or not."""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path

import pandas as pd

from coldrec.io.mapping import CATALOG_ALIASES, INTERACTION_ALIASES, norm
from coldrec.io.validate import DataValidationError, ValidationReport

_PARQUET_MAGIC = b"PAR1"
_GZIP_MAGIC = b"\x1f\x8b"
_SNIFF_BYTES = 64 * 1024


def read_table(source: str | Path | bytes, name: str | None = None,
               report: ValidationReport | None = None) -> pd.DataFrame:
    """Read one table, sniffing the format from the name and the bytes.

    Parameters
    ----------
    source
        A path, or the raw bytes of an upload.
    name
        The file name shown in messages (and used for the extension when
        ``source`` is bytes).
    report
        Receives warnings about how the file was read (encoding fallback,
        missing header).

    Returns
    -------
    pandas.DataFrame
        Every text column is kept as ``str`` so identifiers like ``"007"``
        survive; the validators convert numbers where they expect them.
    """
    if isinstance(source, (str, Path)):
        name = name or Path(source).name
        data = Path(source).read_bytes()
    else:
        data = source
        name = name or "upload"
    if not data.strip():
        raise DataValidationError(name, None, "the file is empty; upload a file with a header and rows")
    if data[:2] == _GZIP_MAGIC:
        data = gzip.decompress(data)
        name_inner = name[:-3] if name.lower().endswith(".gz") else name
    else:
        name_inner = name
    try:
        return _parse(data, name_inner.lower(), name, report if report is not None else ValidationReport())
    except DataValidationError:
        raise
    except Exception as exc:  # noqa: BLE001 - any parser failure becomes a user-facing message
        raise DataValidationError(name, None, f"could not be read ({exc}); check the format") from exc


def _parse(data: bytes, lower_name: str, name: str, report: ValidationReport) -> pd.DataFrame:
    """Dispatch on magic bytes first, then on the extension."""
    if data[:4] == _PARQUET_MAGIC or lower_name.endswith(".parquet"):
        return pd.read_parquet(io.BytesIO(data))
    encoding = _encoding(data)
    if encoding != "utf-8":
        report.warn(name, None, "not valid UTF-8; read as latin-1 (check accented characters in the preview)")
    if lower_name.endswith((".jsonl", ".json", ".ndjson")) or data.lstrip()[:1] == b"{":
        return pd.read_json(io.BytesIO(data), lines=True, dtype=False, encoding=encoding)
    text = data[:_SNIFF_BYTES].decode(encoding, errors="replace")
    sep = "\t" if lower_name.endswith(".tsv") else _delimiter(text)
    header = _has_header(text, sep)
    df = pd.read_csv(io.BytesIO(data), sep=sep, dtype=str, keep_default_na=False, na_values=[""],
                     encoding=encoding, header=0 if header else None)
    if not header:
        df.columns = [f"column_{i + 1}" for i in range(df.shape[1])]
        report.warn(name, None, f"no header row found; columns are named column_1..column_{df.shape[1]}: "
                                "map them to user_id, item_id, timestamp")
    return df


def _delimiter(text: str) -> str:
    """The delimiter among , tab ; | that splits the first lines most consistently."""
    try:
        return csv.Sniffer().sniff("\n".join(text.splitlines()[:20]), delimiters=",\t;|").delimiter
    except csv.Error:
        return ","


def _has_header(text: str, sep: str) -> bool:
    """Is the first row names rather than data?

    A first row holding a known column name (any alias of any role) is a
    header; one holding a number is data; otherwise ``csv.Sniffer`` decides
    by comparing the first row with the rows below.
    """
    lines = text.splitlines()[:20]
    rows = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=sep))
    if len(rows) < 2:
        return True
    known = {norm(a) for aliases in (INTERACTION_ALIASES, CATALOG_ALIASES) for role, names in aliases.items()
             for a in (role, *names)}
    if any(norm(cell) in known for cell in rows[0]):
        return True
    if any(_is_number(cell) for cell in rows[0]):
        return False
    try:
        return csv.Sniffer().has_header("\n".join(lines))
    except csv.Error:
        return True


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _encoding(data: bytes) -> str:
    """UTF-8 when it decodes, else latin-1 (which always decodes)."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return "latin-1"
    return "utf-8"
