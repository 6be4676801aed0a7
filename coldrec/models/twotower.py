"""Hybrid two-tower model: content plus a droppable item ID, trained with in-batch InfoNCE."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from coldrec.models.base import Context, FitData, ModelConfig, Recommender
from coldrec.models.features import (
    ItemFeatures,
    item_features,
    load_module_arrays,
    mix_query,
    mlp,
    module_arrays,
    pad_histories,
    recency_weights,
    torch_threads,
    warm_mask,
)


@dataclass
class TwoTowerConfig(ModelConfig):
    """Architecture and training of :class:`TwoTower`.

    ``dim``: size of the shared user/item space; ``hidden``: hidden units of
    each tower (0 = linear); ``id_dim``/``side_dim``: sizes of the item ID and
    of the category/brand embeddings; ``id_dropout``: chance that an item's ID
    part is zeroed in a training step; ``text_only_share``: share of training
    users whose pooled history keeps only its text part (teaches the user tower
    to read a query alone); ``history_dropout``: chance that a context item
    is left out in a training step; ``bidirectional``: training contexts also
    hold the items after the target (see Notes); ``temperature``: of the
    in-batch softmax;
    ``logq``: subtract log item frequency from training logits so scores keep
    popularity (see Notes); ``max_history``/``half_life``: the last items
    pooled and the recency half-life of their weights; ``query_weight``: share
    of the pooled text taken from the query when a context has both;
    ``epochs``, ``min_steps`` (tiny data still gets this many updates),
    ``batch_size``, ``lr``, ``seed``; ``threads``: torch threads while
    fitting and scoring (0 = torch's default; one is fastest for a network this
    small on a shared CPU).
    """

    dim: int = 64
    hidden: int = 128
    id_dim: int = 32
    side_dim: int = 16
    id_dropout: float = 0.5
    text_only_share: float = 0.1
    history_dropout: float = 0.2
    bidirectional: bool = True
    temperature: float = 0.1
    logq: bool = True
    max_history: int = 50
    half_life: float = 5.0
    query_weight: float = 0.5
    epochs: int = 6
    min_steps: int = 200
    batch_size: int = 512
    lr: float = 2e-3
    threads: int = 1
    seed: int = 0


class _Net(nn.Module):
    """Shared item inputs (text, category, brand, price, ID) feeding an item tower and a user tower."""

    # Buffers registered in __init__ (nn.Module's attribute lookup alone types them as Tensor | Module).
    text: torch.Tensor
    category: torch.Tensor
    brand: torch.Tensor
    price: torch.Tensor
    warm: torch.Tensor

    def __init__(self, feats: ItemFeatures, warm: np.ndarray, n_categories: int, n_brands: int,
                 cfg: TwoTowerConfig) -> None:
        super().__init__()
        self.register_buffer("text", torch.from_numpy(feats.text), persistent=False)
        self.register_buffer("category", torch.from_numpy(feats.category), persistent=False)
        self.register_buffer("brand", torch.from_numpy(feats.brand), persistent=False)
        self.register_buffer("price", torch.from_numpy(feats.price), persistent=False)
        self.register_buffer("warm", torch.from_numpy(warm.astype(np.float32)), persistent=False)
        self.d_text = feats.text.shape[1]
        self.categories = nn.Embedding(n_categories, cfg.side_dim, padding_idx=0)
        self.brands = nn.Embedding(n_brands, cfg.side_dim, padding_idx=0)
        self.ids = nn.Embedding(len(warm), cfg.id_dim)
        nn.init.normal_(self.ids.weight, std=0.01)
        d_in = self.d_text + 2 * cfg.side_dim + 1 + cfg.id_dim
        self.item_tower = mlp(d_in, cfg.hidden, cfg.dim)
        self.user_tower = mlp(d_in, cfg.hidden, cfg.dim)

    def inputs(self, idx: torch.Tensor, id_dropout: float = 0.0) -> torch.Tensor:
        """Item inputs of any index shape; the ID part is zero for cold items and for dropped ones."""
        keep = self.warm[idx]
        if id_dropout > 0:
            keep = keep * (torch.rand(idx.shape) >= id_dropout)
        return torch.cat([self.text[idx], self.categories(self.category[idx]), self.brands(self.brand[idx]),
                          self.price[idx].unsqueeze(-1), self.ids(idx) * keep.unsqueeze(-1)], dim=-1)

    def pooled(self, idx: torch.Tensor, weights: torch.Tensor, id_dropout: float = 0.0) -> torch.Tensor:
        """Weighted sum of history item inputs, (n, L) indices and weights -> (n, d_in).

        Only entries with a weight are looked up (ragged bags), so padding costs nothing.
        """
        price = (self.price[idx] * weights).sum(dim=1, keepdim=True)
        used = weights > 0
        offsets = torch.cat([torch.zeros(1, dtype=torch.long), torch.cumsum(used.sum(dim=1), dim=0)[:-1]])
        idx, weights = idx[used], weights[used]
        keep = self.warm[idx]
        if id_dropout > 0:
            keep = keep * (torch.rand(idx.shape) >= id_dropout)

        def bag(codes: torch.Tensor, table: torch.Tensor, w: torch.Tensor,
                padding_idx: int | None = None) -> torch.Tensor:
            return F.embedding_bag(codes, table, offsets, mode="sum", per_sample_weights=w, padding_idx=padding_idx)

        return torch.cat([bag(idx, self.text, weights), bag(self.category[idx], self.categories.weight, weights, 0),
                          bag(self.brand[idx], self.brands.weight, weights, 0), price,
                          bag(idx, self.ids.weight, weights * keep)], dim=-1)

    def items(self, x: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.item_tower(x), dim=-1)

    def users(self, x: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.user_tower(x), dim=-1)


class TwoTower(Recommender):
    """Two towers over item content and a dropped-out item ID, trained to predict each next item.

    Notes
    -----
    The item tower reads an item's text embedding, learned category and brand
    embeddings, its standardised log price and an item ID embedding. The ID
    part is zeroed with probability ``id_dropout`` in training (the DropoutNet
    idea) and always for items without train interactions, so the towers learn
    to rank from content alone whenever the ID is missing: a cold item is
    scored from its text, category, brand and price, and its (untrained) ID row
    never enters any score. Categories and brands never seen on a warm item are
    encoded as unknown for the same reason.

    The user tower reads the recency-weighted mean of the item inputs of the
    last ``max_history`` items of the context, so a cold user is scored from
    the few items they revealed, with no per-user parameters. A query (in the
    text-embedding space) is mixed into the text part of that mean; with no
    items, the query is the whole input, a case training rehearses by keeping
    only the text part for ``text_only_share`` of users.

    Training pairs are (context -> item) for every interaction of each train
    user's time-ordered sequence. With ``bidirectional=False`` the context is
    the history prefix and the pair is (prefix -> next item). By default it
    also holds the items after the target, weighted by distance in the same
    way: a prefix alone says nothing about the first items of a sequence and
    splits ties by order, while a test asks for a user's whole future, not
    the next click. Each context item is dropped with ``history_dropout``, so
    short contexts like a cold user's few revealed items are rehearsed. The
    loss is the softmax over the batch's target items (in-batch InfoNCE),
    the other targets serving as negatives (copies of the positive masked). In-batch
    negatives are drawn in proportion to popularity, which would teach the
    towers to push popular items down; ``logq`` subtracts each item's log
    frequency from the training logits (sampled-softmax correction) so the
    learned scores keep popularity, which content can predict for cold items
    too. Scores are cosines of the two tower outputs; item vectors are computed
    once after fitting.
    """

    name = "twotower"
    label = "Two-tower (content + ID dropout)"
    config: TwoTowerConfig
    config_cls = TwoTowerConfig
    uses_text = True
    cold_users = True
    cold_items = True

    def _fit(self, data: FitData) -> None:
        cfg: TwoTowerConfig = self.config
        self.warm_ = warm_mask(data)
        self.features_ = item_features(data, self.warm_)
        with torch_threads(cfg.threads), torch.random.fork_rng(devices=[]):
            torch.manual_seed(cfg.seed)
            self.net_ = _Net(self.features_, self.warm_, self.features_.n_categories, self.features_.n_brands, cfg)
            self.loss_history_ = self._train(data, np.random.default_rng(cfg.seed))
            self._precompute()

    def _train(self, data: FitData, rng: np.random.Generator) -> np.ndarray:
        """Adam over shuffled (context -> item) pairs; returns the mean loss per epoch."""
        cfg: TwoTowerConfig = self.config
        seq = _Sequences(data)
        if not len(seq.items):
            return np.zeros(0, dtype=np.float32)
        counts = np.bincount(seq.items, minlength=data.n_items)
        log_q = torch.from_numpy(np.log(np.maximum(counts, 1) / len(seq.items))).float()
        n_batches = -(-len(seq.items) // cfg.batch_size)
        epochs = max(cfg.epochs, -(-cfg.min_steps // n_batches))
        opt = torch.optim.Adam(self.net_.parameters(), lr=cfg.lr)
        self.net_.train()
        history = []
        for epoch in range(epochs):
            order = rng.permutation(len(seq.items))
            losses = [self._step(opt, seq.context(order[b:b + cfg.batch_size], cfg, rng), log_q)
                      for b in range(0, len(order), cfg.batch_size)]
            history.append(float(np.mean(losses)))
            self._progress((epoch + 1) / epochs, f"epoch {epoch + 1}/{epochs}, InfoNCE loss {history[-1]:.3f}")
        self.net_.eval()
        return np.asarray(history, dtype=np.float32)

    def _step(self, opt: torch.optim.Optimizer, batch: tuple[np.ndarray, np.ndarray, np.ndarray],
              log_q: torch.Tensor) -> float:
        """One in-batch InfoNCE update on (context indices, context weights, target) rows."""
        cfg: TwoTowerConfig = self.config
        idx, w, target = (torch.from_numpy(a) for a in batch)
        pooled = self.net_.pooled(idx, w, cfg.id_dropout)
        text_only = torch.rand(len(target)) < cfg.text_only_share
        pooled[:, self.net_.d_text:] = pooled[:, self.net_.d_text:] * (~text_only).unsqueeze(-1)
        logits = self.net_.users(pooled) @ self.net_.items(self.net_.inputs(target, cfg.id_dropout)).T
        logits = logits / cfg.temperature
        if cfg.logq:
            logits = logits - log_q[target][None, :]
        same = (target[:, None] == target[None, :]) & ~torch.eye(len(target), dtype=torch.bool)
        loss = F.cross_entropy(logits.masked_fill(same, float("-inf")), torch.arange(len(target)))
        opt.zero_grad()
        loss.backward()
        opt.step()
        return float(loss.detach())

    @torch.no_grad()
    def _precompute(self, chunk: int = 8192) -> None:
        """Item tower outputs for every catalog item (ID part only for warm items)."""
        out = [self.net_.items(self.net_.inputs(torch.arange(s, min(s + chunk, self.n_items_))))
               for s in range(0, self.n_items_, chunk)]
        self.item_vectors_ = torch.cat(out).numpy()

    @torch.no_grad()
    def user_vectors(self, contexts: Sequence[Context]) -> np.ndarray:
        """User tower outputs, one unit row per context."""
        cfg: TwoTowerConfig = self.config
        idx, w = pad_histories(contexts, cfg.max_history, cfg.half_life)
        with torch_threads(cfg.threads):
            pooled = self.net_.pooled(torch.from_numpy(idx), torch.from_numpy(w)).numpy()
            d = self.net_.d_text
            pooled[:, :d] = mix_query(pooled[:, :d], contexts, w.sum(axis=1) > 0, cfg.query_weight)
            return self.net_.users(torch.from_numpy(pooled)).numpy()

    def score(self, contexts: Sequence[Context]) -> np.ndarray:
        return self.empty_as_popular(contexts, self.user_vectors(contexts) @ self.item_vectors_.T)

    def state(self) -> dict[str, np.ndarray]:
        return {**module_arrays(self.net_), **self.features_.arrays(), "warm": self.warm_,
                "loss_history": self.loss_history_}

    def set_state(self, arrays: dict[str, np.ndarray]) -> None:
        self.features_ = ItemFeatures.from_arrays(arrays)
        self.warm_ = np.asarray(arrays["warm"], dtype=bool)
        self.loss_history_ = arrays["loss_history"]
        self.net_ = _Net(self.features_, self.warm_, arrays["w.categories.weight"].shape[0],
                         arrays["w.brands.weight"].shape[0], self.config)
        load_module_arrays(self.net_, arrays)
        self.net_.eval()
        with torch_threads(self.config.threads):
            self._precompute()


class _Sequences:
    """Train items ordered by user then time, with where each user's run starts and ends."""

    def __init__(self, data: FitData) -> None:
        order = np.lexsort((data.timestamps, data.users))
        users = data.users[order]
        n = len(users)
        first = np.r_[True, users[1:] != users[:-1]] if n else np.zeros(0, dtype=bool)
        last = np.r_[users[1:] != users[:-1], True] if n else np.zeros(0, dtype=bool)
        self.items = data.items[order].astype(np.int64)
        self.start = np.maximum.accumulate(np.where(first, np.arange(n), 0))
        self.end = np.minimum.accumulate(np.where(last, np.arange(n) + 1, n)[::-1])[::-1]

    def context(self, batch: np.ndarray, cfg: TwoTowerConfig,
                rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Padded context indices and recency weights around each target position, and the targets.

        The context is the ``max_history`` items before the target (and after
        it, when ``bidirectional``), of the same user, each dropped with
        probability ``history_dropout``; weights halve every ``half_life``
        steps of distance from the target.
        """
        offsets = np.arange(-cfg.max_history, 0)
        if cfg.bidirectional:
            offsets = np.r_[offsets, np.arange(1, cfg.max_history + 1)]
        pos = batch[:, None] + offsets[None, :]
        valid = (pos >= self.start[batch][:, None]) & (pos < self.end[batch][:, None])
        valid &= rng.random(pos.shape) >= cfg.history_dropout
        idx = np.where(valid, self.items[np.clip(pos, 0, len(self.items) - 1)], 0)
        w = recency_weights(np.abs(offsets)[None, :] - 1, valid, cfg.half_life)
        return idx, w, self.items[batch]
