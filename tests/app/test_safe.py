"""ui.safe.md: user text through Streamlit's Markdown shows as written, never as a link, image or HTML (#17)."""

from __future__ import annotations

import pytest

from ui.safe import md


@pytest.mark.parametrize("raw,shown", [
    ("![x](https://evil.example/p.png)", r"!\[x\](https\://evil.example/p.png)"),  # no remote image
    ("[click](javascript:alert(1))", r"\[click\](javascript:alert(1))"),            # no link
    ("see www.evil.example now", r"see www\.evil.example now"),                      # no bare autolink
    ("<img src=x onerror=alert(1)>", r"\<img src=x onerror=alert(1)\>"),             # no HTML
    ("$x^2$ and *bold*", r"\$x^2\$ and \*bold\*"),                                   # no maths, no emphasis
    ("line one\nline two", "line one line two"),
    ("good_interactions.csv, column 'user_id': rows 5, 10 (e.g. 'NaN')",
     "good_interactions.csv, column 'user_id': rows 5, 10 (e.g. 'NaN')"),             # messages read unchanged
])
def test_markdown_in_user_text_is_escaped(raw, shown):
    assert md(raw) == shown
