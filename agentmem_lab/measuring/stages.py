"""Stage claims measured as stages: the embedder alone, and the stores alone.

The seed claims speed-ups of single stages: batch embedding "5x" at 10 texts, "10x" at 100
and "5-10x" in general; parallel writes "2-3x". A whole write path mixes them with every
other stage, so they are measured apart, in the sweep that judges them:

- **embed**: for each embedder and each batch size n (10, 100, 1,000), ``embed_batch`` of
  n texts against n single-text embeds: speed-up = n x (latency of one single embed) /
  (latency of the batch). Single embeds are timed on up to ``SINGLES`` texts (the per-text
  latency of a sample), the batch on all n; rounds by turns, medians;
- **writes**: the three store writes of one item one after another (sequential) against
  concurrently (parallel), over real stores (SQLite, usearch), with the embedding taken
  out: every vector is computed before the clock starts. Speed-up = parallel throughput /
  sequential throughput, rounds by turns on fresh stores, medians.

- **writes on a server** (``writes_server``, when asked for): the same, with core memory,
  history and vectors (pgvector, HNSW) on a PostgreSQL server the measurement starts for
  itself, where each write is a round trip and the three can overlap;
- **the server's costs** (``server_costs``): where one write's time goes on that server,
  each part measured by a pair of calls that differ in it alone, by turns: the round trip
  (``SELECT 1``), the statement (a row inserted with ``synchronous_commit`` off, less the
  round trip), the WAL flush (the same row with it on, less off), the HNSW index (a vector
  inserted into an indexed table, less into one without); and apart, the bench's own
  cost per call: a pool checkout and the driver-side encoding of a vector;
- **each server's own limit** (``server_limits``: ``postgres``, and ``redis`` when the sweep
  runs on Redis): what the server itself sustains for one write's statements, by its own
  tool (``server_limits``), on a server started for it.

The result is ``stages.json`` in the sweep folder (``STAGES_FILE``), read by the targets.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from agentmem_lab.core import environment
from agentmem_lab.core.paths import write_json_atomic
from agentmem_lab.corpus import generate_lines, make_items
from agentmem_lab.embedders import Embedder, HashEmbedder, Vectors, get_embedder
from agentmem_lab.items import MemoryItem
from agentmem_lab.measuring.server_limits import postgres_limits, redis_limits
from agentmem_lab.schema.result import STAGES_FILE
from agentmem_lab.servers.postgres import Server
from agentmem_lab.servers.redis import Server as RedisServer
from agentmem_lab.stores import (
    PgCoreStore,
    PgvectorFlatStore,
    PgvectorStore,
    StoreSettings,
    real_stores,
)
from agentmem_lab.stores.postgres import encode_vector
from agentmem_lab.workload.closed_loop import chunks, drive
from agentmem_lab.workload.modes import MODES

#: Version of stages.json; bumped, with a comment, whenever its shape changes.
#: 2: writes_server and server_costs (optional; absent when not measured).
#: 3: server_limits (optional; absent when not measured).
STAGES_VERSION = 3
BATCHES = (10, 100, 1000)
SINGLES = 200  # single embeds timed per batch size (the per-text latency of a sample)
WRITE_ITEMS = 400
#: Calls of each kind the server's costs are medians of.
SERVER_CALLS = 300
#: Seconds of each pgbench run of the server's own limit (4 runs: 2 workloads, 1 and 4
#: clients).
LIMIT_SECONDS = 3.0


async def _embed_round(embedder: Embedder, texts: Sequence[str], n: int) -> tuple[float, float]:
    """(seconds per single embed, seconds of one batch of n)."""
    singles = texts[: min(n, SINGLES)]
    t0 = time.perf_counter()
    for text in singles:
        await embedder.embed_batch([text])
    single = (time.perf_counter() - t0) / len(singles)
    t0 = time.perf_counter()
    await embedder.embed_batch(list(texts[:n]))
    return single, time.perf_counter() - t0


async def embed_speedups(
    embedder: Embedder, rounds: int = 3, batches: Sequence[int] = BATCHES
) -> dict[str, Any]:
    """Batch embedding against single embeds, per batch size (medians of ``rounds``)."""
    texts = [line.content for line in generate_lines(max(batches), seed=101)]
    await embedder.embed_batch(texts[:10])  # warm: a model's first call loads it
    out: dict[str, Any] = {}
    for n in batches:
        singles, batch = [], []
        for _ in range(rounds):
            s, b = await _embed_round(embedder, texts, n)
            singles.append(s)
            batch.append(b)
        s, b = statistics.median(singles), statistics.median(batch)
        out[str(n)] = {
            "texts": n,
            "single_ms": s * 1000.0,
            "batch_ms": b * 1000.0,
            "speedup": n * s / b if b > 0 else None,
            "singles_timed": min(n, SINGLES),
            "rounds": rounds,
        }
    return out


class _Precomputed(Embedder):
    """The embedding taken out: vectors computed before the clock starts, looked up."""

    name = "precomputed"

    def __init__(self, vectors: dict[str, Vectors], dim: int) -> None:
        self.vectors = vectors
        self.dim = dim

    def encode(self, texts: Sequence[str]) -> Vectors:
        return np.stack([self.vectors[t] for t in texts])


async def _writes_round(
    mode: str,
    items: Sequence[MemoryItem],
    embedder: Embedder,
    directory: Path,
    settings: StoreSettings,
) -> float:
    stores = real_stores(directory, settings, embedder.dim)
    async with stores:
        adder = MODES.get(mode)(embedder, stores)
        records, wall = await drive(adder, chunks(items, 1), 1)
    return sum(len(r.acked) for r in records) / wall


#: The stores of the writes on a server (``server_settings``).
SERVER_STORES = {"core_store": "postgres", "history_store": "postgres", "vector_store": "pgvector"}


def server_settings(dsn: str) -> StoreSettings:
    return StoreSettings(
        postgres_dsn=dsn,
        core_store=SERVER_STORES["core_store"],
        history_store=SERVER_STORES["history_store"],
        vector_store=SERVER_STORES["vector_store"],
    )


async def write_speedup(
    rounds: int = 3, n: int = WRITE_ITEMS, settings: StoreSettings = StoreSettings()
) -> dict[str, Any]:
    """Parallel writes against sequential writes, the embedding taken out (medians)."""
    items = make_items(n, seed=202)
    hashed = HashEmbedder()
    vectors = hashed.encode([i.content for i in items])
    embedder = _Precomputed({i.content: v for i, v in zip(items, vectors)}, hashed.dim)
    rates: dict[str, list[float]] = {"sequential": [], "parallel": []}
    with tempfile.TemporaryDirectory(prefix="agentmem-lab-stages-") as tmp:
        for k in range(rounds):
            for mode in ("sequential", "parallel"):  # by turns
                rates[mode].append(
                    await _writes_round(mode, items, embedder, Path(tmp) / f"{mode}-{k}", settings)
                )
    seq, par = statistics.median(rates["sequential"]), statistics.median(rates["parallel"])
    where = (
        "core and history in SQLite (aiosqlite), vectors in usearch (defaults)"
        if not settings.uses_postgres
        else "core, history and vectors (pgvector, HNSW) on PostgreSQL (asyncpg)"
    )
    return {
        "items": n,
        "rounds": rounds,
        "sequential_ops_s": seq,
        "parallel_ops_s": par,
        "speedup": par / seq if seq > 0 else None,
        "stores": where,
    }


async def server_costs(dsn: str, n: int = SERVER_CALLS) -> dict[str, Any]:
    """Where one write's time goes on the server at ``dsn`` (medians of ``n`` calls of
    each kind, by turns; milliseconds), and the bench's own cost per call (microseconds)."""
    items = make_items(n, seed=303)
    hashed = HashEmbedder()
    vectors = hashed.encode([i.content for i in items])
    times: dict[str, list[float]] = {
        k: []
        for k in (
            "round_trip",
            "row_async",
            "row_sync",
            "vector_flat",
            "vector_hnsw",
            "checkout",
            "encode",
        )
    }
    with tempfile.TemporaryDirectory(prefix="agentmem-lab-server-costs-") as tmp:

        def settings(sync: str) -> StoreSettings:
            return StoreSettings(postgres_dsn=dsn, pg_synchronous_commit=sync)

        row_sync = PgCoreStore(Path(tmp) / "sync", settings("on"))
        row_async = PgCoreStore(Path(tmp) / "async", settings("off"))
        flat = PgvectorFlatStore(Path(tmp) / "flat", settings("off"), hashed.dim)
        hnsw = PgvectorStore(Path(tmp) / "hnsw", settings("off"), hashed.dim)
        opened = [row_sync, row_async, flat, hnsw]
        for store in opened:
            await store.open()
        try:
            for item, vector in zip(items, vectors):
                calls = {
                    "round_trip": row_async.round_trip(),
                    "checkout": row_async.checkout(),
                    "row_async": row_async.write(item, vector),
                    "row_sync": row_sync.write(item, vector),
                    "vector_flat": flat.write(item, vector),
                    "vector_hnsw": hnsw.write(item, vector),
                }
                for name, call in calls.items():
                    t0 = time.perf_counter()
                    await call
                    times[name].append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                encode_vector(vector)
                times["encode"].append(time.perf_counter() - t0)
        finally:
            for store in opened:
                await store.close()
    med = {k: statistics.median(v) * 1000.0 for k, v in times.items()}
    return {
        "calls": n,
        "unit": "ms",
        "round_trip_ms": med["round_trip"],
        "statement_ms": med["row_async"] - med["round_trip"],
        "wal_flush_ms": med["row_sync"] - med["row_async"],
        "hnsw_index_ms": med["vector_hnsw"] - med["vector_flat"],
        "row_write_ms": med["row_sync"],
        "vector_write_ms": med["vector_hnsw"],
        "bench_checkout_us": med["checkout"] * 1000.0,
        "bench_encode_us": med["encode"] * 1000.0,
        "method": "medians of paired calls by turns: round trip = SELECT 1; statement = "
        "a core row with synchronous_commit off, less the round trip; WAL flush = "
        "the row with it on, less off; HNSW index = a vector into pgvector with "
        "its HNSW index, less into a table without one (both off). The bench's "
        "own: a pool checkout and give-back with no statement, and encoding a "
        "vector to pgvector's binary format",
    }


def measure_server(rounds: int = 3, calls: int = SERVER_CALLS) -> dict[str, Any]:
    """The writes speed-up, the costs and the server's own limit (``server_limits``) on a
    PostgreSQL server started for them alone (``calls``: items of the writes and calls of
    each cost)."""
    with tempfile.TemporaryDirectory(prefix="agentmem-lab-stages-pg-") as tmp:
        with Server.start(Path(tmp) / "postgres") as server:

            async def go() -> dict[str, Any]:
                return {
                    "writes_server": await write_speedup(
                        rounds, calls, settings=server_settings(server.dsn)
                    ),
                    "server_costs": dict(
                        await server_costs(server.dsn, calls), server=server.record()
                    ),
                }

            out = asyncio.run(go())
            limits = postgres_limits(server.dsn, Path(tmp) / "limit", LIMIT_SECONDS)
            out["server_limits"] = {"postgres": [x.as_dict() for x in limits]}
            return out


def measure_redis_limit() -> list[dict[str, Any]]:
    """Redis's own limit (``server_limits.redis_limits``), on a server started for it."""
    with tempfile.TemporaryDirectory(prefix="agentmem-lab-stages-redis-") as tmp:
        with RedisServer.start(Path(tmp) / "redis") as server:
            return [x.as_dict() for x in redis_limits(server.url, Path(tmp) / "limit")]


def measure(
    embedders: Sequence[str],
    rounds: int = 3,
    onnx_threads: int | None = None,
    server: bool = False,
    server_calls: int = SERVER_CALLS,
    progress: Callable[[str], None] | None = None,
    redis: bool = False,
) -> dict[str, Any]:
    """Every stage figure, for the embedders named (the sweep's real ones); ``server``:
    the writes on a PostgreSQL server and its costs too. ``progress``: told each step as
    it starts."""
    say = progress or (lambda line: None)

    async def go() -> dict[str, Any]:
        say("parallel against sequential store writes, the embedding taken out")
        out: dict[str, Any] = {"embed": {}, "writes": await write_speedup(rounds)}
        for name in embedders:
            say(
                f"embed_batch of {', '.join(map(str, BATCHES))} texts against single embeds, {name}"
            )
            embedder = get_embedder(name, onnx_threads=onnx_threads)
            try:
                out["embed"][name] = await embed_speedups(embedder, rounds)
            finally:
                embedder.close()
        return out

    figures = asyncio.run(go())
    if server:
        say("the writes and their costs on a PostgreSQL server (started, then stopped)")
        figures.update(measure_server(rounds, server_calls))
    if redis:
        say("Redis's own limit for one write's commands (a server started, then stopped)")
        limits = figures.setdefault("server_limits", {})
        limits["redis"] = measure_redis_limit()
    return {
        "version": STAGES_VERSION,
        "pid": os.getpid(),
        "environment": environment.capture(),
        **figures,
    }


def summary_lines(figures: dict[str, Any]) -> list[str]:
    """The stage figures as text, beside what the seed claims of them (``stages``)."""
    lines = [
        f"embed_batch, {name}: "
        + ", ".join(f"x{p['speedup']:.2f} at {n}" for n, p in points.items())
        + " (against single embeds; the seed: 5x at 10, 10x at 100, 5-10x)"
        for name, points in figures["embed"].items()
    ]
    w = figures["writes"]
    lines.append(
        f"store writes, embedding out: parallel {w['parallel_ops_s']:,.0f} ops/s over "
        f"sequential {w['sequential_ops_s']:,.0f}: x{w['speedup']:.2f} (the seed: 2-3x)"
    )
    return lines


def write(directory: str | Path, figures: dict[str, Any]) -> Path:
    path = Path(directory) / STAGES_FILE
    write_json_atomic(path, figures)
    return path


__all__ = [
    "BATCHES",
    "SERVER_CALLS",
    "SERVER_STORES",
    "STAGES_FILE",
    "STAGES_VERSION",
    "embed_speedups",
    "measure",
    "measure_server",
    "server_costs",
    "server_settings",
    "summary_lines",
    "write",
    "write_speedup",
]
