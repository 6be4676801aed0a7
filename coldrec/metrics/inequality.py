"""How unequal a distribution is: the Gini coefficient and the Lorenz curve (item popularity, exposure)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def _as_counts(counts: np.ndarray) -> np.ndarray:
    """Validate counts (finite, non-negative) and return them sorted ascending as float."""
    x = np.asarray(counts, dtype=float).ravel()
    if not np.isfinite(x).all() or (x < 0).any():
        raise ValueError("counts must be finite and non-negative")
    return np.sort(x)


def gini(counts: np.ndarray) -> float:
    """Gini coefficient of non-negative counts (0 = equal, towards 1 = concentrated).

    Parameters
    ----------
    counts : numpy.ndarray
        Interactions per item, any order; zeros count as items with no exposure.

    Returns
    -------
    float
        0.0 for equal counts, ``(n - 1) / n`` when one of ``n`` items holds everything;
        0.0 for an empty or all-zero array (nothing is unequally shared).

    Notes
    -----
    With counts sorted ascending, :math:`x_1 \\le \\dots \\le x_n`,

    .. math:: G = \\frac{2 \\sum_i i x_i}{n \\sum_i x_i} - \\frac{n + 1}{n},

    which equals the mean absolute difference over all ordered pairs divided by twice
    the mean, and twice the area between the Lorenz curve and the diagonal. We use the
    population form without the ``n / (n - 1)`` small-sample correction, so the maximum
    is ``(n - 1) / n``; on catalogs of thousands of items the two differ by < 0.1%.
    """
    x = _as_counts(counts)
    n, total = x.size, x.sum()
    if n == 0 or total == 0:
        return 0.0
    rank = np.arange(1, n + 1, dtype=float)
    return float(2.0 * np.dot(rank, x) / (n * total) - (n + 1) / n)


def lorenz_curve(counts: np.ndarray, max_points: int = 200) -> pd.DataFrame:
    """Lorenz curve of counts: the least popular `item_share` of items hold `interaction_share`.

    Parameters
    ----------
    counts : numpy.ndarray
        Interactions per item, any order.
    max_points : int
        Most rows to return (>= 2).

    Returns
    -------
    pandas.DataFrame
        ``item_share``, ``interaction_share``, both non-decreasing from (0, 0) to (1, 1).
        Empty or all-zero counts give the equality diagonal.

    Notes
    -----
    The exact curve has ``n + 1`` corners. When that is more than `max_points`, half the
    points are evenly spaced in item share and half evenly spaced in interaction share:
    the first half keeps the flat run of cold items, the second the steep head, where
    a handful of items holds much of the traffic.
    """
    if max_points < 2:
        raise ValueError("max_points must be >= 2")
    x = _as_counts(counts)
    n, total = x.size, x.sum()
    if n == 0 or total == 0:
        return pd.DataFrame({"item_share": [0.0, 1.0], "interaction_share": [0.0, 1.0]})
    cum = np.concatenate([[0.0], np.cumsum(x)])
    idx = np.arange(n + 1)
    if n + 1 > max_points:
        half = max_points // 2
        by_item = np.rint(np.linspace(0, n, half)).astype(np.int64)
        by_share = np.searchsorted(cum, np.linspace(0.0, total, max_points - half), side="left")
        idx = np.unique(np.concatenate([by_item, np.minimum(by_share, n)]))
    share = cum[idx] / total
    share[-1] = 1.0  # exact end point despite float rounding in the cumulative sum
    return pd.DataFrame({"item_share": idx / n, "interaction_share": share})
