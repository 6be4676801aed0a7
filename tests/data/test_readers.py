"""Reading and validating uploads."""

from __future__ import annotations

import gzip
import io

import pandas as pd
import pytest

from coldrec.data.ingest import preview_file
from coldrec.data.io import DataValidationError, clean_catalog, clean_interactions, read_table
from coldrec.data.io.validate import item_text

CSV = b"user_id,item_id,timestamp\nu1,007,1700000000\nu2,i2,1700000060\n"


def test_csv_keeps_ids_as_text():
    df = read_table(CSV, "log.csv")
    assert df["item_id"].tolist() == ["007", "i2"]


@pytest.mark.parametrize("name,data", [
    ("log.csv.gz", gzip.compress(CSV)),
    ("log.tsv", CSV.replace(b",", b"\t")),
    ("log.jsonl", b'{"user_id":"u1","item_id":"007","timestamp":1700000000}\n'
                  b'{"user_id":"u2","item_id":"i2","timestamp":1700000060}\n'),
])
def test_formats_read_the_same_rows(name, data):
    df, report = clean_interactions(read_table(data, name), name)
    assert report.ok
    assert df[["user_id", "item_id"]].values.tolist() == [["u1", "007"], ["u2", "i2"]]
    assert df["timestamp"].tolist() == [1700000000, 1700000060]


def test_parquet_reads():
    buf = io.BytesIO()
    pd.DataFrame({"user_id": ["u1"], "item_id": ["a"], "timestamp": [1]}).to_parquet(buf)
    assert read_table(buf.getvalue(), "x.parquet")["item_id"].tolist() == ["a"]


def test_empty_file_is_an_error_naming_the_file():
    with pytest.raises(DataValidationError, match="empty.csv: the file is empty"):
        read_table(b"", "empty.csv")


def test_missing_required_column_is_named():
    raw = pd.DataFrame({"user_id": ["u1"], "item_id": ["a"]})
    df, report = clean_interactions(raw, "log.csv")
    assert df is None
    assert [(i.file, i.column) for i in report.errors] == [("log.csv", "timestamp")]
    assert "required column is missing" in report.errors[0].message


def test_mostly_unparseable_timestamps_block_with_example_rows():
    raw = pd.DataFrame({"user_id": ["u1", "u2"], "item_id": ["a", "b"], "timestamp": ["soon", "1"]})
    df, report = clean_interactions(raw, "log.csv")
    assert df is None
    assert report.errors[0].column == "timestamp"
    assert "rows 2" in report.errors[0].message and "'soon'" in report.errors[0].message


def test_duplicates_removed_with_a_count():
    raw = pd.DataFrame({"user_id": ["u1", "u1"], "item_id": ["a", "a"], "timestamp": ["5", "5"]})
    df, report = clean_interactions(raw, "log.csv")
    assert len(df) == 1
    assert "1 duplicate" in report.warnings[0].message


def test_all_null_id_column_is_an_error():
    raw = pd.DataFrame({"user_id": ["", ""], "item_id": ["a", "b"], "timestamp": ["1", "2"]})
    df, report = clean_interactions(raw, "log.csv")
    assert df is None and report.errors[0].column == "user_id"


def test_catalog_text_joins_fields_and_skips_empty_ones():
    cat = pd.DataFrame({"item_id": ["a", "b"], "title": ["Mug", "Tent"], "category": ["kitchen", None],
                        "description": ["", "Sleeps two."]})
    assert item_text(cat).tolist() == ["Mug. kitchen", "Tent. Sleeps two."]


def test_catalog_without_any_text_is_an_error():
    df, report = clean_catalog(pd.DataFrame({"item_id": ["a"], "title": [""]}), "cat.csv")
    assert df is None and "no item has any text" in report.errors[0].message


def test_catalog_text_is_cleaned_of_html_entities_and_lists():
    cat = pd.DataFrame({"item_id": ["a"], "title": ["<b>Mug</b> &amp; saucer"],
                        "description": [["Stoneware.", "Dishwasher safe"]]})
    assert item_text(cat).tolist() == ["Mug & saucer. Stoneware. Dishwasher safe"]


def test_a_file_over_the_size_limit_is_refused_before_parsing(monkeypatch):
    monkeypatch.setenv("COLDREC_MAX_FILE_MB", "1")
    data = b"user_id,item_id,timestamp\n" + b"u1,i1,1700000000\n" * 70_000  # 1.2 MB
    with pytest.raises(DataValidationError, match=r"the file is 1 MB, too large to read safely: the limit is 1 MB per "
                                                  r"file once decompressed \(COLDREC_MAX_FILE_MB\)"):
        read_table(data, "big.csv")


def test_a_gzip_bomb_stops_at_the_limit_in_the_preview_too(monkeypatch):
    """The upload preview runs on every widget change: it must hit the same limit, not inflate the archive."""
    monkeypatch.setenv("COLDREC_MAX_FILE_MB", "2")
    bomb = gzip.compress(b"user_id,item_id,timestamp\n" + b"0" * (50 << 20))  # 50 MB of zeros in ~50 kB
    preview = preview_file(("bomb.csv.gz", bomb), "interactions")
    (issue,) = preview.report.errors
    assert "inflates to more than 2 MB" in issue.message and preview.columns == []


def test_a_file_on_disk_over_the_limit_is_refused_before_it_is_read(tmp_path, monkeypatch):
    from coldrec.data.ingest import ingest
    from coldrec.data.workspace import Workspace

    monkeypatch.setenv("COLDREC_MAX_FILE_MB", "1")
    big = tmp_path / "big.csv"
    big.write_bytes(b"user_id,item_id,timestamp\n" + b"u1,i1,1700000000\n" * 70_000)
    result = ingest(Workspace(tmp_path / "ws"), big, big)
    (issue,) = result.report.errors
    assert issue.file == "big.csv" and "the file is 1 MB, too large to read safely" in issue.message
    assert result.dataset is None
