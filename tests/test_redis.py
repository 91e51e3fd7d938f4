"""The Redis server the bench starts and the stores on it: the server answers with its
modules, keeps what its append-only file holds across a stop, and never outlives the
process that started it; runs with every store on Redis lose nothing, under injected
faults too; a run SIGKILLed mid-write is repaired by verify. Real servers."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from agentmem_lab.core.errors import ServerError
from agentmem_lab.measuring.folder import read_ack_log
from agentmem_lab.measuring.resolve import RunConfig
from agentmem_lab.measuring.runner import run
from agentmem_lab.measuring.verify import verify
from agentmem_lab.servers.redis import Server
from agentmem_lab.stores import StoreSettings
from conftest import ROOT, redis_processes
from helpers import kill_run_once_logged

ALL_REDIS = ["--core-store", "redis", "--history-store", "redis", "--vector-store", "redis"]


def _client(url):  # type: ignore[no-untyped-def]
    import redis

    return redis.Redis.from_url(url)


def test_a_server_starts_with_its_modules_keeps_its_aof_and_stops(tmp_path):
    folder = tmp_path / "redis"
    with Server.start(folder, "always") as server:
        c = _client(server.url)
        modules = {m[b"name"] for m in c.execute_command("MODULE", "LIST")}
        assert {b"search", b"ReJSON"} <= modules
        assert c.config_get("appendfsync") == {"appendfsync": "always"}
        c.set("kept", "7")
        c.close()
        assert redis_processes(folder) and server.record()["appendfsync"] == "always"
    assert not server.running and not redis_processes(folder)
    with Server.start(folder) as again:  # the same folder: its AOF replayed
        assert _client(again.url).get("kept") == b"7"
    with pytest.raises(ServerError, match="--redis-appendfsync"):
        Server.start(folder, "never")


HOLDER = textwrap.dedent("""
    import sys, time
    from agentmem_lab.servers.redis import Server
    s = Server.start(sys.argv[1])
    print(s.url, flush=True)
    time.sleep(120)
""")


def test_a_killed_client_takes_its_server_down(tmp_path):
    folder = tmp_path / "redis"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(folder)], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().startswith("redis:")
        assert redis_processes(folder)
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait()
        deadline = time.monotonic() + 30
        while redis_processes(folder) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not redis_processes(folder)
    finally:
        holder.kill()
        holder.wait()


def test_faults_on_redis_stores_leave_nothing_half_written(tmp_path, redis_url):
    stores = StoreSettings(
        core_store="redis", history_store="redis", vector_store="redis", redis_url=redis_url
    )
    for mode, batch in (("bulk", 10), ("parallel", 1)):
        config = RunConfig(
            mode=mode, batch_size=batch, items=60, fail_rate=0.1, seed=5, search_queries=5,
            stores=stores,
        )  # fmt: skip
        i = run(config, tmp_path / mode).integrity
        assert i.failed > 0 and i.lost == 0 and i.orphans == 0, (mode, i)
        assert i.acknowledged == i.core == i.vector == i.history == 60 - i.failed


@pytest.mark.slow
def test_a_run_on_redis_killed_mid_way_is_repaired_by_verify(tmp_path):
    out = tmp_path / "run"
    options = ["--mode", "parallel", "--batch-size", "1", "--items", "2000", *ALL_REDIS]
    proc = kill_run_once_logged(out, options, 300 * 21)
    assert proc.returncode == -signal.SIGKILL and not (out / "result.json").exists()
    acked = read_ack_log(out / "stores" / "acked.log")
    assert len(acked) >= 300
    report = asyncio.run(verify(out))
    assert report["lost"] == 0 and report["orphans"] == 0
    assert report["core"] == report["vector"] == report["history"] >= len(acked)
    assert not redis_processes(out)
    # and the whole run: lost 0, orphans 0, the server recorded and stopped
    r = run(
        RunConfig(
            mode="parallel", batch_size=1, items=2000, search_queries=20,
            stores=StoreSettings(core_store="redis", history_store="redis", vector_store="redis"),
        ),
        tmp_path / "whole",
    )  # fmt: skip
    assert r.integrity.lost == 0 and r.integrity.orphans == 0
    assert r.integrity.acknowledged == 2000 and r.search is not None
    server = r.settings["server"]
    assert server["started_by"] == "agentmem-lab" and server["appendfsync"] == "everysec"
    assert r.settings["store_details"]["core"]["server_settings"]["aof_enabled"] == 1
    assert not redis_processes(tmp_path / "whole")
