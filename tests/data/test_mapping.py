"""Column mapping, delimiter/header sniffing, and explicit vs implicit feedback."""

from __future__ import annotations

import pandas as pd
import pytest

from coldrec.data.ingest import IngestOptions, ingest
from coldrec.data.io import DataValidationError, ValidationReport, read_table
from coldrec.data.io.feedback import FeedbackConfig, apply_feedback
from coldrec.data.io.mapping import (
    INTERACTION_ALIASES,
    ambiguous_roles,
    apply_mapping,
    guess_mapping,
    parse_pairs,
    resolve_mapping,
)

CAT = ("cat.csv", b"item_id,title\na,Mug\nb,Tent\n")


@pytest.mark.parametrize("columns,expected", [
    (["userId", "movieId", "rating", "timestamp"], {"user_id": "userId", "item_id": "movieId",
                                                    "rating": "rating", "timestamp": "timestamp"}),
    (["reviewerID", "asin", "overall", "unixReviewTime", "summary"],
     {"user_id": "reviewerID", "item_id": "asin", "rating": "overall", "timestamp": "unixReviewTime",
      "query": "summary"}),
    (["customer_id", "product_id", "event_type", "event_time"],
     {"user_id": "customer_id", "item_id": "product_id", "event": "event_type", "timestamp": "event_time"}),
    (["Customer ID", "SKU", "Date"], {"user_id": "Customer ID", "item_id": "SKU", "timestamp": "Date"}),
])
def test_common_names_are_recognised(columns, expected):
    assert guess_mapping(columns, INTERACTION_ALIASES) == expected


def test_overrides_win_and_empty_unmaps():
    m = resolve_mapping(["user", "buyer", "sku", "ts"], INTERACTION_ALIASES, {"user_id": "buyer", "timestamp": ""})
    assert m == {"user_id": "buyer", "item_id": "sku"}
    with pytest.raises(ValueError, match="unknown column role 'usr'"):
        resolve_mapping(["a"], INTERACTION_ALIASES, {"usr": "a"})


def test_apply_mapping_names_the_missing_column_and_what_to_do():
    with pytest.raises(DataValidationError, match="log.csv: column 'user_id': the column mapping points user_id at "
                                                  r"'buyer', which this file does not have \(columns found: a\); "
                                                  "choose one of those columns"):
        apply_mapping(pd.DataFrame({"a": [1]}), {"user_id": "buyer"}, "log.csv")


def test_two_spellings_of_one_role_are_ambiguous_unless_mapped():
    cols = ["User_ID", "user_id", "item_id"]
    mapping = resolve_mapping(cols, INTERACTION_ALIASES)
    assert ambiguous_roles(cols, mapping) == [("user_id", "columns 'User_ID' and 'user_id' both read as user_id; map "
                                               "the one that holds the values in the column mapping (--map "
                                               "user_id=User_ID on the command line), or rename the other")]
    assert ambiguous_roles(cols, mapping, {"user_id": "user_id"}) == []


def test_parse_pairs():
    assert parse_pairs(["user_id=buyer", "item_id = sku"]) == {"user_id": "buyer", "item_id": "sku"}
    with pytest.raises(ValueError, match="ROLE=COLUMN"):
        parse_pairs(["user_id"])


@pytest.mark.parametrize("sep", [";", "|", "\t"])
def test_delimiter_is_detected(sep):
    data = f"user_id{sep}item_id{sep}timestamp\nu1{sep}a{sep}1\nu2{sep}b{sep}2\n".encode()
    assert read_table(data, "log.txt").columns.tolist() == ["user_id", "item_id", "timestamp"]


def test_missing_header_is_detected_and_reported():
    report = ValidationReport()
    df = read_table(b"u1,a,1700000000\nu2,b,1700000060\n", "log.csv", report)
    assert df.columns.tolist() == ["column_1", "column_2", "column_3"] and len(df) == 2
    assert "no header row found" in report.warnings[0].message


def test_latin1_is_read_and_reported():
    report = ValidationReport()
    df = read_table("item_id,title\na,Café crème\n".encode("latin-1"), "cat.csv", report)
    assert df["title"].iloc[0] == "Café crème"
    assert "read as latin-1" in report.warnings[0].message


def test_headerless_upload_is_stored_with_a_mapping(ws):
    log = ("log.csv", b"u1,a,1700000000\nu2,b,1700000060\nu1,b,1700000120\n")
    opts = IngestOptions(interaction_columns={"user_id": "column_1", "item_id": "column_2", "timestamp": "column_3"})
    result = ingest(ws, log, CAT, options=opts)
    assert result.dataset is not None, result.report.issues
    assert ws.load_interactions(result.dataset.id)["user_id"].tolist() == ["u1", "u2", "u1"]


def test_same_files_with_other_options_are_a_new_dataset(ws):
    log = ("log.csv", b"user_id,item_id,timestamp,rating\nu1,a,1,5\nu2,b,2,2\nu1,b,3,4\n")
    plain = ingest(ws, log, CAT).dataset
    positives = ingest(ws, log, CAT, options=IngestOptions(feedback=FeedbackConfig(rating_threshold=4))).dataset
    assert plain.id != positives.id
    assert (plain.n_interactions, positives.n_interactions) == (3, 2)


def test_rating_threshold_keeps_positives_and_counts_the_rest():
    df = pd.DataFrame({"user_id": ["u"] * 4, "item_id": list("abcd"), "rating": ["5", "3.5", "4", ""]})
    report = ValidationReport()
    out = apply_feedback(df, FeedbackConfig(rating_threshold=4), "log.csv", report)
    assert out["item_id"].tolist() == ["a", "c"] and out["rating"].tolist() == [5.0, 4.0]
    assert report.warnings[0].message.startswith("2 interactions rated below 4")


def test_event_weights_weigh_and_drop():
    df = pd.DataFrame({"user_id": ["u"] * 4, "item_id": list("abcd"),
                       "event": ["view", "purchase", "return", "wishlist"]})
    report = ValidationReport()
    out = apply_feedback(df, FeedbackConfig(event_weights={"view": 1, "purchase": 5, "return": 0}), "log.csv", report)
    assert out["weight"].tolist() == [1.0, 5.0, 1.0]  # unlisted events weigh 1
    assert "1 interactions with events weighted 0" in report.warnings[0].message


def test_threshold_without_rating_column_is_an_error():
    report = ValidationReport()
    apply_feedback(pd.DataFrame({"user_id": ["u"], "item_id": ["a"]}), FeedbackConfig(rating_threshold=4),
                   "log.csv", report)
    assert report.errors[0].column == "rating"


def test_options_round_trip():
    opts = IngestOptions(interaction_columns={"user_id": "buyer"}, text_fields=["title"],
                         feedback=FeedbackConfig(rating_threshold=3.5, event_weights={"cart": 2}))
    assert IngestOptions.from_dict(opts.to_dict()) == opts
