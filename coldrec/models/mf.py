"""Matrix factorisation trained with the BPR pairwise loss; users are folded in from their context."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from coldrec.models.base import Context, FitData, ModelConfig, Recommender
from coldrec.models.features import torch_threads
from coldrec.models.itemknn import binarize, unseen_last

# Fold-in evaluates (contexts x positives x negatives) pair scores at once; at most about this many.
_PAIR_BUDGET = 1 << 21


@dataclass
class BPRConfig(ModelConfig):
    """Training: ``dim`` factors, ``epochs`` passes over the positive pairs in
    batches of ``batch_size``, Adam at ``lr``, L2 ``reg`` on the factors used in
    a batch, ``seed`` for initialisation and sampling. Fold-in of a context:
    ``fold_in_steps`` Adam steps at ``fold_in_lr`` against ``fold_in_negatives``
    sampled items, L2 ``fold_in_reg`` on the user vector. ``threads``: torch threads while fitting and
    folding in (1: with torch's default a BPR epoch on a busy 2-core machine took 11x longer)."""

    dim: int = 64
    epochs: int = 60
    lr: float = 0.01
    reg: float = 1e-2
    batch_size: int = 1024
    seed: int = 0
    fold_in_steps: int = 30
    fold_in_lr: float = 0.1
    fold_in_reg: float = 3e-2
    fold_in_negatives: int = 256
    threads: int = 1


class BPR(Recommender):
    """Bayesian Personalised Ranking matrix factorisation: ``score(u, i) = p_u . q_i + b_i``.

    Notes
    -----
    Training maximises ``log sigmoid(score(u, i) - score(u, j))`` over the
    user's positive items ``i`` (unique train pairs, event weights ignored) and
    negatives ``j`` drawn uniformly from the items seen in train that the user
    does not have, with Adam on user factors ``p``, item factors ``q`` and item
    biases ``b`` and L2 ``reg`` on the rows in each batch.

    Only the item side is kept: the evaluation scores contexts, not user ids,
    so every user, warm or cold, is *folded in* without retraining. With ``q``
    and ``b`` fixed, the user vector follows the same BPR objective with the
    context items as positives against ``fold_in_negatives`` sampled items
    (context items excluded; the same sample for every context, drawn from
    ``seed``, so scores are deterministic and do not depend on batching), plus
    ``fold_in_reg |p|^2``: ``fold_in_steps`` Adam steps from ``p = 0``. The
    problem is convex in ``p``, but the steps deliberately stop short of the
    optimum: a fully converged vector chases the few context items' own
    directions and ranked worse on the sample shop, as did a least-squares
    projection onto the factors (which ignores the biases). Context weights,
    when given, weight each positive; never-seen context items are ignored. An
    empty context leaves ``p = 0``: the item biases, a learned popularity.

    A never-seen item has an untrained factor; it is moved below every seen
    item's score (``cold_items = False``).
    """

    name = "bpr"
    label = "BPR matrix factorisation"
    config: BPRConfig
    config_cls = BPRConfig
    cold_users = True
    cold_items = False

    def _fit(self, data: FitData) -> None:
        with torch_threads(self.config.threads):
            self._train(data)

    def _train(self, data: FitData) -> None:
        cfg = self.config
        x = binarize(data.matrix()).tocoo()
        pairs = _Pairs(x.row.astype(np.int64), x.col.astype(np.int64), data.n_items)
        gen = torch.Generator().manual_seed(cfg.seed)
        user_f = _embedding(x.shape[0], cfg.dim, gen)
        item_f = _embedding(data.n_items, cfg.dim, gen)
        item_b = _embedding(data.n_items, 1, None)
        opt = torch.optim.SparseAdam([*user_f.parameters(), *item_f.parameters(), *item_b.parameters()], lr=cfg.lr)
        self.loss_history_: list[float] = []
        for epoch in range(cfg.epochs):
            total = 0.0
            for u, i, j in pairs.batches(cfg.batch_size, gen):
                pu, qi, qj, bi, bj = user_f(u), item_f(i), item_f(j), item_b(i)[:, 0], item_b(j)[:, 0]
                diff = (pu * (qi - qj)).sum(1) + bi - bj
                penalty = pu.square().sum(1) + qi.square().sum(1) + qj.square().sum(1) + bi.square() + bj.square()
                loss = (-F.logsigmoid(diff) + cfg.reg * penalty).mean()
                opt.zero_grad()
                loss.backward()
                opt.step()
                total += loss.item() * len(u)
            self.loss_history_.append(total / max(len(pairs.users), 1))
            self._progress((epoch + 1) / cfg.epochs, f"epoch {epoch + 1}/{cfg.epochs}, "
                                                     f"loss {self.loss_history_[-1]:.4f}")
        self.item_factors_ = item_f.weight.detach().numpy().copy()
        self.item_bias_ = item_b.weight.detach().numpy()[:, 0].copy()
        self.seen_ = pairs.seen

    def user_vectors(self, contexts: Sequence[Context]) -> np.ndarray:
        """Folded-in user factors, one row per context (see Notes)."""
        cfg = self.config
        gen = torch.Generator().manual_seed(cfg.seed)
        seen_idx = torch.from_numpy(np.flatnonzero(self.seen_))
        neg = seen_idx[torch.randint(len(seen_idx), (cfg.fold_in_negatives,), generator=gen)] \
            if len(seen_idx) else None
        out = np.zeros((len(contexts), self.item_factors_.shape[1]), dtype=np.float32)
        # contexts are independent: fold them in by length, in chunks bounded in (contexts x positives x negatives)
        order = np.argsort([len(c.items) for c in contexts], kind="stable")
        start = 0
        while start < len(order) and neg is not None:
            width = max(len(contexts[order[min(start + 63, len(order) - 1)]].items), 1)
            chunk = order[start:start + max(1, min(64, _PAIR_BUDGET // (width * len(neg))))]
            out[chunk] = self._fold_in(*self._padded_context([contexts[i] for i in chunk]), neg)
            start += len(chunk)
        return out

    def _fold_in(self, pos: torch.Tensor, w: torch.Tensor, neg: torch.Tensor) -> np.ndarray:
        """User vectors maximising the weighted BPR objective of positives ``pos`` (B, L) vs ``neg``."""
        cfg = self.config
        q, b = torch.from_numpy(self.item_factors_), torch.from_numpy(self.item_bias_)
        q_pos, b_pos, q_neg, b_neg = q[pos], b[pos], q[neg], b[neg]  # (B, L, d), (B, L), (N, d), (N,)
        w = w / w.sum(1, keepdim=True).clamp_min(1e-12)
        # a context item drawn as a negative is not one: its pairs are left out
        neg_w = ~((pos[:, :, None] == neg) & (w[:, :, None] > 0)).any(1)  # (B, N)
        neg_w = neg_w / neg_w.sum(1, keepdim=True).clamp_min(1)
        p, m, v = (torch.zeros(len(pos), q.shape[1]) for _ in range(3))
        beta1, beta2 = 0.9, 0.999  # Adam, written out: the problem is small and the gradient is closed form
        for step in range(1, cfg.fold_in_steps + 1):
            s_pos = torch.einsum("bd,bld->bl", p, q_pos) + b_pos
            s_neg = p @ q_neg.T + b_neg
            # d/dp of -log sigmoid(s_l - s_n) is -sigmoid(s_n - s_l) (q_l - q_n)
            g = torch.sigmoid(s_neg[:, None, :] - s_pos[:, :, None]) * w[:, :, None] * neg_w[:, None, :]
            grad = (torch.einsum("bn,nd->bd", g.sum(1), q_neg) - torch.einsum("bl,bld->bd", g.sum(2), q_pos)
                    + 2 * cfg.fold_in_reg * p)
            m.mul_(beta1).add_(grad, alpha=1 - beta1)
            v.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
            p -= cfg.fold_in_lr * (m / (1 - beta1 ** step)) / ((v / (1 - beta2 ** step)).sqrt() + 1e-8)
        return p.numpy()

    def score(self, contexts: Sequence[Context]) -> np.ndarray:
        with torch_threads(self.config.threads):
            return self._score(contexts)

    def _score(self, contexts: Sequence[Context]) -> np.ndarray:
        scores = self.user_vectors(contexts) @ self.item_factors_.T + self.item_bias_
        return self.empty_as_popular(contexts, unseen_last(scores.astype(np.float32, copy=False), self.seen_))

    def _padded_context(self, contexts: Sequence[Context]) -> tuple[torch.Tensor, torch.Tensor]:
        """(B, L) seen context items, padded with item 0 at weight 0, and their weights."""
        rows = []
        for ctx in contexts:
            items = np.asarray(ctx.items, dtype=np.int64)
            w = np.ones(len(items), dtype=np.float32) if ctx.weights is None \
                else np.asarray(ctx.weights, dtype=np.float32)
            keep = self.seen_[items] if len(items) else np.zeros(0, dtype=bool)
            rows.append((items[keep], w[keep]))
        width = max([len(r[0]) for r in rows] + [1])
        pos = np.zeros((len(rows), width), dtype=np.int64)
        wts = np.zeros((len(rows), width), dtype=np.float32)
        for r, (items, w) in enumerate(rows):
            pos[r, :len(items)], wts[r, :len(items)] = items, w
        return torch.from_numpy(pos), torch.from_numpy(wts)

    def state(self) -> dict[str, np.ndarray]:
        return {"item_factors": self.item_factors_, "item_bias": self.item_bias_, "seen": self.seen_}

    def set_state(self, arrays: dict[str, np.ndarray]) -> None:
        self.item_factors_ = arrays["item_factors"]
        self.item_bias_ = arrays["item_bias"]
        self.seen_ = arrays["seen"]


def _embedding(n: int, dim: int, gen: torch.Generator | None) -> torch.nn.Embedding:
    """A sparse-gradient table initialised N(0, 0.01^2) from ``gen`` (zeros without one)."""
    table = torch.nn.Embedding(n, dim, sparse=True)
    with torch.no_grad():
        table.weight.copy_(0.01 * torch.randn(n, dim, generator=gen) if gen is not None else torch.zeros(n, dim))
    return table


class _Pairs:
    """Positive (user, item) training pairs and BPR's negative sampler."""

    def __init__(self, users: np.ndarray, items: np.ndarray, n_items: int) -> None:
        self.users, self.items, self.n_items = torch.from_numpy(users), torch.from_numpy(items), n_items
        self.seen = np.bincount(items, minlength=n_items) > 0
        self.seen_idx = torch.from_numpy(np.flatnonzero(self.seen))
        self.keys = torch.sort(self.users * n_items + self.items).values

    def batches(self, size: int, gen: torch.Generator) -> Iterator[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
        """One epoch of shuffled (users, positives, negatives) batches."""
        order = torch.randperm(len(self.users), generator=gen)
        for start in range(0, len(order), size):
            batch = order[start:start + size]
            u, i = self.users[batch], self.items[batch]
            yield u, i, self.negatives(u, gen)

    def negatives(self, u: torch.Tensor, gen: torch.Generator, tries: int = 5) -> torch.Tensor:
        """Seen items drawn uniformly, redrawn (up to ``tries`` times) where the user has them."""
        j = self.seen_idx[torch.randint(len(self.seen_idx), (len(u),), generator=gen)]
        for _ in range(tries):
            keys = u * self.n_items + j
            pos = torch.searchsorted(self.keys, keys).clamp_max(len(self.keys) - 1)
            clash = self.keys[pos] == keys
            if not clash.any():
                break
            j[clash] = self.seen_idx[torch.randint(len(self.seen_idx), (int(clash.sum()),), generator=gen)]
        return j
