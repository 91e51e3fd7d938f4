"""The runner: one configuration, measured, written as ``out/result.json``.

``run`` is a straight sequence of named steps: resolve the run once (``resolve``: its
system, profile and folder), check it against the machine, make the items (a stream, read
as the run goes), start the database server its stores need (none for the embedded ones),
open the system and measure it (in this process, or on one worker process per shard),
check integrity and search, stop the server, assemble the result, write it. Each step is
a function of a lower module: ``resolve`` (the checks and the resolved run), ``corpus``
(the items), ``phase`` and ``shards`` (the measured phase and the checks), ``to_result``
(the result).
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from agentmem_lab.core import resources
from agentmem_lab.core.errors import Interrupted, ProcessError, StorageError, one_line
from agentmem_lab.core.folderlock import FolderLock
from agentmem_lab.core.loops import run_in_own_loop
from agentmem_lab.corpus import ItemStream, make_items
from agentmem_lab.embedders import Embedder
from agentmem_lab.items import MemoryItem
from agentmem_lab.measuring.folder import REDIS_DIR, RUN_META, SERVER_DIR
from agentmem_lab.measuring.phase import Measured, measure_in_process
from agentmem_lab.measuring.resolve import ResolvedRun, RunConfig, needs, resolve
from agentmem_lab.measuring.shards import measure_sharded, shard_count
from agentmem_lab.measuring.to_result import build_result, combine_processes
from agentmem_lab.schema.result import Result, summary_line
from agentmem_lab.servers.postgres import Server
from agentmem_lab.servers.redis import Server as RedisServer
from agentmem_lab.workload.closed_loop import chunks
from agentmem_lab.workload.open_loop import trace_schedule


def run(config: RunConfig, out: str | Path, processes_measured: bool = False) -> Result:
    """Run one configuration and write ``out/result.json``; returns the result.
    Interrupted (Ctrl-C, SIGTERM), it writes no result and raises Interrupted saying what
    was left. ``processes_measured`` (``--processes P``, given by ``sweep --interleave``
    once it has run the configuration's processes by turns with the others'): combine the
    results already in their folders instead of measuring again."""
    resolved = resolve(config, out)
    out_dir = resolved.out_dir
    try:
        with FolderLock(out_dir, "run"):  # one process per folder, or one line naming it
            if config.processes > 1:
                return run_processes(config, out_dir, processes_measured)
            return _run(resolved)
    except (KeyboardInterrupt, asyncio.CancelledError):
        if (out_dir / "stores" / RUN_META).exists():
            hint = (
                f"no result written; the stores under {out_dir / 'stores'} are left for: "
                f"agentmem-lab verify {out_dir}"
            )
        else:
            hint = "no result written; nothing was stored yet"
        raise Interrupted(hint) from None


def _run(run: ResolvedRun) -> Result:
    # An earlier result in this folder describes stores this run is about to replace.
    (run.out_dir / "result.json").unlink(missing_ok=True)
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    embedder = run.profile.embedder(run.config)
    try:
        check_fits(run.config, embedder, run.out_dir)
        warm, items = make_run_items(run.config)
        # ``served``: the run with its servers' addresses, when it starts them
        with database_server(run) as (served, server):
            measured = measure_run(served, embedder, warm, items)
        embedder_settings = embedder.settings()
    finally:
        embedder.close()
    result = build_result(served, measured, embedder_settings, started_at, server)
    write_result(result, run.out_dir)
    return result


@contextmanager
def database_server(run: ResolvedRun) -> Iterator[tuple[ResolvedRun, dict[str, Any] | None]]:
    """The run as measured, its settings holding its servers' addresses, and what is
    recorded of them. Stores on PostgreSQL with no ``--postgres-dsn``: the bench starts a server in
    ``out/postgres``; on Redis with no ``--redis-url``: one in ``out/redis`` (each new for
    a new run), and stops them when the run ends, however it ends. Otherwise the run as
    it is (and the user's servers, if any). The record is PostgreSQL's, with Redis's under
    ``redis`` (Redis's alone where only Redis is used)."""
    config, system, out_dir = run.config, run.system, run.out_dir
    real = config.profile == "real"
    postgres, redis = real and system.uses_server(config), real and system.uses_redis(config)
    if not postgres and not redis:
        yield run, None
        return
    stores, record, redis_record = config.stores, dict[str, Any](), dict[str, Any]()
    with ExitStack() as stack:
        if postgres and stores.postgres_dsn:
            record = {"started_by": "the user (--postgres-dsn)"}
        elif postgres:
            shutil.rmtree(out_dir / SERVER_DIR, ignore_errors=True)  # a new run, a new server
            pg = stack.enter_context(Server.start(out_dir / SERVER_DIR, stores.pg_transport))
            stores, record = replace(stores, postgres_dsn=pg.dsn), pg.record()
        if redis and stores.redis_url:
            redis_record = {"started_by": "the user (--redis-url)"}
        elif redis:
            shutil.rmtree(out_dir / REDIS_DIR, ignore_errors=True)
            rs = stack.enter_context(
                RedisServer.start(out_dir / REDIS_DIR, stores.redis_appendfsync)
            )
            stores, redis_record = replace(stores, redis_url=rs.url), rs.record()
        if redis:
            record = {**record, "redis": redis_record} if postgres else redis_record
        yield run.serving(replace(config, stores=stores)), record


#: Where a run of several processes keeps each one's folder (``calibration``,
#: ``process-1`` ...), below its own.
PROCESSES_DIR = "processes"


def run_processes(config: RunConfig, out_dir: Path, measured: bool = False) -> Result:
    """``--processes P``: one uncounted calibration process, then P processes, each a fresh
    interpreter with fresh stores, one after another; their results combined
    (``assemble.combine_processes``) and written as ``out/result.json``."""
    (out_dir / "result.json").unlink(missing_ok=True)
    one = replace(config, processes=1)
    folders = process_folders(out_dir, config.processes)
    if measured:  # a sweep ran them already, by turns with its other configurations
        results = [Result.load(folder / "result.json") for folder in folders]
    else:
        results = [run_in_fresh_process(one, folder) for folder in folders]
    result = combine_processes(results[1:], config.processes, calibration=results[0])
    write_result(result, out_dir)
    return result


def process_folders(out_dir: Path, processes: int) -> list[Path]:
    """A run's calibration folder, then each counted process's."""
    return [out_dir / PROCESSES_DIR / "calibration"] + [
        out_dir / PROCESSES_DIR / f"process-{k}" for k in range(1, processes + 1)
    ]


def run_in_fresh_process(config: RunConfig, folder: Path) -> Result:
    """One run in a new interpreter (spawned: nothing of this process's heap, loaded
    modules or event loop is shared); its error, if any, raised here in one line."""
    import multiprocessing

    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    child = multiprocessing.get_context("spawn").Process(
        target=_child_run, args=(config, str(folder)), name=f"agentmem-lab {folder.name}"
    )
    child.start()
    child.join()
    if child.exitcode != 0:
        error = folder / CHILD_ERROR
        why = (
            error.read_text(encoding="utf-8").strip()
            if error.exists()
            else f"exit status {child.exitcode}"
        )
        raise ProcessError(f"--processes: {folder.name} failed: {why}")
    return Result.load(folder / "result.json")


#: A child process's error, one line, for the parent to raise.
CHILD_ERROR = "error.txt"


def _child_run(config: RunConfig, folder: str) -> None:
    try:
        run(config, folder)
    except Exception as exc:
        Path(folder, CHILD_ERROR).write_text(one_line(exc) + "\n", encoding="utf-8")
        raise SystemExit(1) from None


def check_fits(config: RunConfig, embedder: Embedder, out_dir: Path) -> None:
    """Before any item is made: a run that cannot fit memory or disk is refused."""
    resources.check_fits(
        needs(config, embedder.dim, streamed=shard_count(config.shards) == 1), out_dir, config.items
    )


def make_run_items(config: RunConfig) -> tuple[Sequence[MemoryItem], Sequence[MemoryItem]]:
    """The warmup items, in memory, and the measured items, streamed: made as the run
    reads them (seeded: the same seed, the same items, streamed or not). A sharded run
    deals its items to the shards by user before it starts: it holds them all."""
    warm_n = config.warmup * config.batch_size
    folder, skip = config.dataset_folder, config.empty_messages == "skip"
    warm = make_items(warm_n, config.seed, config.corpus, 0, folder, skip)
    items = ItemStream(config.items, config.seed, config.corpus, warm_n, folder, skip)
    if shard_count(config.shards) > 1:
        return warm, list(items)
    return warm, items


def trace_mean_rate(config: RunConfig) -> float:
    """The mean offer (items/s) of a ``--arrivals trace`` run of these settings, known
    before it runs: the uniform offer to compare it with runs at this rate."""
    _, items = make_run_items(config)
    calls = chunks(list(items), config.batch_size)
    _, end = trace_schedule(calls, config.speedup, config.max_gap)
    return config.items / end if end > 0 else 0.0


def measure_run(
    run: ResolvedRun,
    embedder: Embedder,
    warm: Sequence[MemoryItem],
    items: Sequence[MemoryItem],
) -> Measured:
    """The measured phase and the checks: in this process, or one worker per shard."""
    shards = shard_count(run.config.shards)
    if shards > 1:
        return measure_sharded(run, embedder, warm, items, shards)
    return run_in_own_loop(measure_in_process(run, embedder, warm, items), run.config.event_loop)


def write_result(result: Result, out_dir: Path) -> None:
    try:
        result.dump(out_dir / "result.json")
    except OSError as exc:
        raise StorageError.from_os_error("result", out_dir / "result.json", exc) from None


__all__ = [
    "PROCESSES_DIR",
    "ResolvedRun",
    "RunConfig",
    "check_fits",
    "database_server",
    "make_run_items",
    "measure_run",
    "needs",
    "process_folders",
    "run",
    "run_in_fresh_process",
    "run_processes",
    "summary_line",
    "trace_mean_rate",
    "write_result",
]
