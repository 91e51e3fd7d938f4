"""Sharded runs: items partitioned by user over worker processes, each with its own stores;
integrity, search, faults, the acknowledgement logs and verify across every shard."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter

import pytest

from agentmem_lab.cli import main
from agentmem_lab.core.errors import ConfigError
from agentmem_lab.corpus import make_items
from agentmem_lab.measuring.folder import read_ack_log
from agentmem_lab.measuring.runner import RunConfig, run
from agentmem_lab.measuring.shards import clients_per_shard, partition, shard_count
from agentmem_lab.measuring.verify import verify
from conftest import ROOT


def test_partition_keeps_each_user_on_one_shard_and_balances_items():
    items = make_items(2000, seed=1)
    parts = partition(items, 3)
    assert sorted(i.key for p in parts for i in p) == sorted(i.key for i in items)
    owners = {}
    for k, p in enumerate(parts):
        for i in p:
            assert owners.setdefault(i.user_id, k) == k
    sizes = [len(p) for p in parts]
    assert max(sizes) - min(sizes) <= max(Counter(i.user_id for i in items).values())
    # each shard keeps the items' order
    assert all(p == sorted(p, key=items.index) for p in parts[:1])
    with pytest.raises(ConfigError, match="--shards: 200 shards need at least as many users"):
        partition(items, 200)


def test_clients_and_shard_counts():
    assert clients_per_shard(1, 2) == [1, 1]  # every shard gets a client
    assert clients_per_shard(5, 2) == [3, 2]
    assert shard_count(0) == (os.cpu_count() or 1) and shard_count(3) == 3


def test_a_sharded_run_is_complete_across_shards(tmp_path):
    r = run(
        RunConfig(mode="bulk", batch_size=100, items=3000, shards=2, repeats=2, search_queries=30),
        tmp_path,
    )
    i = r.integrity
    assert r.shards == 2 and r.name == "bulk-b100-c1-hash-s2"
    assert i.acknowledged == i.core == i.vector == i.history == 3000
    assert i.lost == 0 and i.orphans == 0 and i.self_recall_at_1 >= 0.95
    assert r.search.recall_at_10 >= 0.9  # fan-out, against exact search over all vectors
    assert r.cores_busy is not None and r.cores_busy > 0
    assert len(r.repeat_throughput_ops_s) == 2
    layout = r.settings["shard_layout"]
    assert sum(layout["items"]) == 3000 and layout["clients"] == [1, 1]
    assert r.vector_load.vectors == 3000 and r.vector_load.shards == 2
    logs = [read_ack_log(tmp_path / "stores" / f"shard-{k}" / "acked.log") for k in (0, 1)]
    assert len(logs[0] | logs[1]) == 3000 and not logs[0] & logs[1]
    report = asyncio.run(verify(tmp_path))
    assert report["shards"] == 2 and report["lost"] == 0 and report["orphans"] == 0
    assert report["core"] == 3000 and report["repairs"]["vectors_rebuilt"] == 0


def test_faults_across_shards(tmp_path):
    r = run(
        RunConfig(
            mode="parallel",
            batch_size=1,
            items=300,
            shards=2,
            concurrency=3,
            fail_rate=0.05,
            search_queries=0,
            seed=4,
        ),
        tmp_path,
    )
    i = r.integrity
    assert i.failed > 0 and i.lost == 0 and i.orphans == 0
    assert i.acknowledged + i.failed == 300
    assert r.settings["shard_layout"]["clients"] == [2, 1]


def test_shards_are_refused_where_they_cannot_work(tmp_path):
    with pytest.raises(ConfigError, match="--shards: shards run agentmem's write path"):
        RunConfig(mode="bulk", batch_size=10, items=10, shards=2, profile="simulated")
    with pytest.raises(ConfigError, match="--shards: must be >= 0"):
        RunConfig(mode="bulk", batch_size=10, items=10, shards=-1)


@pytest.mark.slow
def test_verify_repairs_every_shard_after_a_kill(tmp_path):
    out = tmp_path / "run"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "agentmem_lab.cli",
            "run",
            "--mode",
            "parallel",
            "--batch-size",
            "1",
            "--items",
            "200000",
            "--shards",
            "2",
            "--warmup",
            "0",
            "--out",
            str(out),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    )
    logs = [out / "stores" / f"shard-{k}" / "acked.log" for k in (0, 1)]
    deadline = time.time() + 120
    while time.time() < deadline and not all(p.exists() and p.stat().st_size > 5_000 for p in logs):
        assert proc.poll() is None, proc.communicate()[1]
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    # the workers end with their parent: nothing writes after the kill
    time.sleep(1.0)
    sizes = [p.stat().st_size for p in logs]
    time.sleep(1.0)
    assert [p.stat().st_size for p in logs] == sizes
    acked = read_ack_log(logs[0]) | read_ack_log(logs[1])
    report = asyncio.run(verify(out))
    assert report["lost"] == 0 and report["orphans"] == 0
    assert report["repairs"]["vectors_rebuilt"] >= len(acked)  # never saved: rebuilt
    assert main(["verify", str(out)]) == 0


@pytest.mark.slow
def test_the_issues_command(tmp_path, capsys):
    out = tmp_path / "r"
    assert (
        main(
            [
                "run",
                "--mode",
                "bulk",
                "--batch-size",
                "1000",
                "--items",
                "50000",
                "--shards",
                "2",
                "--search-queries",
                "50",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    line = capsys.readouterr().out
    assert "bulk-b1000-c1-hash-s2:" in line and "lost 0 orphans 0" in line and "cores busy" in line
    data = json.loads((out / "result.json").read_text())
    assert data["integrity"]["self_recall_at_1"] >= 0.95
    assert data["search"]["recall_at_10"] >= 0.9
    assert main(["verify", str(out)]) == 0
