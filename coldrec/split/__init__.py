"""Train/test splits for cold-start evaluation and the segments every test user and item falls in.

One head/tail rule and one history-bucket scheme live in :mod:`.segments`.

Offers
------
- :mod:`.base`: The Split container every protocol returns.
- :mod:`.describe`: How the protocols and their settings are described to a person.
- :mod:`.protocols`: Train/test splits for cold-start evaluation, deterministic by seed.
- :mod:`.segments`: Segments of a split's users and items: cold/warm, head/tail, history buckets.
"""

from coldrec.split.base import Split
from coldrec.split.describe import PROTOCOL_LABELS, SETTING_HELP, protocol_label, protocol_notes
from coldrec.split.protocols import (
    PROTOCOLS,
    ColdItemConfig,
    ColdUserConfig,
    LeaveLastOutConfig,
    NewDomainConfig,
    TemporalConfig,
    cold_user_split,
    make_split,
)
from coldrec.split.segments import (
    HEAD_SHARE,
    HISTORY_BUCKETS,
    describe,
    head_mask,
    history_bucket,
    label_items,
    label_users,
    user_table,
)

__all__ = [
    "HEAD_SHARE",
    "PROTOCOL_LABELS",
    "SETTING_HELP",
    "protocol_label",
    "protocol_notes",
    "ColdItemConfig",
    "ColdUserConfig",
    "HISTORY_BUCKETS",
    "LeaveLastOutConfig",
    "NewDomainConfig",
    "PROTOCOLS",
    "Split",
    "TemporalConfig",
    "cold_user_split",
    "describe",
    "head_mask",
    "history_bucket",
    "label_items",
    "label_users",
    "make_split",
    "user_table",
]
