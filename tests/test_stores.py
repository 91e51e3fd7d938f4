import sqlite3

import numpy as np
import pytest

from agentmem_lab.core.errors import ConfigError, ServerError, StoreWriteError
from agentmem_lab.embedders import HashEmbedder
from agentmem_lab.stores import (
    CoreStore,
    HistoryStore,
    PgCoreStore,
    PgHistoryStore,
    StoreSettings,
    UsearchStore,
    real_stores,
    simulated_stores,
)
from conftest import arun

EMB = HashEmbedder()


def _vecs(items):
    return EMB.encode([i.content for i in items])


def test_settings_are_checked():
    with pytest.raises(ConfigError, match="--usearch-dtype"):
        StoreSettings(usearch_dtype="f64")
    with pytest.raises(ConfigError, match="--sqlite-synchronous"):
        StoreSettings(sqlite_synchronous="sometimes")
    with pytest.raises(ConfigError, match="--hnsw-connectivity"):
        StoreSettings(hnsw_connectivity=1)
    with pytest.raises(ConfigError, match="no vector store named 'pinecone'; known: usearch"):
        StoreSettings(vector_store="pinecone")
    # a recorded dict of the former names still loads (verify reopens older runs)
    assert StoreSettings.from_dict({"usearch_connectivity": 8}).hnsw_connectivity == 8
    assert StoreSettings(sqlite_synchronous="full").sqlite_synchronous == "FULL"


@pytest.mark.parametrize("cls", [CoreStore, HistoryStore])
def test_sqlite_single_bulk_delete_and_reopen(tmp_path, items, cls):
    async def go():
        s = cls(tmp_path, StoreSettings())
        await s.open()
        await s.write(items[0], None)
        assert await s.write_many(items[1:10], None) == set()
        await s.delete_many([items[1].key])
        keys = await s.keys()
        await s.close()
        await s.close()  # idempotent
        s2 = cls(tmp_path, StoreSettings())
        await s2.open()
        again = await s2.keys()
        await s2.close()
        return keys, again

    keys, again = arun(go())
    expected = {i.key for i in items[:10]} - {items[1].key}
    assert keys == again == expected
    db = sqlite3.connect(tmp_path / cls.filename)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_bulk_write_is_atomic_on_failure(tmp_path, items):
    async def go():
        s = CoreStore(tmp_path, StoreSettings())
        await s.open()
        await s.write(items[5], None)
        with pytest.raises(StoreWriteError, match="IntegrityError"):
            await s.write_many(items[:10], None)  # items[5] is a duplicate id
        keys = await s.keys()
        await s.close()
        return keys

    assert arun(go()) == {items[5].key}


def test_core_row_keeps_every_field(tmp_path, items):
    item = items[0]

    async def go():
        s = CoreStore(tmp_path, StoreSettings())
        await s.open()
        await s.write(item, None)
        await s.close()

    arun(go())
    row = sqlite3.connect(tmp_path / "core.db").execute("SELECT * FROM persona_blocks").fetchone()
    assert row == (
        item.id,
        item.key,
        item.agent_id,
        item.user_id,
        item.memory_type,
        item.content,
        item.content_hash,
        item.metadata_json,
        item.created_at,
    )


def test_vector_store_writes_searches_saves_and_reloads(tmp_path, items):
    vecs = _vecs(items)

    async def go():
        s = UsearchStore(tmp_path, StoreSettings(), 384)
        await s.open()
        await s.write(items[0], vecs[0])
        await s.write_many(items[1:], vecs[1:])
        with pytest.raises(StoreWriteError, match="already stored"):
            await s.write_many(items[3:5], vecs[3:5])
        with pytest.raises(StoreWriteError, match="needs vectors"):
            await s.write_many(items[3:5], None)  # the row stores' way, refused here
        with pytest.raises(StoreWriteError):
            await s.write(items[0], vecs[0])
        keys, _ = await s.search(vecs[7:8], 1)
        await s.delete_many([items[2].key])
        await s.close()
        s2 = UsearchStore(tmp_path, StoreSettings(), 384)
        await s2.open()
        again = await s2.keys()
        await s2.close()
        return int(keys[0][0]), again

    top, again = arun(go())
    assert top == items[7].key
    assert again == {i.key for i in items} - {items[2].key}
    assert (tmp_path / "vectors.usearch").exists()


def test_store_set_opens_all_three_in_one_directory(tmp_path, items):
    async def go():
        async with real_stores(tmp_path, StoreSettings(), 384) as stores:
            for s in stores:
                await s.write(items[0], _vecs(items[:1])[0])
            return [s.name for s in stores], stores.settings()

    names, settings = arun(go())
    assert names == ["core", "vector", "history"]
    assert settings["vector"]["dtype"] == "f16"
    assert {p.name for p in tmp_path.iterdir()} >= {"core.db", "history.db", "vectors.usearch"}


def test_simulated_stores_keep_keys(items):
    async def go():
        stores = simulated_stores()
        await stores.core.write(items[0], None)
        await stores.core.write_many(items[1:3], None)
        await stores.core.delete_many([items[1].key])
        return await stores.core.keys()

    assert arun(go()) == {items[0].key, items[2].key}


def test_writes_before_open_fail_clearly(tmp_path, items):
    with pytest.raises(StoreWriteError, match="not open"):
        arun(CoreStore(tmp_path, StoreSettings()).write(items[0], None))
    with pytest.raises(StoreWriteError, match="not open"):
        arun(UsearchStore(tmp_path, StoreSettings(), 384).write(items[0], np.zeros(384)))


@pytest.mark.parametrize("cls", [PgCoreStore, PgHistoryStore])
def test_postgres_single_bulk_delete_reopen_and_a_new_folder(tmp_path, items, pg_dsn, cls):
    settings = StoreSettings(postgres_dsn=pg_dsn)

    async def go():
        s = cls(tmp_path, settings)
        await s.open()
        await s.write(items[0], None)
        assert await s.write_many(items[1:10], None) == set()
        with pytest.raises(StoreWriteError, match="UniqueViolation") as info:
            await s.write_many(items[8:12], None)  # two stored ids: none of the four stored
        assert "\n" not in str(info.value)
        await s.delete_many([items[1].key])
        keys = await s.keys()
        await s.close()
        await s.close()  # idempotent
        s2 = cls(tmp_path, settings)  # reopened: the folder's marker keeps its schema
        await s2.open()
        again = await s2.keys()
        contents = await s2.contents_of([items[0].key]) if cls is PgCoreStore else None
        await s2.close()
        (tmp_path / "postgres.json").unlink()  # a new run in the folder: an empty schema
        s3 = cls(tmp_path, settings)
        await s3.open()
        fresh = await s3.keys()
        await s3.close()
        return keys, again, contents, fresh

    keys, again, contents, fresh = arun(go())
    assert keys == again == {i.key for i in items[:10]} - {items[1].key}
    assert contents in (None, {items[0].key: items[0].content})
    assert fresh == set()


def test_postgres_stores_without_a_server_say_what_to_do(tmp_path):
    with pytest.raises(ServerError, match="--postgres-dsn"):
        arun(PgCoreStore(tmp_path, StoreSettings()).open())
    with pytest.raises(ServerError, match="cannot reach") as info:
        arun(
            PgCoreStore(
                tmp_path, StoreSettings(postgres_dsn="postgresql://postgres@127.0.0.1:9/postgres")
            ).open()
        )
    assert "\n" not in str(info.value)
    assert StoreSettings(core_store="postgres").uses_postgres
    assert StoreSettings(vector_store="pgvector").uses_postgres
    assert not StoreSettings().uses_postgres
    with pytest.raises(ConfigError, match="--core-store"):
        StoreSettings(core_store="oracle")
