"""mem0's real add path (mem0ai, pinned), driven by the same runner: items stored, integrity
counted from mem0's own stores, faults injected at its store boundaries, nothing reaching
the network, bad input refused as for agentmem."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import subprocess
import sys

import pytest

from agentmem_lab.cli import main
from agentmem_lab.core.errors import ConfigError
from agentmem_lab.measuring.runner import RunConfig, run
from agentmem_lab.measuring.verify import verify
from agentmem_lab.stores import StoreSettings
from conftest import NO_NETWORK, ROOT

pytest.importorskip("mem0")


def _mem0(**kw):
    base = dict(system="mem0", mode="sequential", batch_size=10, items=60, search_queries=20)
    base.update(kw)
    return RunConfig(**base)


def test_items_are_stored_in_mem0s_own_stores_and_counted_from_them(tmp_path):
    r = run(_mem0(), tmp_path)
    i = r.integrity
    assert r.system == "mem0" and r.name == "mem0-b10-c1-hash"
    assert i.acknowledged == i.vector == i.history == 60
    assert i.lost == 0 and i.orphans == 0 and i.failed == 0
    assert r.search.recall_at_10 >= 0.9 and i.self_recall_at_1 >= 0.95
    assert r.settings["store_details"]["version"] == "2.2.1"
    assert r.environment["packages"]["mem0ai"] == "2.2.1"
    # the stages mem0 runs, per call; no core store apart from its vector store
    assert r.stages_ms["vector"] > 0 and r.stages_ms["history"] > 0 and r.stages_ms["core"] == 0
    assert r.vector_load.vectors == 60 and r.vector_load.insert_s > 0
    # its stores are on disk under the run folder: the history rows are really there
    db = sqlite3.connect(tmp_path / "stores" / "mem0-history.db")
    assert db.execute("SELECT COUNT(*) FROM history WHERE event = 'ADD'").fetchone()[0] == 60
    assert (tmp_path / "stores" / "qdrant").is_dir()


def test_concurrent_clients_and_a_real_model(tmp_path):
    r = run(
        _mem0(batch_size=1, items=12, concurrency=3, embedder="minilm", search_queries=5), tmp_path
    )
    i = r.integrity
    assert i.acknowledged == 12 and i.lost == 0 and i.orphans == 0
    assert r.embedder == "minilm"
    # more clients than cores, many inserts at once (Qdrant's local mode is not thread-safe:
    # its inserts are serialised; unserialised, this crashed once in its SQLite persistence)
    many = run(_mem0(batch_size=1, items=200, concurrency=4, search_queries=5), tmp_path / "c4")
    assert many.integrity.acknowledged == 200 and many.integrity.orphans == 0


def test_mem0_under_offered_load_with_searches_during_its_writes(tmp_path):
    r = run(
        _mem0(
            batch_size=5,
            items=60,
            rate=300.0,
            search_rate=50.0,
            freshness_sample=0.2,
            search_queries=5,
        ),
        tmp_path,
    )
    i = r.integrity
    assert i.acknowledged == 60 and i.lost == 0 and i.orphans == 0
    assert r.offered is not None and r.offered.calls == 12
    assert r.reads is not None and r.reads.freshness["probed"] > 0


def test_faults_at_mem0s_store_boundaries_show_what_it_leaves_behind(tmp_path):
    r = run(
        _mem0(batch_size=1, items=80, fail_rate_vector=0.15, fail_rate_history=0.15, seed=2),
        tmp_path / "one",
    )
    i = r.integrity
    assert i.failed > 0 and i.lost == 0
    assert i.acknowledged + i.failed == 80 == i.acknowledged + i.failed
    # a failed history write leaves its vector behind: mem0 does not undo it
    assert 0 < i.orphans <= i.failed and i.vector == i.acknowledged + i.orphans
    many = run(_mem0(batch_size=10, items=80, fail_rate_vector=0.1, seed=2), tmp_path / "ten")
    # a failed add of 10 messages returns no ids: what it stored before the failure is
    # stored but never acknowledged (orphans), the rest of the call is not stored
    assert many.integrity.lost == 0 and many.integrity.orphans > 0


@pytest.mark.parametrize("store", ["redis", "milvus-lite"])
def test_mem0s_redis_and_milvus_providers_with_faults(tmp_path, store, redis_url):
    # mem0's own providers on a real Redis server and a real Milvus Lite file: what they
    # hold is read back from them; a failed history write leaves its vector behind there
    r = run(
        _mem0(
            batch_size=1, items=60, stores=StoreSettings(vector_store=store, redis_url=redis_url),
            fail_rate_history=0.1, seed=3, concurrency=2,
        ),
        tmp_path,
    )  # fmt: skip
    i = r.integrity
    assert i.acknowledged + i.failed == 60 and i.failed > 0 and i.lost == 0
    assert 0 < i.orphans <= i.failed and i.vector == i.acknowledged + i.orphans
    assert r.vector_load.backend == f"mem0 {store}" and r.search.recall_at_10 >= 0.9
    assert (tmp_path / "stores" / "milvus.db").exists() == (store == "milvus-lite")
    again = run(
        _mem0(items=20, stores=StoreSettings(vector_store=store, redis_url=redis_url)), tmp_path
    )
    assert again.integrity.vector == 20  # the same folder again: a new run starts empty


@pytest.mark.parametrize(
    "embedder, store",
    [
        ("hash", "usearch"),
        ("minilm", "usearch"),
        ("hash", "pgvector"),
        ("hash", "redis"),
        ("hash", "milvus-lite"),
    ],
)
@pytest.mark.slow
def test_the_cli_runs_mem0_offline(tmp_path, embedder, store):
    # the issue's command, in a process where any connection or lookup of a non-local
    # address ends it; mem0 imported there for the first time (its import included).
    # pgvector: mem0's own provider, on the server the run starts on loopback.
    from conftest import postgres_processes, redis_processes

    out = tmp_path / "run"
    p = subprocess.run(
        [
            sys.executable,
            "-c",
            NO_NETWORK,
            "run",
            "--system",
            "mem0",
            "--mode",
            "sequential",
            "--embedder",
            embedder,
            "--batch-size",
            "10",
            "--items",
            "500" if store == "usearch" else "200",
            "--search-queries",
            "10",
            "--vector-store",
            store,
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert p.returncode == 0, p.stdout + p.stderr
    assert "network:" not in p.stderr and p.stderr == "", p.stderr
    data = json.loads((out / "result.json").read_text())
    assert data["integrity"]["lost"] == 0 and data["integrity"]["orphans"] == 0
    assert (out / "mem0-home").is_dir()  # mem0's config folder kept inside the run
    assert data["vector_load"]["backend"] == (
        "mem0 qdrant local" if store == "usearch" else f"mem0 {store}"
    )
    assert data["search"]["recall_at_10"] >= 0.9
    assert not postgres_processes(out) and not redis_processes(out)


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--mode", "bulk"], "--mode: mem0's add has one path"),
        (["--mode", "sequential", "--vector-store", "faiss-flat"], "--vector-store: mem0 runs on"),
        (["--mode", "sequential", "--profile", "simulated"], "--profile: mem0 runs on its real"),
    ],
)
def test_bad_input_is_one_line(tmp_path, capsys, argv, message):
    code = main(
        [
            "run",
            "--system",
            "mem0",
            "--batch-size",
            "1",
            "--items",
            "1",
            *argv,
            "--out",
            str(tmp_path),
        ]
    )
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and message in err


def test_unknown_system_and_hostile_content(tmp_path, capsys):
    with pytest.raises(ConfigError, match="no system named 'zep'; known: agentmem, mem0"):
        RunConfig(system="zep", mode="sequential", batch_size=1, items=1)
    corpus = tmp_path / "c.jsonl"
    lines = [
        "记住：周五之前完成报告",
        "emoji 🎉 and RTL \u202e text",
        "'; DROP TABLE history; --",
        "<script>alert(1)</script>",
    ]
    corpus.write_text("".join(json.dumps({"content": c}) + "\n" for c in lines), encoding="utf-8")
    r = run(_mem0(batch_size=2, items=4, corpus=str(corpus), search_queries=2), tmp_path / "r")
    assert r.integrity.acknowledged == 4 and r.integrity.orphans == 0
    db = sqlite3.connect(tmp_path / "r" / "stores" / "mem0-history.db")
    stored = {row[0] for row in db.execute("SELECT new_memory FROM history")}
    assert stored == set(lines)  # verbatim


def test_verify_refuses_a_mem0_run(tmp_path):
    run(_mem0(items=10, search_queries=0), tmp_path)
    with pytest.raises(ConfigError, match="verify repairs agentmem's stores only"):
        asyncio.run(verify(tmp_path))


@pytest.mark.slow
def test_the_issues_command_needs_no_mode(tmp_path, capsys):
    # mem0 has one add path: --mode may be left out (agentmem still needs it)
    assert (
        main(
            [
                "run",
                "--system",
                "mem0",
                "--embedder",
                "hash",
                "--batch-size",
                "10",
                "--items",
                "500",
                "--search-queries",
                "10",
                "--out",
                str(tmp_path / "r"),
            ]
        )
        == 0
    )
    assert "mem0-b10-c1-hash:" in capsys.readouterr().out
    assert main(["run", "--batch-size", "10", "--items", "20", "--out", str(tmp_path / "a")]) == 2
    assert "--mode: is required: sequential, parallel, batch or bulk" in capsys.readouterr().err
