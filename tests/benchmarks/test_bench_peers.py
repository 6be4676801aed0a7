"""The peers benchmark runs end to end in smoke mode, with or without the peer libraries installed.

Figures are not asserted (no timing or quality thresholds): the point is that the script keeps working.
"""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("OMP_NUM_THREADS", "1")

from benchmarks import peers  # noqa: E402
from benchmarks.peer_models import available_peers  # noqa: E402


def test_smoke_runs_coldrec_and_every_installed_peer(capsys, one_torch_thread):
    out = peers.main(["--smoke"])
    printed = capsys.readouterr().out
    assert "python -m benchmarks.peers --smoke" in printed
    for heading in ("cold items, ranked among all items", "cold items, ranked among the", "cold users",
                    "warm, leave last out"):
        assert heading in out
    assert "| content (text) | coldrec |" in out
    assert "peer (coldrec.models.ease)" in out and "| ease | coldrec |" in out
    for name, installed in available_peers().items():
        assert (f"| {name} " in out) == installed
    assert out.lower().count("best coldrec model") == 6  # one verdict per protocol block, peers or not
    assert "nothing revealed, no query" in out and "1 revealed interaction each" in out
    assert "Baselines' settings chosen on the validation split" in out  # every baseline tuned, as coldrec tunes
    assert "`cb2cf` chose for itself" in out


def test_smoke_without_peer_libraries_skips_them_with_a_note(monkeypatch, capsys, one_torch_thread):
    monkeypatch.setattr(peers, "available_peers",
                        lambda: {"als": False, "bpr_implicit": False, "lightfm": False, "lightfm_text": False})
    out = peers.main(["--smoke", "--protocols", "leave_last_out"])
    assert "Skipped (library not installed" in out and "als, bpr_implicit, lightfm, lightfm_text" in out
    assert "| ease_baseline = best peer |" in out and "| lightfm" not in out


@pytest.mark.parametrize("name", ["als", "bpr_implicit", "lightfm", "lightfm_text"])
def test_peer_adapters_rank_a_warm_and_a_cold_user(name, tiny_shop):
    """Each installed peer scores a known training user (factor lookup) and a folded-in one, full catalog rows."""
    if not available_peers()[name]:
        pytest.skip(f"{name}: library not installed (bash benchmarks/install_peers.sh)")
    import numpy as np
    import pandas as pd

    from benchmarks.peer_models import PEERS, QUICK_PEER_PARAMS
    from coldrec.models.base import Context, FitData

    inter, catalog = tiny_shop
    items = pd.Index(catalog["item_id"])
    users = pd.Index(sorted(inter["user_id"].unique()))
    data = FitData(n_items=len(items), users=users.get_indexer(inter["user_id"]),
                   items=items.get_indexer(inter["item_id"]), timestamps=inter["timestamp"].to_numpy(),
                   catalog=catalog.assign(text=catalog["title"]))
    model = PEERS[name](PEERS[name].config_cls.from_dict(QUICK_PEER_PARAMS[name])).fit(data)
    warm = data.items[data.users == 0]
    scores = model.score([Context(items=warm), Context(items=np.array([0])), Context()])
    assert scores.shape == (3, len(items)) and np.isfinite(scores).all()
