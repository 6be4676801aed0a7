"""The Ray engine: the heavy stages of a run spread over a Ray cluster, with the local results.

Imported only when a Ray engine is asked for (:func:`coldrec.runs.engine.open_engine`),
so the library works without Ray installed.

What runs where
---------------
- Text encoding: the texts the embedding cache does not hold yet go through
  Ray Data (``read_parquet`` of a staged file, or the object store) and
  ``map_batches`` over a pool of actors that each load the encoder once; the
  vectors come back to the driver, are put in catalog order and written to
  the same :class:`coldrec.text.cache.EmbeddingCache` as a local run.
- Evaluation: the test users are cut into shards; each shard x model is a
  Ray task running :func:`coldrec.evaluation.evaluate.rank_shard` (scoring, top-K, AUC,
  per-user beyond-accuracy); the driver concatenates the shards in user
  order and computes the per-user rows and the whole-list figures (coverage,
  Gini) on the concatenated lists, exactly as :func:`coldrec.evaluation.evaluate.evaluate`.
- Few-shot curves: one task per model; search trials: one task per trial.

Workers need the same Python, coldrec and encoder as the driver; the driver
ships the data (splits, models, texts) through the object store, so workers
need no access to the workspace folder.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import sys
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from coldrec.evaluation.evaluate import eval_users, item_facts, join_results, model_tables, rank_shard, slice_users
from coldrec.evaluation.fewshot import few_shot
from coldrec.runs.engine.base import EngineError
from coldrec.text.cache import EmbeddingCache
from coldrec.text.factory import load_encoder

# Kept light (no coldrec.evaluation.evaluate / models / torch at import): the encoding actors import this module.

if TYPE_CHECKING:
    from coldrec.data.workspace import Workspace
    from coldrec.evaluation.evaluate import EvalResult, EvalUsers, ItemFacts
    from coldrec.evaluation.fewshot import FewShotResult
    from coldrec.models.base import Recommender
    from coldrec.split.base import Split
    from coldrec.text.protocol import TextEncoder

CONNECT_TIMEOUT_S = 20.0
POLL_S = 1.0
PROBE_TEXT = "coldrec encoder check: a ceramic coffee mug"
# Workers run single-threaded torch/BLAS: parallelism comes from more workers.
WORKER_ENV = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false",
              "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
WHAT_TO_DO = ("check the address (`ray start --head` prints it; Ray Client addresses look like ray://HOST:10001), "
              "that the cluster is up (`ray status`) and reachable from this machine, or run without --ray")


def _one_thread() -> None:
    """Single-threaded torch in a Ray worker once torch is loaded (the env vars cover OpenMP/MKL)."""
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(1)


def _host_port(address: str) -> tuple[str, int] | None:
    """(host, port) of a Ray address; None for addresses Ray resolves itself ("auto", "local")."""
    rest = address.removeprefix("ray://")
    if rest in ("auto", "local", ""):
        return None
    host, _, port = rest.rpartition(":")
    if not host:
        host, port = rest, ""
    default = 10001 if address.startswith("ray://") else 6379
    try:
        return host.strip("[]"), int(port) if port else default
    except ValueError:
        raise EngineError(f"'{address}' is not a Ray address (HOST:PORT or ray://HOST:PORT)") from None


def _refuse_open_local_ray() -> None:
    """A local Ray must keep its token authentication.

    Ray's servers listen on every interface, and ``ray.init`` turns
    127.0.0.1 into the machine's routable address, so a local Ray cannot be
    bound to loopback; its token (on by default in the Ray of the extra, 2.60) is what stops
    others on the network from running code in its workers.
    """
    if os.environ.get("RAY_AUTH_MODE", "").strip().lower() == "disabled":
        raise EngineError("RAY_AUTH_MODE=disabled: a local Ray without token authentication would run code sent by "
                          "anyone who can reach this machine; unset RAY_AUTH_MODE (or set it to token) and try again")


def check_reachable(address: str, timeout: float) -> None:
    """Fail fast with a clear message when nothing answers at ``address`` (Ray itself retries for minutes)."""
    hp = _host_port(address)
    if hp is None:
        return
    try:
        with socket.create_connection(hp, timeout=timeout):
            pass
    except OSError as exc:
        raise EngineError(f"cannot reach the Ray cluster at {address} within {timeout:g} s ({exc}); "
                          f"{WHAT_TO_DO}") from exc


class RayEngine:
    """Runs the heavy stages on Ray; see the module docstring. Build it with :meth:`connect`."""

    def __init__(self, address: str | None, started: bool) -> None:
        self.address = address
        self.started = started

    @classmethod
    @contextmanager
    def connect(cls, address: str | None = None, num_cpus: int | None = None) -> Iterator[RayEngine]:
        """Connect to ``address`` (None: start a local Ray for the run, shut down on exit).

        A Ray already initialised in this process (a notebook, a test) is used
        as it is and left running.
        """
        import ray

        timeout = float(os.environ.get("COLDREC_RAY_TIMEOUT", CONNECT_TIMEOUT_S))
        started = False
        if not ray.is_initialized():
            if address:
                check_reachable(address, timeout)
            else:
                _refuse_open_local_ray()
            try:
                ray.init(address=address, num_cpus=None if address else num_cpus, include_dashboard=False,
                         log_to_driver=False, logging_level=logging.WARNING,
                         runtime_env={"env_vars": dict(WORKER_ENV)})
            except Exception as exc:  # noqa: BLE001 - every connection failure gets the same advice
                where = address or "a new local Ray"
                raise EngineError(f"could not start or join Ray at {where}: {type(exc).__name__}: {exc}; "
                                  f"{WHAT_TO_DO}") from exc
            started = True
        _quiet_ray_data()
        engine = cls(address, started)
        try:
            yield engine
        except Exception as exc:
            failure = _engine_failure(exc, engine.where)
            if failure is exc:
                raise
            raise failure from exc
        finally:
            if started:
                ray.shutdown()

    @property
    def where(self) -> str:
        return self.address or "a local Ray started for the run"

    @staticmethod
    def cpus() -> float:
        import ray

        return float(ray.cluster_resources().get("CPU", 1.0))

    def describe(self) -> dict:
        import ray

        nodes = [n for n in ray.nodes() if n.get("Alive")]
        return {"kind": "ray", "address": self.address, "nodes": len(nodes), "cpus": self.cpus(),
                "ray_version": ray.__version__, "started_for_run": self.started}

    # -- text -------------------------------------------------------------------------------------------------

    def embed(self, ws: Workspace, texts: list[str], encoder_spec: str | None,
              progress: Callable[[int, int], None] | None = None,
              n_actors: int | None = None) -> tuple[np.ndarray, str]:
        """Vectors for ``texts`` in order through the workspace's embedding cache; only uncached texts go to Ray."""
        encoder = load_encoder(encoder_spec)
        remote = _RemoteEncoder(self, encoder, encoder_spec, ws.root / "tmp", progress, n_actors)
        # One cache chunk: the cache hands every uncached text to Ray in a single call.
        batch = max(64, -(-len(texts) // 8))
        return EmbeddingCache(ws.root / "embeddings").embed(remote, texts, progress, batch_size=batch), encoder.key

    def encode_texts(self, texts: list[str], encoder: TextEncoder, encoder_spec: str | None,
                     staging: Path | None = None, progress: Callable[[int, int], None] | None = None,
                     n_actors: int | None = None, batch_size: int = 64) -> np.ndarray:
        """Encode ``texts`` on a pool of Ray actors; rows in the order of ``texts``.

        With ``staging`` (a folder every worker can read, e.g. this machine's
        workspace for a local Ray) the texts are written there as Parquet and
        read with ``ray.data.read_parquet``; without it they travel through the
        object store.
        """
        import pyarrow as pa
        import pyarrow.parquet as pq
        import ray.data

        n = len(texts)
        out = np.zeros((n, encoder.dim), dtype=np.float32)
        if not n:
            return out
        actors, actor_cpus = self._actor_plan(n_actors)
        n_blocks = int(min(max(4 * actors, 1), -(-n // batch_size)))
        actors = min(actors, n_blocks)  # a few texts: fewer actors than blocks would idle
        table = pa.table({"row": np.arange(n, dtype=np.int64), "text": pa.array(texts, pa.string())})
        step = -(-n // n_blocks)
        folder = None
        if staging is not None:
            folder = staging / f"encode-{uuid.uuid4().hex}"
            folder.mkdir(parents=True)
            pq.write_table(table, folder / "texts.parquet", row_group_size=step)
            # Ray Data reads a small file as one block: split it so every actor gets work.
            ds = ray.data.read_parquet(str(folder)).repartition(n_blocks)
        else:
            ds = ray.data.from_arrow([table.slice(start, step) for start in range(0, n, step)])  # one block each
        probe = encoder.encode([PROBE_TEXT])[0]
        ds = ds.map_batches(EncodeBatch, fn_constructor_args=(encoder_spec, probe), batch_size=batch_size * 4,
                            batch_format="numpy", compute=ray.data.ActorPoolStrategy(size=actors),
                            num_cpus=actor_cpus)
        done = 0
        try:
            for got in ds.iter_batches(batch_size=None, batch_format="numpy"):
                out[got["row"]] = got["vector"]
                done += len(got["row"])
                if progress:
                    progress(done, n)
        finally:
            if folder is not None:
                shutil.rmtree(folder, ignore_errors=True)
        if done != n:
            raise EngineError(f"Ray returned {done} vectors for {n} texts")
        return out

    def _actor_plan(self, n_actors: int | None) -> tuple[int, float]:
        """(actors, CPUs each): half a CPU each on a small cluster, so Ray Data's read tasks still find a CPU."""
        total = self.cpus()
        each = 0.5 if total <= 4 else 1.0
        default = int(total) if total <= 4 else int(total) - 1
        return max(1, n_actors or default), each

    # -- evaluation -----------------------------------------------------------------------------------------

    def evaluate(self, models: Mapping[str, Recommender], split: Split, item_ids: pd.Index,
                 ks: tuple[int, ...], embeddings: np.ndarray | None = None,
                 on_model: Callable[[str], None] | None = None, shard_size: int | None = None,
                 batch_size: int = 512) -> EvalResult:
        """:func:`coldrec.evaluation.evaluate.evaluate` with users sharded over Ray tasks; the same tables.

        Shards are whole multiples of ``batch_size`` (unless ``shard_size`` is
        given), so every scoring batch holds the same users as in a local run.
        """
        import ray

        users = eval_users(split, item_ids)
        facts = item_facts(split, item_ids, embeddings)
        n = len(users.user_ids)
        size = shard_size or shard_size_for(n, self.cpus(), batch_size)
        bounds = [(a, min(a + size, n)) for a in range(0, n, size)] or [(0, 0)]
        facts_ref = ray.put(facts)
        shards = [ray.put(slice_users(users, a, b)) for a, b in bounds]
        task = ray.remote(_rank_shard).options(num_cpus=1)
        refs = {}
        for name, model in models.items():
            model_ref = ray.put(model)
            refs[name] = [task.remote(model_ref, shard, facts_ref, ks, batch_size) for shard in shards]
        parts = []
        for name in models:
            if on_model:
                on_model(name)
            got = self.gather(refs[name])
            top = np.concatenate([g[0] for g in got])
            auc = np.concatenate([g[1] for g in got])
            beyond = {k: {m: np.concatenate([g[2][k][m] for g in got]) for m in got[0][2][k]} for k in got[0][2]}
            parts.append(model_tables(name, users, facts, ks, top, auc, beyond))
        return join_results(parts)

    def few_shot(self, models: Mapping[str, Recommender], split: Split, item_ids: pd.Index,
                 ks: tuple[int, ...], encoder_spec: str | None) -> FewShotResult:
        """:func:`coldrec.evaluation.fewshot.few_shot`, one Ray task per model; the same per-user rows and curve."""
        use_text = any(m.uses_text for m in models.values())
        results = self.map(_few_shot_one, list(models.items()), split, item_ids, ks, encoder_spec if use_text
                           else False)
        per_user = pd.concat([r.per_user for r in results], ignore_index=True)
        curve = pd.concat([r.curve for r in results], ignore_index=True)
        curve = curve.sort_values(["model", "shots", "metric", "k"], kind="stable").reset_index(drop=True)
        return replace(results[0], per_user=per_user, curve=curve)

    # -- generic --------------------------------------------------------------------------------------------

    def map(self, fn: Callable[..., Any], items: Sequence[Any], *shared: Any,
            on_done: Callable[[int, int], None] | None = None, num_cpus: float = 1.0) -> list[Any]:
        """``[fn(item, *shared) for item in items]`` as Ray tasks (``shared`` sent once), in order."""
        import ray

        shared_refs = [ray.put(s) for s in shared]
        task = ray.remote(_call).options(num_cpus=num_cpus)
        return self.gather([task.remote(fn, item, *shared_refs) for item in items], on_done)

    def gather(self, refs: list, on_done: Callable[[int, int], None] | None = None) -> list[Any]:
        """Results of ``refs`` in order; ``on_done`` between waits may raise (cancel) and stops the rest."""
        import ray

        pending, done = list(refs), 0
        try:
            while pending:
                ready, pending = ray.wait(pending, num_returns=1, timeout=POLL_S)
                done += len(ready)
                if on_done:
                    on_done(done, len(refs))
            return ray.get(refs)
        except BaseException:
            for ref in pending:
                ray.cancel(ref, force=True)
            raise


class _RemoteEncoder:
    """A TextEncoder whose ``encode`` runs on Ray, so the embedding cache can use it as any other encoder."""

    def __init__(self, engine: RayEngine, encoder: TextEncoder, spec: str | None, staging: Path,
                 progress: Callable[[int, int], None] | None, n_actors: int | None) -> None:
        self.engine, self.encoder, self.spec, self.progress, self.n_actors = engine, encoder, spec, progress, n_actors
        # Workers read a staged Parquet file only when every node is this machine (or the folder is shared).
        self.staging = staging if _shared_fs() or _all_nodes_here() else None
        self.key, self.dim = encoder.key, encoder.dim

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        return self.engine.encode_texts(list(texts), self.encoder, self.spec, self.staging, self.progress,
                                        self.n_actors)


def _shared_fs() -> bool:
    return os.environ.get("COLDREC_RAY_SHARED_WORKSPACE", "") == "1"


def _all_nodes_here() -> bool:
    """True when every live Ray node runs on this machine (and this is not a Ray Client connection)."""
    import ray

    if ray.util.client.ray.is_connected():
        return False
    here = ray.util.get_node_ip_address()
    return all(n.get("NodeManagerAddress") == here for n in ray.nodes() if n.get("Alive"))


class EncodeBatch:
    """A Ray Data actor: loads the encoder once, then encodes batches of ``text``, keeping each ``row`` index."""

    def __init__(self, spec: str | None, probe: np.ndarray) -> None:
        self.encoder = load_encoder(spec)
        got = self.encoder.encode([PROBE_TEXT])[0]
        _one_thread()
        if got.shape != probe.shape or not np.allclose(got, probe, atol=1e-3):
            raise RuntimeError(f"the encoder '{spec or 'minilm'}' on {socket.gethostname()} gives other vectors "
                               "than on the driver: install the same coldrec version and encoder on every node")

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        vectors = self.encoder.encode([str(t) for t in batch["text"]], batch_size=64)
        return {"row": batch["row"], "vector": vectors.astype(np.float32)}


def shard_size_for(n_users: int, cpus: float, batch_size: int = 512) -> int:
    """About two shards per CPU, rounded up to whole scoring batches."""
    per = -(-n_users // max(1, int(2 * cpus)))
    return max(batch_size, -(-per // batch_size) * batch_size)


def _rank_shard(model: Recommender, users: EvalUsers, facts: ItemFacts, ks: tuple[int, ...],
                batch_size: int) -> tuple[np.ndarray, np.ndarray, dict[int, dict[str, np.ndarray]]]:

    _one_thread()
    return rank_shard(model, users, facts, ks, batch_size)


def _call(fn: Callable[..., Any], item: Any, *shared: Any) -> Any:
    _one_thread()
    return fn(item, *shared)


def _few_shot_one(named: tuple[str, Recommender], split: Split, item_ids: pd.Index, ks: tuple[int, ...],
                  encoder_spec: str | None | Literal[False]) -> FewShotResult:

    name, model = named
    encode = None if encoder_spec is False else load_encoder(encoder_spec or None).encode
    return few_shot({name: model}, split, item_ids, ks=ks, encode=encode)


def _quiet_ray_data() -> None:
    """No progress bars or INFO lines from Ray Data in the CLI and worker logs."""
    import ray.data

    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = False
    ctx.execution_options.preserve_order = True
    logging.getLogger("ray.data").setLevel(logging.WARNING)
    logging.getLogger("ray").setLevel(logging.WARNING)


def _engine_failure(exc: Exception, where: str) -> Exception:
    """Ray's system failures (cluster or worker lost) as an :class:`EngineError`; task errors pass through."""
    import ray.exceptions as rex

    if isinstance(exc, EngineError | rex.RayTaskError):
        return exc
    if isinstance(exc, rex.RayError | ConnectionError):
        return EngineError(f"Ray ({where}) failed during the run ({type(exc).__name__}: {exc}); {WHAT_TO_DO}")
    return exc
