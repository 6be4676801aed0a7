"""Timestamps from what logs hold: unix seconds, milliseconds, microseconds or nanoseconds (even mixed in one
column), ISO or other date text, datetime columns, and Excel date numbers; each read as whole unix seconds."""

from __future__ import annotations

import numpy as np
import pandas as pd

# Unix seconds, milliseconds, microseconds: the largest value each unit takes before year 5138 (then ns).
_UNIT_BOUNDS = ((1e11, 1.0), (1e14, 1e3), (1e17, 1e6))
UNIT_NAMES = {1.0: "seconds", 1e3: "milliseconds", 1e6: "microseconds", 1e9: "nanoseconds"}
# Excel stores dates as days since 1899-12-30: 20,000-80,000 is 1954-2119; the last date Excel knows is 9999.
_EXCEL_EPOCH_DAYS, _EXCEL_MAX = 25569, 2_958_465
_YEAR_10000 = 253_402_300_800


def parse_timestamps(values: pd.Series) -> pd.Series:
    """Unix seconds (int64) from seconds, milliseconds or ISO text; NaN where unparseable.

    Notes
    -----
    Numbers are read as seconds, or as milliseconds, microseconds or
    nanoseconds when their median is too large to be seconds (past year
    5138). Datetime columns (Parquet) are converted as they are.
    """
    if pd.api.types.is_datetime64_any_dtype(values):
        parsed = values.dt.tz_localize("UTC") if values.dt.tz is None else values
        return to_seconds(parsed)
    numeric = pd.to_numeric(values, errors="coerce")
    numeric = numeric.where(np.isfinite(numeric.astype(float)))
    if numeric.notna().mean() > 0.5:
        if is_excel_serial(numeric):
            return ((numeric - _EXCEL_EPOCH_DAYS) * 86400).round()
        seconds = (numeric / unit_scales(numeric)).floordiv(1)
        return seconds.where(seconds.abs() < _YEAR_10000)  # past any calendar: not a time
    return to_seconds(pd.to_datetime(values, errors="coerce", utc=True, format="mixed"))


def unit_scales(numeric: pd.Series) -> pd.Series:
    """The divisor to unix seconds of each number, by its own size (a log may mix seconds and milliseconds)."""
    size = numeric.abs()
    scale = pd.Series(1e9, index=numeric.index)
    for bound, unit in reversed(_UNIT_BOUNDS):
        scale = scale.mask(size < bound, unit)
    return scale


def is_excel_serial(numeric: pd.Series) -> bool:
    """Do these numbers read as Excel dates (days since 1899-12-30, 1954-2119, spanning under a century)?

    As unix seconds they would all fall in the first day of 1970, which no
    real log does.
    """
    valid = numeric.dropna()
    if valid.empty or valid.min() < 1 or valid.max() > _EXCEL_MAX:
        return False
    return bool(20_000 <= valid.median() <= 80_000 and valid.max() - valid.min() <= 36_525)


def to_seconds(parsed: pd.Series) -> pd.Series:
    """Whole unix seconds (float, NaN where missing) of UTC datetimes."""
    seconds = (parsed - pd.Timestamp("1970-01-01", tz="UTC")) // pd.Timedelta(seconds=1)
    return seconds.astype("Float64").astype(float)


def date_text(seconds: int) -> str:
    """yyyy-mm-dd of unix seconds, or the year alone past what datetimes hold."""
    try:
        return pd.Timestamp(seconds, unit="s").strftime("%Y-%m-%d")
    except (ValueError, OverflowError, NotImplementedError, pd.errors.OutOfBoundsDatetime):
        return f"year {1970 + seconds // 31_556_952:,}"
