"""Each server's own limit, by its own tool, on real servers: pgbench on the stores' own
tables, redis-benchmark and redis-cli --pipe on an HNSW index; and the write path's share."""

from __future__ import annotations

import pytest

from agentmem_lab.measuring.server_limits import Limit, postgres_limits, redis_limits, shares
from agentmem_lab.report.server_limits import limit_rows
from agentmem_lab.stores import schema_of


def test_pgbench_runs_one_writes_statements_on_the_stores_tables(tmp_path, pg_dsn):
    import psycopg

    limits = postgres_limits(pg_dsn, tmp_path, seconds=1, clients=(1,))
    assert [(x.server, x.workload, x.clients) for x in limits] == [
        ("postgres", "write", 1),
        ("postgres", "bulk-1000", 1),
    ]
    assert all(x.writes_per_s > 0 and x.latency_ms > 0 for x in limits)
    schema = schema_of(tmp_path / "tables")  # the stores' own tables: the rows are there
    with psycopg.connect(pg_dsn) as conn:
        for table in ("persona_blocks", "vectors", "history"):
            n = conn.execute(f"SELECT count(*) FROM {schema}.{table}").fetchone()
            assert n is not None and n[0] >= 1000, table


def test_redis_tools_run_the_writes_commands_and_leave_nothing(tmp_path, redis_url):
    import redis

    limits = redis_limits(redis_url, tmp_path, requests=200, clients=(1, 2))
    assert [(x.workload, x.clients) for x in limits] == [
        ("write", 1), ("write", 2), ("bulk-1000", 1), ("bulk-1000", 2),
    ]  # fmt: skip
    assert all(x.writes_per_s > 0 for x in limits)
    client = redis.Redis.from_url(redis_url)
    assert not list(client.scan_iter(match="*:limit:*"))  # its keys and index deleted
    client.close()


def test_shares_set_each_mode_beside_its_workloads_limit():
    limits = [
        Limit("redis", "write", 1, 2000.0, 0.5, "t"),
        Limit("redis", "write", 4, 3000.0, 1.2, "t"),
        Limit("redis", "bulk-1000", 1, 10000.0, 100.0, "t"),
    ]
    rates = {("sequential", 1): 1000.0, ("parallel", 1): 500.0, ("bulk", 1000): 8000.0}
    got = {r["mode"]: r["share"] for r in shares(limits, rates)}
    assert got == pytest.approx({"sequential-1": 0.5, "parallel-1": 0.25, "bulk-1000": 0.8})
    # the report's rows: every mode of each limit, the run's figure missing here
    rows = limit_rows([], {"server_limits": {"redis": [x.as_dict() for x in limits]}})
    assert [(r["server"], r["write path"], r["ops/s"]) for r in rows] == [
        ("Redis", "sequential-1", None), ("Redis", "parallel-1", None),
        ("Redis", "bulk-1000", None),
    ]  # fmt: skip
    assert rows[0]["limit, 4 clients"] == 3000.0
