"""The PostgreSQL server the bench starts: it starts in a folder, answers, keeps what was
committed across a stop, and never outlives the process that started it (a stop, an error
inside its block, a SIGKILL of that process). Real servers, in temporary folders."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from agentmem_lab.core.errors import ServerError
from agentmem_lab.servers.postgres import Server
from conftest import ROOT, arun, postgres_processes


async def _query(dsn, *statements):
    import asyncpg

    conn = await asyncpg.connect(dsn)
    try:
        out = None
        for s in statements:
            out = await conn.fetchval(s)
        return out
    finally:
        await conn.close()


@pytest.mark.parametrize("transport", ["tcp", "unix"])
def test_a_server_starts_answers_keeps_its_data_and_stops(tmp_path, transport):
    folder = tmp_path / "pg"
    with Server.start(folder, transport) as server:
        assert server.running and server.version.startswith("16.")
        assert ("127.0.0.1" in server.dsn) == (transport == "tcp")
        arun(_query(server.dsn, "CREATE TABLE t (x int)", "INSERT INTO t VALUES (7)"))
        assert postgres_processes(folder)
        assert server.record()["transport"] == transport
    assert not server.running and not postgres_processes(folder)
    with Server.start(folder, transport) as again:  # the same folder: what was committed
        assert arun(_query(again.dsn, "SELECT x FROM t")) == 7
        assert (
            arun(
                _query(
                    again.dsn,
                    "CREATE EXTENSION IF NOT EXISTS vector",
                    "SELECT extversion FROM pg_extension WHERE extname = 'vector'",
                )
            )
            == "0.6.2"
        )
    assert not postgres_processes(folder)


def test_an_error_inside_the_block_stops_the_server(tmp_path):
    folder = tmp_path / "pg"
    with pytest.raises(RuntimeError):
        with Server.start(folder):
            assert postgres_processes(folder)
            raise RuntimeError("a failing test")
    assert not postgres_processes(folder)


HOLDER = textwrap.dedent("""
    import sys, time
    from agentmem_lab.servers.postgres import Server
    s = Server.start(sys.argv[1])
    print(s.dsn, flush=True)
    time.sleep(120)
""")


def test_a_killed_client_takes_its_server_down(tmp_path):
    folder = tmp_path / "pg"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(folder)], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().startswith("postgresql:")
        assert postgres_processes(folder)
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait()
        # at once on the same folder (verify after a crash): the new server waits for the
        # old one's shutdown, then starts, with what the old one committed
        with Server.start(folder) as again:
            assert arun(_query(again.dsn, "SELECT 1")) == 1
        deadline = time.monotonic() + 30
        while postgres_processes(folder) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not postgres_processes(folder)
    finally:
        holder.kill()
        holder.wait()


def test_a_server_that_cannot_start_says_why(tmp_path):
    folder = tmp_path / "pg"
    folder.mkdir()
    (folder / "PG_VERSION").write_text("9.6\n")  # a data folder of another version
    with pytest.raises(ServerError, match="could not start") as info:
        Server.start(folder)
    assert "\n" not in str(info.value)
    with pytest.raises(ServerError, match="--pg-transport"):
        Server.start(folder, "carrier-pigeon")


def test_a_deep_folder_serves_over_tcp_and_unix_says_why_not(tmp_path):
    folder = tmp_path / ("d" * 100) / "pg"  # a Unix socket's path there would be too long
    with Server.start(folder, "tcp") as server:
        assert arun(_query(server.dsn, "SELECT 1")) == 1
    with pytest.raises(
        ServerError, match="longer than 107 bytes; use a shorter --out or --pg-transport tcp"
    ):
        Server.start(folder, "unix")
    assert not postgres_processes(folder)
