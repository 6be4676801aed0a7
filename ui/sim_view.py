"""Drawing helpers for the Simulate page: one recommendation list with its click buttons."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

PERSONAS = {
    "": "",
    "Coffee lover": "gift for a coffee lover who brews pour-over at home",
    "Weekend camper": "lightweight gear for weekend camping trips",
    "New parent": "practical things for a newborn baby",
    "Home cook": "quality kitchen tools for everyday cooking",
    "Runner": "gear for marathon training and long runs",
}


def recommendation_list(container: st.delta_generator.DeltaGenerator, title: str, recs: pd.DataFrame,
                        on_click: Callable[[int], None], key: str) -> None:
    """A ranked list: rank, title (plain text, never HTML), category, price, reason, a Click button."""
    container.markdown(f"**{title}**")
    for row in recs.itertuples():
        cols = container.columns([0.4, 5, 1])
        cols[0].markdown(f"**{row.rank}**")
        price = f" · {row.price:.2f}" if hasattr(row, "price") and pd.notna(row.price) else ""
        cols[1].text(row.title)
        cols[1].caption(f"{getattr(row, 'category', '')}{price} · {row.reason} · score {row.score:.3f}")
        cols[2].button("Click", key=f"{key}_{row.index}", on_click=on_click, args=(int(row.index),))
