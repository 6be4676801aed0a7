"""Fine-tune a sentence encoder on the shop's own sequences (transfer learning).

Pairs are (an item a user interacted with, the next different item the same
user interacted with). The loss pulls the two texts of a pair together and
pushes apart the other targets of the batch (in-batch negatives, the
MultipleNegativesRankingLoss objective), so after training "what people view
next" sits close in the text space, also for items nobody has seen yet.

torch and sentence-transformers are imported lazily: importing this module
(as the model registry does) stays cheap.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from coldrec.text.sentence import SentenceModelEncoding, SentenceTransformerEncoder, packaged_model_path
from coldrec.types import Progress, no_progress

if TYPE_CHECKING:
    import torch


@dataclass
class FineTuneConfig:
    """How long and how hard to train.

    ``max_pairs``: pairs kept (a random sample when there are more);
    ``epochs``: passes over the pairs; the number of steps is then clipped to
    [``min_steps``, ``max_steps``] so a tiny shop still learns something and a
    big one stays a few minutes on CPU; ``train_layers``: only the top
    transformer layers are trained (0 = the whole model): no backward pass
    through the lower layers, and a small data set cannot wreck the pretrained
    space;
    ``scale``: inverse temperature of the cosine logits.
    """

    max_pairs: int = 4096
    epochs: int = 1
    batch_size: int = 32
    lr: float = 1e-4
    min_steps: int = 8
    max_steps: int = 200
    train_layers: int = 4
    max_seq_length: int = 64
    scale: float = 20.0
    seed: int = 0

    def n_steps(self, n_pairs: int) -> int:
        if n_pairs == 0:
            return 0
        steps = math.ceil(self.epochs * n_pairs / max(self.batch_size, 1))
        return int(min(max(steps, self.min_steps), self.max_steps))


def next_item_pairs(users: np.ndarray, items: np.ndarray, timestamps: np.ndarray,
                    max_pairs: int | None = None, seed: int = 0) -> np.ndarray:
    """(n, 2) item indices: each interaction and the next different item of the same user.

    Notes
    -----
    Consecutive repeats of one item are skipped (a pair of an item with itself
    teaches nothing). Pairs are kept with their multiplicity, so frequent
    transitions weigh more; above ``max_pairs`` a seeded random sample is kept.
    """
    order = np.lexsort((timestamps, users))
    u, i = np.asarray(users)[order], np.asarray(items)[order]
    keep = (u[1:] == u[:-1]) & (i[1:] != i[:-1]) & (i[1:] >= 0) & (i[:-1] >= 0)
    pairs = np.stack([i[:-1][keep], i[1:][keep]], axis=1).astype(np.int64)
    if max_pairs is not None and len(pairs) > max_pairs:
        rng = np.random.default_rng(seed)
        pairs = pairs[np.sort(rng.choice(len(pairs), size=max_pairs, replace=False))]
    return pairs


def in_batch_loss(anchor: torch.Tensor, target: torch.Tensor, anchor_ids: torch.Tensor, target_ids: torch.Tensor,
                  scale: float = 20.0) -> torch.Tensor:
    """Symmetric in-batch contrastive loss over unit vectors (torch tensors).

    Row i's positive is column i; every other column is a negative, except
    columns holding the same item as the positive or as the anchor itself
    (with popular items those repeat within a batch and are not negatives).
    """
    import torch
    import torch.nn.functional as F

    labels = torch.arange(len(anchor))

    def one_way(a: torch.Tensor, b: torch.Tensor, a_ids: torch.Tensor, b_ids: torch.Tensor) -> torch.Tensor:
        logits = scale * a @ b.T
        same = (b_ids[None, :] == b_ids[:, None]) | (b_ids[None, :] == a_ids[:, None])
        same.fill_diagonal_(False)
        return F.cross_entropy(logits.masked_fill(same, float("-inf")), labels)

    return 0.5 * (one_way(anchor, target, anchor_ids, target_ids) + one_way(target, anchor, target_ids, anchor_ids))


class FineTunedEncoder(SentenceModelEncoding):
    """A fine-tuned sentence-transformers model held in memory; ``save`` makes it a loadable folder."""

    def __init__(self, model: Any, key: str) -> None:
        self.model = model
        self.key = key

    def save(self, path: str | Path) -> SentenceTransformerEncoder:
        """Write a sentence-transformers folder and return an encoder reading it."""
        self.model.save(str(path), create_model_card=False)
        return SentenceTransformerEncoder(path)


def load_trainable(base: str | Path | None = None) -> Any:
    """A fresh, private copy of a local sentence-transformers model (never the shared one)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer

    path = Path(base) if base is not None else packaged_model_path()
    return SentenceTransformer(str(path), device="cpu", local_files_only=True, trust_remote_code=False)


def fine_tune_encoder(texts: Sequence[str], pairs: np.ndarray, base: str | Path | None = None,
                      config: FineTuneConfig | None = None, progress: Progress | None = None) -> FineTunedEncoder:
    """Fine-tune ``base`` (a local model folder; None = the packaged MiniLM) on item-text pairs.

    Parameters
    ----------
    texts
        Text of every item; ``pairs`` index into it.
    pairs
        (n, 2) item indices (see :func:`next_item_pairs`).
    progress
        Called after every step with (fraction, description); may raise to cancel.

    Returns
    -------
    FineTunedEncoder
        In memory; ``.save(folder)`` makes a folder that
        :class:`coldrec.text.sentence.SentenceTransformerEncoder` loads.
    """
    import torch

    cfg = config or FineTuneConfig()
    progress = progress or no_progress
    model = load_trainable(base)
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    n_steps = cfg.n_steps(len(pairs))
    recipe = repr((str(base), asdict(cfg))) + "\n".join(texts)
    key = "finetuned-" + hashlib.sha1(pairs.tobytes() + recipe.encode()).hexdigest()[:10]
    if n_steps == 0:
        model.eval()
        return FineTunedEncoder(model, key)
    torch.manual_seed(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    params = _trainable(model, cfg.train_layers)
    optimizer = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=0.01)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: min(1.0, (s + 1) / max(1, n_steps // 10)))
    full_length, model.max_seq_length = model.max_seq_length, min(model.max_seq_length, cfg.max_seq_length)
    model.train()
    try:
        for step, batch in enumerate(_batches(pairs, cfg.batch_size, n_steps, rng)):
            loss = _pair_loss(model, texts, batch, cfg.scale)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
            progress((step + 1) / n_steps, f"fine-tuning step {step + 1}/{n_steps}, loss {loss.item():.3f}")
    finally:
        model.max_seq_length = full_length
        model.eval()
        for p in model.parameters():
            p.requires_grad_(True)
    return FineTunedEncoder(model, key)


def _pair_loss(model: Any, texts: Sequence[str], batch: np.ndarray, scale: float) -> Any:
    """Encode each distinct item of the batch once, then the in-batch loss."""
    import torch

    ids, pos = np.unique(batch, return_inverse=True)
    pos = pos.reshape(batch.shape)
    features = model.preprocess([texts[i] for i in ids])
    emb = torch.nn.functional.normalize(model(features)["sentence_embedding"], dim=-1)
    item = torch.as_tensor(ids)
    a, b = torch.as_tensor(pos[:, 0]), torch.as_tensor(pos[:, 1])
    return in_batch_loss(emb[a], emb[b], item[a], item[b], scale)


def _batches(pairs: np.ndarray, batch_size: int, n_steps: int, rng: np.random.Generator) -> Iterator[np.ndarray]:
    """``n_steps`` batches, reshuffling at every pass over the pairs."""
    order = rng.permutation(len(pairs))
    cursor = 0
    for _ in range(n_steps):
        if cursor >= len(order):
            order, cursor = rng.permutation(len(pairs)), 0
        yield pairs[order[cursor:cursor + batch_size]]
        cursor += batch_size


def _trainable(model: Any, top_layers: int) -> list:
    """Freeze all but the top ``top_layers`` transformer layers (0 = train everything)."""
    named = list(model.named_parameters())
    layer_of = {n: int(m.group(1)) for n, _ in named if (m := re.search(r"\.layer\.(\d+)\.", n))}
    if top_layers <= 0 or not layer_of:
        return [p for _, p in named]
    first = max(layer_of.values()) + 1 - top_layers
    keep = []
    for n, p in named:
        train = layer_of.get(n, -1) >= first
        p.requires_grad_(train)
        if train:
            keep.append(p)
    return keep
