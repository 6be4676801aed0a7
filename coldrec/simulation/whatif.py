"""What-if knobs: turn one and every strategy's list (session, replay) changes at once.

The knobs are the interest update step ``alpha``, the list length ``k``, a
``blend`` strategy mixing text and collaborative scores, a tail boost, and the
share of the catalog treated as new (its interactions hidden from the
collaborative models, which are refitted without them). Each knob wraps or
replaces a :class:`Recommender`, so sessions, replay and the batch curves see
the knobs through the one ``score`` interface."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields, replace

import numpy as np
import pandas as pd

from coldrec.columns import Columns
from coldrec.evaluation.evaluate import EvalUsers, rank_users, sample_users
from coldrec.metrics import accuracy as M
from coldrec.models.base import FitData, Recommender
from coldrec.models.registry import make_model
from coldrec.models.wrappers import Blend, TailBoosted

# Held-out users sampled for the what-if trade-off and share-as-new tables: a few seconds with every strategy.
WHATIF_USERS = 300
# Cheap to refit in a second or two on a shop-sized catalog; the neural models are not.
REFITTABLE: tuple[str, ...] = ("popularity", "itemknn", "ease")


@dataclass(frozen=True)
class Knobs:
    """The what-if settings; round-trip through plain dicts (saved with a session)."""

    alpha: float = 0.5
    k: int = 10
    blend_weight: float = 0.5  # share of the text (content) scores in the blend strategy
    blend_with: str | None = None  # the collaborative model blended with content; None = no blend strategy
    tail_boost: float = 0.0
    new_share: float = 0.0

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: Mapping) -> Knobs:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})


def new_item_mask(n_items: int, share: float, seed: int = 0) -> np.ndarray:
    """A ``share`` of the catalog, chosen at random by ``seed``; a larger share contains every smaller one."""
    if not 0.0 <= share <= 1.0:
        raise ValueError(f"share of new items must be in [0, 1], got {share}")
    order = np.random.default_rng(seed).permutation(n_items)
    mask = np.zeros(n_items, dtype=bool)
    mask[order[:round(share * n_items)]] = True
    return mask


def hide_items(data: FitData, mask: np.ndarray) -> FitData:
    """``data`` without the interactions of the items in ``mask`` (as if those items had just arrived)."""
    keep = ~np.asarray(mask, dtype=bool)[data.items]
    return replace(data, users=data.users[keep], items=data.items[keep], timestamps=data.timestamps[keep],
                   weights=data.weights[keep] if data.weights is not None else None)


def refit_without(data: FitData, mask: np.ndarray, names: Sequence[str],
                  params: Mapping[str, dict] | None = None) -> dict[str, Recommender]:
    """The refittable models of ``names`` fitted on ``data`` minus the interactions of the ``mask`` items."""
    hidden = hide_items(data, mask)
    params = params or {}
    return {n: make_model(n, params.get(n)).fit(hidden) for n in names if n in REFITTABLE}


def strategies(models: Mapping[str, Recommender], knobs: Knobs, tail_mask: np.ndarray | None = None,
               refitted: Mapping[str, Recommender] | None = None) -> dict[str, Recommender]:
    """The strategies under ``knobs``: refitted models swapped in, the blend added, the tail boost wrapped on.

    ``refitted`` holds the models refitted with the new items hidden (from
    :func:`refit_without`); models that cannot be refitted cheaply keep their
    original fit.
    """
    out = {name: (refitted or {}).get(name, model) for name, model in models.items()}
    if knobs.blend_with in out and "content" in out and knobs.blend_with != "content":
        out["blend"] = Blend(out["content"], out[knobs.blend_with], knobs.blend_weight)
    if knobs.tail_boost > 0:
        if tail_mask is None:
            raise ValueError("a tail boost needs the tail items (a head/tail labelling of the catalog)")
        out = {name: TailBoosted(model, tail_mask, knobs.tail_boost) for name, model in out.items()}
    return out


def held_out_users(users: EvalUsers, n: int, seed: int = 0) -> EvalUsers:
    """At most ``n`` of the cold (held-out) users, sampled without replacement, so a curve takes seconds."""
    return sample_users(users, n, seed, rows=np.flatnonzero(users.segments == "cold"))


def new_share_effect(before: Mapping[str, Recommender], after: Mapping[str, Recommender], users: EvalUsers,
                     new_mask: np.ndarray, k: int) -> pd.DataFrame:
    """How hiding the new items' interactions changes each strategy: Recall@K overall and on the new items.

    Columns: strategy, fit (``all interactions`` / ``new items hidden``),
    recall, recall_new (over users with a new item to find), new_in_lists
    (share of list slots given to new items), n_users.
    """
    rel_new = [r[new_mask[r]] for r in users.relevant]
    n_rel = np.array([len(r) for r in users.relevant])
    n_new = np.array([len(r) for r in rel_new])
    rows = []
    for fit, models in (("all interactions", before), ("new items hidden", after)):
        for name, model in models.items():
            top, _ = rank_users(model, users, k)
            recall = M.recall_at_k(M.hits_matrix(top, users.relevant), n_rel, k)
            recall_new = M.recall_at_k(M.hits_matrix(top, rel_new), np.maximum(n_new, 1), k)[n_new > 0]
            rows.append({"strategy": name, "fit": fit, "recall": float(recall.mean()) if len(top) else np.nan,
                         "recall_new": float(recall_new.mean()) if len(recall_new) else np.nan,
                         "new_in_lists": float(new_mask[top].mean()) if top.size else np.nan, "n_users": len(top)})
    return pd.DataFrame(rows)


def catalog_counts(interactions: pd.DataFrame, catalog: pd.DataFrame) -> np.ndarray:
    """Interactions per catalog item, in catalog order (0 for an item nobody touched); the tail mask's input."""
    counts = interactions[Columns.item].value_counts()
    return counts.reindex(catalog[Columns.item], fill_value=0).to_numpy()
