"""Importers for public datasets from their published files: MovieLens, Amazon 2018 reviews + meta.

Offers
------
- :mod:`.amazon`: Amazon 2018 reviews importer: a reviews file (5-core or full) and its category's meta file.
- :mod:`.common`: What every public-dataset importer shares: the result type, the file digest, and row clean-up.
- :mod:`.dispatch`: Importers for public recommendation datasets: find the format of a folder and import it.
- :mod:`.movielens`: MovieLens importer: a release in the ``ml-latest`` layout (ratings.csv, movies.csv, optional
  tags.csv).
"""

from coldrec.data.io.public.amazon import amazon_pairs, import_amazon
from coldrec.data.io.public.common import ImportResult, add_missing_items, clean_ids, drop_unusable, file_digest
from coldrec.data.io.public.dispatch import detect_format, import_folder
from coldrec.data.io.public.movielens import MOVIELENS_FILES, import_movielens

__all__ = [
    "ImportResult",
    "MOVIELENS_FILES",
    "add_missing_items",
    "amazon_pairs",
    "clean_ids",
    "detect_format",
    "drop_unusable",
    "file_digest",
    "import_amazon",
    "import_folder",
    "import_movielens",
]
