"""coldrec's models against the libraries users would pick instead, on identical splits with coldrec's metric code.

Run: ``python -m benchmarks.peers [--datasets sample,movielens,gift_cards,magazines]
[--protocols cold_item,cold_user,leave_last_out] [--max-users 1000] [--encoder minilm] [--workspace DIR]
[--smoke]``. Install the peers first: ``bash benchmarks/install_peers.sh`` (implicit wheel + a patched
LightFM build); a peer whose library is missing is skipped with a printed note.

Peers (``benchmarks.peer_models``): implicit ALS and BPR, LightFM WARP with identity + word features and with
word features only (``lightfm_text``, the usual pure cold-start set-up), and
EASE (``ease_baseline``: ``coldrec.models.ease``, a faithful closed-form EASE, at the lambda the validation grid
picks), popularity (``coldrec.models.popularity``), CB2CF on EASE and on ALS, and EASE with text rows (MARec-style).
Every baseline's settings are chosen on the validation split (``--no-tune``: library defaults).
coldrec's side is every registered model except ``popularity`` (a baseline here) and ``transfer`` (minutes of
fine-tuning). Every model fits on the same split's train part and ranks the same test users over the whole
catalog minus their history (``coldrec.evaluation.evaluate``); intervals are coldrec's bootstrap
(``summarize``), and the verdict under each table is a paired bootstrap of the best coldrec model against the best peer
(``compare``) on the same users.

Protocols: ``cold_item`` (the newest 20% of interacted items held out; every test item is cold) ranked among
all items and again among the cold items only; ``cold_user`` (20% of users held out, each revealing its first
3 interactions: the 3-shot point of the few-shot curve; only these cold users are scored); ``cold_user_1`` and
``cold_user_0`` (the same users revealing 1 interaction, or nothing and no query: popularity's ground);
``leave_last_out`` (warm: each user's last interaction). Per model: fit seconds, peak RSS growth during the
fit (a 10 ms sampler of /proc/self/statm: captures torch and C++ heaps, but memory the process already held
and reused does not show), evaluation throughput (test users ranked per second, top-20 over the catalog),
NDCG@20 and Recall@20 with 95% intervals, and NDCG@20 as a multiple of the best peer's. Everything runs on one
thread (torch, BLAS, implicit, LightFM) as in the app's worker; models fit one after the other in one process,
so the times are side by side. Evaluation users are subsampled to ``--max-users`` (seeded) when there are
more; the output says so.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import os
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.encode_speed import machine_line
from benchmarks.models import QUICK_PARAMS, load_dataset
from benchmarks.peer_models import PEERS, QUICK_PEER_PARAMS, CandidatesOnly, available_peers
from coldrec.columns import Columns
from coldrec.data.workspace import Workspace
from coldrec.evaluation.aggregate import compare, summarize
from coldrec.evaluation.evaluate import EvalUsers, eval_users, fit_data, item_facts, rank_users, user_rows
from coldrec.models.base import Recommender
from coldrec.models.registry import MODELS, make_model
from coldrec.runs.experiment import catalog_embeddings
from coldrec.runs.search import validation_split
from coldrec.split.protocols import make_split
from coldrec.split.segments import describe

K = 20
DATASETS = ("sample", "movielens", "gift_cards", "magazines")
PROTOCOLS = ("cold_item", "cold_user", "cold_user_1", "cold_user_0", "leave_last_out")
SPLITS = {"cold_item": {"protocol": "cold_item"}, "cold_user": {"protocol": "cold_user"},
          "cold_user_1": {"protocol": "cold_user", "n_reveal": 1},
          "cold_user_0": {"protocol": "cold_user", "n_reveal": 0},
          "leave_last_out": {"protocol": "leave_last_out"}}
TITLES = {"cold_user": "cold users (held out of training), 3 revealed interactions each",
          "cold_user_1": "cold users (held out of training), 1 revealed interaction each",
          "cold_user_0": "cold users (held out of training), nothing revealed, no query",
          "leave_last_out": "warm, leave last out"}
# coldrec.models.popularity is the popularity baseline; coldrec's self-tuned ease stays on coldrec's side
PEER_NAMES = ("popularity", *PEERS)
COLDREC_SKIP = ("popularity", "transfer")
SMOKE_COLDREC = ("content", "itemknn", "cb2cf", "ease")
SMOKE_PEERS = ("ease_baseline", "popularity", "als", "bpr_implicit", "lightfm", "lightfm_text", "cb2cf_ease",
               "cb2cf_als", "ease_meta")
# Each baseline's validation grid; "from" names the tuned baseline whose settings it starts from (staged search).
PEER_GRIDS: dict[str, dict] = {
    "ease_baseline": {"l2": [50.0, 100.0, 200.0, 500.0, 1000.0]},
    "popularity": {"window_days": [0.0, 30.0, 180.0]},
    "als": {"factors": [32, 64, 128], "regularization": [0.01, 0.1, 1.0]},
    "bpr_implicit": {"factors": [32, 64], "learning_rate": [0.01, 0.05]},
    "lightfm": {"epochs": [10, 30]},
    "lightfm_text": {"epochs": [10, 30]},
    "cb2cf_ease": {"from": "ease_baseline", "map_l2": [1.0, 10.0, 100.0, 1000.0]},
    "cb2cf_als": {"from": "als", "map_l2": [1.0, 10.0, 100.0, 1000.0]},
    "ease_meta": {"from": "ease_baseline", "alpha": [0.3, 1.0, 3.0, 10.0]},
}
SMOKE_GRIDS: dict[str, dict] = {"ease_baseline": {"l2": [50.0, 200.0]},
                                "cb2cf_ease": {"from": "ease_baseline", "map_l2": [1.0, 100.0]}}


def coldrec_models() -> list[str]:
    """coldrec's side: every registered model but EASE (a peer here) and transfer (minutes of fine-tuning)."""
    return [m for m in MODELS if m not in COLDREC_SKIP]


class PeakRSS:
    """Context manager: the peak resident set size growth (bytes) while the block ran, sampled every 10 ms."""

    def __init__(self, interval: float = 0.01) -> None:
        self.interval, self.peak = interval, 0

    @staticmethod
    def rss() -> int:
        try:
            with open("/proc/self/statm") as fh:
                return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except OSError:  # not Linux: no figure
            return 0

    def _watch(self) -> None:
        while not self._stop.wait(self.interval):
            self.peak = max(self.peak, self.rss() - self.base)

    def __enter__(self) -> PeakRSS:
        self.base, self._stop = self.rss(), threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.rss() - self.base)


@dataclass
class Timing:
    """Per model: fit seconds, peak RSS growth during the fit (MB), evaluation users/s, failures."""

    fit_s: dict[str, float] = field(default_factory=dict)
    fit_mb: dict[str, float] = field(default_factory=dict)
    users_per_s: dict[str, float] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)


def build(name: str, smoke: bool, params: dict | None = None) -> Recommender:
    base = (QUICK_PEER_PARAMS.get(name, {}) if name in PEERS else QUICK_PARAMS.get(name, {})) if smoke else {}
    merged = {**base, **(params or {})}
    if name in PEERS:
        return PEERS[name](PEERS[name].config_cls.from_dict(merged))
    return make_model(name, merged or None)


def fit_all(names: list[str], data, smoke: bool, timing: Timing,
            chosen: dict[str, dict] | None = None) -> dict[str, Recommender]:
    """Fit each model in turn (baselines at their validation-chosen settings), timing it and watching its memory;
    a failure is recorded, not raised."""
    models = {}
    for name in names:
        start = time.perf_counter()
        try:
            with PeakRSS() as mem:
                models[name] = build(name, smoke, (chosen or {}).get(name)).fit(data)
            timing.fit_mb[name] = mem.peak / 1e6
        except Exception as exc:  # noqa: BLE001 - one model failing must not hide the others' figures
            timing.failed[name] = f"{type(exc).__name__}: {exc}"
        timing.fit_s[name] = time.perf_counter() - start
    return models


def subsample(users: EvalUsers, max_users: int | None, seed: int = 0) -> EvalUsers:
    """At most ``max_users`` test users, drawn without replacement (seeded), in their original order."""
    n = len(users.user_ids)
    if not max_users or n <= max_users:
        return users
    keep = np.sort(np.random.default_rng(seed).choice(n, max_users, replace=False))
    return EvalUsers(users.user_ids[keep], users.segments[keep], users.buckets[keep], users.n_history[keep],
                     [users.contexts[i] for i in keep], [users.relevant[i] for i in keep])


def only_segment(users: EvalUsers, segment: str) -> EvalUsers:
    """The test users of one user segment ("cold" or "warm")."""
    keep = np.flatnonzero(users.segments == segment)
    return EvalUsers(users.user_ids[keep], users.segments[keep], users.buckets[keep], users.n_history[keep],
                     [users.contexts[i] for i in keep], [users.relevant[i] for i in keep])


def rank_all(models: dict[str, Recommender], users: EvalUsers, facts, timing: Timing | None,
             wrap: Callable[[Recommender], Recommender] = lambda m: m) -> pd.DataFrame:
    """Per-user NDCG/Recall@20 rows of every model; evaluation throughput into ``timing``."""
    frames = []
    for name, model in models.items():
        start = time.perf_counter()
        top, auc = rank_users(wrap(model), users, K)
        if timing is not None:
            timing.users_per_s[name] = len(users.user_ids) / max(time.perf_counter() - start, 1e-9)
        rows = user_rows(users, top, auc, facts, (K,), beyond={})
        frames.append(rows[rows["metric"].isin(["ndcg", "recall"])].assign(model=name))
    return pd.concat(frames, ignore_index=True)


def table(per_user: pd.DataFrame, timing: Timing, text_models: set[str]) -> tuple[str, str]:
    """(Markdown table best first, verdict line) for one dataset x protocol, over all users in ``per_user``."""
    summary = summarize(per_user, by=("segment",))
    part = summary[(summary["group"] == "all") & (summary["item_segment"] == "all") & (summary["k"] == K)]
    cell = {(r.model, r.metric): (r.mean, r.ci_low, r.ci_high) for r in part.itertuples()}
    models = list(dict.fromkeys(part["model"]))
    ndcg = {m: cell[(m, "ndcg")][0] for m in models}
    peers = [m for m in models if m in PEER_NAMES]
    ours = [m for m in models if m not in PEER_NAMES]
    best_peer = max(peers, key=ndcg.get) if peers else None
    base = ndcg[best_peer] if best_peer else 0.0
    head = ["model", "side", "fit s", "fit peak MB", "eval users/s", f"NDCG@{K} [95% CI]", f"Recall@{K} [95% CI]",
            "NDCG / best peer"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for m in sorted(models, key=lambda m: -ndcg[m]):
        side = ("peer" + (" (coldrec.models.ease)" if m == "ease_baseline" else "")) if m in PEER_NAMES else "coldrec"
        name = m + (" (text)" if m in text_models else "") + (" = best peer" if m == best_peer else "")
        fit = timing.fit_s.get(m, float("nan"))
        lines.append("| " + " | ".join([
            name, side, f"{fit:.3f}" if fit < 0.1 else f"{fit:.2f}", f"{timing.fit_mb.get(m, float('nan')):.0f}",
            f"{timing.users_per_s.get(m, float('nan')):,.0f}",
            "{:.4f} [{:.3f}, {:.3f}]".format(*cell[(m, "ndcg")]),
            "{:.4f} [{:.3f}, {:.3f}]".format(*cell[(m, "recall")]),
            f"{ndcg[m] / base:.2f}x" if base > 0 else "-"]) + " |")
    for m, why in timing.failed.items():
        lines.append(f"| {m} | failed: {why[:150]} |" + " |" * (len(head) - 2))
    return "\n".join(lines), verdict(per_user, ours, best_peer, ndcg)


def verdict(per_user: pd.DataFrame, ours: list[str], best_peer: str | None, ndcg: dict[str, float]) -> str:
    """The best coldrec model against the best peer, paired on the same users."""
    if not ours or best_peer is None:
        return "No coldrec model or no peer to compare."
    best = max(ours, key=ndcg.get)
    if ndcg[best_peer] == 0:
        return (f"Every peer scores 0 here (none ranks a cold item above the warm ones); best coldrec model `{best}` "
                f"NDCG@{K} {ndcg[best]:.4f}.")
    d = compare(per_user, best, best_peer)
    d = d[(d["group"] == "all") & (d["item_segment"] == "all") & (d["metric"] == "ndcg") & (d["k"] == K)].iloc[0]
    if d["diff_low"] > 0:
        word = "ahead of"
    elif d["diff_high"] < 0:
        word = "BEHIND"
    else:
        word = "level with (interval spans 0)"
    return (f"Best coldrec model `{best}` is {word} the best peer `{best_peer}`: NDCG@{K} {d['mean_a']:.4f} vs "
            f"{d['mean_b']:.4f}, paired diff {d['diff']:+.4f} [{d['diff_low']:+.4f}, {d['diff_high']:+.4f}] "
            f"(n={int(d['n_users'])}).")


def test_users(split, item_ids: pd.Index, protocol: str, max_users: int | None) -> tuple[EvalUsers, EvalUsers]:
    """(scored users, all of them): cold-user protocols score only the held-out users; a seeded sample."""
    all_users = eval_users(split, item_ids)
    if protocol.startswith("cold_user"):  # the protocol is about the held-out users; warm users are not scored
        all_users = only_segment(all_users, "cold")
    return subsample(all_users, max_users), all_users


def grid_points(grid: dict) -> list[dict]:
    names = [k for k in grid if k != "from"]
    return [dict(zip(names, values, strict=True)) for values in itertools.product(*(grid[n] for n in names))]


def tune_baselines(protocol: str, inter: pd.DataFrame, catalog: pd.DataFrame, emb: np.ndarray | None,
                   names: list[str], args: argparse.Namespace, cold_only: bool) -> tuple[dict[str, dict], list[str]]:
    """Each baseline's grid point with the best mean NDCG@20 on the validation split (the train part re-split by
    the same protocol, ``coldrec.runs.search.validation_split``: no test row is read); notes for the output."""
    grids = SMOKE_GRIDS if args.smoke else PEER_GRIDS
    item_ids = pd.Index(catalog[Columns.item])
    split = validation_split(inter, catalog, SPLITS[protocol])
    data = fit_data(split, item_ids, emb, catalog, args.encoder)
    users, _ = test_users(split, item_ids, protocol, min(args.max_users or 500, 500))
    facts = item_facts(split, item_ids, emb)
    chosen: dict[str, dict] = {}
    notes = []
    for name in sorted((n for n in names if n in grids), key=lambda n: "from" in grids[n]):
        grid = grids[name]
        start = dict(chosen.get(grid["from"], {})) if "from" in grid else {}
        start = {k: v for k, v in start.items() if k in {f for f in PEERS.get(name, MODELS.get(name)).config_cls
                                                         .__dataclass_fields__}}
        best, best_value = None, -1.0
        for point in grid_points(grid):
            params = {**start, **point}
            try:
                model = build(name, args.smoke, params).fit(data)
            except Exception:  # noqa: BLE001 - a grid point that cannot fit is skipped
                continue
            scored = CandidatesOnly(model, facts.cold) if cold_only else model
            top, _ = rank_users(scored, users, K)
            value = float(np.mean([ndcg_at(t, r) for t, r in zip(top, users.relevant, strict=True)])) \
                if len(users.user_ids) else 0.0
            if value > best_value + 1e-12:
                best, best_value = params, value
        if best is not None:
            chosen[name] = best
            notes.append(f"{name} " + ", ".join(f"{k}={v:g}" for k, v in best.items()) + f" ({best_value:.4f})")
    return chosen, notes


def ndcg_at(top: np.ndarray, relevant: np.ndarray, k: int = K) -> float:
    """Binary NDCG@k of one ranked list (for choosing settings; the tables use coldrec's evaluation)."""
    disc = 1.0 / np.log2(np.arange(2, k + 2))
    hits = np.isin(top[:k], relevant)
    return float((hits * disc[:len(hits)]).sum() / disc[:min(len(relevant), k)].sum()) if len(relevant) else 0.0


def run_protocol(protocol: str, inter: pd.DataFrame, catalog: pd.DataFrame, emb: np.ndarray | None, names: list[str],
                 args: argparse.Namespace) -> list[str]:
    """Split, tune the baselines on a validation split, fit, evaluate; Markdown blocks (two for cold_item)."""
    item_ids = pd.Index(catalog[Columns.item])
    split = make_split(inter, catalog, SPLITS[protocol])
    timing = Timing()
    chosen, notes = tune_baselines(protocol, inter, catalog, emb, names, args, False) if args.tune else ({}, [])
    models = fit_all(names, fit_data(split, item_ids, emb, catalog, args.encoder), args.smoke, timing, chosen)
    users, all_users = test_users(split, item_ids, protocol, args.max_users)
    facts = item_facts(split, item_ids, emb)
    text = {m for m in names if m in MODELS and MODELS[m].uses_text} | {"lightfm", "lightfm_text"}
    counts = describe(split)
    sampled = len(users.user_ids) < len(all_users.user_ids)
    note = (f"{len(users.user_ids):,} test users" + (f" (a seeded sample of {len(all_users.user_ids):,})" if sampled
                                                       else "") + "; split: "
            + ", ".join(f"{k} {v:.2f}" if isinstance(v, float) else f"{k} {v}" for k, v in counts.items()))
    if notes:
        note += "\n\nBaselines' settings chosen on the validation split (NDCG@20 there): " + "; ".join(notes) + "."
    note += "".join(f"\n\n`{m}` chose for itself: {models[m].chosen_}." for m in models
                    if hasattr(models[m], "chosen_"))
    blocks = []
    per_user = rank_all(models, users, facts, timing)
    body, line = table(per_user, timing, text & set(models))
    title = "cold items, ranked among all items" if protocol == "cold_item" else TITLES[protocol]
    blocks.append(f"#### {title}\n\n{note}\n\n{body}\n\n{line}\n")
    if protocol == "cold_item":
        n_cold = int(facts.cold.sum())
        if args.tune:  # the cold-only ranking is its own question: baselines re-tuned for it
            chosen, notes = tune_baselines(protocol, inter, catalog, emb, names, args, True)
            models = {**models, **fit_all([n for n in chosen], fit_data(split, item_ids, emb, catalog, args.encoder),
                                          args.smoke, Timing(), chosen)}
        only = rank_all(models, users, facts, None, wrap=lambda m: CandidatesOnly(m, facts.cold))
        body, line = table(only, timing, text & set(models))
        retuned = (" Baselines re-tuned for this ranking on the validation split: " + "; ".join(notes) + ".") \
            if args.tune and notes else ""
        blocks.append(f"#### cold items, ranked among the {n_cold:,} cold items only\n\nSame models and users; "
                      "every warm item is removed from the candidates (fit columns repeat the run above; "
                      f"users/s is from the all-items ranking).{retuned}\n\n{body}\n\n{line}\n")
    return blocks


def run_dataset(ws: Workspace, name: str, args: argparse.Namespace, names: list[str]) -> str:
    start = time.perf_counter()
    ds = load_dataset(ws, name, args.smoke)
    inter, catalog = ws.load_interactions(ds.id), ws.load_catalog(ds.id)
    uses_text = any(m in MODELS and MODELS[m].uses_text for m in names)
    emb, enc_s = None, 0.0
    if uses_text:
        t0 = time.perf_counter()
        emb, _ = catalog_embeddings(ws, catalog, args.encoder)
        enc_s = time.perf_counter() - t0
    label = "tiny synthetic shop (smoke)" if args.smoke else name
    out = [f"### {label}: {ds.n_interactions:,} interactions, {ds.n_items:,} catalog items\n",
           f"Encoder `{args.encoder}`: {enc_s:.1f} s to embed the catalog (cached across runs with --workspace).\n"]
    for protocol in args.protocols:
        out += run_protocol(protocol, inter, catalog, emb, names, args)
    out.append(f"({name}: {time.perf_counter() - start:.0f} s in all; {machine_line(1)})\n")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> str:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--datasets", default=",".join(DATASETS))
    p.add_argument("--protocols", default=",".join(PROTOCOLS))
    p.add_argument("--models", default=None, help="coldrec models (default: all but popularity and transfer)")
    p.add_argument("--peers", default=",".join(PEER_NAMES))
    p.add_argument("--max-users", type=int, default=1000, help="evaluation users per split (seeded sample)")
    p.add_argument("--encoder", default=None, help="text encoder spec (default: minilm; hashing in --smoke)")
    p.add_argument("--workspace", default=None, help="reuse this workspace (its embedding cache); default: temp")
    p.add_argument("--no-tune", dest="tune", action="store_false",
                   help="baselines at their library defaults instead of validation-chosen settings")
    p.add_argument("--smoke", action="store_true",
                   help="a tiny synthetic shop, cheap models, short schedules, hashing encoder")
    args = p.parse_args(argv)
    args.protocols = args.protocols.split(",")
    args.encoder = args.encoder or ("hashing" if args.smoke else "minilm")
    datasets = ["sample"] if args.smoke else args.datasets.split(",")
    ours = list(SMOKE_COLDREC) if args.smoke and not args.models else (args.models.split(",") if args.models
                                                                         else coldrec_models())
    have = available_peers() | {"ease_baseline": True, "popularity": True}
    wanted = list(SMOKE_PEERS) if args.smoke else args.peers.split(",")
    missing = [m for m in wanted if not have.get(m, False)]
    names = ours + [m for m in wanted if m not in missing]
    import torch
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(1)
    header = [f"## Peers: coldrec vs implicit, LightFM and EASE ({dt.date.today().isoformat()})\n",
              f"`python -m benchmarks.peers{' --smoke' if args.smoke else ''}"
              + (f" --datasets {','.join(datasets)}" if not args.smoke and datasets != list(DATASETS) else "")
              + (f" --protocols {','.join(args.protocols)}" if args.protocols != list(PROTOCOLS) else "")
              + (f" --models {args.models}" if args.models and not args.smoke else "")
              + (f" --peers {args.peers}" if args.peers != ",".join(PEER_NAMES) and not args.smoke else "")
              + (f" --max-users {args.max_users}" if args.max_users != 1000 else "")
              + ("" if args.tune else " --no-tune") + "`\n",
              f"{machine_line(1)}; everything on one thread.\n"]
    if missing:
        header.append(f"Skipped (library not installed; `bash benchmarks/install_peers.sh`): {', '.join(missing)}.\n")
    print("\n".join(header), flush=True)
    sections = header
    with threadpool_limits(1), tempfile.TemporaryDirectory() as tmp:
        ws = Workspace(Path(args.workspace) if args.workspace else Path(tmp) / "ws")
        for name in datasets:
            text = run_dataset(ws, name, args, names)
            print(text, flush=True)
            sections.append(text)
    return "\n".join(sections)


if __name__ == "__main__":
    main()
