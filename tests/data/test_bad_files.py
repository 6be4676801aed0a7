"""The bad-file corpus: one file per defect under ``tests/bad_files/``, one row per file here.

Each file has exactly one defect and goes through the whole upload
(``ingest``) paired with the good other file (``good_interactions.csv`` or
``good_catalog.csv``). Its row names the one issue it must raise: level,
column and a fragment of the message (the file is always the bad file).
Errors must store nothing and leave what is already stored alone; warnings
must store. Rows at level "ok" are formats that must read as intended, with
no issue at all.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from coldrec.data.ingest import IngestOptions, IngestResult, ingest
from coldrec.data.io.feedback import FeedbackConfig
from coldrec.data.workspace import Workspace

BAD = Path(__file__).resolve().parent / "bad_files"
GOOD_INTERACTIONS, GOOD_CATALOG = BAD / "good_interactions.csv", BAD / "good_catalog.csv"

THRESHOLD_4 = IngestOptions(feedback=FeedbackConfig(rating_threshold=4))
NEGATIVE_EVENT_WEIGHT = IngestOptions(feedback=FeedbackConfig(event_weights={"view": -1.0}))
MISSING_MAPPED = IngestOptions(interaction_columns={"user_id": "customer"})
HEADERLESS = IngestOptions(interaction_columns={"user_id": "column_1", "item_id": "column_2",
                                                "timestamp": "column_3"})


@dataclass(frozen=True)
class Case:
    """One corpus file and the issue it must raise."""

    file: str
    level: str  # "error", "warning", or "ok" (no issue)
    column: str | None = None
    fragment: str = ""
    options: IngestOptions | None = None
    # Further issues the same defect causes downstream: (level, column, fragment).
    also: tuple[tuple[str, str | None, str], ...] = field(default=())
    # Environment for the upload: a lowered limit, so a small file can stand for a huge one.
    env: tuple[tuple[str, str], ...] = field(default=())

    @property
    def is_catalog(self) -> bool:
        return self.file.startswith("catalog_")


CASES = [
    # -- interactions: the file cannot be read as a table ----------------------------------------------
    Case("empty.csv", "error", None, "the file is empty; upload a file with a header and rows"),
    Case("whitespace_only.csv", "error", None, "the file is empty"),
    Case("gzip_of_empty_file.csv.gz", "error", None, "the file inside the gzip archive is empty; upload a file"),
    Case("truncated.csv.gz", "error", None, "the gzip archive is cut off"),
    Case("corrupt.parquet", "error", None, "is not a readable Parquet file"),
    Case("binary_garbage.csv", "error", None, "is binary data, not text; upload CSV, TSV, JSON lines or Parquet"),
    Case("excel_workbook.xlsx", "error", None, "is an Excel workbook, not a table; save the sheet as CSV UTF-8"),
    Case("html_page.csv", "error", None, "is a web page (HTML), not a data file"),
    Case("malformed_line.jsonl", "error", None, "line 7 is not a valid JSON object (Expecting ',' delimiter"),
    Case("ragged_row.csv", "error", None, "row 8 has 4 fields but the header (row 1) has 3; a value probably "
                                          "contains ','"),
    Case("unclosed_quote.csv", "error", None, "a double quote opened on row 6 is never closed"),
    Case("extra_field_first_row.csv", "error", None, "row 2 has 4 fields but the header (row 1) has 3"),
    # -- interactions: read, but they block storing ----------------------------------------------------
    Case("header_only.csv", "error", None, "the file has a header but no rows"),
    Case("missing_user_id.csv", "error", "user_id", "required column is missing (columns found: item_id, "
                                                    "timestamp); rename the column that holds the user ids"),
    Case("missing_item_id.tsv", "error", "item_id", "required column is missing (columns found: user_id, timestamp)"),
    Case("missing_timestamp.jsonl", "error", "timestamp", "rename the column that holds the time of each "
                                                          "interaction to 'timestamp'"),
    Case("all_empty_user_ids.csv", "error", "user_id", "every value is empty (60 rows); fill in the user ids"),
    Case("all_null_user_ids.parquet", "error", "user_id", "every value is empty (60 rows)"),
    Case("all_timestamps_unparseable.csv", "error", "timestamp", "60 of 60 values are not timestamps "
                                                                 "(rows 2, 3, 4, ..., e.g. 'yesterday')"),
    Case("timestamps_10pct_unparseable.csv", "error", "timestamp", "6 of 60 values are not timestamps "
                                                                   "(rows 6, 15, 24, ..., e.g. 'n/a'); more than 5%"),
    Case("no_item_in_catalog.csv", "error", "item_id", "no interaction's item is in the catalog (interactions have "
                                                       "e.g. 'x01', 'x03', 'x05'; the catalog has e.g. 'i01'"),
    Case("all_below_threshold.csv", "error", None, "no rows left after cleaning", THRESHOLD_4,
         also=(("warning", "rating", "60 interactions rated below 4"),)),
    # -- interactions: stored, with a warning ----------------------------------------------------------
    Case("some_empty_user_ids.csv", "warning", "user_id", "2 rows with an empty id dropped (rows 4, 9)"),
    Case("some_null_item_ids.parquet", "warning", "item_id", "2 rows with an empty id dropped (rows 11, 21)"),
    Case("float_user_ids_with_null.parquet", "warning", "user_id", "1 row with an empty id dropped (rows 5)"),
    Case("timestamps_2pct_unparseable.csv", "warning", "timestamp", "1 row with an unparseable timestamp dropped "
                                                                    "(rows 11, e.g. 'not a date')"),
    Case("future_timestamps.csv", "warning", "timestamp", "2 timestamps in the future (rows 7, 8, e.g. 2100-01-01)"),
    Case("duplicate_rows.csv", "warning", None, "2 duplicate (user, item, timestamp) rows removed (rows 12, 32"),
    Case("duplicate_rows.csv.gz", "warning", None, "2 duplicate (user, item, timestamp) rows removed"),
    Case("single_interaction_users.csv", "warning", "user_id", "2 users with a single interaction (e.g. 'u13', "
                                                               "'u14')"),
    Case("unknown_items.csv", "warning", "item_id", "3 interactions with 2 items missing from the catalog were "
                                                    "dropped (e.g. 'x99', 'x98')"),
    Case("rating_text.csv", "warning", "rating", "2 non-numeric ratings (rows 5, 19, e.g. 'five', 'good')",
         THRESHOLD_4, also=(("warning", "rating", "2 interactions rated below 4"),)),
    Case("no_header.csv", "warning", None, "no header row found (row 1 holds data: u01, i01, 1700000000)",
         HEADERLESS),
    # -- interactions: other formats that must read as intended -----------------------------------------
    Case("timestamps_ms.csv", "ok"),
    Case("timestamps_us.csv", "ok"),
    Case("timestamps_iso.csv", "ok"),
    Case("timestamps_datetime.parquet", "ok"),
    Case("semicolon.csv", "ok"),
    Case("excel_utf8_bom_crlf.csv", "ok"),
    Case("excel_unicode_text.txt", "ok"),
    Case("json_array.json", "ok"),
    Case("trailing_delimiter.csv", "ok"),
    # -- catalog ----------------------------------------------------------------------------------------
    Case("catalog_header_only.csv", "error", None, "the file has a header but no rows"),
    Case("catalog_missing_title.csv", "error", "title", "required column is missing (columns found: item_id, "
                                                        "category); rename the column that holds the item names"),
    Case("catalog_no_title.parquet", "error", "title", "required column is missing (columns found: item_id, "
                                                       "description)"),
    Case("catalog_missing_item_id.tsv", "error", "item_id", "required column is missing (columns found: title, "
                                                            "category)"),
    Case("catalog_is_interactions.csv", "error", "title", "this looks like an interactions file: were the two files "
                                                          "swapped?"),
    Case("catalog_line_not_object.jsonl", "error", None, "line 4 is not a valid JSON object (it is an array, not "
                                                         "an object); fix or remove that line"),
    Case("catalog_all_empty_ids.jsonl", "error", "item_id", "every value is empty (10 rows); fill in the item ids"),
    Case("catalog_no_text.csv", "error", "title", "no item has any text: the text fields (title, category, brand, "
                                                  "description) are empty or missing in every row"),
    Case("catalog_items_without_text.csv", "warning", "title", "2 items without text (rows 5, 9)"),
    Case("catalog_duplicate_ids.csv", "warning", "item_id", "1 repeated item id (rows 12, e.g. 'i02'), 1 with "
                                                            "different text (e.g. 'i02' is both 'Pour-over dripper' "
                                                            "and 'Pour-over dripper (again)'); the first row of each "
                                                            "was kept"),
    Case("catalog_some_empty_ids.csv", "warning", "item_id", "1 row with an empty id dropped (rows 12)"),
    Case("catalog_latin1.csv", "warning", None, "not valid UTF-8 (first at row 3); read as latin-1"),
    Case("catalog_windows1252.csv", "warning", None, "not valid UTF-8 (first at row 3); read as latin-1 "
                                                     "(Windows-1252)"),
]
# -- #17: hostile and broken input: bounded, clear, never silently wrong ------------------------------------
CASES += [
    # resources: every limit names itself and the variable that raises it
    Case("gzip_bomb.csv.gz", "error", None, "the gzip archive inflates to more than 1 MB; the limit is 1 MB per file "
                                            "once decompressed (COLDREC_MAX_FILE_MB); set COLDREC_MAX_FILE_MB to "
                                            "raise it", env=(("COLDREC_MAX_FILE_MB", "1"),)),
    Case("too_many_columns.csv", "error", None, "the file has 2,103 columns; the limit is 1,000 columns per file "
                                                "(COLDREC_MAX_COLUMNS); set COLDREC_MAX_COLUMNS to raise it"),
    Case("catalog_long_text.csv", "warning", "title", "1 item with more than 1,000 characters of text (rows 6) cut "
                                                      "to that length; the limit is 1,000 characters of text per "
                                                      "item (COLDREC_MAX_TEXT_CHARS)",
         env=(("COLDREC_MAX_TEXT_CHARS", "1000"),)),
    # crash: one milliseconds value among seconds (year 55,000 as seconds)
    Case("timestamps_one_ms_among_s.csv", "warning", "timestamp", "1 timestamp in milliseconds among seconds "
                                                                  "(rows 8, e.g. '1700003660000'); each was read in "
                                                                  "the unit its size says"),
    # silently wrong before
    Case("placeholder_user_ids.csv", "warning", "user_id", "4 rows whose id stands for a missing value dropped (rows "
                                                           "5, 10, 22, ..., e.g. 'NaN', 'null', 'None')"),
    Case("duplicate_user_id_columns.csv", "error", "user_id", "the header names this column twice (columns 1 and 4); "
                                                              "rename or remove one of them"),
    Case("case_variant_user_id.csv", "error", "user_id", "columns 'User_ID' and 'user_id' both read as user_id; map "
                                                         "the one that holds the values in the column mapping"),
    Case("excel_serial_dates.csv", "warning", "timestamp", "the values are Excel date numbers (e.g. "
                                                           "'45244.925926'); read as days since 1899-12-30"),
    Case("infinite_ratings.csv", "warning", "rating", "2 infinite ratings (rows 8, 32, e.g. 'inf', '-Infinity'); "
                                                      "they count as unrated, so a rating threshold drops them"),
    Case("nul_bytes.csv", "warning", None, "2 NUL bytes (invisible zero characters, first on line 6) removed"),
    Case("invisible_chars_in_ids.csv", "warning", "user_id", "2 ids held invisible characters (control, zero-width, "
                                                             "bidi or byte order mark) that were removed (rows 6, 11, "
                                                             "e.g. 'u0\\u200b1' read as 'u01')",
         also=(("warning", "item_id", "1 id held invisible characters (control, zero-width, bidi or byte order "
                                      "mark) that were removed (rows 16, e.g. '\\ufeffi01' read as 'i01')"),)),
    Case("nested_struct_ids.parquet", "error", "user_id", "holds records (nested values, e.g. '{'id': 'u01', 'src': "
                                                          "'web'}'), not one id per row; flatten the column"),
    Case("nested_list_ids.parquet", "error", "item_id", "holds lists (nested values, e.g. '['i01']'), not one id "
                                                        "per row"),
    Case("negative_weights.csv", "warning", "weight", "2 rows with a negative, infinite or non-numeric weight "
                                                      "dropped (rows 7, 19, e.g. '-3', '-1')"),
    Case("good_interactions.csv", "error", "event", "the weight of event 'view' is -1; event weights must be 0 or "
                                                    "more (0 drops the event)", NEGATIVE_EVENT_WEIGHT),
    Case("catalog_currency_prices.csv", "warning", "price", "7 prices with a currency mark or separators read as "
                                                            "numbers (rows 2, 3, 4, ..., e.g. '$12.99' as 12.99)",
         also=(("warning", "price", "1 price not readable as a number (rows 10, e.g. 'call us') stored as empty"),)),
    # unclear before
    Case("cr_line_endings.csv", "ok"),
    Case("json_columns_layout.json", "ok"),
    Case("blank_lines_before_header.csv", "warning", None, "3 blank lines before the header (row 4) skipped"),
    Case("delimiters_only.csv", "error", None, "the file holds no values, only delimiters and line breaks"),
    Case("catalog_duplicate_ids_different_text.csv", "warning", "item_id", "1 with different text (e.g. 'i02' is both "
                                                                           "'Pour-over dripper' and 'Electric "
                                                                           "kettle'); the first row of each was kept: "
                                                                           "give different items different ids"),
    Case("good_interactions.csv", "error", "user_id", "the column mapping points user_id at 'customer', which this "
                                                      "file does not have (columns found: user_id, item_id, "
                                                      "timestamp); choose one of those columns", MISSING_MAPPED),
    # more of each class: other spellings of the same defects
    Case("whitespace_unicode.csv", "error", None, "the file is empty; upload a file with a header and rows"),
    Case("bom_only.csv", "error", None, "the file is empty"),
    Case("utf16_whitespace.txt", "error", None, "the file is empty"),
    Case("cr_header_only.csv", "error", None, "the file has a header but no rows"),
    Case("json_split_layout.json", "ok"),
    Case("json_index_layout.json", "ok"),
    Case("json_columns_pretty.json", "ok"),
    Case("gzip_two_members.csv.gz", "ok"),
    Case("duplicate_columns.parquet", "error", "item_id", "the header names this column twice (columns 2 and 4)"),
    Case("too_many_keys.jsonl", "error", None, "the file has 1,053 columns; the limit is 1,000 columns per file "
                                               "(COLDREC_MAX_COLUMNS)"),
    Case("excel_na_user_ids.csv", "warning", "user_id", "2 rows whose id stands for a missing value dropped (rows 3, "
                                                        "8, e.g. '#N/A', 'undefined')"),
    Case("catalog_placeholder_ids.csv", "warning", "item_id", "2 rows whose id stands for a missing value dropped "
                                                              "(rows 4, 9, e.g. 'NULL', 'n/a')",
         also=(("warning", "item_id", "12 interactions with 2 items missing from the catalog were dropped"),)),
    Case("catalog_invisible_ids.csv", "warning", "item_id", "1 id held invisible characters (control, zero-width, "
                                                            "bidi or byte order mark) that were removed (rows 5, e.g. "
                                                            "'i\\u200d04' read as 'i04')"),
    Case("excel_serial_days.csv", "warning", "timestamp", "the values are Excel date numbers (e.g. '45244')"),
    Case("timestamps_mixed_units.csv", "warning", "timestamp", "2 timestamps in microseconds, milliseconds among "
                                                               "seconds (rows 12, 13, e.g. '1700007200000000')"),
    Case("timestamps_beyond_any_calendar.csv", "error", "timestamp", "4 of 60 values are not timestamps (rows 4, 7, "
                                                                     "11, ..., e.g. '1e30')"),
    Case("rating_nan_and_inf.csv", "warning", "rating", "1 infinite rating (rows 10, e.g. 'inf')",
         also=(("warning", "rating", "1 non-numeric rating (rows 5, e.g. 'NaN')"),)),
    Case("weights_inf_and_text.csv", "warning", "weight", "2 rows with a negative, infinite or non-numeric weight "
                                                          "dropped (rows 6, 11, e.g. 'inf', 'lots')"),
    Case("catalog_html_title.csv", "ok"),
]
ERRORS = [c for c in CASES if c.level == "error"]


GOOD_ROWS = pd.read_csv(GOOD_INTERACTIONS, dtype={"user_id": str, "item_id": str})


def _upload(ws: Workspace, case: Case) -> IngestResult:
    pair = (GOOD_INTERACTIONS, BAD / case.file) if case.is_catalog else (BAD / case.file, GOOD_CATALOG)
    return ingest(ws, *pair, options=case.options)


def _stored_files(ws: Workspace) -> dict[str, str]:
    """Every file under datasets/ and tmp/ with a hash of its bytes."""
    return {str(p.relative_to(ws.root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for sub in ("datasets", "tmp") for p in sorted((ws.root / sub).rglob("*")) if p.is_file()}


def _assert_reports(case: Case, result: IngestResult) -> None:
    """The case's issue (and its downstream ones) and nothing else; messages are plain one-line text."""
    expected = [] if case.level == "ok" else [(case.level, case.column, case.fragment), *case.also]
    issues = result.report.issues
    assert len(issues) == len(expected), [str(i) for i in issues]
    files = {case.file, GOOD_INTERACTIONS.name, GOOD_CATALOG.name}  # a downstream issue may name the good file
    for n, (level, column, fragment) in enumerate(expected):
        assert any((i.level, i.column) == (level, column) and fragment in i.message
                   and (i.file == case.file or (n > 0 and i.file in files))
                   for i in issues), f"no {level} on {case.file}/{column} with {fragment!r}: {[str(i) for i in issues]}"
    for issue in issues:
        assert "\n" not in issue.message and "`" not in issue.message and "Traceback" not in issue.message


# Module-scoped workspaces keep the corpus fast: errors go to one that must stay empty,
# stored uploads to another (each case's files differ, so each is a new dataset).
@pytest.fixture(autouse=True)
def _case_env(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """The case's lowered limits, for this test only."""
    case = request.node.callspec.params.get("case") if hasattr(request.node, "callspec") else None
    for key, value in getattr(case, "env", ()):
        monkeypatch.setenv(key, value)


@pytest.fixture(scope="module")
def empty_ws(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    return Workspace(tmp_path_factory.mktemp("empty_ws"))


@pytest.fixture(scope="module")
def store_ws(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    return Workspace(tmp_path_factory.mktemp("store_ws"))


def test_the_corpus_is_complete():
    """Every file in the folder has a row, and there are at least 30 defects."""
    assert {c.file for c in CASES} | {GOOD_INTERACTIONS.name, GOOD_CATALOG.name} == {p.name for p in BAD.iterdir()}
    assert len([c for c in CASES if c.level != "ok"]) >= 30


def _case_id(case: Case) -> str:
    return case.file + (f"[{next(iter(case.options.to_dict()['feedback']['event_weights']), 'map')}]"
                        if case.file.startswith("good_") else "")


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_bad_file_is_reported(case: Case, empty_ws: Workspace, store_ws: Workspace):
    ws = empty_ws if case.level == "error" else store_ws
    result = _upload(ws, case)
    _assert_reports(case, result)
    if case.level == "error":
        assert result.dataset is None
        assert ws.datasets() == [] and _stored_files(ws) == {}
        return
    assert result.created and result.dataset in ws.datasets()
    assert not any((ws.root / "tmp").iterdir())
    stored = ws.load_interactions(result.dataset.id)
    assert len(stored) > 0
    if case.level == "ok" or case.options is HEADERLESS:
        # Milliseconds, microseconds, ISO text, Parquet datetimes, other delimiters and encodings:
        # all become the same rows and unix seconds as the good file.
        cols = ["user_id", "item_id", "timestamp"]
        pd.testing.assert_frame_equal(stored[cols], GOOD_ROWS[cols], check_dtype=False)


def test_failed_uploads_leave_the_stored_dataset_alone(ws: Workspace):
    good = ingest(ws, GOOD_INTERACTIONS, GOOD_CATALOG).dataset
    before = _stored_files(ws)
    for case in ERRORS:
        with pytest.MonkeyPatch.context() as mp:
            for key, value in case.env:
                mp.setenv(key, value)
            result = _upload(ws, case)
        assert result.dataset is None, case.file
        assert ws.datasets() == [good], case.file
        assert _stored_files(ws) == before, case.file


def test_good_pair_has_no_issues(ws: Workspace):
    result = ingest(ws, GOOD_INTERACTIONS, GOOD_CATALOG)
    assert result.report.issues == [] and result.dataset.n_interactions == 60


def test_windows1252_catalog_keeps_its_dashes_and_quotes(ws: Workspace):
    ds = ingest(ws, GOOD_INTERACTIONS, BAD / "catalog_windows1252.csv").dataset
    assert "Pour-over dripper – “barista” edition" in ws.load_catalog(ds.id)["title"].tolist()


def test_whole_float_ids_lose_their_decimal_point(ws: Workspace):
    """Parquet stores integer ids beside a null as floats; 1.0 must stay the id '1'."""
    ds = ingest(ws, BAD / "float_user_ids_with_null.parquet", GOOD_CATALOG).dataset
    assert sorted(ws.load_interactions(ds.id)["user_id"].unique(), key=int) == [str(i) for i in range(1, 13)]


def test_stored_values_of_the_hostile_files(ws: Workspace):
    """What #17's files store: the values a user meant, not the artefacts of the export."""
    def stored(file: str, **kw: object) -> tuple[pd.DataFrame, pd.DataFrame]:
        pair = (GOOD_INTERACTIONS, BAD / file) if file.startswith("catalog_") else (BAD / file, GOOD_CATALOG)
        ds = ingest(ws, *pair, **kw).dataset
        return ws.load_interactions(ds.id), ws.load_catalog(ds.id)

    good_ts = GOOD_ROWS["timestamp"].tolist()
    assert stored("timestamps_one_ms_among_s.csv")[0]["timestamp"].tolist() == good_ts
    assert stored("timestamps_mixed_units.csv")[0]["timestamp"].tolist() == good_ts
    assert stored("excel_serial_dates.csv")[0]["timestamp"].tolist() == good_ts  # to the second
    assert set(stored("placeholder_user_ids.csv")[0]["user_id"]) <= set(GOOD_ROWS["user_id"])
    ids = stored("invisible_chars_in_ids.csv")[0]
    assert ids[["user_id", "item_id"]].equals(GOOD_ROWS[["user_id", "item_id"]])
    nul = stored("nul_bytes.csv")[0]
    assert nul.loc[4, "user_id"] == "u01" and nul.loc[9, "item_id"] == "i01" and len(nul) == 60
    ratings = stored("infinite_ratings.csv", options=THRESHOLD_4)[0]
    assert len(ratings) == 58 and np.isfinite(ratings["rating"]).all()  # inf no longer passes a threshold
    assert (stored("negative_weights.csv")[0]["weight"] >= 0).all()
    prices = stored("catalog_currency_prices.csv")[1]["price"].tolist()
    assert prices[:8] == [12.99, 5.0, 1299.0, 3.0, 7.5, 20.0, 1200.0, 12.0] and np.isnan(prices[8])
    text = stored("catalog_html_title.csv")[1]["text"].tolist()
    assert text[1] == "Pour-over dripper & filter. coffee"
    long_text = stored("catalog_long_text.csv")[1]
    assert long_text["title"].str.len().max() > 2000  # the raw field is kept; only the encoders' text is cut
