"""Item cards: titles decoded and cut, only the facts an item has, no stray separators."""

from __future__ import annotations

import numpy as np
import pandas as pd

from coldrec.simulation.cards import SEPARATOR, item_cards, item_facts, readable, short_title


def test_entities_are_decoded_even_when_encoded_twice_and_spaces_fold():
    assert readable("Star &#9733; mug") == "Star ★ mug"
    assert readable("Tom &amp;amp; Jerry  \n DVD") == "Tom & Jerry DVD"
    assert readable(np.nan) == "" and readable(None) == ""


def test_long_titles_are_cut_at_a_word_with_an_ellipsis():
    title = "word " * 100
    short = short_title(title, limit=20)
    assert short == "word word word word…" and len(short) <= 21
    assert short_title("short title", limit=20) == "short title"
    assert short_title("x" * 30, limit=10) == "x" * 10 + "…"  # one long word is cut inside it


def test_facts_show_only_what_the_item_has():
    assert item_facts({"category": "Mugs", "brand": "Acme", "price": 12.5}) == "Mugs · Acme · 12.50"
    assert item_facts({"category": np.nan, "price": 3}) == "3.00"
    assert item_facts({"title": "no facts"}) == ""  # no leading "·"
    assert item_facts({"price": "€12"}) == "€12"
    assert not item_facts({"category": "", "brand": "Acme"}).startswith(SEPARATOR)


def test_cards_keep_the_full_title_for_the_hover():
    recs = pd.DataFrame({"rank": [1, 2], "index": [7, 3], "item_id": ["a", "b"],
                         "title": ["&#9733; " + "long " * 40, "Mug"], "score": [1.0, 0.5],
                         "reason": ["matches your words", "popular with everyone"]})
    first, second = item_cards(recs)
    assert first.truncated and first.full_title.startswith("★ long") and first.title.endswith("…")
    assert not second.truncated and second.facts == "" and second.index == 3 and second.rank == 2
    assert first.score_text == "score 1.000" and item_cards(recs.drop(columns="score"))[0].score_text == ""
