"""Canonical column names and the required columns of each table."""

from __future__ import annotations


class Columns:
    """Canonical column names; use these instead of string literals."""

    user = "user_id"
    item = "item_id"
    timestamp = "timestamp"
    event = "event"
    weight = "weight"
    rating = "rating"
    query = "query"  # the user's own words (search query, review summary, tag)
    title = "title"
    description = "description"
    category = "category"
    brand = "brand"
    price = "price"
    text = "text"


INTERACTION_REQUIRED: tuple[str, ...] = (Columns.user, Columns.item, Columns.timestamp)
CATALOG_REQUIRED: tuple[str, ...] = (Columns.item, Columns.title)

# Catalog fields that make an item's text, in this order, when present.
DEFAULT_TEXT_FIELDS: tuple[str, ...] = (
    Columns.title,
    Columns.category,
    Columns.brand,
    Columns.description,
)
