"""A new user click by click: sessions and their saved files, replay of held-out users, what-if knobs.

Offers
------
- :mod:`.files`: Saved sessions: the JSON record of a session, validated on import, stored in the workspace.
- :mod:`.replay`: Replay a real held-out user: reveal their interactions one by one and watch each strategy's list.
- :mod:`.session`: A new user's session: words, recommendations, clicks, re-ranking.
- :mod:`.whatif`: What-if knobs: turn one and every strategy's list (session, replay) changes at once.
- :mod:`.cards`: What an item card in the simulator shows: a readable title and its facts.
- :mod:`.ann`: The nearest-neighbour index behind a large catalog's session step (exact below ``ANN_MIN_ITEMS``).
"""

from coldrec.simulation.ann import ANN_MIN_ITEMS, FAISS_NOTE, IndexSettings, ItemIndex, item_index
from coldrec.simulation.cards import ItemCard, item_cards
from coldrec.simulation.files import (
    SESSION_FORMAT,
    SessionFileError,
    load_session,
    parse_session,
    restore_session,
    same_lists,
    save_session,
    saved_sessions,
    session_record,
    sessions_dir,
)
from coldrec.simulation.replay import (
    RunData,
    UserReplay,
    interest_after,
    interest_contexts,
    load_run_data,
    replay,
    replay_curve,
    replay_user,
    timeline,
)
from coldrec.simulation.session import (
    Session,
    Simulator,
    click,
    content_index,
    explain,
    open_simulator,
    recommend,
    session_context,
    session_top_k,
    start_session,
    update_interest,
)
from coldrec.simulation.whatif import (
    REFITTABLE,
    Knobs,
    held_out_users,
    hide_items,
    new_item_mask,
    new_share_effect,
    refit_without,
    strategies,
)

__all__ = [
    "ANN_MIN_ITEMS", "FAISS_NOTE", "IndexSettings", "ItemIndex", "item_index",
    "ItemCard", "item_cards",
    "Knobs",
    "REFITTABLE",
    "RunData",
    "SESSION_FORMAT",
    "Session",
    "SessionFileError",
    "Simulator",
    "UserReplay",
    "click",
    "content_index",
    "explain",
    "held_out_users",
    "hide_items",
    "interest_after",
    "interest_contexts",
    "load_run_data",
    "load_session",
    "new_item_mask",
    "new_share_effect",
    "open_simulator",
    "parse_session",
    "recommend",
    "refit_without",
    "replay",
    "replay_curve",
    "replay_user",
    "restore_session",
    "same_lists",
    "save_session",
    "saved_sessions",
    "session_context",
    "session_record",
    "session_top_k",
    "sessions_dir",
    "start_session",
    "strategies",
    "timeline",
    "update_interest",
]
