"""Importers for public datasets: tiny synthetic releases (always) and the real files (when present)."""

from __future__ import annotations

import gzip
import json
import math
import re
from pathlib import Path

import pytest

from coldrec.columns import Columns as C
from coldrec.data.ingest import ingest_frames
from coldrec.data.io.public.dispatch import (
    ImportResult,
    detect_format,
    file_digest,
    import_amazon,
    import_folder,
    import_movielens,
)
from coldrec.data.io.validate import ValidationReport, item_text
from coldrec.data.workspace import Workspace, content_hash

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
MOVIELENS = DATA / "movielens_latest_small"
GIFT_CARDS = DATA / "amazon2018_gift_cards"
MAGAZINES = DATA / "amazon2018_magazine_subscriptions"


def counts(report: ValidationReport, file: str, column: str | None, contains: str = "") -> list[int]:
    """The numbers in the one warning about ``file``/``column`` whose message contains ``contains``."""
    found = [i.message for i in report.warnings if i.file == file and i.column == column and contains in i.message]
    assert len(found) == 1, f"expected one warning for {file}/{column} '{contains}', got {found}"
    return [int(n) for n in re.findall(r"(?<![\w.$])\d+(?![\w.])", found[0])]


def has_warning(report: ValidationReport, file: str, column: str | None, contains: str = "") -> bool:
    return any(i.file == file and i.column == column and contains in i.message for i in report.warnings)


# --- synthetic MovieLens ---------------------------------------------------------------------------

def write_movielens(folder: Path, readme: bool = True) -> Path:
    folder.mkdir(parents=True)
    (folder / "ratings.csv").write_text("userId,movieId,rating,timestamp\n1,1,4.0,100\n1,2,3.5,200\n"
                                        "2,1,5.0,150\n2,99,1.0,160\n3,2,oops,170\n")
    (folder / "movies.csv").write_text('movieId,title,genres\n1,Toy Story (1995),Adventure|Animation\n'
                                       '2,"Jumanji  (1995)",(no genres listed)\n3,"Cold Movie, The (2020)",Drama\n')
    (folder / "tags.csv").write_text("userId,movieId,tag,timestamp\n1,1,Pixar,1\n2,1,pixar ,2\n2,1,fun,3\n"
                                     "1,3,NA,4\n1,77,orphan,5\n")
    if readme:
        (folder / "README.txt").write_text("Summary\n=======\nThis dataset (ml-tiny) describes ratings.\n")
    return folder


def test_movielens_synthetic(tmp_path):
    folder = write_movielens(tmp_path / "ml")
    r = import_movielens(folder)
    assert r.name == "MovieLens ml-tiny"
    assert r.interactions.drop(columns=C.rating).to_dict("list") == {
        C.user: ["1", "1", "2", "2", "3"], C.item: ["1", "2", "1", "99", "2"], C.timestamp: [100, 200, 150, 160, 170]}
    assert r.interactions[C.rating].fillna(-1).tolist() == [4.0, 3.5, 5.0, 1.0, -1]  # 'oops' is no rating
    assert r.interactions[C.timestamp].dtype == "int64" and r.interactions[C.rating].dtype == float
    cat = r.catalog.set_index(C.item)
    assert cat.loc["1", C.title] == "Toy Story (1995)" and cat.loc["2", C.title] == "Jumanji (1995)"
    assert cat.loc["1", C.category] == "Adventure; Animation" and cat.loc["2", C.category] == ""
    assert cat.loc["1", C.description] == "Pixar; fun"  # 'pixar ' repeats 'Pixar' ignoring case
    assert cat.loc["3", C.description] == "NA"  # a tag spelled NA is text, not a missing value
    assert cat.loc["99", C.title] == "" and cat.index.tolist() == ["1", "2", "3", "99"]
    rep = r.report
    assert rep.ok
    assert counts(rep, "movies.csv", "genres") == [1]
    assert counts(rep, "tags.csv", "movieId") == [1, 1]
    assert counts(rep, "tags.csv", "tag") == [4, 2, 1]
    assert counts(rep, "movies.csv", C.item, "missing from") == [1, 1]
    assert counts(rep, "movies.csv", C.item, "no ratings") == [1]
    assert r.stats() == {"users": 3, "items": 4, "rated_items": 3, "cold_items": 1, "interactions": 5}


def test_movielens_without_tags_is_another_dataset(tmp_path):
    folder = write_movielens(tmp_path / "ml", readme=False)
    with_tags, without = import_movielens(folder), import_movielens(folder, use_tags=False)
    assert without.name == "MovieLens ml"
    assert (without.catalog[C.description] == "").all()
    assert not has_warning(without.report, "tags.csv", "tag")
    assert with_tags.digest == file_digest(folder / "ratings.csv", folder / "movies.csv", folder / "tags.csv")
    assert without.digest == file_digest(folder / "ratings.csv", folder / "movies.csv") != with_tags.digest


def test_movielens_missing_file_is_named(tmp_path):
    folder = write_movielens(tmp_path / "ml")
    (folder / "movies.csv").unlink()
    with pytest.raises(FileNotFoundError, match="missing movies.csv"):
        import_movielens(folder)


# --- synthetic Amazon ------------------------------------------------------------------------------

REVIEWS = [
    {"reviewerID": "u1", "asin": "A", "overall": 5.0, "unixReviewTime": 100, "summary": "Five Stars"},
    {"reviewerID": "u1", "asin": "A", "overall": 2.0, "unixReviewTime": 200, "summary": "Changed my mind"},
    {"reviewerID": "u2", "asin": "A", "overall": 4.0, "unixReviewTime": 150, "summary": "Nice <b>card</b>"},
    {"reviewerID": "u2", "asin": "B", "overall": 3.0, "reviewTime": "06 17, 2018"},
    {"reviewerID": "u3", "asin": "Z", "overall": 5.0, "unixReviewTime": 300, "summary": "ok"},
    {"reviewerID": "u4", "overall": 1.0, "unixReviewTime": 5, "summary": "no item"},
]
META = [
    {"asin": "A", "title": "Maggiano&#39;s <b>Gift</b> Card", "description": ["Para one.", "Para <i>two</i>"],
     "category": ["Gift Cards", "Gift Cards"], "brand": "Noodles &amp; Co", "price": "$1,025.50"},
    {"asin": "B", "title": '<span class="a-size-medium a-color-secondary"', "description": ["Only one"],
     "category": ["Magazines", "Food"], "brand": "", "price": ".a-box-inner{background-color:#fff}"},
    {"asin": "A", "title": "A repeated row", "description": [], "category": [], "brand": "", "price": ""},
    {"asin": "C", "title": "Cold item", "description": [], "category": [], "brand": "X", "price": ""},
]


def write_amazon(folder: Path, gz: bool = True, category: str = "Tiny_Shop") -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    reviews = [json.dumps(r) for r in REVIEWS] + ["not json at all",
                                                  "{'reviewerID': 'u5', 'asin': 'B', 'overall': 4.0, "
                                                  "'unixReviewTime': 400, 'summary': 'a 2014-style line'}", ""]
    meta = [json.dumps(m) for m in META]
    ext = ".json.gz" if gz else ".json"
    paths = folder / f"{category}_5{ext}", folder / f"meta_{category}{ext}"
    for path, lines in zip(paths, (reviews, meta), strict=True):
        data = "\n".join(lines).encode()
        path.write_bytes(gzip.compress(data) if gz else data)
    return paths


@pytest.mark.parametrize("gz", [True, False])
def test_amazon_synthetic(tmp_path, gz):
    reviews, meta = write_amazon(tmp_path / "amz", gz=gz)
    r = import_amazon(reviews, meta)
    assert r.name == "Amazon Tiny Shop 5-core" and r.files == (reviews.name, meta.name)
    got = r.interactions.sort_values([C.user, C.item]).to_dict("list")
    assert got == {C.user: ["u1", "u2", "u2", "u3", "u5"], C.item: ["A", "A", "B", "Z", "B"],
                   C.timestamp: [200, 150, 1529193600, 300, 400], C.rating: [2.0, 4.0, 3.0, 5.0, 4.0],
                   C.query: ["Changed my mind", "Nice card", "", "ok", "a 2014-style line"]}
    cat = r.catalog.set_index(C.item)
    assert cat.index.tolist() == ["A", "B", "C", "Z"]
    assert cat.loc["A"].drop(C.price).tolist() == ["Maggiano's Gift Card", "Para one. Para two", "Gift Cards",
                                                   "Noodles & Co"]
    assert cat.loc["A", C.price] == 1025.5 and math.isnan(cat.loc["B", C.price])
    assert cat.loc["B", C.title] == "" and cat.loc["B", C.category] == "Magazines; Food"
    assert (cat.loc["Z"].drop(C.price) == "").all()
    rep, rf, mf = r.report, reviews.name, meta.name
    assert rep.ok
    assert counts(rep, rf, None, "not JSON") == [1]
    assert counts(rep, rf, None, "without a user") == [1]
    assert counts(rep, rf, "summary") == [1]
    assert counts(rep, rf, None, "repeated reviews") == [1, 1]
    assert counts(rep, mf, "asin") == [1]
    assert counts(rep, mf, "title") == [2, 1]
    assert counts(rep, mf, "description", "lists") == [1]
    assert counts(rep, mf, "description", "HTML") == [1]
    assert counts(rep, mf, "brand") == [1]
    assert counts(rep, mf, "price") == [1, 1]
    assert counts(rep, mf, C.item, "missing from") == [1, 1]
    assert counts(rep, mf, C.item, "no reviews") == [1]
    assert r.digest == content_hash(reviews.read_bytes(), meta.read_bytes())


def test_detect_and_dispatch(tmp_path):
    ml = write_movielens(tmp_path / "ml")
    amz, _ = write_amazon(tmp_path / "amz")
    assert detect_format(ml) == "movielens" and detect_format(amz.parent) == "amazon"
    assert detect_format(tmp_path) is None and detect_format(tmp_path / "absent") is None
    assert import_folder(ml).name == "MovieLens ml-tiny"
    assert import_folder(amz.parent).name == "Amazon Tiny Shop 5-core"
    with pytest.raises(ValueError, match="no known dataset.*found: amz, ml"):
        import_folder(tmp_path)
    write_amazon(tmp_path / "amz", category="Other_Shop")
    with pytest.raises(ValueError, match="several Amazon categories"):
        import_folder(amz.parent)


def test_full_reviews_file_is_paired_when_no_5core(tmp_path):
    reviews, meta = write_amazon(tmp_path / "amz")
    reviews.rename(reviews.with_name("Tiny_Shop.json.gz"))
    assert import_folder(meta.parent).name == "Amazon Tiny Shop"


def test_synthetic_imports_store(tmp_path, ws):
    for r in (import_folder(write_movielens(tmp_path / "ml")), import_amazon(*write_amazon(tmp_path / "amz"))):
        res = ingest_frames(ws, r.interactions, r.catalog, r.name, r.digest)
        assert res.report.ok and res.created, res.report.to_frame()
        assert res.dataset.n_interactions == len(r.interactions)


# --- the real published files ----------------------------------------------------------------------

def _real(folder: Path) -> ImportResult:
    if not folder.is_dir():
        pytest.skip(f"shared data absent: {folder}")
    return import_folder(folder)


@pytest.fixture(scope="module")
def movielens() -> ImportResult:
    return _real(MOVIELENS)


@pytest.fixture(scope="module")
def gift_cards() -> ImportResult:
    return _real(GIFT_CARDS)


@pytest.fixture(scope="module")
def magazines() -> ImportResult:
    return _real(MAGAZINES)


def test_real_movielens(movielens):
    r = movielens
    assert r.name == "MovieLens ml-latest-small"
    assert r.stats() == {"users": 610, "items": 9742, "rated_items": 9724, "cold_items": 18, "interactions": 100836}
    assert r.interactions[C.rating].between(0.5, 5).all()
    assert (r.catalog[C.description] != "").sum() == 1572
    assert counts(r.report, "tags.csv", "tag") == [3683, 1572, 109]
    assert counts(r.report, "movies.csv", "genres") == [34]
    assert counts(r.report, "movies.csv", C.item, "no ratings") == [18]
    assert len(r.report.issues) == 3 and r.report.ok
    toy = r.catalog.set_index(C.item).loc["1"]
    assert toy[C.title] == "Toy Story (1995)" and toy[C.category] == "Adventure; Animation; Children; Comedy; Fantasy"
    assert toy[C.description] == "pixar; fun"


def test_real_gift_cards(gift_cards):
    r, rf, mf = gift_cards, "Gift_Cards_5.json.gz", "meta_Gift_Cards.json.gz"
    assert r.name == "Amazon Gift Cards 5-core"
    # 2,972 published reviews; 7 repeat a (user, item) pair (6 pairs), the latest kept.
    assert counts(r.report, rf, None, "repeated reviews") == [7, 6]
    assert r.stats() == {"users": 458, "items": 1547, "rated_items": 148, "cold_items": 1399, "interactions": 2965}
    assert not has_warning(r.report, mf, "asin") and not has_warning(r.report, mf, C.item, "missing from")
    assert counts(r.report, rf, "summary") == [1625]
    assert counts(r.report, mf, "title") == [178]
    assert counts(r.report, mf, "description", "lists") == [72]
    assert counts(r.report, mf, "description", "HTML") == [103]
    assert counts(r.report, mf, "price") == [358, 4]
    assert counts(r.report, mf, C.item, "no reviews") == [1399]
    assert r.catalog[C.price].notna().sum() == 358
    assert _cold_with_text(r) == 1399


def test_real_magazines(magazines):
    r, rf, mf = magazines, "Magazine_Subscriptions_5.json.gz", "meta_Magazine_Subscriptions.json.gz"
    assert r.name == "Amazon Magazine Subscriptions 5-core"
    # 2,375 published reviews; 73 repeat a (user, item) pair, the latest kept.
    assert counts(r.report, rf, None, "repeated reviews") == [73, 73]
    # 3,385 meta rows, 1,065 repeat an asin: 2,320 items; 6 reviewed items (60 reviews) have no meta.
    assert counts(r.report, mf, "asin") == [1065]
    assert counts(r.report, mf, C.item, "missing from") == [6, 60]
    assert r.stats() == {"users": 348, "items": 2326, "rated_items": 157, "cold_items": 2169, "interactions": 2302}
    assert counts(r.report, rf, "summary") == [654]
    assert counts(r.report, mf, "title") == [2184, 2173]
    assert (r.catalog[C.title] == "").sum() == 2173 + 6
    assert counts(r.report, mf, "description", "lists") == [612]
    assert counts(r.report, mf, "description", "HTML") == [679]
    assert counts(r.report, mf, "brand") == [17]
    assert counts(r.report, mf, "price") == [0, 16]
    assert counts(r.report, mf, C.item, "no reviews") == [2169]
    assert _cold_with_text(r) == 2169
    text = item_text(r.catalog)
    assert not text.str.contains("<|&amp;|/>").any()


def _cold_with_text(r: ImportResult) -> int:
    """Items with text but no interactions: the real cold items."""
    cold = ~r.catalog[C.item].isin(r.interactions[C.item])
    return int((cold & (item_text(r.catalog) != "")).sum())


@pytest.mark.parametrize("which", ["movielens", "gift_cards", "magazines"])
def test_real_datasets_store(which, request, tmp_path):
    r: ImportResult = request.getfixturevalue(which)
    ws = Workspace(tmp_path / "ws")
    report = ValidationReport(list(r.report.issues))  # the fixture is shared: do not grow its report
    res = ingest_frames(ws, r.interactions, r.catalog, r.name, r.digest, files=r.files, report=report)
    assert res.report.ok and res.created, res.report.to_frame()
    assert res.report.issues[:len(r.report.issues)] == r.report.issues
    validation = res.report.issues[len(r.report.issues):]
    # Only the magazines' 6 reviewed items without metadata come back, as items without text.
    expected = [("warning", r.files[1], C.title)] if which == "magazines" else []
    assert [(i.level, i.file, i.column) for i in validation] == expected
    assert all(i.message.startswith("6 items ") for i in validation)
    info = res.dataset
    assert (info.name, info.n_items, info.n_interactions) == (r.name, len(r.catalog), len(r.interactions))
    stored = ws.load_interactions(info.id)
    assert set(stored.columns) >= {C.user, C.item, C.timestamp, C.rating}
    assert ingest_frames(ws, r.interactions, r.catalog, r.name, r.digest).created is False
