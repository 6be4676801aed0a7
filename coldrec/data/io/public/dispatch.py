"""Importers for public recommendation datasets: find the format of a folder and import it.

The formats live in :mod:`coldrec.data.io.public.movielens` and :mod:`coldrec.data.io.public.amazon`;
their shared result type and clean-up in :mod:`coldrec.data.io.public.common`.
"""

from __future__ import annotations

from pathlib import Path

from coldrec.data.io.public.amazon import amazon_pairs, import_amazon
from coldrec.data.io.public.common import ImportResult, file_digest
from coldrec.data.io.public.movielens import MOVIELENS_FILES, import_movielens

__all__ = ["ImportResult", "detect_format", "file_digest", "import_amazon", "import_folder", "import_movielens"]


def detect_format(folder: str | Path) -> str | None:
    """``"movielens"``, ``"amazon"`` or ``None``, from the file names in ``folder`` (not its subfolders)."""
    folder = Path(folder)
    if not folder.is_dir():
        return None
    names = {p.name for p in folder.iterdir() if p.is_file()}
    if all(n in names for n in MOVIELENS_FILES):
        return "movielens"
    if amazon_pairs(folder):
        return "amazon"
    return None


def import_folder(folder: str | Path) -> ImportResult:
    """Import the dataset in ``folder``, whichever known format it is.

    Raises
    ------
    ValueError
        When the folder holds no known dataset, or several Amazon categories.
    """
    folder = Path(folder)
    found: str | list[str]
    fmt = detect_format(folder)
    if fmt == "movielens":
        return import_movielens(folder)
    if fmt == "amazon":
        pairs = amazon_pairs(folder)
        if len(pairs) > 1:
            found = ", ".join(f"{r.name} + {m.name}" for r, m in pairs)
            raise ValueError(f"{folder} holds several Amazon categories ({found}); "
                             "import one with import_amazon(reviews, meta)")
        return import_amazon(*pairs[0])
    found = sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []
    raise ValueError(f"{folder}: no known dataset. Expected MovieLens (ratings.csv and movies.csv, "
                     "optionally tags.csv) or Amazon reviews (<Category>_5.json.gz and meta_<Category>.json.gz); "
                     f"found: {', '.join(found) or 'nothing'}")
