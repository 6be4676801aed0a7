"""Plain text out of the HTML fragments, entities and lists that public catalogs hold.

Scraped catalogs (Amazon above all) carry markup in fields that should be
plain text: ``"Maggiano&#39;s Gift Card"``, ``"<div class=\\"aplus\\"> <br>..."``,
a title that is only the unterminated fragment ``'<span class="a-size-medium"'``,
descriptions stored as lists of paragraphs. ``clean_text`` turns one such value
into one plain line; ``clean_text_column`` does a whole column.
"""

from __future__ import annotations

import ast
import html
import json
import re
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

LIST_SEPARATOR = "; "
_SENTENCE_END = frozenset(".!?;:")

# Inline tags vanish without a trace ("<i>Maximum PC</i>," -> "Maximum PC,");
# any other tag (br, p, div, li, td, ...) stands for a word break.
_INLINE = frozenset("a abbr b big cite code em font i q s small span strike strong sub sup tt u".split())
# Tag names trusted even when the fragment is cut off before its '>'.
_KNOWN = "|".join(sorted(_INLINE) + (
    "area article aside blockquote body br button caption center col colgroup dd div dl dt footer form h[1-6] "
    "head header hr html iframe img input label li link meta nav noscript ol option p pre script section select "
    "style table tbody td textarea tfoot th thead title tr ul wbr").split())

_SCRIPT_STYLE = re.compile(r"<(script|style)\b[^>]*>.*?(?:</\1\s*>|\Z)|<(?:script|style)\b[^>]*\Z",
                           re.IGNORECASE | re.DOTALL)
_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)|<!\[CDATA\[.*?(?:\]\]>|\Z)|<![^>]*>", re.DOTALL)
_TAG = re.compile(r"</?([a-zA-Z][\w:-]*)(?:\s[^<>]*)?/?>")
# A known tag cut off at the end of the value: bare ("<br") or with an attribute ('<span class="x').
_CUT_TAG = re.compile(rf"</?(?:{_KNOWN})(?:\s*/?|\s+[^<>]*=[^<>]*)", re.IGNORECASE)
# The tail of a tag whose start was cut off: ' Magazines" />'.
_TAG_TAIL = re.compile(r"[^<>]*?[\"']\s*/?>")
_ENTITY = re.compile(r"&(?:#\d+|#[xX][0-9a-fA-F]+|[a-zA-Z]\w*);?")
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_MARKUP_CHARS = re.compile(r"[<>&\[\u200b\u200c\u200d\u2060\ufeff\u00ad]")


def clean_text(value: Any) -> str:
    """One plain-text line from a raw catalog value.

    Parameters
    ----------
    value
        A string (possibly HTML, possibly a JSON or Python list literal), a
        list, tuple or numpy array of such values, ``None``/NaN, or any scalar.

    Returns
    -------
    str
        Tags removed (``<script>``/``<style>`` with their contents), entities
        unescaped, list elements cleaned and joined with ``"; "`` (empty ones
        skipped; after an element that ends a sentence, with a space only),
        whitespace collapsed to single spaces; ``""`` for missing.

    Notes
    -----
    Regexes, not a full HTML parser: the values are fragments, often cut off
    mid-tag, where a parser buffers the broken tail instead of dropping it. A
    ``<`` only starts a tag when a letter, ``/`` or ``!`` follows, so
    ``"a < b"`` and ``"<3"`` survive; an unterminated tag at the end of a value
    is dropped only for known HTML tag names, and the tail of a tag whose start
    was cut off (``' Magazines" />'``) only when a quote closes it. Entities
    are unescaped before and after tag removal, so double-escaped markup
    (``&lt;br&gt;``) goes too.
    """
    if isinstance(value, (list, tuple, np.ndarray, pd.Series)):
        return _join(value)
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    text = value if isinstance(value, str) else str(value)
    if _MARKUP_CHARS.search(text) is None:
        return " ".join(text.split())
    listed = _as_list(text)
    if listed is not None:
        return _join(listed)
    return _strip_markup(text)


def clean_text_column(values: pd.Series | Iterable[Any]) -> pd.Series:
    """``clean_text`` over a column, keeping its index; plain strings take a fast path.

    Each distinct string is cleaned once. About 0.2 s for 100k distinct short
    strings without markup and about 1 s with markup (``tests/test_textclean.py``
    holds it under 2 s).
    """
    series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    search = _MARKUP_CHARS.search
    done: dict[str, str] = {}  # catalog columns repeat values (categories, brands): clean each once
    out = []
    for v in series.tolist():
        if type(v) is not str:
            out.append(clean_text(v))
        elif (c := done.get(v)) is not None:
            out.append(c)
        else:
            c = done[v] = " ".join(v.split()) if search(v) is None else clean_text(v)
            out.append(c)
    return pd.Series(out, index=series.index, dtype=object, name=series.name)


def _join(items: Iterable[Any]) -> str:
    """Clean each element and join the non-empty ones; a part ending a sentence needs only a space."""
    values = items.tolist() if isinstance(items, (np.ndarray, pd.Series)) else items
    parts = [p for p in map(clean_text, values) if p]
    if not parts:
        return ""
    out = [parts[0]]
    for prev, part in zip(parts, parts[1:], strict=False):
        out.append(" " if prev[-1] in _SENTENCE_END else LIST_SEPARATOR)
        out.append(part)
    return "".join(out)


def _as_list(text: str) -> list[Any] | None:
    """The elements of a string that is a JSON or Python list literal, else None."""
    s = text.strip()
    if not (s.startswith("[") and s.endswith("]")):
        return None
    for parse in (json.loads, ast.literal_eval):
        try:
            parsed = parse(s)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            continue
        return parsed if isinstance(parsed, list) else None
    return None


def _strip_markup(text: str) -> str:
    """Tags out, entities in, whitespace collapsed."""
    if "&" in text:
        text = html.unescape(text)
    if ">" in text and (m := _TAG_TAIL.match(text)) is not None:
        text = text[m.end():]
    if "<" in text:
        text = _SCRIPT_STYLE.sub(" ", text)
        text = _COMMENT.sub(" ", text)
        text = _TAG.sub(_tag_space, text)
        cut = text.rfind("<")
        if cut >= 0 and _CUT_TAG.fullmatch(text, cut):
            text = text[:cut]
    if "&" in text and _ENTITY.search(text):
        text = html.unescape(text)
    if _INVISIBLE.search(text):
        text = _INVISIBLE.sub("", text)
    return " ".join(text.split())


def _tag_space(match: re.Match[str]) -> str:
    """Nothing for an inline tag, a space for any other."""
    return "" if match.group(1).lower() in _INLINE else " "
