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
import time
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
    space; ``max_seq_length``: tokens per text while training;
    ``cache_frozen``: run the frozen lower layers once per text and keep
    their outputs, so training steps and re-embedding the texts run only the
    top ``train_layers`` (the encoder then keeps ``max_seq_length`` for every
    later encoding too, so its vectors match the cached ones);
    ``time_budget``: seconds the training steps may take in all (0 = no
    limit): training stops after the first step that ends past it, at least
    one step is taken (a wall-clock limit, so the number of steps then depends
    on the machine's load: leave it at 0 where results must repeat exactly);
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
    cache_frozen: bool = False
    time_budget: float = 0.0
    scale: float = 20.0
    seed: int = 0

    def n_steps(self, n_pairs: int) -> int:
        """Steps to plan: ``epochs`` passes over ``n_pairs`` pairs, clipped to [``min_steps``, ``max_steps``]."""
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
    """A fine-tuned sentence-transformers model held in memory; ``save`` makes it a loadable folder.

    ``steps``/``planned_steps``: optimiser steps taken and planned (fewer when
    the time budget ran out); ``train_seconds``: wall seconds of those steps;
    ``vectors``: unit vectors of the training texts from the fine-tuned model,
    when the fine-tune already computed them (frozen layers cached), else None.
    """

    def __init__(self, model: Any, key: str, steps: int = 0, planned_steps: int = 0,
                 train_seconds: float = 0.0, vectors: np.ndarray | None = None) -> None:
        self.model = model
        self.key = key
        self.steps = steps
        self.planned_steps = planned_steps
        self.train_seconds = train_seconds
        self.vectors = vectors

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
    cache = FrozenStates.build(model, texts, cfg.train_layers, lambda f, s: progress(0.3 * f, s)) \
        if cfg.cache_frozen else None
    lo, hi = (0.0, 1.0) if cache is None else (0.3, 0.9)  # progress span of the training steps
    model.train()
    start, done = time.perf_counter(), 0
    try:
        for step, batch in enumerate(_batches(pairs, cfg.batch_size, n_steps, rng)):
            loss = _pair_loss(model, texts, batch, cfg.scale) if cache is None else cache.pair_loss(batch, cfg.scale)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
            done = step + 1
            progress(lo + (hi - lo) * done / n_steps, f"fine-tuning step {done}/{n_steps}, loss {loss.item():.3f}")
            if _out_of_time(start, cfg.time_budget):
                progress(hi, f"fine-tuning stopped at step {done}/{n_steps}: time budget of {cfg.time_budget:g} s")
                break
    finally:
        model.eval()
        for p in model.parameters():
            p.requires_grad_(True)
        if cache is None:
            model.max_seq_length = full_length
    seconds = time.perf_counter() - start
    vectors = None if cache is None else cache.vectors(lambda f, s: progress(0.9 + 0.1 * f, s))
    return FineTunedEncoder(model, key, done, n_steps, seconds, vectors)


def _out_of_time(start: float, budget: float) -> bool:
    """True once ``budget`` seconds (> 0) have passed since ``start``."""
    return budget > 0 and time.perf_counter() - start >= budget


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


class FrozenStates:
    """Outputs of a BERT-style model's frozen lower layers, one (tokens, dim) float32 tensor per text.

    Notes
    -----
    Below the trained top layers nothing changes during fine-tuning, so each
    text's lower-layer output is computed once (eval mode, no gradient) and
    every training step runs only the top layers on it; the final vectors of
    all texts come from the same cache. The attention mask keeps padding from
    touching real tokens, so texts are stored unpadded and re-padded per
    batch; vectors agree with ``model.encode`` at the same ``max_seq_length``
    to float32 rounding.
    """

    def __init__(self, model: Any, top: Sequence[Any], states: list[torch.Tensor]) -> None:
        self.model, self.top, self.states = model, list(top), states

    @classmethod
    def build(cls, model: Any, texts: Sequence[str], train_layers: int, progress: Progress,
              batch_size: int = 64) -> FrozenStates | None:
        """Run the lower layers over ``texts`` (None when the model is not a BERT-style stack or all of it trains)."""
        import torch

        bert = getattr(model[0], "auto_model", None)
        layers = getattr(getattr(bert, "encoder", None), "layer", None)
        if bert is None or layers is None or not 0 < train_layers < len(layers):
            return None
        bottom, states = layers[:len(layers) - train_layers], [torch.zeros(0)] * len(texts)
        order = np.argsort([-len(t) for t in texts], kind="stable")  # batches of similar length: little padding
        model.eval()
        with torch.no_grad():
            for start in range(0, len(texts), batch_size):
                rows = order[start:start + batch_size]
                f = model.preprocess([texts[i] for i in rows])
                h = bert.embeddings(input_ids=f["input_ids"], token_type_ids=f.get("token_type_ids"))
                for layer in bottom:
                    h = layer(h, _additive_mask(f["attention_mask"]))
                for i, row, n in zip(rows, h, f["attention_mask"].sum(dim=1).tolist(), strict=True):
                    states[i] = row[:n]
                done = min(start + batch_size, len(texts))
                progress(done / max(len(texts), 1), f"lower layers of item text {done}/{len(texts)} (once)")
        return cls(model, layers[len(layers) - train_layers:], states)

    def embed(self, ids: Sequence[int]) -> torch.Tensor:
        """Unit vectors of texts ``ids`` through the top layers and the model's pooling (with gradients)."""
        import torch

        h = torch.nn.utils.rnn.pad_sequence([self.states[i] for i in ids], batch_first=True)
        mask = torch.zeros(h.shape[:2], dtype=torch.long)
        for row, i in enumerate(ids):
            mask[row, :len(self.states[i])] = 1
        for layer in self.top:
            h = layer(h, _additive_mask(mask))
        features = {"token_embeddings": h, "attention_mask": mask}
        for module in list(self.model)[1:]:
            features = module(features)
        return torch.nn.functional.normalize(features["sentence_embedding"], dim=-1)

    def pair_loss(self, batch: np.ndarray, scale: float) -> torch.Tensor:
        """:func:`_pair_loss` on the cached lower-layer outputs."""
        import torch

        ids, pos = np.unique(batch, return_inverse=True)
        pos = pos.reshape(batch.shape)
        emb, item = self.embed(ids.tolist()), torch.as_tensor(ids)
        a, b = torch.as_tensor(pos[:, 0]), torch.as_tensor(pos[:, 1])
        return in_batch_loss(emb[a], emb[b], item[a], item[b], scale)

    def vectors(self, progress: Progress, batch_size: int = 64) -> np.ndarray:
        """Unit vectors of every text from the (trained) top layers, in eval mode; batches of similar length."""
        import torch

        order = np.argsort([len(s) for s in self.states], kind="stable")
        out = np.zeros((len(self.states), self.model.get_embedding_dimension()), dtype=np.float32)
        self.model.eval()
        with torch.no_grad():
            for start in range(0, len(order), batch_size):
                rows = order[start:start + batch_size]
                out[rows] = self.embed(rows.tolist()).numpy()
                done = min(start + batch_size, len(order))
                progress(done / len(order), f"re-embedding item text {done}/{len(order)} (top layers)")
        return out


def _additive_mask(mask: torch.Tensor) -> torch.Tensor:
    """(batch, tokens) 1/0 attention mask -> (batch, 1, 1, tokens) additive mask for a BERT layer."""
    import torch

    return (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min


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
