"""Data in: files read and validated, stored in the workspace, profiled; the synthetic sample shop.

Offers
------
- :mod:`.ingest`: Files in, a clean stored dataset out (or a report of what blocks it).
- :mod:`.profile`: Dataset profile: the sizes, sparsity and popularity skew an analyst checks before training.
- :mod:`.synth`: Seeded generator of a synthetic e-commerce shop (bundled sample data and benchmarks).
- :mod:`.workspace`: Where datasets, embeddings, runs and jobs live on disk.
- :mod:`.io`: Reading files (CSV, TSV, Parquet, JSON lines, gzipped or not), mapping columns, validating and
  cleaning them.
"""

from coldrec.data.ingest import (
    SAMPLE_NAME,
    FilePreview,
    IngestOptions,
    IngestResult,
    find_public_datasets,
    import_and_store,
    ingest,
    ingest_frames,
    ingest_import,
    load_sample,
    preview_file,
    preview_text,
    public_data_roots,
    read_mapped,
    sample_dir,
)
from coldrec.data.profile import (
    HEAD_SHARE,
    HISTOGRAM_BUCKETS,
    DatasetProfile,
    head_size,
    history_buckets,
    profile_dataset,
)
from coldrec.data.synth import generate_shop, main, write_shop
from coldrec.data.workspace import DatasetInfo, Workspace, content_hash, default_root

__all__ = [
    "DatasetInfo",
    "DatasetProfile",
    "FilePreview",
    "HEAD_SHARE",
    "HISTOGRAM_BUCKETS",
    "IngestOptions",
    "IngestResult",
    "SAMPLE_NAME",
    "Workspace",
    "content_hash",
    "default_root",
    "find_public_datasets",
    "generate_shop",
    "head_size",
    "history_buckets",
    "import_and_store",
    "ingest",
    "ingest_frames",
    "ingest_import",
    "load_sample",
    "main",
    "preview_file",
    "preview_text",
    "profile_dataset",
    "public_data_roots",
    "read_mapped",
    "sample_dir",
    "write_shop",
]
