"""The local engine: every stage in this process, through the library's plain functions."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from coldrec.evaluation.evaluate import evaluate
from coldrec.evaluation.fewshot import few_shot
from coldrec.text.cache import EmbeddingCache
from coldrec.text.factory import load_encoder

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from coldrec.data.workspace import Workspace
    from coldrec.evaluation.evaluate import EvalResult
    from coldrec.evaluation.fewshot import FewShotResult
    from coldrec.models.base import Recommender
    from coldrec.split.base import Split


class LocalEngine:
    """Everything in this process: the library's plain functions, unchanged."""

    def describe(self) -> dict:
        return {"kind": "local"}

    def embed(self, ws: Workspace, texts: list[str], encoder_spec: str | None,
              progress: Callable[[int, int], None] | None = None) -> tuple[np.ndarray, str]:

        encoder = load_encoder(encoder_spec)
        return EmbeddingCache(ws.root / "embeddings").embed(encoder, texts, progress=progress), encoder.key

    def evaluate(self, models: Mapping[str, Recommender], split: Split, item_ids: pd.Index,
                 ks: tuple[int, ...], embeddings: np.ndarray | None = None,
                 on_model: Callable[[str], None] | None = None) -> EvalResult:

        return evaluate(models, split, item_ids, ks, embeddings=embeddings, on_model=on_model)

    def few_shot(self, models: Mapping[str, Recommender], split: Split, item_ids: pd.Index,
                 ks: tuple[int, ...], encoder_spec: str | None) -> FewShotResult:

        encode = load_encoder(encoder_spec).encode if any(m.uses_text for m in models.values()) else None
        return few_shot(models, split, item_ids, ks=ks, encode=encode)

    def map(self, fn: Callable[..., Any], items: Sequence[Any], *shared: Any,
            on_done: Callable[[int, int], None] | None = None) -> list[Any]:
        out: list[Any] = []
        for item in items:
            if on_done:
                on_done(len(out), len(items))
            out.append(fn(item, *shared))
        if on_done:
            on_done(len(out), len(items))
        return out
