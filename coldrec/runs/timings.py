"""Wall-clock seconds per stage of a run, and what a requested extra will cost, from runs already timed."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager

FIT_PREFIX = "fit "


class StageTimer:
    """Seconds per named stage, in the order the stages first ran; a stage run twice adds up."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - start

    def records(self) -> list[dict[str, float | str]]:
        """The timings to store, in run order (JSON objects lose it): stage and seconds to 0.01 s."""
        return [{"stage": name, "seconds": round(s, 2)} for name, s in self.seconds.items()]


def stage_seconds(info: Mapping) -> dict[str, float]:
    """A run.json's stage timings in run order; {} for runs stored before timings were kept."""
    return {str(r["stage"]): float(r["seconds"]) for r in info.get("timings", [])}


def fit_stage(model: str) -> str:
    """The stage name of one model's fit."""
    return FIT_PREFIX + model


def refit_estimate(timings: Mapping[str, float], models: Iterable[str], n_steps: int) -> tuple[float, list[str]]:
    """Seconds that refitting ``models`` ``n_steps`` times will take, from a run's stored fit timings.

    Each refit is taken to cost what the model's fit cost in that run (refits skip the tuning, so this errs
    long); returns (seconds, the models without a timing, which the estimate leaves out).
    """
    seconds, unknown = 0.0, []
    for model in models:
        fit = timings.get(fit_stage(model))
        if fit is None:
            unknown.append(model)
        else:
            seconds += n_steps * float(fit)
    return seconds, unknown
