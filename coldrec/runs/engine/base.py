"""What an engine is (the protocol every backend implements) and its error; backends import only this."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from coldrec.data.workspace import Workspace
    from coldrec.evaluation.evaluate import EvalResult
    from coldrec.evaluation.fewshot import FewShotResult
    from coldrec.models.base import Recommender
    from coldrec.split.base import Split


RAY_EXTRA_HINT = "install the Ray extra with: pip install 'coldrec[ray]'"


class EngineError(RuntimeError):
    """The engine asked for cannot be used (Ray missing, cluster unreachable, cluster lost)."""


class Engine(Protocol):
    """What the experiment and the search ask of an engine."""

    def describe(self) -> dict:
        """Plain facts for run.json: kind, address, nodes, CPUs, version."""
        ...

    def embed(self, ws: Workspace, texts: list[str], encoder_spec: str | None,
              progress: Callable[[int, int], None] | None = None) -> tuple[np.ndarray, str]:
        """Vectors for ``texts`` in order (through the workspace's embedding cache) and the encoder key."""
        ...

    def evaluate(self, models: Mapping[str, Recommender], split: Split, item_ids: pd.Index,
                 ks: tuple[int, ...], embeddings: np.ndarray | None = None,
                 on_model: Callable[[str], None] | None = None) -> EvalResult:
        """:func:`coldrec.evaluation.evaluate.evaluate` with the users ranked wherever the engine runs."""
        ...

    def few_shot(self, models: Mapping[str, Recommender], split: Split, item_ids: pd.Index,
                 ks: tuple[int, ...], encoder_spec: str | None) -> FewShotResult:
        """:func:`coldrec.evaluation.fewshot.few_shot` for every model."""
        ...

    def map(self, fn: Callable[..., Any], items: Sequence[Any], *shared: Any,
            on_done: Callable[[int, int], None] | None = None) -> list[Any]:
        """``[fn(item, *shared) for item in items]``, in order; ``on_done(done, total)`` as results arrive."""
        ...
