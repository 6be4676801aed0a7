"""Wall-clock seconds per stage of a run, and what a requested extra (curve refits) will cost, from runs already
timed."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import pandas as pd

from coldrec.evaluation.fewshot import SHOTS
from coldrec.models.registry import MODELS

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


def timings_table(info: Mapping) -> pd.DataFrame:
    """A run's stages as rows (stage, seconds, share of the run); empty for runs stored before timings were kept."""
    seconds = stage_seconds(info)
    total = sum(seconds.values())
    return pd.DataFrame({"stage": list(seconds), "seconds": list(seconds.values()),
                         "share": [s / total if total > 0 else 0.0 for s in seconds.values()]})


@dataclass
class RefitPlan:
    """What asking for cold-item curve refits would cost: the models concerned and an estimate in seconds."""

    models: list[str]  # the chosen models that cannot fold new interactions in
    seconds: float  # estimated from the newest timed fit of each on this dataset
    untimed: list[str]  # of ``models``, those never timed on this dataset (not in ``seconds``)

    def text(self) -> str:
        """One line for the page, before the run."""
        if not self.models:
            return "Every chosen model learns the new items' interactions without a refit (fold-in)."
        line = (f"{', '.join(self.models)} cannot fold new interactions in: the cold-item curve leaves "
                f"{'it' if len(self.models) == 1 else 'them'} out unless refitted at each of its {N_REFITS} steps")
        known = [m for m in self.models if m not in self.untimed]
        if known:
            line += f"; about {duration(self.seconds)} for {', '.join(known)}, from their last fit on this dataset"
        if self.untimed:
            line += (f"; {', '.join(self.untimed)} not yet timed here (each refit takes about as long as its "
                     "fit)")
        return line + "."


N_REFITS = len([s for s in SHOTS if s > 0])


def refit_plan(models: Sequence[str], earlier: Iterable[Mapping]) -> RefitPlan:
    """The refit cost of ``models`` for the cold-item curve, from ``earlier`` runs' run.json (newest first)."""
    needs = [m for m in models if m in MODELS and not MODELS[m].folds_in]
    latest: dict[str, float] = {}
    for info in earlier:
        for stage, seconds in stage_seconds(info).items():
            latest.setdefault(stage, seconds)
    seconds, untimed = refit_estimate(latest, needs, N_REFITS)
    return RefitPlan(needs, seconds, untimed)


def duration(seconds: float) -> str:
    """Seconds as an analyst reads them: "45 s", "3 min", "1.5 h"."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
