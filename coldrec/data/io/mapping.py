"""Column mapping: recognise the common names of each role, let the user override.

A mapping is a plain dict ``{canonical column: column in the file}``; it
round-trips through JSON and the command line (``--map user_id=customer``).
"""

from __future__ import annotations

import re

import pandas as pd

from coldrec.columns import Columns as C
from coldrec.data.io.validate import DataValidationError

# Known spellings per role, most specific first; compared after lower-casing
# and dropping everything but letters and digits.
INTERACTION_ALIASES: dict[str, tuple[str, ...]] = {
    C.user: ("userid", "user", "reviewerid", "customerid", "customer", "visitorid", "clientid", "uid", "buyerid"),
    C.item: ("itemid", "item", "movieid", "asin", "productid", "product", "sku", "articleid", "parentasin", "iid"),
    C.timestamp: ("timestamp", "ts", "unixreviewtime", "datetime", "date", "time", "eventtime", "createdat",
                  "eventtimestamp"),
    C.rating: ("rating", "overall", "score", "stars"),
    C.event: ("event", "eventtype", "action", "behavior", "behaviour", "interactiontype", "type"),
    C.query: ("query", "search", "searchquery", "searchterm", "summary", "reviewtitle"),
    C.weight: ("weight", "count", "quantity"),
}
CATALOG_ALIASES: dict[str, tuple[str, ...]] = {
    C.item: INTERACTION_ALIASES[C.item],
    C.title: ("title", "name", "productname", "producttitle", "itemname"),
    C.description: ("description", "desc", "details", "overview", "body", "about"),
    C.category: ("category", "categories", "genres", "genre", "maincat", "department"),
    C.brand: ("brand", "manufacturer", "maker", "vendor"),
    C.price: ("price", "cost", "listprice"),
}


def norm(name: object) -> str:
    """Lower-case letters and digits only: how column names are compared."""
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


def guess_mapping(columns: list[str], aliases: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """The file column for each role whose name is a known alias; each column used once."""
    by_norm = {norm(c): c for c in reversed(columns)}  # first spelling wins on collisions
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for role, names in aliases.items():
        for alias in (norm(role), *names):
            col = by_norm.get(alias)
            if col is not None and col not in used:
                mapping[role] = col
                used.add(col)
                break
    return mapping


def ambiguous_roles(columns: list[str], mapping: dict[str, str],
                    overrides: dict[str, str] | None = None) -> list[tuple[str, str]]:
    """(role, message) for guessed roles that two columns spell the same way ('User_ID' beside 'user_id').

    The guess would take the first and drop the other without a word, so the
    user must choose; a role the user mapped is never ambiguous.
    """
    out = []
    for role, col in mapping.items():
        if role in (overrides or {}):
            continue
        twins = [c for c in columns if c != col and norm(c) == norm(col)]
        if twins:
            out.append((role, f"columns '{col}' and '{twins[0]}' both read as {role}; map the one that holds the "
                              f"values in the column mapping (--map {role}={col} on the command line), or rename "
                              "the other"))
    return out


def resolve_mapping(columns: list[str], aliases: dict[str, tuple[str, ...]],
                    overrides: dict[str, str] | None = None) -> dict[str, str]:
    """Guessed mapping with the user's overrides on top; an override of ``""`` unmaps a role."""
    mapping = guess_mapping(columns, aliases)
    for role, col in (overrides or {}).items():
        if role not in aliases:
            raise ValueError(f"unknown column role '{role}'; roles are {', '.join(aliases)}")
        if col:
            mapping[role] = col
        else:
            mapping.pop(role, None)
    return mapping


def apply_mapping(df: pd.DataFrame, mapping: dict[str, str], file: str) -> pd.DataFrame:
    """Rename mapped columns to their canonical names; unmapped columns are kept as they are.

    Raises ``DataValidationError`` naming the file, the role and the columns
    the file does have when a mapping points at a column it does not have.
    """
    missing = [(role, col) for role, col in mapping.items() if col not in df.columns]
    if missing:
        role, col = missing[0]
        cols = list(map(str, df.columns))
        found = ", ".join(cols[:12]) + (f", ... ({len(cols)} columns)" if len(cols) > 12 else "")
        raise DataValidationError(file, role, f"the column mapping points {role} at '{col}', which this file does not "
                                              f"have (columns found: {found}); choose one of those columns in the "
                                              f"mapping (--map {role}=COLUMN on the command line)")
    # A canonical name already present but mapped away from must not collide.
    clash = [role for role, col in mapping.items() if role in df.columns and col != role]
    df = df.drop(columns=clash)
    return df.rename(columns={col: role for role, col in mapping.items()})


def parse_pairs(pairs: list[str] | None) -> dict[str, str]:
    """``["user_id=customer", ...]`` (command line) to a mapping dict."""
    out: dict[str, str] = {}
    for pair in pairs or []:
        role, sep, col = pair.partition("=")
        if not sep:
            raise ValueError(f"expected ROLE=COLUMN, got '{pair}'")
        out[role.strip()] = col.strip()
    return out
