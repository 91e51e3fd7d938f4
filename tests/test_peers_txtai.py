"""txtai's embeddings database on the bench (agentmem_lab_peers.txtai_index): its
backends, persistence through save and load, integrity from its own content database and
index, what a failed upsert leaves, offline and without torch."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from agentmem_lab.measuring.runner import RunConfig, run
from agentmem_lab.stores import StoreSettings
from conftest import OFFLINE_NO_TORCH, ROOT, postgres_processes

pytest.importorskip("txtai")


def _tx(backend="faiss", dsn=None, **kw):
    base = dict(
        system="txtai",
        batch_size=10,
        items=200,
        search_queries=20,
        stores=StoreSettings(txtai_backend=backend, postgres_dsn=dsn),
    )
    base.update(kw)
    return RunConfig(**base)


@pytest.mark.parametrize("backend", ["faiss", "hnsw", "numpy"])
def test_upserts_are_saved_loaded_and_counted_from_its_own_index(tmp_path, backend):
    r = run(_tx(backend, concurrency=2), tmp_path)
    i = r.integrity
    assert i.acknowledged == i.core == i.vector == 200
    assert i.lost == 0 and i.orphans == 0
    assert r.search.recall_at_10 >= 0.95 and i.self_recall_at_1 >= 0.95
    details = r.settings["store_details"]
    assert details["backend"] == backend and r.environment["packages"]["txtai"] == "9.14.0"
    assert r.vector_load.vectors == 200 and r.vector_load.durability == "save at the end"
    # the saved index is in the run's stores, and loads again
    from txtai.embeddings import Embeddings

    again = Embeddings()
    again.load(str(tmp_path / "stores" / "txtai-index"), config={"transform": lambda t: t})
    assert again.count() == 200
    if backend == "faiss":
        assert details["faiss_components"] == "IDMap,Flat"


def test_a_failed_upsert_leaves_its_rows_and_breaks_the_next_ones(tmp_path):
    # measured, not wished: txtai writes an upsert's rows before its transform fails, keeps
    # them, and every later upsert meets their index ids (UNIQUE constraint failed)
    r = run(_tx(items=300, fail_rate=0.05, seed=2), tmp_path)
    i = r.integrity
    damage = r.settings["store_details"]["fault_damage"]
    assert damage["injected"] >= 1 and i.lost == 0
    assert i.orphans > 0 and i.core == i.acknowledged + i.orphans
    assert sum(damage["errors_after_faults"].values()) > 0
    assert all("UNIQUE" in e for e in damage["errors_after_faults"])


def test_pgvector_backend_on_a_server(tmp_path, pg_dsn):
    r = run(_tx("pgvector", dsn=pg_dsn, items=100), tmp_path)
    i = r.integrity
    assert i.acknowledged == i.vector == 100 and i.lost == 0 and i.orphans == 0
    assert r.search.recall_at_10 >= 0.95


@pytest.mark.slow
@pytest.mark.parametrize("embedder", ["minilm"])  # hash: the in-process runs above
def test_the_issues_command_runs_offline_without_torch(tmp_path, embedder):
    out = tmp_path / "run"
    p = subprocess.run(
        [
            sys.executable,
            "-c",
            OFFLINE_NO_TORCH,
            "run",
            "--system",
            "txtai",
            "--embedder",
            embedder,
            "--batch-size",
            "10",
            "--items",
            "1000",
            "--search-queries",
            "20",
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
    assert data["integrity"]["lost"] == 0 and data["integrity"]["orphans"] == 0
    assert data["integrity"]["acknowledged"] == 1000
    assert data["search"]["recall_at_10"] >= 0.95 and not postgres_processes(out)
