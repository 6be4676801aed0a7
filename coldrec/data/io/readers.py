"""Read a table from CSV/TSV, Parquet or JSON lines, gzipped or not.

Anything that is not such a table (a cut-off archive, an Excel workbook, a web
page, binary bytes, a broken line) becomes a ``DataValidationError`` naming the
file, the row or line where it applies, and what to do; never a raw parser
exception.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import zlib
from itertools import islice
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from coldrec.data.io.limits import MAX_COLUMNS, MAX_FILE_MB
from coldrec.data.io.mapping import CATALOG_ALIASES, INTERACTION_ALIASES, norm
from coldrec.data.io.validate import N_EXAMPLES, DataValidationError, ValidationReport, set_row_numbering

_PARQUET_MAGIC = b"PAR1"
_GZIP_MAGIC = b"\x1f\x8b"
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old Excel .xls (and other Office files)
_SNIFF_BYTES = 64 * 1024
# A text table has (almost) no control characters besides tab, CR, LF; binary data has many.
_MAX_CONTROL_SHARE = 0.01
_CONTROL = bytes(b for b in range(32) if b not in (9, 10, 12, 13))
_JSON_KINDS = {list: "an array", str: "a string", bool: "true/false", type(None): "null"}
_CHUNK = 1 << 20  # gzip is inflated this many bytes at a time, so a bomb stops at the limit
_DELIMITERS = (b",", b"\t", b";", b"|")
# What a file holding no values at all is made of (after its whitespace): delimiters and quotes.
_NO_VALUES = b",;|\"'"


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
        ``attrs`` say how rows are numbered in the file, so later messages
        can point at spreadsheet rows (CSV) or lines (JSON lines).

    Raises
    ------
    DataValidationError
        When the file cannot be read as a table; the message says why and
        what to do.
    """
    if isinstance(source, (str, Path)):
        name = name or Path(source).name
        check_file_size(Path(source), name)
        data = Path(source).read_bytes()
    else:
        data = source
        name = name or "upload"
    if _blank(data):
        raise DataValidationError(name, None, "the file is empty; upload a file with a header and rows")
    inner, gzipped = name, data[:2] == _GZIP_MAGIC
    if gzipped:
        data = _gunzip(data, name)
        inner = name[:-3] if name.lower().endswith(".gz") else name
    elif len(data) > MAX_FILE_MB.value << 20:
        raise DataValidationError(name, None, f"the file is {len(data) / 2**20:,.0f} MB, too large to read safely: "
                                              f"{MAX_FILE_MB.advice()}, or upload a sample of it")
    data = _to_utf8(data)
    if _blank(data):
        where = "the file inside the gzip archive" if gzipped else "the file"
        raise DataValidationError(name, None, f"{where} is empty; upload a file with a header and rows")
    _reject_non_tables(data, inner.lower(), name)
    report = report if report is not None else ValidationReport()
    try:
        df = _parse(_text_bytes(data, inner.lower(), name, report), inner.lower(), name, report)
    except DataValidationError:
        raise
    except Exception as exc:  # noqa: BLE001 - any parser failure becomes a user-facing message
        raise DataValidationError(name, None, f"could not be read ({_short(exc)}); check that it is CSV, TSV, "
                                              "JSON lines or Parquet") from exc
    _check_width(df.shape[1], name)
    return df


def check_file_size(path: Path, name: str | None = None) -> None:
    """Refuse a file on disk larger than ``MAX_FILE_MB`` before reading it (compressed or not)."""
    size = path.stat().st_size
    if size > MAX_FILE_MB.value << 20:
        raise DataValidationError(name or path.name, None, f"the file is {size / 2**20:,.0f} MB, too large to read "
                                                           f"safely: {MAX_FILE_MB.advice()}, or upload a sample of it")


def _blank(data: bytes) -> bool:
    """No data at all: only whitespace (ASCII, or any Unicode space and invisible marks in a small file)."""
    if not data or data.isspace():
        return True
    if len(data) > _SNIFF_BYTES:
        return False
    return not data.decode("utf-8", errors="ignore").replace("\ufeff", "").replace("\u200b", "").strip()


def _check_width(n_columns: int, name: str) -> None:
    """Too many columns to hold in memory: stop before (or right after) the parser builds them."""
    if n_columns > MAX_COLUMNS.value:
        raise DataValidationError(name, None, f"the file has {n_columns:,} columns; {MAX_COLUMNS.advice()}, or "
                                              "keep only the columns you need (ids, time, rating, text)")


def _text_bytes(data: bytes, lower_name: str, name: str, report: ValidationReport) -> bytes:
    """Text tables made readable: NUL bytes removed (reported), CR-only line ends as LF, a too-wide header refused."""
    if data[:4] == _PARQUET_MAGIC or lower_name.endswith(".parquet"):
        return data
    if b"\x00" in data:
        first = data.count(b"\n", 0, data.index(b"\x00")) + 1
        n = data.count(b"\x00")
        data = data.replace(b"\x00", b"")
        report.warn(name, None, f"{n} NUL byte{'s' if n > 1 else ''} (invisible zero characters, first on line "
                                f"{first}) removed; the program that wrote the file may have added them: check "
                                "the ids and text on that line")
    if b"\n" not in data and b"\r" in data:
        data = data.replace(b"\r", b"\n")  # old Mac line ends
    nl = data.find(b"\n")
    header = data if nl < 0 else data[:nl]
    _check_width(max(header.count(d) for d in _DELIMITERS) + 1, name)
    if not data.translate(None, _NO_VALUES).strip():
        raise DataValidationError(name, None, "the file holds no values, only delimiters and line breaks; export "
                                              "the data again with its header and rows")
    return data


def _short(exc: BaseException) -> str:
    """The first line of an exception, without the parser's prefixes, at most 160 characters."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    text = text.replace("Error tokenizing data. C error: ", "")
    return text if len(text) <= 160 else text[:157] + "..."


def _gunzip(data: bytes, name: str) -> bytes:
    """The decompressed bytes, or an error saying the archive is cut off, damaged or inflates past the limit.

    Inflated a chunk at a time and never past ``MAX_FILE_MB``, so a small
    archive of zeros (a "gzip bomb") stops at the limit instead of filling
    memory. Several gzip members one after another are read as one file.
    """
    limit = MAX_FILE_MB.value << 20
    out, size, rest = [], 0, data
    try:
        while rest[:2] == _GZIP_MAGIC:
            inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
            chunk = inflater.decompress(rest, _CHUNK)
            while True:
                size += len(chunk)
                if size > limit:
                    raise DataValidationError(name, None, f"the gzip archive inflates to more than "
                                                          f"{MAX_FILE_MB.value:,} MB; {MAX_FILE_MB.advice()}, or "
                                                          "upload a smaller file")
                out.append(chunk)
                if inflater.eof or not inflater.unconsumed_tail:
                    break
                chunk = inflater.decompress(inflater.unconsumed_tail, _CHUNK)
            if not inflater.eof:
                raise EOFError("compressed file ended before the end-of-stream marker was reached")
            rest = inflater.unused_data.lstrip(b"\x00")
    except EOFError as exc:
        raise DataValidationError(name, None, "the gzip archive is cut off (it ends before its last block); "
                                              "the upload or download was probably interrupted: "
                                              "compress or copy the file again") from exc
    except zlib.error as exc:
        raise DataValidationError(name, None, f"the gzip archive is damaged ({_short(exc)}); "
                                              "compress the file again, or upload it uncompressed") from exc
    return b"".join(out)


def _to_utf8(data: bytes) -> bytes:
    """Drop a UTF-8 byte order mark; re-encode UTF-16 text (Excel's "Unicode text") as UTF-8."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):]
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError:
            return data  # left to the binary check below
    return data


def _reject_non_tables(data: bytes, lower_name: str, name: str) -> None:
    """Name the common things uploaded by mistake: workbooks, archives, web pages, binary data."""
    if data.startswith(_PARQUET_MAGIC) or lower_name.endswith(".parquet"):
        return
    head = data[:_SNIFF_BYTES]
    if head.startswith(_ZIP_MAGIC) or head.startswith(_OLE_MAGIC):
        what = "an Excel workbook" if lower_name.endswith((".xlsx", ".xls", ".xlsm")) or \
            head.startswith(_OLE_MAGIC) or b"xl/" in head else "a zip archive"
        raise DataValidationError(name, None, f"is {what}, not a table; save the sheet as CSV UTF-8 "
                                              "(File > Save As) or unzip it, and upload that file")
    start = head.lstrip()[:15].lower()
    if start.startswith((b"<!doctype html", b"<html")):
        raise DataValidationError(name, None, "is a web page (HTML), not a data file; the link probably led "
                                              "to a sign-in or preview page: download the file itself")
    control = len(head) - len(head.translate(None, _CONTROL))
    if control > _MAX_CONTROL_SHARE * len(head):
        raise DataValidationError(name, None, "is binary data, not text; upload CSV, TSV, JSON lines or Parquet "
                                              "(export or save the data as CSV)")


def _parse(data: bytes, lower_name: str, name: str, report: ValidationReport) -> pd.DataFrame:
    """Dispatch on magic bytes first, then on the extension."""
    if data[:4] == _PARQUET_MAGIC or lower_name.endswith(".parquet"):
        return _parquet(data, name)
    is_json = _is_json(data, lower_name)
    encoding = _encoding(data, name, report, "line" if is_json else "row")
    if is_json:
        return _json(data, name, encoding)
    return _csv(data, lower_name, name, encoding, report)


def _parquet(data: bytes, name: str) -> pd.DataFrame:
    try:
        schema = pq.ParquetFile(io.BytesIO(data)).schema_arrow
    except Exception as exc:  # noqa: BLE001 - pyarrow raises many types for damaged files
        raise DataValidationError(name, None, "is not a readable Parquet file: it may be cut off or damaged; "
                                              "export it again, or upload CSV instead") from exc
    _check_width(len(schema.names), name)
    _reject_repeated_names(schema.names, name)
    try:
        df = pd.read_parquet(io.BytesIO(data))
    except Exception as exc:  # noqa: BLE001 - pyarrow raises many types for damaged files
        raise DataValidationError(name, None, "is not a readable Parquet file: it may be cut off or damaged; "
                                              "export it again, or upload CSV instead") from exc
    return set_row_numbering(df, "rows", 1)


def _is_json(data: bytes, lower_name: str) -> bool:
    first = data[:_SNIFF_BYTES].lstrip()[:1]
    return first == b"{" or (lower_name.endswith((".jsonl", ".json", ".ndjson")) and first in (b"{", b"["))


def _json(data: bytes, name: str, encoding: str) -> pd.DataFrame:
    """JSON lines (one object per line), or one JSON array of objects."""
    if data[:_SNIFF_BYTES].lstrip()[:1] == b"[":
        try:
            df = pd.read_json(io.BytesIO(data), orient="records", dtype=False, encoding=encoding)
        except ValueError as exc:
            raise DataValidationError(name, None, f"is not valid JSON ({_short(exc)}); export it again as JSON "
                                                  "lines (one object per line) or CSV") from exc
        return set_row_numbering(df, "rows", 1)
    layout = _pandas_layout(data, encoding)
    if layout is not None:
        return set_row_numbering(pd.read_json(io.BytesIO(data), orient=layout, dtype=False, encoding=encoding),
                                 "rows", 1)
    try:
        df = pd.read_json(io.BytesIO(data), lines=True, dtype=False, encoding=encoding)
    except (ValueError, TypeError) as exc:  # TypeError: a line holding an array or a bare value
        raise DataValidationError(name, None, _bad_json_lines(data, encoding) or
                                  f"could not be read as JSON lines ({_short(exc)}); put one JSON object "
                                  "on each line") from exc
    return set_row_numbering(df, "lines", 1)


def _pandas_layout(data: bytes, encoding: str) -> str | None:
    """The ``orient`` of a file that is one JSON object written by ``DataFrame.to_json`` (else None).

    ``to_json()`` writes columns ({"user_id": {"0": "u1", ...}, ...}), ``orient="index"`` rows keyed by
    number, ``orient="split"`` columns, index and data; JSON lines start the same way but hold one object
    per line.
    """
    nl = data.find(b"\n")
    if not (nl < 0 or not data[nl:].strip() or data[:nl].strip() == b"{"):
        return None  # several lines, the first not a lone '{': JSON lines
    try:
        whole = json.loads(data.decode(encoding, errors="replace"))
    except (json.JSONDecodeError, RecursionError):
        return None
    if not isinstance(whole, dict) or not whole:
        return None
    if {"columns", "data"} <= set(whole) and isinstance(whole["data"], list):
        return "split"
    if not all(isinstance(v, dict) for v in whole.values()):
        return None
    if all(str(k).isdigit() for k in whole):
        return "index"
    return "columns" if all(str(k).isdigit() for v in whole.values() for k in v) else None


def _bad_json_lines(data: bytes, encoding: str) -> str | None:
    """Which lines are not JSON objects, and why the first one is not; None when all parse."""
    bad: list[tuple[int, str]] = []
    for number, line in enumerate(data.decode(encoding).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            bad.append((number, f"{exc.msg} at column {exc.colno}"))
            continue
        if not isinstance(value, dict):
            kind = _JSON_KINDS.get(type(value), "a number")
            bad.append((number, f"it is {kind}, not an object"))
    if not bad:
        return None
    first, why = bad[0]
    more = f" ({len(bad)} such lines: {_numbers([n for n, _ in bad])})" if len(bad) > 1 else ""
    return (f"line {first} is not a valid JSON object ({why}){more}; fix or remove that line "
            "(JSON lines hold one object per line)")


def _csv(data: bytes, lower_name: str, name: str, encoding: str, report: ValidationReport) -> pd.DataFrame:
    body = data.lstrip()
    if skipped := data[:len(data) - len(body)].count(b"\n"):
        data = body
        report.warn(name, None, f"{_plural(skipped, 'blank line')} before the header (row {skipped + 1}) skipped; "
                                "row numbers in these messages count them")
    text = data[:_SNIFF_BYTES].decode(encoding, errors="replace")
    sep = "\t" if lower_name.endswith(".tsv") else _delimiter(text)
    header = _has_header(text, sep)
    first_rows = list(islice((r for r in csv.reader(io.StringIO(text), delimiter=sep) if r), 2))
    if header and first_rows:
        _reject_repeated_names(first_rows[0], name)
    if header and len(first_rows) == 2 and len(first_rows[1]) > len(first_rows[0]):
        # pandas would take the extra first field as the index and shift every column; with
        # index_col=False it drops the extra fields instead, which is only right when they are empty.
        defect = _ragged_rows(data.decode(encoding, errors="replace"), sep, header, empty_extras_ok=True)
        if defect:
            raise DataValidationError(name, None, defect)
    try:
        df = pd.read_csv(io.BytesIO(data), sep=sep, dtype=str, keep_default_na=False, na_values=[""],
                         encoding=encoding, header=0 if header else None, index_col=False)
    except pd.errors.ParserError as exc:
        text = data.decode(encoding, errors="replace")
        defect = _unclosed_quote(text, sep) if "EOF inside string" in str(exc) else _ragged_rows(text, sep, header)
        raise DataValidationError(name, None, defect or f"could not be read as a table ({_short(exc)}); check "
                                                        "the delimiter and the quotes") from exc
    if not header:
        df.columns = [f"column_{i + 1}" for i in range(df.shape[1])]
        first = ", ".join(first_rows[0] if first_rows else [])[:80]
        report.warn(name, None, f"no header row found (row {skipped + 1} holds data: {first}); columns are named "
                                f"column_1..column_{df.shape[1]}: add a header row, or map the columns "
                                "(e.g. column_1 to user_id) in the column mapping")
    return set_row_numbering(df, "rows", (2 if header else 1) + skipped)


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _reject_repeated_names(names: list[str], name: str) -> None:
    """Two columns with one name: pandas would keep the second as 'name.1' and the choice would be silent."""
    seen: dict[str, int] = {}
    for number, col in enumerate((c.strip() for c in names), start=1):
        if col and col in seen:
            raise DataValidationError(name, col, f"the header names this column twice (columns {seen[col]} and "
                                                 f"{number}); rename or remove one of them so it is clear which "
                                                 "holds the values")
        seen.setdefault(col, number)


def _unclosed_quote(text: str, sep: str) -> str | None:
    """Explain a quote the parser found open at the end of the file: the record it opens runs to the end."""
    number = sum(1 for _ in csv.reader(io.StringIO(text), delimiter=sep))
    if not number:
        return None
    return (f"a double quote opened on row {number} is never closed, so the rest of the file reads as one "
            "value; close the quote or remove the stray '\"'")


def _ragged_rows(text: str, sep: str, header: bool, empty_extras_ok: bool = False) -> str | None:
    """Explain rows with more fields than the first row (usually an unquoted delimiter inside a value).

    Extra fields that are all empty (a delimiter at the end of the row) are
    reported too unless ``empty_extras_ok``.
    """
    with_values: list[tuple[int, int]]
    empty: list[tuple[int, int]]
    width, with_values, empty = None, [], []
    for number, record in enumerate(csv.reader(io.StringIO(text), delimiter=sep), start=1):
        if not record:
            continue
        if width is None:
            width = len(record)
        elif len(record) > width:
            (with_values if any(c.strip() for c in record[width:]) else empty).append((number, len(record)))
    shown = "a tab" if sep == "\t" else f"'{sep}'"
    first_row = "the header (row 1)" if header else "row 1"
    if with_values:
        number, n_fields = with_values[0]
        return (f"row {number} has {n_fields} fields but {first_row} has {width}{_more(with_values)}; a value "
                f"probably contains {shown}: put such values in double quotes, or remove the extra fields")
    if empty and not empty_extras_ok:
        return (f"row {empty[0][0]} ends with an extra {shown} that {first_row} does not have{_more(empty)}; "
                f"remove the trailing {shown} from those rows")
    return None


def _more(rows: list[tuple[int, int]]) -> str:
    """' (3 such rows: 4, 9, 12)' when there is more than one (row number, field count)."""
    return f" ({len(rows)} such rows: {_numbers([n for n, _ in rows])})" if len(rows) > 1 else ""


def _numbers(numbers: list[int]) -> str:
    """The first few numbers, with an ellipsis when there are more."""
    shown = ", ".join(map(str, numbers[:N_EXAMPLES]))
    return shown + (", ..." if len(numbers) > N_EXAMPLES else "")


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


def _encoding(data: bytes, name: str, report: ValidationReport, unit: str) -> str:
    """UTF-8 when it decodes; else Windows-1252 (latin-1 plus Excel's quotes and dashes), else latin-1.

    The fallback is reported with the ``unit`` ("row" or "line") of the first
    byte that is not UTF-8, since that is where accented characters may be wrong.
    """
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        where = data.count(b"\n", 0, exc.start) + 1
        try:
            data.decode("cp1252")
            encoding, shown = "cp1252", "latin-1 (Windows-1252)"
        except UnicodeDecodeError:
            encoding, shown = "latin-1", "latin-1"
        report.warn(name, None, f"not valid UTF-8 (first at {unit} {where}); read as {shown}: check accented "
                                "characters in the preview, or save the file as UTF-8 and upload it again")
        return encoding
    return "utf-8"
