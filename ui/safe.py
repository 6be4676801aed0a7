"""User text shown through Streamlit's Markdown (captions, messages) without acting as Markdown.

Titles, queries, file names and the values quoted in validation messages come
from uploads; in a caption ``![x](https://...)`` would load a remote image and
``[x](...)`` would draw a link. ``md`` backslash-escapes every Markdown
character, so the text reads exactly as written.
"""

from __future__ import annotations

import re

# Markdown, HTML, LaTeX ($) and autolink (':') characters; a backslash before each shows it literally.
_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~:$&=\"'])")


def md(text: object) -> str:
    """``text`` escaped for ``st.markdown``/``st.caption``/``st.error``: one line, no links, images or markup."""
    return _SPECIAL.sub(r"\\\1", " ".join(str(text).split()))
