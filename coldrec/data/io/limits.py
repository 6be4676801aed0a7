"""The limits that keep one upload from exhausting the server; each can be changed by an environment variable.

A limit that is hit stops the upload with a message naming the limit, its
value and the variable that changes it; nothing is stored.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Limit:
    """One bound: its default and the environment variable that overrides it."""

    env: str
    default: int
    what: str  # how the limit reads in a message: "a file may hold at most {value} columns"

    @property
    def value(self) -> int:
        """The current value: the environment variable when it holds a positive whole number, else the default."""
        raw = os.environ.get(self.env, "").strip().replace("_", "")
        return int(raw) if raw.isdigit() and int(raw) > 0 else self.default

    def advice(self) -> str:
        """'the limit is 256 (COLDREC_MAX_FILE_MB); set COLDREC_MAX_FILE_MB to raise it'."""
        return f"the limit is {self.value:,} {self.what} ({self.env}); set {self.env} to raise it"


# A file's size once decompressed: pandas holds about 4x this in memory, so 256 MB stays within about 1 GB.
MAX_FILE_MB = Limit("COLDREC_MAX_FILE_MB", 256, "MB per file once decompressed")
# Columns per file: a 2-million-column header took 3 GB before this limit.
MAX_COLUMNS = Limit("COLDREC_MAX_COLUMNS", 1_000, "columns per file")
# Characters of an item's text kept for the encoders (which read a few hundred words); longer text is cut.
MAX_TEXT_CHARS = Limit("COLDREC_MAX_TEXT_CHARS", 20_000, "characters of text per item")
# Background jobs (training, search) queued or running at once in one workspace.
MAX_ACTIVE_JOBS = Limit("COLDREC_MAX_JOBS", 4, "jobs queued or running at once")
