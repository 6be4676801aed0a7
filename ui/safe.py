"""User text shown through Streamlit's Markdown (captions, messages) without acting as Markdown.

Titles, queries, file names and the values quoted in validation messages come
from uploads; in a caption ``![x](https://...)`` would load a remote image and
``[x](...)`` or a bare ``https://...`` would draw a link. ``md`` escapes what
makes links, images, HTML, maths and emphasis, so the text reads as written.
"""

from __future__ import annotations

import re

# Brackets (links, images), angle brackets (HTML, autolinks), $ (maths), backslash, backtick and asterisk.
_SPECIAL = re.compile(r"([\\\[\]<>$`*])")
# A bare address becomes a link in GitHub-flavoured Markdown; an escaped ':' or '.' keeps it text.
_AUTOLINK = re.compile(r"(?i)\b(https?|ftp)(:)|\b(www)(\.)")


def md(text: object) -> str:
    """``text`` escaped for ``st.markdown``/``st.caption``/``st.error``: one line, no links, images or markup."""
    escaped = _SPECIAL.sub(r"\\\1", " ".join(str(text).split()))
    return _AUTOLINK.sub(lambda m: f"{m.group(1) or m.group(3)}\\{m.group(2) or m.group(4)}", escaped)
