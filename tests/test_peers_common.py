"""What the peers share (agentmem_lab_peers.common): query handles, the fault accounting,
the refusal of row faults, and a database of a store folder's own on a server."""

from __future__ import annotations

import numpy as np
import pytest

from agentmem_lab.core.errors import ConfigError, InjectedFault, ServerError
from agentmem_lab.measuring.runner import RunConfig
from agentmem_lab_peers.common import FaultDamage, QueryVectors, fresh_database, refuse_table_faults


def test_a_query_handle_stands_for_its_vector_until_released():
    queries = QueryVectors()
    v = np.arange(4, dtype=np.float32)
    handle = queries.handle(v)
    assert np.array_equal(queries.get(handle), v) and queries.get("a memory's text") is None
    queries.release(handle)
    assert queries.get(handle) is None


def test_errors_count_as_failed_calls_only_after_an_injected_fault():
    damage = FaultDamage()
    assert not damage.failed(RuntimeError("the peer's own bug"))  # raised: ends the run
    assert damage.failed(InjectedFault("vector"))
    assert damage.failed(ValueError("UNIQUE constraint failed\nmore"))
    assert damage.record() == {
        "injected": 1,
        "errors_after_faults": {"ValueError: UNIQUE constraint failed": 1},
    }


def test_faults_for_rows_alone_are_refused():
    config = RunConfig(system="txtai", batch_size=1, items=1, fail_rate_vector=0.1)
    refuse_table_faults(config, "txtai")  # the embedding call: accepted
    with pytest.raises(ConfigError, match="--fail-rate-history: txtai writes"):
        refuse_table_faults(
            RunConfig(batch_size=1, items=1, mode="bulk", fail_rate_history=0.1), "txtai"
        )


def test_a_folder_gets_a_database_of_its_own_new_when_fresh(tmp_path, pg_dsn):
    import psycopg

    dsn = fresh_database(pg_dsn, tmp_path / "a")
    assert dsn != fresh_database(pg_dsn, tmp_path / "b")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE kept (x int)")
    assert fresh_database(pg_dsn, tmp_path / "a", fresh=False) == dsn
    with psycopg.connect(dsn) as conn:
        assert conn.execute("SELECT to_regclass('kept')").fetchone()[0] == "kept"
    fresh_database(pg_dsn, tmp_path / "a")
    with psycopg.connect(dsn) as conn:
        assert conn.execute("SELECT to_regclass('kept')").fetchone()[0] is None


def test_an_unreachable_server_is_one_line(tmp_path):
    with pytest.raises(ServerError, match="cannot use the PostgreSQL server at 127.0.0.1:1"):
        fresh_database("postgresql://nobody@127.0.0.1:1/postgres", tmp_path)
