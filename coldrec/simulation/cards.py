"""What an item card in the simulator shows: a readable title (entities decoded, long ones cut) and its facts.

Catalog text arrives as uploaded: HTML entities (``&#9733;``), runs of
spaces, 500-character titles. A card shows the title decoded and cut to one
or two lines, keeps the full text for a hover, and lists only the facts the
item has (category, brand, price) so an item without them shows no stray
separator.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from coldrec.columns import Columns

TITLE_CHARS = 90  # about two lines of a card at 1280 px with three strategies side by side
SEPARATOR = " · "


@dataclass(frozen=True)
class ItemCard:
    """One recommended item as a card: rank, short and full title, its facts, why it is there."""

    rank: int
    index: int
    title: str
    full_title: str
    facts: str
    reason: str
    score: float | None = None  # the strategy's score, for an analyst comparing re-rankings

    @property
    def score_text(self) -> str:
        return "" if self.score is None or pd.isna(self.score) else f"score {self.score:.3f}"

    @property
    def truncated(self) -> bool:
        return self.title != self.full_title


def readable(text: object) -> str:
    """Entities decoded (twice-encoded ones too) and white space folded; '' for a missing value."""
    if text is None or (isinstance(text, float) and pd.isna(text)):
        return ""
    out = str(text)
    for _ in range(2):  # "&amp;#9733;" is common in scraped catalogs
        out = html.unescape(out)
    return " ".join(out.split())


def short_title(text: object, limit: int = TITLE_CHARS) -> str:
    """The readable title cut at a word boundary near ``limit`` characters, with an ellipsis when cut."""
    full = readable(text)
    if len(full) <= limit:
        return full
    cut = full[:limit].rsplit(" ", 1)[0] if " " in full[:limit] else full[:limit]
    return cut.rstrip(" ,;:-") + "…"


def price_text(value: object) -> str:
    """A price as shown: a number to two decimals, text as given (a currency kept), nothing when missing."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, int | float):
        return f"{value:,.2f}"
    return readable(value)


def item_facts(row: Mapping[str, object]) -> str:
    """Category, brand and price joined by ' · ', only those the item has."""
    parts = [readable(row.get(Columns.category)), readable(row.get(Columns.brand)), price_text(row.get(Columns.price))]
    return SEPARATOR.join(p for p in parts if p)


def item_cards(recs: pd.DataFrame, limit: int = TITLE_CHARS) -> list[ItemCard]:
    """Cards for a recommendation list (rank, index, title, optional category/brand/price, optional reason)."""
    return [ItemCard(rank=int(row["rank"]), index=int(row["index"]), title=short_title(row[Columns.title], limit),
                     full_title=readable(row[Columns.title]), facts=item_facts(row),
                     reason=readable(row.get("reason", "")), score=_score(row.get("score")))
            for row in recs.to_dict("records")]


def _score(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not pd.isna(value) else None
