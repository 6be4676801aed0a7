"""Reading files and validating them into clean interaction and catalog tables."""

from coldrec.data.io.readers import read_table
from coldrec.data.io.validate import (
    DataValidationError,
    Issue,
    ValidationReport,
    clean_catalog,
    clean_interactions,
)

__all__ = [
    "DataValidationError",
    "Issue",
    "ValidationReport",
    "clean_catalog",
    "clean_interactions",
    "read_table",
]
