"""LangGraph's long-term memory store on the bench (agentmem_lab_peers.langgraph_store):
its three stores, integrity read back from the store itself, faults at its embedding call,
nothing reaching the network, found through the entry-point group."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from agentmem_lab.cli import main
from agentmem_lab.measuring.runner import RunConfig, run
from agentmem_lab.stores import StoreSettings
from agentmem_lab.systems import SYSTEMS
from conftest import OFFLINE_NO_TORCH, ROOT, postgres_processes, redis_processes

pytest.importorskip("langgraph.store.sqlite")


def _lg(store="sqlite", dsn=None, redis_url=None, **kw):
    base = dict(
        system="langgraph",
        batch_size=10,
        items=200,
        search_queries=20,
        stores=StoreSettings(langgraph_store=store, postgres_dsn=dsn, redis_url=redis_url),
    )
    base.update(kw)
    return RunConfig(**base)


def _clean(r, n):
    i = r.integrity
    assert i.acknowledged == i.core == i.vector == n, i
    assert i.lost == 0 and i.orphans == 0 and i.failed == 0
    assert r.search.recall_at_10 >= 0.95 and i.self_recall_at_1 >= 0.95


@pytest.mark.parametrize("store", ["memory", "sqlite"])
def test_items_go_through_store_batch_and_are_read_back_from_the_store(tmp_path, store):
    r = run(_lg(store, concurrency=2), tmp_path)
    _clean(r, 200)
    details = r.settings["store_details"]
    assert (
        r.mode == "sequential"
        and details["store"] == {"memory": "InMemoryStore", "sqlite": "SqliteStore"}[store]
    )
    assert r.environment["packages"]["langgraph"] == details["versions"]["langgraph"]
    assert r.environment["packages"]["langgraph-checkpoint-sqlite"] == "3.1.2"
    assert r.stages_ms["embed"] > 0 and r.stages_ms["core"] > 0
    if store == "sqlite":
        # the sqlite library that ran (the standard library's cannot load sqlite-vec here),
        # and the rows really are in its file, each with a vector of the text alone
        assert details["sqlite_library"].startswith("sqlean.py 3.50.4.5 (SQLite 3.")
        import sqlean

        db = sqlean.connect(str(tmp_path / "stores" / "langgraph.db"))
        assert db.execute("SELECT COUNT(*) FROM store").fetchone()[0] == 200
        assert db.execute("SELECT DISTINCT field_name FROM store_vectors").fetchall() == [
            ("content",)
        ]


def test_a_batch_of_one_is_a_put_and_a_changed_value_counts_as_lost(tmp_path):
    async def go():
        from agentmem_lab.corpus import make_items
        from agentmem_lab.embedders import HashEmbedder

        system = SYSTEMS.get("langgraph")
        config = _lg("memory", batch_size=1, items=3)
        target = await system.open(config, tmp_path, HashEmbedder(), False)
        items = make_items(3, seed=0)
        for item in items:
            assert (await target.add([item])).acked == [item.key]
        ns = ("agentmem", items[0].user_id, "memories")
        target.store.put(ns, str(items[0].key), {"content": "changed behind the bench"})
        keys = await target.store_keys()
        await target.close()
        return items, keys

    import asyncio

    items, keys = asyncio.run(go())
    assert keys["core"] == {i.key for i in items[1:]} and keys["vector"] >= keys["core"]


def test_faults_at_its_embedding_call_leave_nothing_half_written(tmp_path):
    r = run(_lg("sqlite", items=300, fail_rate=0.05, seed=2), tmp_path)
    i = r.integrity
    assert i.failed > 0 and i.acknowledged + i.failed == 300
    assert i.lost == 0 and i.orphans == 0  # the batch fails before its rows are written
    assert r.settings["store_details"]["fault_damage"]["injected"] == i.failed // 10


def test_postgres_store_on_a_server(tmp_path, pg_dsn):
    r = run(_lg("postgres", dsn=pg_dsn, items=100), tmp_path)
    _clean(r, 100)
    assert r.vector_load.search == "hnsw"
    assert "PostgresStore" in r.settings["store_details"]["store"]


def test_redis_store_on_a_server_with_faults(tmp_path, redis_url):
    # RedisStore writes a batch's documents, then embeds: a fault at its embedding call
    # leaves the batch's documents stored without vectors (orphans in core memory)
    r = run(_lg("redis", redis_url=redis_url, items=200, fail_rate=0.05, seed=2), tmp_path)
    i = r.integrity
    assert i.failed > 0 and i.acknowledged + i.failed == 200 and i.lost == 0
    assert i.orphans == i.failed and i.core == 200 and i.vector == i.acknowledged
    assert r.vector_load.search == "hnsw (RediSearch)" and r.search.recall_at_10 >= 0.95
    assert "RedisStore" in r.settings["store_details"]["store"]
    assert r.environment["packages"]["langgraph-checkpoint-redis"] == "0.5.2"


@pytest.mark.parametrize(
    "store, embedder, items",
    [("sqlite", "minilm", 1000), ("postgres", "hash", 100), ("redis", "hash", 100)],
)
@pytest.mark.slow
def test_the_cli_runs_it_offline(tmp_path, store, embedder, items):
    # the command (sqlite, 1,000 items, the real model) in a process where any
    # non-local connection ends it; postgres: the server the run starts, and stops
    out = tmp_path / "run"
    p = subprocess.run(
        [
            sys.executable,
            "-c",
            OFFLINE_NO_TORCH,
            "run",
            "--system",
            "langgraph",
            "--langgraph-store",
            store,
            "--embedder",
            embedder,
            "--batch-size",
            "10",
            "--items",
            str(items),
            "--search-queries",
            "10",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert p.returncode == 0 and p.stderr == "", p.stdout + p.stderr
    data = json.loads((out / "result.json").read_text())
    assert data["integrity"]["acknowledged"] == items
    assert data["integrity"]["lost"] == 0 and data["integrity"]["orphans"] == 0
    assert data["search"]["recall_at_10"] >= 0.95
    assert not postgres_processes(out) and not redis_processes(out)
    if store in ("postgres", "redis"):
        assert data["settings"]["server"]["started_by"]


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--mode", "bulk"], "--mode: langgraph has one write path"),
        (["--vector-store", "faiss-flat"], "--vector-store: langgraph runs on its own stores"),
        (["--fail-rate-core", "0.1"], "--fail-rate-core: langgraph writes"),
        (
            ["--langgraph-store", "valkey"],
            "--langgraph-store: must be one of memory, sqlite, postgres, redis, got 'valkey'",
        ),
    ],
)
def test_bad_input_is_one_line(tmp_path, capsys, argv, message):
    try:
        code = main(
            [
                "run",
                "--system",
                "langgraph",
                "--batch-size",
                "10",
                "--items",
                "20",
                "--out",
                str(tmp_path / "x"),
                *argv,
            ]
        )
    except SystemExit as exc:  # argparse's own check of a declared choice
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / "x").exists()
