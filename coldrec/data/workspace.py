"""Where datasets, embeddings, runs and jobs live on disk.

Metadata sits in SQLite (WAL mode, so the app and a worker process can read
while another writes); tables are Parquet; arrays are npz. Every file is
written to a temporary name and moved into place, so a crash leaves the old
state.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from coldrec.columns import Columns

_SCHEMA = """
CREATE TABLE IF NOT EXISTS datasets (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    content_hash TEXT NOT NULL UNIQUE,
    created REAL NOT NULL,
    n_users INTEGER NOT NULL,
    n_items INTEGER NOT NULL,
    n_interactions INTEGER NOT NULL,
    options TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    dataset_id TEXT,
    params TEXT NOT NULL,
    status TEXT NOT NULL,
    progress REAL NOT NULL DEFAULT 0,
    step TEXT NOT NULL DEFAULT '',
    message TEXT NOT NULL DEFAULT '',
    created REAL NOT NULL,
    started REAL,
    finished REAL,
    pid INTEGER,
    cancel_requested INTEGER NOT NULL DEFAULT 0
);
"""


def _migrate(con: sqlite3.Connection) -> None:
    """Bring a workspace made by an older coldrec up to the current schema."""
    cols = {row[1] for row in con.execute("PRAGMA table_info(datasets)")}
    if "options" not in cols:
        con.execute("ALTER TABLE datasets ADD COLUMN options TEXT NOT NULL DEFAULT '{}'")
        con.commit()


def default_root() -> Path:
    """``$COLDREC_WORKSPACE``, else ``./workspace``."""
    return Path(os.environ.get("COLDREC_WORKSPACE", "workspace")).resolve()


@dataclass(frozen=True)
class DatasetInfo:
    """One stored dataset's metadata."""

    id: str
    name: str
    content_hash: str
    created: float
    n_users: int
    n_items: int
    n_interactions: int
    options: str = "{}"  # JSON of the ingest options (mapping, text fields, feedback)


def content_hash(*parts: bytes) -> str:
    """Hash of uploaded bytes; the same upload is never stored twice."""
    h = hashlib.sha256()
    for part in parts:
        h.update(hashlib.sha256(part).digest())
    return h.hexdigest()


class Workspace:
    """A folder holding everything coldrec stores."""

    def __init__(self, root: str | Path | None = None) -> None:
        self.root = Path(root).resolve() if root is not None else default_root()
        for sub in ("datasets", "embeddings", "runs", "tmp"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(self.root / "coldrec.sqlite", timeout=30)
        try:
            # WAL lets the app read while a worker writes; the mode persists in the file.
            con.execute("PRAGMA journal_mode=WAL")
            con.executescript(_SCHEMA)
            _migrate(con)
        finally:
            con.close()

    @contextmanager
    def db(self) -> Iterator[sqlite3.Connection]:
        """A short-lived connection; one transaction, committed on success."""
        con = sqlite3.connect(self.root / "coldrec.sqlite", timeout=30, isolation_level=None)
        con.row_factory = sqlite3.Row
        try:
            con.execute("PRAGMA busy_timeout=30000")
            con.execute("BEGIN IMMEDIATE")
            yield con
            con.execute("COMMIT")
        except BaseException:
            if con.in_transaction:
                con.execute("ROLLBACK")
            raise
        finally:
            con.close()

    # -- datasets ---------------------------------------------------------
    def add_dataset(self, name: str, interactions: pd.DataFrame, catalog: pd.DataFrame,
                    digest: str, options: dict | None = None) -> tuple[DatasetInfo, bool]:
        """Store a cleaned dataset; returns (info, created). An identical upload returns the stored one.

        The tables are written to a staging folder first; the check for an
        identical dataset, the move into place and the row are one database
        transaction, so the same files uploaded twice at the same moment store
        one dataset (the second caller gets it back with ``created`` False).
        A failed write (a full disk) raises ``OSError`` and leaves the
        workspace as it was.
        """
        existing = self.find_dataset_by_hash(digest)
        if existing is not None:
            return existing, False
        ds_id = digest[:12]
        info = DatasetInfo(ds_id, name, digest, time.time(), int(interactions[Columns.user].nunique()),
                           int(len(catalog)), int(len(interactions)), json.dumps(options or {}, sort_keys=True))
        with self.staging() as tmp:
            interactions.to_parquet(tmp / "interactions.parquet", index=False)
            catalog.to_parquet(tmp / "catalog.parquet", index=False)
            dest, moved = self.root / "datasets" / ds_id, False
            try:
                with self.db() as con:  # BEGIN IMMEDIATE: one writer at a time from here
                    row = con.execute("SELECT * FROM datasets WHERE content_hash=?", (digest,)).fetchone()
                    if row is not None:
                        return DatasetInfo(**dict(row)), False
                    self._replace_dir(tmp, dest)
                    moved = True
                    con.execute("INSERT INTO datasets VALUES (?,?,?,?,?,?,?,?)", tuple(vars(info).values()))
            except BaseException:
                if moved:  # the row never committed: the folder must not stay behind
                    shutil.rmtree(dest, ignore_errors=True)
                raise
        return info, True

    def datasets(self) -> list[DatasetInfo]:
        with self.db() as con:
            rows = con.execute("SELECT * FROM datasets ORDER BY created").fetchall()
        return [DatasetInfo(**dict(r)) for r in rows]

    def dataset(self, ds_id: str) -> DatasetInfo:
        with self.db() as con:
            row = con.execute("SELECT * FROM datasets WHERE id=?", (ds_id,)).fetchone()
        if row is None:
            raise KeyError(f"no dataset '{ds_id}' in {self.root}")
        return DatasetInfo(**dict(row))

    def find_dataset_by_hash(self, digest: str) -> DatasetInfo | None:
        with self.db() as con:
            row = con.execute("SELECT * FROM datasets WHERE content_hash=?", (digest,)).fetchone()
        return DatasetInfo(**dict(row)) if row else None

    def load_interactions(self, ds_id: str) -> pd.DataFrame:
        return pd.read_parquet(self.root / "datasets" / ds_id / "interactions.parquet")

    def load_catalog(self, ds_id: str) -> pd.DataFrame:
        return pd.read_parquet(self.root / "datasets" / ds_id / "catalog.parquet")

    def delete_dataset(self, ds_id: str) -> None:
        """Forget the row first, then the files: a crash in between leaves only an orphan folder."""
        with self.db() as con:
            con.execute("DELETE FROM datasets WHERE id=?", (ds_id,))
        shutil.rmtree(self.root / "datasets" / ds_id, ignore_errors=True)

    # -- files ------------------------------------------------------------
    @contextmanager
    def staging(self) -> Iterator[Path]:
        """A temporary folder on the same file system, removed afterwards."""
        tmp = Path(tempfile.mkdtemp(dir=self.root / "tmp"))
        try:
            yield tmp
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    @staticmethod
    def _replace_dir(src: Path, dest: Path) -> None:
        """Move a finished folder into place; the old one is swapped out, then removed."""
        old = dest.with_name(f".{dest.name}.{uuid.uuid4().hex}.old")
        if dest.exists():
            os.replace(dest, old)
        os.replace(src, dest)
        shutil.rmtree(old, ignore_errors=True)

    def run_dir(self, job_id: str) -> Path:
        return self.root / "runs" / job_id

    def write_json(self, path: Path, obj: object) -> None:
        """Atomic JSON write."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
        tmp.write_text(json.dumps(obj, indent=2, sort_keys=True))
        os.replace(tmp, path)

    def write_parquet(self, path: Path, frame: pd.DataFrame) -> None:
        """Atomic Parquet write."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
        frame.to_parquet(tmp, index=False)
        os.replace(tmp, path)
