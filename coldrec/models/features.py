"""What the neural models share: item side features, padded histories, torch weights as arrays, threads.

Item features are encoded once per fit against the catalog (row i is item i).
Category and brand become integer codes for learned embeddings, price a
standardised log price. A value only ever seen on items without train
interactions gets the unknown code 0, exactly as such an item's ID does:
its embedding would never be trained, and scoring a new item with a random
vector would be noise dressed up as content.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
from torch import nn

from coldrec.columns import Columns
from coldrec.models.base import Context, FitData

C = Columns


@dataclass
class ItemFeatures:
    """Per-item inputs: unit text vectors, category/brand codes (0 = unknown), standardised log price."""

    text: np.ndarray  # (n_items, dim) float32
    category: np.ndarray  # (n_items,) int64
    brand: np.ndarray  # (n_items,) int64
    price: np.ndarray  # (n_items,) float32, 0 when missing

    @property
    def n_categories(self) -> int:
        return int(self.category.max()) + 1 if len(self.category) else 1

    @property
    def n_brands(self) -> int:
        return int(self.brand.max()) + 1 if len(self.brand) else 1

    def arrays(self, prefix: str = "feat.") -> dict[str, np.ndarray]:
        return {f"{prefix}{k}": getattr(self, k) for k in ("text", "category", "brand", "price")}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], prefix: str = "feat.") -> ItemFeatures:
        return cls(*(np.asarray(arrays[f"{prefix}{k}"]) for k in ("text", "category", "brand", "price")))


def warm_mask(data: FitData) -> np.ndarray:
    """True for items with at least one train interaction."""
    warm = np.zeros(data.n_items, dtype=bool)
    warm[data.items] = True
    return warm


def item_features(data: FitData, warm: np.ndarray) -> ItemFeatures:
    """Encode the catalog's text, category, brand and price; missing columns encode as unknown."""
    n = data.n_items
    catalog = data.catalog if data.catalog is not None else pd.DataFrame(index=range(n))
    text = np.ascontiguousarray(data.embeddings, dtype=np.float32)
    price = np.zeros(n, dtype=np.float32)
    if C.price in catalog.columns:
        logp = np.log1p(pd.to_numeric(catalog[C.price], errors="coerce").clip(lower=0).to_numpy(dtype=float))
        known = np.isfinite(logp)
        if known.sum() > 1:
            std = logp[known].std()
            price[known] = (logp[known] - logp[known].mean()) / (std if std > 0 else 1.0)
    return ItemFeatures(text, _codes(catalog, C.category, warm), _codes(catalog, C.brand, warm), price)


def _codes(catalog: pd.DataFrame, column: str, warm: np.ndarray) -> np.ndarray:
    """1-based codes of values seen on warm items (sorted, so deterministic); 0 otherwise."""
    if column not in catalog.columns:
        return np.zeros(len(warm), dtype=np.int64)
    values = catalog[column].astype("string").fillna("").str.strip().to_numpy(dtype=object)
    vocab = pd.Index(sorted({v for v in values[warm] if v}))
    return (vocab.get_indexer(values) + 1).astype(np.int64)


def pad_histories(contexts: Sequence[Context], max_len: int, half_life: float) -> tuple[np.ndarray, np.ndarray]:
    """The last ``max_len`` items of each context as (n, max_len) indices and recency weights summing to 1.

    Padding has index 0 and weight 0; an empty context has all weights 0.
    """
    lengths = np.array([min(len(c.items), max_len) for c in contexts], dtype=np.int64)
    idx = np.zeros((len(contexts), max_len), dtype=np.int64)
    for row, ctx in enumerate(contexts):
        if lengths[row]:
            idx[row, max_len - lengths[row]:] = np.asarray(ctx.items)[-lengths[row]:]
    age = np.arange(max_len)[::-1]
    return idx, recency_weights(age[None, :], age[None, :] < lengths[:, None], half_life)


def recency_weights(age: np.ndarray, valid: np.ndarray, half_life: float) -> np.ndarray:
    """Weights halving every ``half_life`` steps of age (0 = uniform), zero where not valid, rows summing to 1."""
    w = np.where(valid, 0.5 ** (age / half_life) if half_life > 0 else 1.0, 0.0).astype(np.float32)
    total = w.sum(axis=1, keepdims=True)
    return np.divide(w, total, out=np.zeros_like(w), where=total > 0)


def mix_query(text: np.ndarray, contexts: Sequence[Context], has_items: np.ndarray, weight: float) -> np.ndarray:
    """Mix each context's unit query into its pooled text vector (the query alone when there are no items)."""
    out = text.copy()
    for row, ctx in enumerate(contexts):
        if ctx.query is None:
            continue
        q = np.asarray(ctx.query, dtype=np.float32).ravel()
        q = q / max(float(np.linalg.norm(q)), 1e-12)
        w = weight if has_items[row] else 1.0
        out[row] = (1 - w) * out[row] + w * q
    return out


def mlp(d_in: int, hidden: int, d_out: int) -> nn.Module:
    """One hidden ReLU layer, or a linear map when ``hidden`` is 0."""
    if hidden <= 0:
        return nn.Linear(d_in, d_out)
    return nn.Sequential(nn.Linear(d_in, hidden), nn.ReLU(), nn.Linear(hidden, d_out))


def module_arrays(module: nn.Module, prefix: str = "w.") -> dict[str, np.ndarray]:
    """A module's parameters and buffers as numpy arrays, for npz."""
    return {f"{prefix}{k}": v.detach().cpu().numpy().copy() for k, v in module.state_dict().items()}


def load_module_arrays(module: nn.Module, arrays: dict[str, np.ndarray], prefix: str = "w.") -> None:
    """Counterpart of :func:`module_arrays` (strict: every weight must be there)."""
    module.load_state_dict({k[len(prefix):]: torch.from_numpy(np.array(v)) for k, v in arrays.items()
                            if k.startswith(prefix)})


@contextmanager
def torch_threads(n: int) -> Iterator[None]:
    """Run the block with ``n`` torch intra-op threads (0 = leave as is), restoring the setting after.

    The networks here are small: on a shared CPU, extra threads mostly wait on each other.
    """
    before = torch.get_num_threads()
    if n > 0:
        torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)
