"""The what-if trade-off chart rings the current boost, measured or between measured points."""

from __future__ import annotations

import pandas as pd
import pytest

from coldrec.visuals.simulation import current_point, tradeoff_chart

CURVE = pd.DataFrame({"strength": [0.0, 0.5, 1.0], "aplt": [0.10, 0.20, 0.40], "ndcg": [0.30, 0.28, 0.20],
                      "recall": [0.1, 0.1, 0.1], "coverage": [0.2, 0.3, 0.4], "n_users": [50, 50, 50]})


def test_a_measured_strength_is_its_own_point():
    assert current_point(CURVE, 0.5) == (0.20, 0.28, True)


def test_a_strength_between_points_is_interpolated_and_said_to_be():
    x, y, measured = current_point(CURVE, 0.75)
    assert x == pytest.approx(0.30) and y == pytest.approx(0.24) and not measured
    fig = tradeoff_chart(CURVE, "content", 10, 0.75)
    ring = fig.data[-1]
    assert ring.name == "current boost" and "interpolated" in ring.hovertemplate


def test_outside_the_measured_range_or_no_knob_draws_no_ring():
    assert current_point(CURVE, 2.0) is None and current_point(CURVE, None) is None
    assert len(tradeoff_chart(CURVE, "content", 10, None).data) == 1
