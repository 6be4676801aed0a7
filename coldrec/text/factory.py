"""One place that turns an encoder spec string into an encoder."""

from __future__ import annotations

import os
from pathlib import Path

from coldrec.text.hashing import HashingEncoder
from coldrec.text.protocol import TextEncoder
from coldrec.text.sentence import SentenceTransformerEncoder, split_precision
from coldrec.text.static import StaticEncoder

DEFAULT_ENCODER = "minilm"  # the packaged all-MiniLM-L6-v2


def load_encoder(spec: str | None = None) -> TextEncoder:
    """An encoder from a spec string.

    ``None``/``"minilm"``: the packaged MiniLM; ``"hashing"``: the lexical baseline; ``"static:<dir>"`` or a
    directory with ``static_encoder.json``: a distilled static student; else a sentence-transformers directory.
    A sentence-transformers spec may end in ``@fp32``, ``@bf16`` or ``@int8`` to pick the precision it runs at
    (``"minilm@int8"``, ``"/models/mine@bf16"``); each precision has its own embedding-cache key.

    The default comes from ``$COLDREC_ENCODER`` when set.
    """
    spec = spec or os.environ.get("COLDREC_ENCODER") or DEFAULT_ENCODER
    base, precision = split_precision(spec)
    if base.startswith("hashing") or base.startswith("static:") or (Path(base) / "static_encoder.json").exists():
        if precision is not None:
            raise ValueError(f"encoder spec '{spec}': '@{precision}' applies to sentence-transformers models only "
                             "(minilm or a model folder), not to the hashing or static encoders")
        if base.startswith("hashing"):
            return HashingEncoder()

        return StaticEncoder.load(base.removeprefix("static:"))
    path = None if base == "minilm" else base
    return SentenceTransformerEncoder(path, precision or "fp32")
