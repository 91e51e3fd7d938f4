"""The vector-store contract, checked for every backend of the registry alike: write,
write_many, undo, keys, search, reopen after close, a crash (durability class), fault
injection and bad input. Real backends on disk, nothing mocked."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from agentmem_lab.cli import main
from agentmem_lab.core.errors import StoreWriteError
from agentmem_lab.embedders import HashEmbedder
from agentmem_lab.measuring.runner import RunConfig, run
from agentmem_lab.stores import DURABILITY, NO_KEY, VECTOR_STORES, StoreSettings, vector_store
from conftest import ROOT, arun, store_settings

BACKENDS = VECTOR_STORES.names()
EMB = HashEmbedder()
DIM = EMB.dim


def _vecs(items):
    return EMB.encode([i.content for i in items])


@pytest.fixture
def make_store(tmp_path, request):
    def make(backend):
        return vector_store(tmp_path / "stores", store_settings(backend, request), DIM)

    return make


def test_every_backend_is_registered():
    assert BACKENDS == [
        "usearch",
        "faiss-hnsw",
        "faiss-flat",
        "qdrant-local",
        "chroma",
        "lancedb",
        "sqlite-vec",
        "pgvector",
        "pgvector-flat",
        "redis",
        "redis-flat",
        "milvus-lite",
    ]


@pytest.mark.parametrize("backend", BACKENDS)
def test_write_search_undo_and_reopen(make_store, items, backend):
    vecs = _vecs(items)

    async def go():
        s = make_store(backend)
        await s.open()
        await s.write(items[0], vecs[0])
        assert await s.write_many(items[1:40], vecs[1:40]) == set()
        keys, dists = await s.search(vecs[7:9], 3)
        # undo: removed keys are gone from keys() and from search; missing keys are ignored
        await s.delete_many([items[7].key, items[45].key])
        after_undo = await s.keys()
        undone, _ = await s.search(vecs[7:8], 5)
        await s.optimize()
        await s.close()
        await s.close()  # idempotent
        s2 = make_store(backend)
        await s2.open()
        again = await s2.keys()
        await s2.write_many(items[40:], vecs[40:])  # writes go on after a reopen
        found, _ = await s2.search(vecs[45:46], 1)
        total = await s2.keys()
        await s2.close()
        return keys, dists, after_undo, undone, again, found, total

    keys, dists, after_undo, undone, again, found, total = arun(go())
    assert [int(k) for k in keys[:, 0]] == [items[7].key, items[8].key]
    assert np.allclose(dists[:, 0], 0.0, atol=1e-3)  # cosine distance of a vector to itself
    assert (np.diff(dists, axis=1) >= -1e-5).all()  # nearest first
    written = {i.key for i in items[:40]}
    assert after_undo == again == written - {items[7].key}
    assert items[7].key not in {int(k) for k in undone[0]}
    assert int(found[0][0]) == items[45].key
    assert total == {i.key for i in items} - {items[7].key}


@pytest.mark.parametrize("backend", BACKENDS)
def test_search_pads_rows_shorter_than_k(make_store, items, backend):
    async def go():
        s = make_store(backend)
        await s.open()
        await s.write_many(items[:3], _vecs(items[:3]))
        await s.optimize()
        out = await s.search(_vecs(items[:1]), 10)
        await s.close()
        return out

    keys, dists = arun(go())
    assert keys.shape == (1, 10) and set(keys[0, 3:]) == {NO_KEY}
    assert np.isinf(dists[0, 3:]).all() and {int(k) for k in keys[0, :3]} == {
        i.key for i in items[:3]
    }


@pytest.mark.parametrize("backend", BACKENDS)
def test_bad_input_is_refused_and_stores_nothing(make_store, items, backend):
    vecs = _vecs(items)

    async def go():
        s = make_store(backend)
        errors = []
        with pytest.raises(StoreWriteError, match="not open"):
            await s.write(items[0], vecs[0])
        await s.open()
        await s.write_many(items[:5], vecs[:5])
        for bad_items, bad in (
            (items[5:7], np.zeros((2, DIM + 1), dtype=np.float32)),  # wrong dimension
            (items[5:7], np.full((2, DIM), np.nan, dtype=np.float32)),  # NaN
            ([items[5], items[5]], vecs[5:7]),  # the same id twice in one write
            (items[4:7], vecs[4:7]),  # one id stored already: none of the three is stored
            (items[5:7], None),  # the row stores' way of writing, refused here
        ):
            with pytest.raises(StoreWriteError) as info:
                await s.write_many(bad_items, bad)
            errors.append(str(info.value))
        with pytest.raises(StoreWriteError, match="dimensions"):
            await s.search(np.zeros((1, 3), dtype=np.float32), 1)
        with pytest.raises(StoreWriteError):
            await s.write(items[0], vecs[0])  # already stored
        keys = await s.keys()
        await s.write_many(items[5:7], vecs[5:7])  # still usable
        after = await s.keys()
        await s.close()
        return errors, keys, after

    errors, keys, after = arun(go())
    assert all("\n" not in e for e in errors)
    assert "dimensions" in errors[0] and "NaN" in errors[1] and "duplicate" in errors[2]
    assert keys == {i.key for i in items[:5]}
    assert after == {i.key for i in items[:7]}


CRASH = textwrap.dedent("""
    import asyncio, os, sys
    from agentmem_lab.corpus import make_items
    from agentmem_lab.embedders import HashEmbedder
    from agentmem_lab.stores import StoreSettings, vector_store

    async def go():
        items = make_items(30, seed=7)
        vecs = HashEmbedder().encode([i.content for i in items])
        s = vector_store(sys.argv[1], StoreSettings(vector_store=sys.argv[2],
                                                    postgres_dsn=sys.argv[3] or None,
                                                    redis_url=sys.argv[4] or None),
                         vecs.shape[1])
        await s.open()
        await s.write_many(items[:20], vecs[:20])
        await s.optimize()
        await s.write_many(items[20:], vecs[20:])
        os._exit(0)  # a crash: no close, no save

    asyncio.run(go())
""")


@pytest.mark.slow
@pytest.mark.parametrize("backend", BACKENDS)
def test_a_crash_keeps_what_the_durability_class_promises(tmp_path, make_store, request, backend):
    cls = VECTOR_STORES.get(backend)
    assert cls.durability in DURABILITY
    settings = store_settings(backend, request)
    dsn, url = settings.postgres_dsn or "", settings.redis_url or ""
    p = subprocess.run(
        [sys.executable, "-c", CRASH, str(tmp_path / "stores"), backend, dsn, url],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert p.returncode == 0, p.stderr

    async def reopen():
        s = make_store(backend)
        await s.open()
        keys = await s.keys()
        await s.close()
        return keys

    keys = arun(reopen())
    from agentmem_lab.corpus import make_items

    crashed = make_items(30, seed=7)
    saved = {i.key for i in crashed[:20]}
    # "write": every returned write survives; "save": what the last optimize saved.
    assert keys == ({i.key for i in crashed} if cls.durability == "write" else saved)


@pytest.mark.slow
@pytest.mark.parametrize("backend", BACKENDS)
def test_injected_faults_leave_nothing_half_written(tmp_path, backend):
    for mode, batch in (("bulk", 10), ("parallel", 1)):
        r = run(
            RunConfig(
                mode=mode,
                batch_size=batch,
                items=60,
                fail_rate_vector=0.2,
                fail_rate_core=0.05,
                seed=3,
                search_queries=5,
                stores=StoreSettings(vector_store=backend),
            ),
            tmp_path / mode,
        )
        i = r.integrity
        assert i.failed > 0 and i.lost == 0 and i.orphans == 0
        assert i.acknowledged == i.core == i.vector == i.history == 60 - i.failed


@pytest.mark.slow
@pytest.mark.parametrize("backend", BACKENDS)
def test_the_cli_runs_every_backend_in_bulk_1000_and_parallel_1(tmp_path, backend, capsys):
    for mode, batch, items in (("bulk", 1000, 2000), ("parallel", 1, 40)):
        out = tmp_path / f"{mode}-{batch}"
        code = main(
            [
                "run",
                "--mode",
                mode,
                "--batch-size",
                str(batch),
                "--items",
                str(items),
                "--vector-store",
                backend,
                "--search-queries",
                "20",
                "--out",
                str(out),
            ]
        )
        assert code == 0, capsys.readouterr().err
        data = json.loads((out / "result.json").read_text())
        assert data["integrity"]["lost"] == 0 and data["integrity"]["orphans"] == 0
        assert data["integrity"]["acknowledged"] == items
        assert 0.9 <= data["search"]["recall_at_10"] <= 1.0
        load = data["vector_load"]
        assert load["backend"] == backend and load["vectors"] == items
        assert load["load_s"] == pytest.approx(load["insert_s"] + load["optimize_s"])
        assert load["insert_s"] > 0 and load["optimize_s"] >= 0
        details = data["settings"]["store_details"]["vector"]
        assert details["version"] and details["durability"] == load["durability"]
        assert data["settings"]["stores"]["vector_store"] == backend
    assert f"{backend} load" in capsys.readouterr().out


def test_an_unknown_backend_is_one_line(capsys):
    with pytest.raises(SystemExit) as info:
        main(
            [
                "run",
                "--mode",
                "bulk",
                "--batch-size",
                "1",
                "--items",
                "1",
                "--vector-store",
                "pinecone",
                "--out",
                "/tmp/never",
            ]
        )
    err = capsys.readouterr().err
    assert info.value.code == 2 and err.count("\n") == 1
    assert "no vector store named 'pinecone'; known: usearch, faiss-hnsw" in err
