"""Plain text out of the HTML fragments, entities and lists that public catalogs hold.

Scraped catalogs (Amazon above all) carry markup in fields that should be
plain text: ``"Maggiano&#39;s Gift Card"``, ``"<div class=\\"aplus\\"> <br>..."``,
a title that is only the unterminated fragment ``'<span class="a-size-medium"'``,
descriptions stored as lists of paragraphs. ``clean_text`` turns one such value
into one plain line; ``clean_text_column`` does a whole column. Both run in
time linear in the length of the text, whatever it holds.
"""

from __future__ import annotations

import ast
import html
import json
import re
import threading
from collections.abc import Iterable
from html.parser import HTMLParser
from typing import Any

import numpy as np
import pandas as pd

LIST_SEPARATOR = "; "
_SENTENCE_END = frozenset(".!?;:")

# Inline tags vanish without a trace ("<i>Maximum PC</i>," -> "Maximum PC,");
# any other tag (br, p, div, li, td, ...) stands for a word break.
_INLINE = frozenset("a abbr b big cite code em font i q s small span strike strong sub sup tt u".split())
# Tag names trusted even when the fragment is cut off before its '>'.
_KNOWN = _INLINE | frozenset(
    "area article aside blockquote body br button caption center col colgroup dd div dl dt footer form h1 h2 h3 h4 "
    "h5 h6 head header hr html iframe img input label li link meta nav noscript ol option p pre script section "
    "select style table tbody td textarea tfoot th thead title tr ul wbr".split())
_SKIPPED = frozenset(("script", "style"))
_TAG_NAME = re.compile(r"</?([a-zA-Z][\w:-]{0,30})")
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_MARKUP_CHARS = re.compile(r"[<>&\[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
# Sections whose end is a marker, not the next '>': what starts them and what ends them.
_SECTIONS = (("<!--", "-->"), ("<![", "]]>"))
# A '<' with no '>' before the next '<' (or the end): one scan finds it, each character read once.
_OPEN_LT = re.compile(r"<[^<>]*(?:<|\Z)")
_LOCAL = threading.local()  # one parser per thread (Streamlit runs sessions in threads), reset per value


class _TextParser(HTMLParser):
    """Collects the text of a fragment: inline tags vanish, other tags become a space, scripts and styles go."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self._skip = 0
        super().__init__(convert_charrefs=True)

    def reset(self) -> None:
        super().reset()
        self.parts, self._skip = [], 0

    def text_of(self, markup: str) -> str:
        """The text of one fragment (the parser is reset first, so one instance serves every value)."""
        self.reset()
        self.feed(markup)
        self.close()
        return "".join(self.parts)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED:
            self._skip += 1
        self.parts.append("" if tag in _INLINE else " ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self._skip = max(0, self._skip - 1)
        self.parts.append("" if tag in _INLINE else " ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.parts.append("" if tag in _INLINE else " ")

    def handle_data(self, data: str) -> None:
        if not self._skip and not self.cdata_elem:
            self.parts.append(data)

    def handle_comment(self, data: str) -> None:
        self.parts.append(" ")

    def handle_decl(self, decl: str) -> None:
        self.parts.append(" ")

    def handle_pi(self, data: str) -> None:
        self.parts.append(" ")

    def unknown_decl(self, data: str) -> None:
        self.parts.append(" ")


def clean_text(value: Any) -> str:
    """One plain-text line from a raw catalog value.

    Parameters
    ----------
    value
        A string (possibly HTML, possibly a JSON or Python list literal), a
        list, tuple or numpy array of such values, a dict (a Parquet struct:
        its values are joined), ``None``/NaN, or any scalar.

    Returns
    -------
    str
        Tags removed (``<script>``/``<style>`` with their contents), entities
        unescaped, list elements cleaned and joined with ``"; "`` (empty ones
        skipped; after an element that ends a sentence, with a space only),
        whitespace collapsed to single spaces; ``""`` for missing.

    Notes
    -----
    Python's ``html.parser`` reads the markup, after one linear pass that
    decides which ``<`` can open a tag: only the last ``<`` before a ``>``
    (and comments or CDATA sections that are closed). Every other ``<`` is
    text, so ``"a < b"`` and ``"<3"`` survive, and the parser never rescans a
    long unterminated tag (which made the regular expressions before it
    quadratic: 11 s for a 64k-character title). The values are fragments,
    often cut off mid-tag: an unterminated tag at the end of a value is
    dropped only for known HTML tag names, and the tail of a tag whose start
    was cut off (``' Magazines" />'``) only when a quote closes it. Entities
    are unescaped before and after tag removal, so double-escaped markup
    (``&lt;br&gt;``) goes too.
    """
    if isinstance(value, (list, tuple, np.ndarray, pd.Series)):
        return _join(value)
    if isinstance(value, dict):  # a Parquet struct or JSON object: its values, not its repr
        return _join(list(value.values()))
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

    Each distinct string is cleaned once. About 0.5 s of CPU for 100k distinct
    short strings, a quarter of them with markup (0.3 s with the regular
    expressions this replaced, which were quadratic on broken markup).
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
    if ">" in text:
        text = _drop_tag_tail(text)
    if "<" in text:
        text = _drop_cut_tag(text)
    if "<" in text or "&" in text:
        text = _parser().text_of(_guard(text) if "<" in text else text)
    if _INVISIBLE.search(text):
        text = _INVISIBLE.sub("", text)
    return " ".join(text.split())


def _parser() -> _TextParser:
    """This thread's parser."""
    parser = getattr(_LOCAL, "parser", None)
    if parser is None:
        parser = _LOCAL.parser = _TextParser()
    return parser


def _drop_tag_tail(text: str) -> str:
    """Without the tail of a tag whose start was cut off (``' Magazines" />'``): text up to the first '>' that
    holds no '<' and ends with a quote, optional '/' and '>'."""
    end = text.find(">")
    head = text[:end]
    if "<" in head:
        return text
    head = head[:-1] if head.endswith("/") else head
    return text[end + 1:] if head.rstrip().endswith(('"', "'")) else text


def _drop_cut_tag(text: str) -> str:
    """Without a known tag cut off at the end: bare (``"<br"``) or with an attribute (``'<span class="x'``)."""
    cut = text.rfind("<")
    tail = text[cut:]
    if ">" in tail:
        return text
    m = _TAG_NAME.match(tail)
    if m is None or m.group(1).lower() not in _KNOWN:
        return text
    rest = tail[m.end():]
    bare = rest.strip() in ("", "/")
    with_attribute = rest[:1].isspace() and "=" in rest
    return text[:cut] if bare or with_attribute else text


def _guard(text: str) -> str:
    """``text`` with every '<' that cannot open a tag written as ``&lt;``, in one pass.

    A '<' opens a tag only when a '>' follows before the next '<'; a comment
    or CDATA section only when its end marker follows. The parser then sees
    only constructs it can finish without scanning ahead, so it runs in
    linear time; the escaped '<' come back as text.
    """
    if "<!" not in text and _OPEN_LT.search(text) is None:
        return text  # every '<' closes before the next: nothing to escape
    out: list[str] = []
    n, i = len(text), 0
    unclosed: set[str] = set()  # end markers known to be absent from here on: never searched again
    gt = -1  # the first '>' after the current '<' (found once, reused until passed)
    while i < n:
        lt = text.find("<", i)
        if lt < 0:
            out.append(text[i:])
            break
        out.append(text[i:lt])
        section = next(((start, end) for start, end in _SECTIONS if text.startswith(start, lt)), None)
        if section is not None and section[1] not in unclosed:
            close = text.find(section[1], lt + len(section[0]))
            if close >= 0:
                stop = close + len(section[1])
                out.append(text[lt:stop])
                i = stop
                continue
            unclosed.add(section[1])
        if gt != n and gt <= lt:
            gt = text.find(">", lt + 1)
            gt = n if gt < 0 else gt
        nxt_lt = text.find("<", lt + 1)
        if gt < n and (nxt_lt < 0 or gt < nxt_lt) and section is None:
            out.append(text[lt:gt + 1])
            i = gt + 1
        else:
            out.append("&lt;")
            i = lt + 1
    return "".join(out)
