"""Dataset profile and its figures against values computed by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from coldrec.data.profile import HISTOGRAM_BUCKETS, DatasetProfile, head_size, history_buckets, profile_dataset
from coldrec.data.synth import generate_shop
from coldrec.metrics.inequality import gini, lorenz_curve
from coldrec.visuals.profile import history_histogram, lorenz_figure, popularity_figure, text_length_histogram

T0 = 1_700_000_000
DAY = 86_400


def mad_gini(x: np.ndarray) -> float:
    """Independent formula: mean absolute difference over all ordered pairs / (2 * mean)."""
    x = np.asarray(x, dtype=float)
    return float(np.abs(x[:, None] - x[None, :]).mean() / (2 * x.mean()))


# --- gini -------------------------------------------------------------------------------
# G = 2 * sum(i * x_i) / (n * sum(x)) - (n + 1) / n, x sorted ascending, i = 1..n:
#   [1,1,1,1]: 2 * (1+2+3+4) / (4 * 4) - 5/4 = 20/16 - 5/4 = 0
#   [0,0,0,4]: 2 * (4*4) / (4 * 4) - 5/4 = 2 - 5/4 = 3/4      (one item has all: (n-1)/n)
#   [1,2,3,4]: 2 * (1+4+9+16) / (4 * 10) - 5/4 = 60/40 - 5/4 = 1/4
#   [0,0,1,2,4]: 2 * (3*1 + 4*2 + 5*4) / (5 * 7) - 6/5 = 62/35 - 42/35 = 4/7
@pytest.mark.parametrize(("counts", "expected"), [
    ([1, 1, 1, 1], 0.0),
    ([0, 0, 0, 4], 0.75),
    ([4, 0, 0, 0], 0.75),
    ([1, 2, 3, 4], 0.25),
    ([4, 1, 3, 2], 0.25),
    ([0, 0, 1, 2, 4], 4 / 7),
    ([7], 0.0),
    ([], 0.0),
    ([0, 0, 0], 0.0),
])
def test_gini_by_hand(counts, expected):
    assert gini(np.array(counts)) == pytest.approx(expected, abs=1e-15)


def test_gini_matches_mean_absolute_difference_formula():
    rng = np.random.default_rng(0)
    for n in (2, 3, 10, 257):
        ints = rng.integers(0, 50, n)
        ints[0] += 1  # never all zero
        floats = rng.lognormal(0.0, 2.0, n)
        assert gini(ints) == pytest.approx(mad_gini(ints), abs=1e-12)
        assert gini(floats) == pytest.approx(mad_gini(floats), abs=1e-12)


@pytest.mark.parametrize("bad", [[1, -1, 2], [1.0, np.nan], [np.inf, 1.0]])
def test_gini_rejects_negative_or_non_finite_counts(bad):
    with pytest.raises(ValueError):
        gini(np.array(bad))


# --- lorenz curve -----------------------------------------------------------------------
def test_lorenz_by_hand():
    # [4,1,3,2] sorted: 1,2,3,4 of 10 -> cumulative 0, 1, 3, 6, 10
    curve = lorenz_curve(np.array([4, 1, 3, 2]))
    assert list(curve.columns) == ["item_share", "interaction_share"]
    assert curve["item_share"].tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert curve["interaction_share"].tolist() == pytest.approx([0.0, 0.1, 0.3, 0.6, 1.0])
    # Gini is twice the area between diagonal and curve: trapezoids 0.25 * (0.1 + 0.4 + 0.9 + 1.6) / 2
    area = 0.25 * (0.1 + 0.4 + 0.9 + 1.6) / 2
    assert 1 - 2 * area == pytest.approx(gini(np.array([4, 1, 3, 2])))


def test_lorenz_of_no_counts_is_the_diagonal():
    for counts in ([], [0, 0]):
        curve = lorenz_curve(np.array(counts))
        assert curve.to_numpy().tolist() == [[0.0, 0.0], [1.0, 1.0]]


def test_lorenz_downsampled_stays_on_the_exact_curve():
    rng = np.random.default_rng(1)
    counts = np.concatenate([np.zeros(3000), rng.zipf(1.5, 7000)])  # cold items and a steep head
    full = lorenz_curve(counts, max_points=len(counts) + 1)
    small = lorenz_curve(counts)
    assert len(full) == len(counts) + 1 and len(small) <= 200
    assert small.iloc[0].tolist() == [0.0, 0.0] and small.iloc[-1].tolist() == [1.0, 1.0]
    assert (np.diff(small["item_share"]) > 0).all() and (np.diff(small["interaction_share"]) >= 0).all()
    # Every kept point is a corner of the exact curve ...
    idx = np.rint(small["item_share"] * len(counts)).astype(int)
    assert np.allclose(full["interaction_share"].to_numpy()[idx], small["interaction_share"])
    # ... and the chords between them stay within one sampling step (1/99) of it.
    approx = np.interp(full["item_share"], small["item_share"], small["interaction_share"])
    assert np.abs(approx - full["interaction_share"]).max() <= 1 / 99 + 1e-9


def test_head_size_by_hand():
    assert head_size(np.array([4, 2, 1, 0, 0])) == 2  # 4/7 < 0.8 <= 6/7
    assert head_size(np.array([2, 2, 2, 2, 2])) == 5  # 8/10 reached at the 4th; the 5th ties with it, so head
    assert head_size(np.array([3, 2, 2, 2, 1])) == 4  # 7/10 < 0.8 after three; the 4th (tie) crosses; 1 is tail
    assert head_size(np.array([0, 0])) == 0


def test_history_buckets_by_hand():
    lengths = pd.DataFrame({"user_id": range(13), "n_interactions": [1, 1, 2, 3, 5, 6, 10, 11, 20, 21, 50, 51, 400]})
    out = history_buckets(lengths)
    assert out["bucket"].tolist() == [label for label, _ in HISTOGRAM_BUCKETS]
    assert out["n_users"].tolist() == [2, 1, 2, 2, 2, 2, 2]
    assert out["n_interactions"].tolist() == [2, 2, 8, 16, 31, 71, 451]
    assert out["user_share"].sum() == pytest.approx(1.0)


# --- profile on a hand-made shop --------------------------------------------------------
@pytest.fixture
def hand_shop() -> tuple[pd.DataFrame, pd.DataFrame]:
    """4 users, 5 catalog items; u1 buys `a` twice. Counts: a=4, b=2, c=1, d=e=0."""
    inter = pd.DataFrame([
        ("u1", "a", T0), ("u1", "b", T0 + 60), ("u2", "a", T0 + DAY), ("u1", "a", T0 + DAY + 60),
        ("u2", "c", T0 + DAY + 120), ("u3", "a", T0 + 2 * DAY), ("u4", "b", T0 + 2 * DAY + DAY // 2),
    ], columns=["user_id", "item_id", "timestamp"])
    catalog = pd.DataFrame({"item_id": list("abcde"),
                            "title": ["Red mug", "Blue travel mug, large", "Tea", "", None]})
    return inter, catalog


def test_profile_every_field_by_hand(hand_shop):
    p = profile_dataset(*hand_shop)
    assert (p.n_users, p.n_items_catalog, p.n_items_interacted, p.n_interactions) == (4, 5, 3, 7)
    # distinct pairs (u1,a) (u1,b) (u2,a) (u2,c) (u3,a) (u4,b) = 6 of 4 users x 3 items
    assert p.density == pytest.approx(6 / 12)
    assert p.gini == pytest.approx(4 / 7)
    assert p.cold_item_share == pytest.approx(2 / 5)
    assert p.one_interaction_users == 2
    assert p.time_span_days == pytest.approx(2.5)
    assert p.lorenz["item_share"].tolist() == pytest.approx([0, 0.2, 0.4, 0.6, 0.8, 1])
    assert p.lorenz["interaction_share"].tolist() == pytest.approx([0, 0, 0, 1 / 7, 3 / 7, 1])
    assert p.history_lengths.to_dict("list") == {"user_id": ["u1", "u2", "u3", "u4"], "n_interactions": [3, 2, 1, 1]}
    assert p.text_lengths.to_dict("list") == {"item_id": list("abcde"), "n_words": [2, 4, 1, 0, 0]}
    assert p.head_items == 2
    assert p.head_interaction_share == pytest.approx(6 / 7)
    assert p.item_popularity.to_dict("list") == {"rank": [1, 2, 3, 4, 5], "item_id": list("abcde"),
                                                 "n_interactions": [4, 2, 1, 0, 0]}


def test_summary_is_a_long_display_table(hand_shop):
    summary = profile_dataset(*hand_shop).summary()
    assert list(summary.columns) == ["metric", "value", "description"]
    assert summary["metric"].is_unique and summary["description"].str.len().gt(0).all()
    values = dict(zip(summary["metric"], summary["value"], strict=True))
    assert values["users"] == "4" and values["interactions"] == "7"
    assert values["density"] == "50.000%" and values["cold items"] == "40.0%"
    assert values["Gini of item popularity"] == "0.571" and values["head items"] == "2 (40.0%)"
    assert values["time span"] == "2.5 days"


def test_profile_prefers_the_text_column(hand_shop):
    inter, catalog = hand_shop
    p = profile_dataset(inter, catalog.assign(text=["Red mug. Kitchen", "a  b\tc\nd e", "", "  ", "x"]))
    assert p.text_lengths["n_words"].tolist() == [3, 5, 0, 0, 1]


def test_profile_counts_items_missing_from_the_catalog(hand_shop):
    inter, catalog = hand_shop
    inter = pd.concat([inter, pd.DataFrame([("u4", "zz", T0)], columns=inter.columns)], ignore_index=True)
    p = profile_dataset(inter, catalog)
    assert (p.n_items_catalog, p.n_items_interacted, p.n_interactions) == (5, 4, 8)
    assert p.item_popularity["n_interactions"].sum() == 8 and "zz" in set(p.item_popularity["item_id"])
    assert p.cold_item_share == pytest.approx(2 / 5)  # over the catalog only
    assert p.text_lengths["item_id"].tolist() == list("abcde")


def test_profile_timestamps_datetime_missing_or_absent(hand_shop):
    inter, catalog = hand_shop
    as_dates = inter.assign(timestamp=pd.to_datetime(inter["timestamp"], unit="s"))
    assert profile_dataset(as_dates, catalog).time_span_days == pytest.approx(2.5)
    assert profile_dataset(inter.drop(columns="timestamp"), catalog).time_span_days is None
    with_gap = inter.astype({"user_id": object})
    with_gap.loc[0, "user_id"] = None  # a row without a user is ignored
    p = profile_dataset(with_gap, catalog)
    assert p.n_interactions == 6 and p.history_lengths["n_interactions"].sum() == 6


def test_profile_of_no_interactions(hand_shop):
    inter, catalog = hand_shop
    p = profile_dataset(inter.iloc[:0], catalog)
    assert (p.n_users, p.n_interactions, p.head_items, p.density, p.gini) == (0, 0, 0, 0.0, 0.0)
    assert p.cold_item_share == 1.0 and p.time_span_days is None
    assert len(p.summary()) > 0
    for build in (lorenz_figure, history_histogram, text_length_histogram, popularity_figure):
        build(p)


@pytest.fixture(scope="module")
def shop_profile() -> tuple[DatasetProfile, pd.DataFrame, pd.DataFrame]:
    inter, catalog = generate_shop(n_users=300, n_items=400, n_interactions=6000, seed=3, days=90)
    return profile_dataset(inter, catalog), inter, catalog


def test_profile_of_a_synthetic_shop_is_consistent(shop_profile):
    p, inter, catalog = shop_profile
    assert (p.n_users, p.n_items_catalog, p.n_interactions) == (300, 400, 6000)
    assert p.n_items_interacted == inter["item_id"].nunique()
    assert p.history_lengths["n_interactions"].sum() == p.item_popularity["n_interactions"].sum() == 6000
    assert p.history_lengths["n_interactions"].min() >= 3  # the generator's floor
    assert p.density == pytest.approx(len(inter.drop_duplicates(["user_id", "item_id"])) / (300 * p.n_items_interacted))
    counts = inter["item_id"].value_counts().reindex(catalog["item_id"], fill_value=0).to_numpy()
    assert p.gini == pytest.approx(mad_gini(counts), abs=1e-12)
    assert 0.3 < p.gini < 0.95 and 0 < p.head_items < p.n_items_interacted
    assert p.head_interaction_share >= 0.8
    assert p.cold_item_share == pytest.approx((counts == 0).mean())
    assert 80 < p.time_span_days <= 90
    assert len(p.lorenz) <= 200 and p.lorenz.iloc[-1].tolist() == [1.0, 1.0]
    assert (p.text_lengths["n_words"] >= 3).all()  # brand, adjective, noun


# --- figures ----------------------------------------------------------------------------
def _labelled(fig) -> None:
    assert fig.layout.title.text
    assert fig.layout.xaxis.title.text and fig.layout.yaxis.title.text
    assert all(trace.hovertemplate for trace in fig.data)


def test_lorenz_figure(hand_shop):
    p = profile_dataset(*hand_shop)
    fig = lorenz_figure(p)
    _labelled(fig)
    assert len(fig.data) == 3 and "Gini 0.571" in fig.layout.title.text
    curve, diagonal, cut = fig.data
    assert list(curve.x) == p.lorenz["item_share"].tolist() and list(curve.y) == p.lorenz["interaction_share"].tolist()
    assert list(diagonal.x) == [0, 1] and list(diagonal.y) == [0, 1]
    # head = top 2 of 5 items holding 6 of 7 interactions: the cut sits at (3/5, 1/7)
    assert cut.x[0] == pytest.approx(0.6) and cut.y[0] == pytest.approx(1 / 7)


def test_history_histogram(hand_shop):
    p = profile_dataset(*hand_shop)
    fig = history_histogram(p)
    _labelled(fig)
    (bars,) = fig.data
    assert list(bars.x) == [label for label, _ in HISTOGRAM_BUCKETS]
    assert list(bars.y) == [2, 1, 1, 0, 0, 0, 0] and sum(bars.y) == p.n_users
    assert bars.customdata[:, 1].sum() == p.n_interactions
    assert fig.layout.xaxis.type == "category" and list(fig.layout.xaxis.categoryarray) == list(bars.x)


def test_text_length_histogram_one_bin_per_word(hand_shop):
    p = profile_dataset(*hand_shop)
    fig = text_length_histogram(p)
    _labelled(fig)
    (bars,) = fig.data
    # words [2, 4, 1, 0, 0] -> 0: 2 items, 1: 1, 2: 1, 3: 0, 4: 1
    assert list(bars.x) == [0, 1, 2, 3, 4] and list(bars.y) == [2, 1, 1, 0, 1]
    assert sum(bars.y) == p.n_items_catalog and "2 items have no text" in fig.layout.title.text


def test_text_length_histogram_bins_long_texts(hand_shop):
    inter, catalog = hand_shop
    p = profile_dataset(inter, catalog.assign(text=[" ".join(["w"] * n) for n in (0, 7, 120, 300, 301)]))
    (bars,) = text_length_histogram(p, max_bins=60).data
    assert len(bars.y) <= 60 and sum(bars.y) == p.n_items_catalog
    assert list(bars.text[:2]) == ["0-9", "10-19"]  # 302 possible lengths in bins of 10
    assert bars.y[0] == 2 and bars.y[-1] == 2  # 0 and 7 words; 300 and 301 words


def test_popularity_figure(hand_shop):
    p = profile_dataset(*hand_shop)
    fig = popularity_figure(p)
    _labelled(fig)
    head, tail = fig.data
    assert (list(head.x), list(head.y), list(head.text)) == ([1, 2], [4, 2], ["a", "b"])
    assert (list(tail.x), list(tail.y)) == ([3], [1])  # the 2 cold items cannot sit on a log axis
    assert fig.layout.xaxis.type == "log" and fig.layout.yaxis.type == "log"
    assert "2 cold items" in fig.layout.title.text


def test_popularity_figure_samples_long_catalogs(shop_profile):
    p, _, _ = shop_profile
    fig = popularity_figure(p, max_points=50)
    head, tail = fig.data
    ranks = np.concatenate([head.x, tail.x])
    pop = p.item_popularity.set_index("rank")["n_interactions"]
    assert len(ranks) <= 52 and ranks[0] == 1 and ranks[-1] == (pop > 0).sum()
    assert np.array_equal(np.concatenate([head.y, tail.y]), pop.loc[ranks].to_numpy())
    assert head.x[-1] == p.head_items and tail.x[0] == p.head_items + 1
