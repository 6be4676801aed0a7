"""Knowledge distillation for cold items: a text-only student learns to rank like a collaborative teacher."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import torch
import torch.nn.functional as F
from scipy.stats import spearmanr
from torch import nn

from coldrec.models.base import Context, FitData, ModelConfig, Recommender
from coldrec.models.features import load_module_arrays, mix_query, mlp, module_arrays, torch_threads


@dataclass
class DistillConfig(ModelConfig):
    """Teacher, student and training of :class:`Distill`.

    ``ease_lambda``: L2 strength of the EASE teacher; ``max_teacher_items``:
    the teacher covers at most this many of the most popular warm items (its
    cost grows with the cube); ``dim``/``hidden``: student space and hidden
    units of its two maps (0 = linear); ``temperature``: softmax temperature
    of the per-user standardised teacher scores; ``positive_weight``: weight
    of the observed-positives term; ``holdout_share``: share of each user's
    items hidden from the input in an epoch (they are the positives);
    ``query_weight``: share of the user's text taken from the query when a
    context has both; ``agreement_users``/``agreement_k``: train users kept
    out of student training to measure agreement, and the top-k it compares;
    ``epochs``: at most this many passes over the train users; ``min_steps``
    (tiny data still gets this many updates), ``batch_size``, ``lr``,
    ``seed``; ``val_users``/``patience``: train users (at most a tenth) kept
    out of student training to watch its loss, and training stops once that
    loss has not improved for ``patience`` epochs (the best epoch's weights are
    kept; 0 = always run every epoch); ``threads``: torch threads while
    fitting and scoring (0 = torch's default; one is fastest for a network this
    small on a shared CPU), set through
    :func:`coldrec.models.features.torch_threads`.
    """

    # Issue #16 (benchmarks/fit_speed.py): a 3000-item teacher, batches of 256 users and early stopping cut a
    # 200k-interaction fit about 7x (1387 s -> 190 s on a loaded machine) at cold-item NDCG@20 +5.6%
    # [-2.0%, +13.6%] paired against a 5000-item teacher, batches of 64 and all 15 epochs.
    ease_lambda: float = 200.0
    max_teacher_items: int = 3000
    dim: int = 64
    hidden: int = 256
    temperature: float = 1.0
    positive_weight: float = 0.5
    holdout_share: float = 0.2
    query_weight: float = 0.5
    agreement_users: int = 300
    agreement_k: int = 20
    epochs: int = 15
    min_steps: int = 200
    batch_size: int = 256
    lr: float = 1e-2
    weight_decay: float = 0.0
    val_users: int = 500
    patience: int = 2
    threads: int = 1
    seed: int = 0


class _Student(nn.Module):
    """Two maps of the text space: items to vectors (last coordinate a bias), pooled user text to vectors."""

    def __init__(self, d_text: int, cfg: DistillConfig) -> None:
        super().__init__()
        self.item_map = mlp(d_text, cfg.hidden, cfg.dim + 1)
        self.user_map = mlp(d_text, cfg.hidden, cfg.dim)

    def items(self, text: torch.Tensor) -> torch.Tensor:
        return self.item_map(text)

    def users(self, pooled_text: torch.Tensor) -> torch.Tensor:
        u = self.user_map(pooled_text)
        return torch.cat([u, torch.ones(len(u), 1)], dim=1)


class Distill(Recommender):
    """A text-only student distilled from an EASE teacher, so cold items are ranked like warm ones.

    Notes
    -----
    The teacher is EASE fitted on the train matrix (binary, over at most
    ``max_teacher_items`` popular warm items): strong on warm items, blind to
    cold ones. The student sees only text: an item's vector is a small network
    of its text embedding, a user's vector a second network of the mean text
    embedding of their items (mixed with the query when there is one). It is
    trained on warm items to match, per train user, the teacher's softmax
    distribution over the items the user has not used (KL divergence, scores
    standardised per user then divided by ``temperature``), plus the softmax
    log-likelihood of items held out of that user's input. Because nothing in
    the student is tied to an item or user ID, it scores every catalog item,
    a cold one exactly like a warm one with the same text, and any new user
    from the text of a few items or a query. The teacher is discarded after
    fitting.

    ``agreement_`` says how much of the teacher's ranking the text can carry:
    the mean share of the teacher's top ``agreement_k`` warm items (the user's
    own excluded) that the student also puts in its top ``agreement_k``, over
    train users the student never trained on (``agreement_users`` of them, at
    most a tenth of users; with fewer than ten users, the train users
    themselves). 1 means the student reproduces the teacher's top
    list; ``agreement_chance_`` is what a random ranking scores
    (k / candidates). ``agreement_spearman_`` is the mean per-user rank
    correlation over all candidates (0 = unrelated, 1 = identical order); it
    is dominated by the long tail of near-zero teacher scores, so it stays
    low even when the top lists agree: read the top-k overlap first.
    Low agreement with good cold-item accuracy means text captures taste but
    not the teacher's collaborative detail.
    """

    name = "distill"
    label = "Distilled text student (EASE teacher)"
    config: DistillConfig
    config_cls = DistillConfig
    uses_text = True
    cold_users = True
    cold_items = True

    def _fit(self, data: FitData) -> None:
        cfg: DistillConfig = self.config
        rng = np.random.default_rng(cfg.seed)
        self.embeddings_ = np.ascontiguousarray(data.embeddings, dtype=np.float32)
        x = data.matrix()
        x.data[:] = 1.0
        counts = np.asarray(x.sum(axis=0)).ravel()
        warm = np.flatnonzero(counts > 0)
        self.teacher_items_ = np.sort(warm[np.argsort(-counts[warm], kind="stable")[:cfg.max_teacher_items]])
        x_t = x[:, self.teacher_items_].tocsr()
        self._progress(0.0, f"EASE teacher over {len(self.teacher_items_)} items")
        teacher = ease(x_t, cfg.ease_lambda)
        users = np.flatnonzero(np.diff(x_t.indptr) > 0)
        held, train_users = _set_aside(users, cfg.agreement_users, rng)
        val, train_users = _set_aside(train_users, cfg.val_users if cfg.patience > 0 else 0, rng)
        with torch_threads(cfg.threads), torch.random.fork_rng(devices=[]):
            torch.manual_seed(cfg.seed)
            self.net_ = _Student(self.embeddings_.shape[1], cfg)
            self.loss_history_ = self._train(x_t, teacher, train_users, val, rng)
            self._precompute()
        self._agreement(x_t[held if len(held) else users], teacher)

    def _train(self, x: sp.csr_matrix, teacher: np.ndarray, users: np.ndarray, val: np.ndarray,
               rng: np.random.Generator) -> np.ndarray:
        """Adam over user batches, a fresh input/positive split each epoch; mean loss per epoch.

        With ``val`` users (and ``patience``), stops once their loss has not
        improved for ``patience`` epochs after ``min_steps``, keeping the best epoch's weights.
        """
        cfg: DistillConfig = self.config
        text = torch.from_numpy(self.embeddings_[self.teacher_items_])
        n_batches = max(1, -(-len(users) // cfg.batch_size))
        min_epochs = -(-cfg.min_steps // n_batches)
        epochs = max(cfg.epochs, min_epochs) if len(users) else 0
        opt = torch.optim.AdamW(self.net_.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
        watch = _EarlyStop(self.net_, cfg.patience, *_holdout(x[val], cfg.holdout_share, rng)) if len(val) else None
        history: list[float] = []
        self.val_history_ = np.zeros(0, dtype=np.float32)
        for epoch in range(epochs):
            inputs, positives = _holdout(x[users], cfg.holdout_share, rng)
            order = rng.permutation(len(users))
            losses = []
            for b in range(0, len(order), cfg.batch_size):
                rows = order[b:b + cfg.batch_size]
                losses.append(self._step(opt, text, inputs[rows], positives[rows], teacher))
            history.append(float(np.mean(losses)))
            self._progress((epoch + 1) / epochs, f"epoch {epoch + 1}/{epochs}, loss {history[-1]:.3f}")
            if watch is not None and watch.stop(lambda a, b: self._loss(text, a, b, teacher), epoch + 1 >= min_epochs):
                self._progress(1.0, f"stopped after epoch {epoch + 1}: validation loss flat for {cfg.patience}")
                break
        if watch is not None:
            watch.restore()
            self.val_history_ = np.asarray(watch.history, dtype=np.float32)
        self.epochs_run_ = len(history)
        return np.asarray(history, dtype=np.float32)

    def _loss(self, text: torch.Tensor, inputs: sp.csr_matrix, positives: sp.csr_matrix,
              teacher: np.ndarray) -> torch.Tensor:
        """KL to the teacher's distribution over unused items plus the log-likelihood of held-out positives."""
        cfg: DistillConfig = self.config
        seen = torch.from_numpy(inputs.toarray() > 0)
        target = F.softmax(_standardise(torch.from_numpy(inputs @ teacher), seen) / cfg.temperature, dim=1)
        pooled = torch.from_numpy(np.asarray(_mean_rows(inputs) @ text.numpy(), dtype=np.float32))
        logits = (self.net_.users(pooled) @ self.net_.items(text).T).masked_fill(seen, float("-inf"))
        log_p = F.log_softmax(logits, dim=1)
        kl = (target * (torch.log(target.clamp_min(1e-12)) - log_p.masked_fill(seen, 0.0))).sum(dim=1).mean()
        pos = torch.from_numpy(positives.toarray())
        n_pos = pos.sum(dim=1)
        has = n_pos > 0
        nll = -((pos * log_p.masked_fill(seen, 0.0)).sum(dim=1)[has] / n_pos[has]).mean() if has.any() else 0.0
        return kl + cfg.positive_weight * nll

    def _step(self, opt: torch.optim.Optimizer, text: torch.Tensor, inputs: sp.csr_matrix,
              positives: sp.csr_matrix, teacher: np.ndarray) -> float:
        """One optimiser step on :meth:`_loss`."""
        loss = self._loss(text, inputs, positives, teacher)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return float(loss.detach())

    def _agreement(self, x: sp.csr_matrix, teacher: np.ndarray) -> None:
        """Top-k overlap and Spearman between teacher and student on warm items, per user, averaged."""
        k = self.config.agreement_k
        t_scores = np.asarray(x @ teacher)
        s_scores = self.score([Context(items=self.teacher_items_[r.indices]) for r in x])[:, self.teacher_items_]
        overlap, rho, chance = [], [], []
        for row in range(x.shape[0]):
            free = np.ones(x.shape[1], dtype=bool)
            free[x[row].indices] = False
            t, s = t_scores[row, free], s_scores[row, free]
            kk = min(k, len(t))
            overlap.append(len(np.intersect1d(np.argsort(-t)[:kk], np.argsort(-s)[:kk])) / max(kk, 1))
            chance.append(kk / max(len(t), 1))
            rho.append(spearmanr(t, s).statistic if len(t) > 2 and t.std() > 0 and s.std() > 0 else 0.0)
        self.agreement_ = np.float64(np.mean(overlap) if overlap else np.nan)
        self.agreement_spearman_ = np.float64(np.mean(rho) if rho else np.nan)
        self.agreement_chance_ = np.float64(np.mean(chance) if chance else np.nan)

    @torch.no_grad()
    def _precompute(self, chunk: int = 8192) -> None:
        """Student vectors of every catalog item."""
        text = torch.from_numpy(self.embeddings_)
        self.item_vectors_ = torch.cat([self.net_.items(text[s:s + chunk]) for s in range(0, len(text), chunk)]).numpy()

    @torch.no_grad()
    def user_vectors(self, contexts: Sequence[Context]) -> np.ndarray:
        """Student user vectors from the mean text of each context's items and its query."""
        rows = np.repeat(np.arange(len(contexts)), [len(c.items) for c in contexts])
        cols = np.concatenate([np.asarray(c.items, dtype=np.int64) for c in contexts]) if len(rows) else rows
        hist = sp.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)),
                             shape=(len(contexts), self.n_items_))
        pooled = _mean_rows(hist) @ self.embeddings_
        pooled = mix_query(np.asarray(pooled, dtype=np.float32), contexts, np.diff(hist.indptr) > 0,
                           self.config.query_weight)
        with torch_threads(self.config.threads):
            return self.net_.users(torch.from_numpy(pooled)).numpy()

    def score(self, contexts: Sequence[Context]) -> np.ndarray:
        return self.empty_as_popular(contexts, self.user_vectors(contexts) @ self.item_vectors_.T)

    def state(self) -> dict[str, np.ndarray]:
        # The agreement_* values are np.float64 scalars, not arrays: np.savez stores them as 0-d arrays.
        return {**module_arrays(self.net_), "embeddings": self.embeddings_, "teacher_items": self.teacher_items_,
                "loss_history": self.loss_history_, "agreement": self.agreement_,  # type: ignore[dict-item]
                "agreement_spearman": self.agreement_spearman_,  # type: ignore[dict-item]
                "agreement_chance": self.agreement_chance_}  # type: ignore[dict-item]

    def set_state(self, arrays: dict[str, np.ndarray]) -> None:
        self.embeddings_ = arrays["embeddings"]
        self.teacher_items_ = arrays["teacher_items"]
        self.loss_history_ = arrays["loss_history"]
        self.agreement_ = np.float64(arrays["agreement"])
        self.agreement_spearman_ = np.float64(arrays["agreement_spearman"])
        self.agreement_chance_ = np.float64(arrays["agreement_chance"])
        self.net_ = _Student(self.embeddings_.shape[1], self.config)
        load_module_arrays(self.net_, arrays)
        with torch_threads(self.config.threads):
            self._precompute()


class _EarlyStop:
    """Watches the loss of users kept out of training; remembers the best weights."""

    def __init__(self, net: nn.Module, patience: int, inputs: sp.csr_matrix, positives: sp.csr_matrix) -> None:
        self.net, self.patience, self.inputs, self.positives = net, patience, inputs, positives
        self.history: list[float] = []
        self.best = float("inf")
        self.best_state = {k: v.detach().clone() for k, v in net.state_dict().items()}

    def stop(self, loss: Callable[[sp.csr_matrix, sp.csr_matrix], torch.Tensor], may_stop: bool) -> bool:
        """Record this epoch's validation loss; True when it has not improved for ``patience`` epochs."""
        with torch.no_grad():
            value = float(loss(self.inputs, self.positives))
        self.history.append(value)
        if value < self.best:
            self.best = value
            self.best_state = {k: v.detach().clone() for k, v in self.net.state_dict().items()}
        since = len(self.history) - 1 - int(np.argmin(self.history))
        return may_stop and since >= self.patience

    def restore(self) -> None:
        """Load the best epoch's weights back into the network."""
        self.net.load_state_dict(self.best_state)


def _set_aside(users: np.ndarray, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(up to ``n`` users drawn at random, at most a tenth of them; the rest); none when that rounds to 0."""
    n = min(n, len(users) // 10)
    if n <= 0:
        return users[:0], users
    chosen = np.sort(rng.choice(users, size=n, replace=False))
    return chosen, np.setdiff1d(users, chosen)


def ease(x: sp.csr_matrix, lam: float) -> np.ndarray:
    """EASE item-item weights (Steck, 2019): B = I - P / diag(P) with P = (X^T X + lam I)^-1, zero diagonal."""
    gram = np.asarray((x.T @ x).todense(), dtype=np.float64)
    gram[np.diag_indices_from(gram)] += lam
    p = np.linalg.inv(gram)
    b = -p / np.diag(p)[None, :]
    b[np.diag_indices_from(b)] = 0.0
    return b.astype(np.float32)


def _holdout(x: sp.csr_matrix, share: float, rng: np.random.Generator) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """Split each row's items at random into input and held-out positives (a user with one item keeps it)."""
    x = x.tocsr()
    n_row = np.diff(x.indptr)
    row = np.repeat(np.arange(x.shape[0]), n_row)
    rank = np.empty(len(row), dtype=np.int64)
    order = np.lexsort((rng.random(len(row)), row))
    rank[order] = np.arange(len(row)) - x.indptr[row[order]]
    n_hold = np.where(n_row >= 2, np.maximum(1, np.floor(share * n_row)), 0).astype(np.int64)
    held = rank < n_hold[row]
    make = lambda mask: sp.csr_matrix((x.data[mask], (row[mask], x.indices[mask])), shape=x.shape)  # noqa: E731
    return make(~held), make(held)


def _mean_rows(x: sp.csr_matrix) -> sp.csr_matrix:
    """Rows scaled to sum to 1 (empty rows stay empty)."""
    n = np.asarray(x.sum(axis=1)).ravel()
    return sp.diags(np.divide(1.0, n, out=np.zeros_like(n, dtype=np.float64), where=n > 0)) @ x


def _standardise(scores: torch.Tensor, seen: torch.Tensor) -> torch.Tensor:
    """Per-row z-scores over the unseen items; seen items get -inf."""
    free = (~seen).float()
    n = free.sum(dim=1, keepdim=True).clamp_min(1)
    mean = (scores * free).sum(dim=1, keepdim=True) / n
    std = (((scores - mean) ** 2 * free).sum(dim=1, keepdim=True) / n).sqrt().clamp_min(1e-8)
    return ((scores - mean) / std).masked_fill(seen, float("-inf"))
