"""Explicit vs implicit feedback: which interactions count as positives, and how much."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from coldrec.columns import Columns as C
from coldrec.data.io.validate import ValidationReport


@dataclass
class FeedbackConfig:
    """How raw interactions become positives.

    ``rating_threshold``: keep rows whose rating is at least this (None keeps
    all, the rating column is stored either way). ``event_weights``: weight per
    event type (e.g. view 1, cart 3, purchase 5); an event weighted 0 is
    dropped; events not listed weigh 1.
    """

    rating_threshold: float | None = None
    event_weights: dict[str, float] = field(default_factory=dict)


def apply_feedback(df: pd.DataFrame, cfg: FeedbackConfig, file: str, report: ValidationReport) -> pd.DataFrame:
    """Filter and weight interactions per ``cfg``; every dropped row is counted in the report."""
    if C.rating in df.columns:
        df = df.assign(**{C.rating: pd.to_numeric(df[C.rating], errors="coerce")})
    if cfg.rating_threshold is not None:
        if C.rating not in df.columns:
            report.error(file, C.rating, "a rating threshold was set but there is no rating column; map one "
                                         "or clear the threshold")
            return df
        keep = df[C.rating] >= cfg.rating_threshold
        if (~keep).any():
            report.warn(file, C.rating, f"{int((~keep).sum())} interactions rated below {cfg.rating_threshold:g} "
                                        "(or unrated) are not positives and were dropped")
        df = df[keep]
    if cfg.event_weights:
        wrong = {event: w for event, w in cfg.event_weights.items() if not (np.isfinite(w) and w >= 0)}
        if wrong:
            event, w = next(iter(wrong.items()))
            report.error(file, C.event, f"the weight of event '{event}' is {w:g}; event weights must be 0 or more "
                                        "(0 drops the event): fix the event weights")
            return df
        if C.event not in df.columns:
            report.error(file, C.event, "event weights were set but there is no event column; map one "
                                        "or clear the weights")
            return df
        weights = df[C.event].map(cfg.event_weights).astype(float).fillna(1.0).to_numpy()
        zero = weights == 0
        if zero.any():
            report.warn(file, C.event, f"{int(zero.sum())} interactions with events weighted 0 were dropped")
        df = df.assign(**{C.weight: np.where(zero, 0.0, weights)})[~zero]
    return df
