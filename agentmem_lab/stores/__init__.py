"""The stores of the write path, each opened on a directory.

- ``CoreStore``: persona blocks in SQLite (``core.db``) through aiosqlite;
- a vector store, chosen by ``--vector-store`` from ``VECTOR_STORES`` (one module per
  backend: usearch, faiss-hnsw, faiss-flat, qdrant-local, chroma, lancedb, sqlite-vec,
  milvus-lite);
- ``HistoryStore``: ADD events in SQLite (``history.db``, apart, as AgentMem keeps it);
- on a PostgreSQL server instead (``--core-store``/``--history-store postgres``,
  ``--vector-store pgvector|pgvector-flat``): ``PgCoreStore``, ``PgHistoryStore``,
  ``PgvectorStore`` (``stores/postgres``);
- on a Redis server (``--core-store``/``--history-store redis``, ``--vector-store
  redis|redis-flat``): ``RedisCoreStore``, ``RedisHistoryStore``, ``RedisVectorStore``
  (``stores/redis``).

Every store has the same small interface: ``open``, ``write`` (one item), ``write_many``
(one bulk write, atomic), ``delete_many`` (undo), ``keys`` and ``close``; vector stores
add ``search`` and ``optimize``. ``Simulated*`` stores sleep the seed's latencies instead
of working; ``NullStore`` does nothing (the harness's own cost).

An installed package adds a vector store through the ``agentmem_lab.vector_stores``
entry-point group: a ``VectorStore`` subclass (docs/peers.md, "Plug-ins").
"""

from __future__ import annotations

from pathlib import Path

from agentmem_lab.core.environment import package_version
from agentmem_lab.stores.base import CoreMemory, Store, StoreSet, folder_namespace, storage_cause
from agentmem_lab.stores.chroma import ChromaStore
from agentmem_lab.stores.faiss import FaissFlatStore, FaissHnswStore
from agentmem_lab.stores.lancedb import LanceDBStore
from agentmem_lab.stores.milvus_lite import MilvusLiteStore
from agentmem_lab.stores.milvus_lite import close_client as close_milvus_lite
from agentmem_lab.stores.pgvector import PgvectorFlatStore, PgvectorStore
from agentmem_lab.stores.postgres import PgCoreStore, PgHistoryStore, schema_of
from agentmem_lab.stores.qdrant import QdrantLocalStore
from agentmem_lab.stores.redis import (
    RedisCoreStore,
    RedisFlatStore,
    RedisHistoryStore,
    RedisVectorStore,
)
from agentmem_lab.stores.redis import clear as clear_redis
from agentmem_lab.stores.simulated import NullStore, SimulatedStore
from agentmem_lab.stores.sqlite import CoreStore, HistoryStore
from agentmem_lab.stores.sqlite_vec import SqliteVecStore
from agentmem_lab.stores.usearch import UsearchStore
from agentmem_lab.stores.vector import DURABILITY, NO_KEY, VECTOR_STORES, StoreSettings, VectorStore

for _cls in (
    UsearchStore,
    FaissHnswStore,
    FaissFlatStore,
    QdrantLocalStore,
    ChromaStore,
    LanceDBStore,
    SqliteVecStore,
    PgvectorStore,
    PgvectorFlatStore,
    RedisVectorStore,
    RedisFlatStore,
    MilvusLiteStore,
):
    VECTOR_STORES.register(_cls.backend)(_cls)


def vector_store(directory: str | Path, settings: StoreSettings, ndim: int) -> VectorStore:
    """The vector store the settings name, under ``directory``."""
    return VECTOR_STORES.get(settings.vector_store)(directory, settings, ndim)


#: Where core memory and history live (``--core-store``, ``--history-store``).
CORE_STORES: dict[str, type[CoreMemory]] = {
    "sqlite": CoreStore,
    "postgres": PgCoreStore,
    "redis": RedisCoreStore,
}
HISTORY_STORES: dict[str, type[Store]] = {
    "sqlite": HistoryStore,
    "postgres": PgHistoryStore,
    "redis": RedisHistoryStore,
}


def real_stores(directory: str | Path, settings: StoreSettings, ndim: int) -> StoreSet:
    """Real stores under ``directory`` (on the PostgreSQL server the settings name, for
    those that live there)."""
    return StoreSet(
        CORE_STORES[settings.core_store](directory, settings),  # type: ignore[call-arg]
        vector_store(directory, settings, ndim),
        HISTORY_STORES[settings.history_store](directory, settings),  # type: ignore[call-arg]
    )


def null_stores(futures: bool = False) -> StoreSet:
    """Stores that do nothing (the harness's own cost); see ``NullStore``."""
    return StoreSet(*(NullStore(name, futures) for name in ("core", "vector", "history")))


def simulated_stores() -> StoreSet:
    """Stores that sleep the seed's latencies (core 10 ms, vector 10 ms, history 5 ms)."""
    return StoreSet(SimulatedStore("core"), SimulatedStore("vector"), SimulatedStore("history"))


__all__ = [
    "CORE_STORES",
    "DURABILITY",
    "HISTORY_STORES",
    "NO_KEY",
    "VECTOR_STORES",
    "ChromaStore",
    "CoreMemory",
    "CoreStore",
    "FaissFlatStore",
    "FaissHnswStore",
    "HistoryStore",
    "LanceDBStore",
    "NullStore",
    "PgCoreStore",
    "PgHistoryStore",
    "PgvectorFlatStore",
    "PgvectorStore",
    "QdrantLocalStore",
    "SimulatedStore",
    "SqliteVecStore",
    "Store",
    "StoreSet",
    "StoreSettings",
    "UsearchStore",
    "VectorStore",
    "clear_redis",
    "close_milvus_lite",
    "folder_namespace",
    "null_stores",
    "package_version",
    "real_stores",
    "schema_of",
    "simulated_stores",
    "storage_cause",
    "vector_store",
]
