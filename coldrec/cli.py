"""The ``coldrec`` command line: the same library calls as the app."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from coldrec.data.workspace import Workspace

if TYPE_CHECKING:
    from coldrec.data.ingest import IngestOptions

MAX_UPLOAD_MB = 200


def _app(args: argparse.Namespace) -> int:
    app = Path(__file__).resolve().parent.parent / "app.py"
    cmd = [sys.executable, "-m", "streamlit", "run", str(app), "--server.address", args.address,
           "--server.port", str(args.port), "--browser.gatherUsageStats", "false",
           "--server.headless", "true", "--server.maxUploadSize", str(MAX_UPLOAD_MB),
           "--client.toolbarMode", "viewer", "--client.showErrorDetails", "none"]
    return subprocess.call(cmd)


def _options(args: argparse.Namespace) -> IngestOptions:
    from coldrec.data.ingest import IngestOptions
    from coldrec.data.io.feedback import FeedbackConfig
    from coldrec.data.io.mapping import parse_pairs

    weights = {k: _weight(k, v) for k, v in parse_pairs(args.event_weight).items()}
    opts = IngestOptions(interaction_columns=parse_pairs(args.map), catalog_columns=parse_pairs(args.map_catalog),
                         feedback=FeedbackConfig(rating_threshold=args.rating_threshold, event_weights=weights))
    if args.text_fields:
        opts.text_fields = [f.strip() for f in args.text_fields.split(",") if f.strip()]
    return opts


def _weight(event: str, text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"--event-weight {event}={text}: the weight must be a number, e.g. {event}=5 "
                         "(0 drops the event)") from None


def _ingest(args: argparse.Namespace) -> int:
    from coldrec.data.ingest import ingest

    result = ingest(Workspace(args.workspace), args.interactions, args.catalog, name=args.name,
                    options=_options(args))
    for issue in result.report.issues:
        print(issue, file=sys.stderr)
    if result.dataset is None:
        return 2
    verb = "stored" if result.created else "already stored"
    print(f"{verb}: {result.dataset.id} ({result.dataset.n_interactions} interactions)")
    return 0


def _import(args: argparse.Namespace) -> int:
    from coldrec.data.ingest import import_and_store

    result = import_and_store(Workspace(args.workspace), args.folder, _options(args), use_tags=not args.no_tags)
    for issue in result.report.issues:
        print(issue, file=sys.stderr)
    if result.dataset is None:
        return 2
    verb = "stored" if result.created else "already stored"
    ds = result.dataset
    print(f"{verb}: {ds.id} {ds.name} ({ds.n_users} users, {ds.n_items} items, {ds.n_interactions} interactions)")
    return 0


def _sample(args: argparse.Namespace) -> int:
    from coldrec.data.synth import write_shop

    paths = write_shop(args.out, n_users=args.users, n_items=args.items,
                       n_interactions=args.interactions, seed=args.seed)
    print("\n".join(map(str, paths)))
    return 0


def _train(args: argparse.Namespace) -> int:
    from coldrec.evaluation.aggregate import headline
    from coldrec.runs.engine import engine_setting
    from coldrec.runs.engine.base import EngineError
    from coldrec.runs.experiment import ExperimentConfig, run_experiment
    from coldrec.runs.jobs import JobStore

    ws = Workspace(args.workspace)
    from coldrec.data.io.mapping import parse_pairs

    split = {"protocol": args.protocol, **{k: _value(v) for k, v in parse_pairs(args.split).items()}}
    params: dict[str, dict] = {}
    for key, v in parse_pairs(args.param).items():
        model, _, field = key.partition(".")
        params.setdefault(model, {})[field] = _value(v)
    cfg = ExperimentConfig(dataset_id=args.dataset, models=args.models.split(","), encoder=args.encoder,
                           split=split, model_params=params, engine=engine_setting(args.ray))
    store = JobStore(ws)
    job_id = store.create("train", vars(cfg), cfg.dataset_id)
    store.mark_running(job_id, os.getpid())  # the app's reconcile checks this process is alive

    def progress(fraction: float, step: str) -> None:
        store.set_progress(job_id, fraction, step)
        bar = "#" * int(30 * fraction)
        print(f"\r[{bar:<30}] {fraction:4.0%} {step[:50]:<50}", end="", file=sys.stderr, flush=True)

    try:
        summary = run_experiment(ws, cfg, ws.run_dir(job_id), progress)
    except EngineError as exc:
        store.finish(job_id, "failed", f"{type(exc).__name__}: {exc}")
        print(f"\nrun {job_id} failed: {exc}", file=sys.stderr)
        return 3
    except BaseException as exc:
        store.finish(job_id, "failed", f"{type(exc).__name__}: {exc}")
        raise
    store.finish(job_id, "done")
    print(file=sys.stderr)
    print(f"run {job_id}")
    print(headline(summary).to_string(index=False))
    print(f"full tables: {ws.run_dir(job_id)}", file=sys.stderr)
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    from coldrec.evaluation.aggregate import headline
    from coldrec.runs.engine import engine_setting
    from coldrec.runs.engine.base import EngineError
    from coldrec.runs.experiment import reevaluate

    ws = Workspace(args.workspace)
    ks = tuple(int(k) for k in args.ks.split(","))
    try:
        summary, lists = reevaluate(ws, args.run, ks, engine=engine_setting(args.ray))
    except EngineError as exc:
        print(f"evaluation failed: {exc}", file=sys.stderr)
        return 3
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        summary.to_csv(out / "summary.csv", index=False)
        lists.to_csv(out / "lists.csv", index=False)
        print(f"wrote {out / 'summary.csv'} and {out / 'lists.csv'}", file=sys.stderr)
    for k in ks:
        print(f"NDCG@{k}")
        print(headline(summary, "ndcg", k).to_string(index=False))
    return 0


def _report(args: argparse.Namespace) -> int:
    from coldrec.visuals.report import report

    try:
        page, _ = report(Workspace(args.workspace), list(args.runs), k=args.k)
    except FileNotFoundError as exc:
        print(f"cannot build the report: {exc}", file=sys.stderr)
        return 2
    Path(args.out).write_text(page, encoding="utf-8")
    print(f"wrote {args.out} ({len(page) / 1e6:.1f} MB, opens offline)", file=sys.stderr)
    return 0


def _value(text: str) -> object:
    """A command-line value as a number when it reads as one, else the text."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def _datasets(args: argparse.Namespace) -> int:
    for ds in Workspace(args.workspace).datasets():
        print(json.dumps(vars(ds)))
    return 0


def _add_option_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--text-fields", help="catalog fields joined into item text, e.g. title,description")
    p.add_argument("--rating-threshold", type=float, help="keep interactions rated at least this")
    p.add_argument("--event-weight", action="append", metavar="EVENT=WEIGHT",
                   help="weight per event type, e.g. --event-weight purchase=5; 0 drops the event")


def _add_ray_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument("--ray", nargs="?", const="", default=None, metavar="ADDRESS",
                   help="run the heavy stages on Ray (needs coldrec[ray]): without ADDRESS Ray at $RAY_ADDRESS or a "
                        "local Ray started for the run; else HOST:PORT of a head node or ray://HOST:10001 "
                        "(see docs/ray.md). Same results as without it")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="coldrec", description=__doc__)
    p.add_argument("--workspace", default=None, help="workspace folder (default $COLDREC_WORKSPACE or ./workspace)")
    sub = p.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("app", help="start the dashboard")
    a.add_argument("--address", default="127.0.0.1")
    a.add_argument("--port", type=int, default=8501)
    a.set_defaults(fn=_app)
    i = sub.add_parser("ingest", help="validate and store an interactions + catalog pair")
    i.add_argument("interactions")
    i.add_argument("catalog")
    i.add_argument("--name")
    i.add_argument("--map", action="append", metavar="ROLE=COLUMN",
                   help="interactions column for a role, e.g. --map user_id=customer (repeatable)")
    i.add_argument("--map-catalog", action="append", metavar="ROLE=COLUMN", help="the same for the catalog")
    _add_option_flags(i)
    i.set_defaults(fn=_ingest)
    m = sub.add_parser("import", help="import a public dataset folder (MovieLens, Amazon 2018 reviews + meta)")
    m.add_argument("folder")
    m.add_argument("--no-tags", action="store_true", help="MovieLens: leave tags out of the item text")
    _add_option_flags(m)
    m.set_defaults(fn=_import, map=None, map_catalog=None)
    s = sub.add_parser("sample", help="generate a synthetic shop")
    s.add_argument("--out", required=True)
    s.add_argument("--users", type=int, default=2000)
    s.add_argument("--items", type=int, default=3000)
    s.add_argument("--interactions", type=int, default=40000)
    s.add_argument("--seed", type=int, default=0)
    s.set_defaults(fn=_sample)
    t = sub.add_parser("train", help="split, train and evaluate models on a stored dataset")
    t.add_argument("dataset")
    t.add_argument("--models", default="popularity,content")
    t.add_argument("--encoder", default=None,
                   help="'minilm' (default), 'hashing', or a model folder; add '@int8' for about 1.4x faster "
                        "encoding at cosine 0.99 (e.g. minilm@int8)")
    t.add_argument("--protocol", default="cold_user",
                   choices=["cold_user", "temporal", "cold_item", "new_domain", "leave_last_out"])
    t.add_argument("--split", action="append", metavar="KEY=VALUE",
                   help="split setting, e.g. --split cold_share=0.3 --split seed=1 (see the Train page)")
    t.add_argument("--param", action="append", metavar="MODEL.KEY=VALUE", help="e.g. --param ease.l2=500")
    _add_ray_flag(t)
    t.set_defaults(fn=_train)
    e = sub.add_parser("evaluate", help="score a finished run's saved models again (same split), at any K")
    e.add_argument("run", help="the run (job) id")
    e.add_argument("--ks", default="5,10,20,50", help="list lengths, e.g. 10,20")
    e.add_argument("--out", help="folder for summary.csv and lists.csv")
    _add_ray_flag(e)
    e.set_defaults(fn=_evaluate)
    r = sub.add_parser("report", help="write the HTML report of finished runs (the Report page's download)")
    r.add_argument("runs", nargs="+", metavar="RUN", help="run (job) ids")
    r.add_argument("--out", default="report.html", help="HTML file to write (default report.html)")
    r.add_argument("--k", type=int, default=20, help="list length the report speaks about (default 20)")
    r.set_defaults(fn=_report)
    d = sub.add_parser("datasets", help="list stored datasets")
    d.set_defaults(fn=_datasets)
    return p


def main(argv: list[str] | None = None) -> int:
    """Run one command; a user error (a missing file, a bad value) is one line on stderr and exit code 2."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.fn(args))
    except KeyboardInterrupt:
        print(f"\ncoldrec {args.cmd}: interrupted", file=sys.stderr)
        return 130
    except (OSError, ValueError, KeyError) as exc:
        print(f"coldrec {args.cmd}: {_user_message(exc)}", file=sys.stderr)
        return 2


def _user_message(exc: BaseException) -> str:
    """One line saying what went wrong, without a traceback."""
    if isinstance(exc, IsADirectoryError):
        return f"{exc.filename} is a folder; give the path of a file"
    if isinstance(exc, NotADirectoryError):
        return f"{exc.filename} is a file; give the path of a folder"
    if isinstance(exc, FileNotFoundError):
        return f"{exc.filename or exc}: no such file or folder; check the path"
    if isinstance(exc, PermissionError):
        return f"{exc.filename or exc}: permission denied"
    if isinstance(exc, OSError):
        return f"{exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else "")
    text = str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)
    lines = text.strip().splitlines()
    return lines[0] if lines else type(exc).__name__


if __name__ == "__main__":
    sys.exit(main())
