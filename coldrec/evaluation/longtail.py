"""Long-tail view of a finished run: item popularity, exposure Lorenz curves, tail figures, the tail-boost curve.

Everything is read from the run folder where the run already wrote it
(``lists.parquet`` and ``summary.parquet``), so the numbers match the Cold
start page. Two things are derived and cached next to them: the split's item
labels (``items.parquet``: train interactions and head/tail band per item)
and the tail-boost trade-off (``tradeoff.parquet``), which needs the split
rebuilt and the models loaded, so it is computed once per run and K."""

from __future__ import annotations

import numpy as np
import pandas as pd

from coldrec.metrics.inequality import lorenz_curve

# Test users scored for the trade-off curve: enough for a stable mean, few enough to take seconds on a CPU.
TRADEOFF_USERS = 500


TAIL_COLUMNS = ("coverage", "aplt", "tail_recall", "exposure_gini", "cold_share")


def item_popularity(items: pd.DataFrame) -> pd.DataFrame:
    """Items by decreasing train interactions: rank (1 = most popular), item_id, n_train, band, segment.

    ``items`` is a split's item table (:attr:`coldrec.split.base.Split.items`); the
    band is the split's own head/tail label, so the cut drawn is the one every
    tail metric of the run used.
    """
    out = items.sort_values(["n_train", "item_id"], ascending=[False, True], kind="stable").reset_index(drop=True)
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out[["rank", "item_id", "n_train", "band", "segment"]]


def exposure_lorenz(tops: pd.DataFrame, n_items: int, k: int, max_points: int = 200) -> pd.DataFrame:
    """Lorenz curve of item exposure in every model's top-``k`` lists.

    Parameters
    ----------
    tops : pandas.DataFrame
        The run's ``tops.parquet``: model, user_id, rank (1 = best), item_index (catalog row).
    n_items : int
        Catalog size; items never recommended count as exposure 0.
    k : int
        List length; ranks above ``k`` are ignored.

    Returns
    -------
    pandas.DataFrame
        model, item_share (x: cumulative share of catalog items, least exposed first),
        slot_share (y: cumulative share of recommendation slots). The diagonal is
        equal exposure; the further below, the more the slots go to few items.
    """
    frames = []
    for model, part in tops[tops["rank"] <= k].groupby("model", sort=False):
        counts = np.bincount(part["item_index"].to_numpy(), minlength=n_items)
        curve = lorenz_curve(counts, max_points).rename(columns={"interaction_share": "slot_share"})
        frames.append(curve.assign(model=model))
    if not frames:
        return pd.DataFrame(columns=["model", "item_share", "slot_share"])
    return pd.concat(frames, ignore_index=True)[["model", "item_share", "slot_share"]]


def top_matrix(tops: pd.DataFrame, model: str, k: int) -> np.ndarray:
    """One model's lists as (n_users, k) catalog rows, best first (for :mod:`coldrec.metrics.beyond`)."""
    part = tops[(tops["model"] == model) & (tops["rank"] <= k)].sort_values(["user_id", "rank"], kind="stable")
    return part["item_index"].to_numpy().reshape(-1, k)


def tail_table(lists: pd.DataFrame, summary: pd.DataFrame, k: int) -> pd.DataFrame:
    """Per model at ``k``: coverage, APLT, tail recall, exposure Gini, cold-item share of slots.

    Coverage, APLT, Gini and cold share come from the run's ``lists`` table;
    tail recall is the run's recall restricted to tail items over all test
    users who have one (``summary``, item segment "tail"). Missing figures are NaN.
    """
    part = lists[lists["k"] == k].pivot_table(index="model", columns="metric", values="value", observed=True)
    tail = summary[(summary["by"] == "segment") & (summary["group"] == "all") & (summary["item_segment"] == "tail")
                   & (summary["metric"] == "recall") & (summary["k"] == k)].set_index("model")["mean"]
    out = part.reindex(columns=[c for c in TAIL_COLUMNS if c != "tail_recall"]).assign(tail_recall=tail)
    models = list(dict.fromkeys(list(lists["model"].unique()) + list(summary["model"].unique())))
    return out.reindex(models)[list(TAIL_COLUMNS)].rename_axis(index="model", columns=None).reset_index()
