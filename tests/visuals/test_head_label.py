"""The Data page's head figure and its label follow the same rule (the split's tie-extended head)."""

from __future__ import annotations

import pandas as pd

from coldrec.data.profile import profile_dataset


def test_head_count_and_label_agree_on_tied_counts():
    counts = {"a": 3, "b": 2, "c": 2, "d": 1, "e": 1, "f": 1}  # the fewest holding 80% would be 4; ties make 6
    rows = [(f"u{i}", item, i) for item, n in counts.items() for i in range(n)]
    inter = pd.DataFrame(rows, columns=["user_id", "item_id", "timestamp"])
    catalog = pd.DataFrame({"item_id": list(counts), "title": list(counts)})
    summary = profile_dataset(inter, catalog).summary().set_index("metric")
    assert summary.loc["head items", "value"].startswith("6 ")
    label = summary.loc["head items", "description"]
    assert "fewest" not in label and "at least 80%" in label and "as popular as the last one taken" in label
