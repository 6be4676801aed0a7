"""Read a table from CSV/TSV, Parquet or JSON lines, gzipped or not."""

from __future__ import annotations

import gzip
import io
from pathlib import Path

import pandas as pd

from coldrec.io.validate import DataValidationError

_PARQUET_MAGIC = b"PAR1"
_GZIP_MAGIC = b"\x1f\x8b"


def read_table(source: str | Path | bytes, name: str | None = None) -> pd.DataFrame:
    """Read one table, sniffing the format from the name and the bytes.

    Parameters
    ----------
    source
        A path, or the raw bytes of an upload.
    name
        The file name shown in messages (and used for the extension when
        ``source`` is bytes).

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
        return _parse(data, name_inner.lower())
    except DataValidationError:
        raise
    except Exception as exc:  # noqa: BLE001 - any parser failure becomes a user-facing message
        raise DataValidationError(name, None, f"could not be read ({exc}); check the format") from exc


def _parse(data: bytes, name: str) -> pd.DataFrame:
    """Dispatch on magic bytes first, then on the extension."""
    if data[:4] == _PARQUET_MAGIC or name.endswith(".parquet"):
        return pd.read_parquet(io.BytesIO(data))
    if name.endswith((".jsonl", ".json", ".ndjson")) or data.lstrip()[:1] == b"{":
        return pd.read_json(io.BytesIO(data), lines=True, dtype=False)
    sep = "\t" if name.endswith(".tsv") or _looks_tab_separated(data) else ","
    return pd.read_csv(io.BytesIO(data), sep=sep, dtype=str, keep_default_na=False,
                       na_values=[""], encoding=_encoding(data))


def _looks_tab_separated(data: bytes) -> bool:
    """Guess the delimiter from the header line."""
    header = data.split(b"\n", 1)[0]
    return header.count(b"\t") > header.count(b",")


def _encoding(data: bytes) -> str:
    """UTF-8 when it decodes, else latin-1 (which always decodes)."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return "latin-1"
    return "utf-8"
