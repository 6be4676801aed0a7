"""Timestamps in every unit and format a log may hold, read as whole unix seconds."""

from __future__ import annotations

import numpy as np
import pandas as pd

from coldrec.data.io.timestamps import date_text, is_excel_serial, parse_timestamps, unit_scales


def test_timestamps_in_seconds_milliseconds_and_iso_agree():
    sec = parse_timestamps(pd.Series(["1700000000"]))
    ms = parse_timestamps(pd.Series(["1700000000000"]))
    iso = parse_timestamps(pd.Series(["2023-11-14T22:13:20Z"]))
    assert sec.iloc[0] == ms.iloc[0] == iso.iloc[0] == 1700000000


def test_each_number_is_read_in_the_unit_its_size_says():
    mixed = pd.Series([1_700_000_000, 1_700_000_000_000, 1_700_000_000_000_000, 1_700_000_000_000_000_000])
    assert unit_scales(mixed).tolist() == [1.0, 1e3, 1e6, 1e9]
    assert parse_timestamps(mixed).tolist() == [1_700_000_000] * 4


def test_excel_serial_days_are_dates_not_the_first_day_of_1970():
    days = pd.Series([45_000.5, 45_001.0])  # 2023-03-15 12:00 and 2023-03-16
    assert is_excel_serial(days)
    assert parse_timestamps(days).tolist() == [1_678_881_600, 1_678_924_800]
    assert not is_excel_serial(pd.Series([1_700_000_000]))


def test_datetime_columns_and_unparseable_values():
    parsed = parse_timestamps(pd.Series(pd.to_datetime(["2023-11-14 22:13:20"])))
    assert parsed.iloc[0] == 1_700_000_000
    assert np.isnan(parse_timestamps(pd.Series(["soon", "later", "2023-11-14"])).iloc[0])


def test_dates_past_what_datetimes_hold_say_the_year():
    assert date_text(1_700_000_000) == "2023-11-14"
    assert date_text(10**13) == "year 318,857"
