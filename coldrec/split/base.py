"""The Split container every protocol returns."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd


@dataclass
class Split:
    """The parts of one split, with its test users and all items labelled (see :mod:`coldrec.split.segments`).

    A user is cold when held out or without train interactions; n_history counts train plus context.
    """

    train: pd.DataFrame
    context: pd.DataFrame
    test: pd.DataFrame
    users: pd.DataFrame  # user_id, segment ("cold" | "warm"), n_history, history_bucket
    config: dict
    items: pd.DataFrame = field(default_factory=pd.DataFrame)  # item_id, segment, band, n_train
