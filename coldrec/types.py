"""Shared type aliases: how long work reports progress.

Every long call (a fit, an encoder fine-tune, a run) takes an optional
``progress(fraction, step)``: ``fraction`` in [0, 1], ``step`` a short
description for the progress bar. A callback may raise to cancel the work
(the job worker does so when the user presses Cancel).
"""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[float, str], None]
# Counted progress: (done, total), as the embedding cache reports encoded texts.
CountProgress = Callable[[int, int], None]


def no_progress(fraction: float, step: str) -> None:
    """The default callback: report nothing."""
