"""mem0's vector-store providers on the bench, one per ``--vector-store`` value a mem0 run
accepts: its default (Qdrant's local mode), ``pgvector`` on the run's PostgreSQL server,
``redis`` on the run's Redis server and ``milvus-lite`` on a Milvus Lite file.

Each provider gives mem0's ``vector_store`` config for a store folder (clearing what an
earlier run of the same folder left: a new run starts empty), whether mem0's store may be
called from several client threads at once, the ids of the memories it holds (read from
the store itself, for lost and orphans), and how it is closed. mem0's own code runs
unchanged: only its config is ours.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from agentmem_lab.core.errors import MissingDependencyError
from agentmem_lab.schema.run_settings import RunSettings
from agentmem_lab.stores import close_milvus_lite, folder_namespace

#: mem0's collection (Qdrant, Milvus Lite: one file per store folder).
COLLECTION = "mem0"
#: Ids read per scroll or query.
CHUNK = 10_000


@dataclass(frozen=True)
class Provider:
    """One of mem0's vector stores, for one store folder."""

    #: The ``--vector-store`` value that chooses it.
    option: ClassVar[str]
    #: The backend named with the run's vector-store figures.
    backend: ClassVar[str]
    #: How mem0's search over it runs.
    search: ClassVar[str]
    #: Whether mem0's calls into it may run on several client threads at once.
    thread_safe: ClassVar[bool] = True
    #: Recorded with each result: what it is and how it is reached.
    description: ClassVar[str]
    #: Recorded with each result: what became of mem0's BM25 keyword search.
    bm25: ClassVar[str] = "as the provider does"

    directory: Path
    config: RunSettings
    dim: int

    def vector_store(self) -> dict[str, Any]:
        """mem0's ``vector_store`` config, what an earlier run of the folder left cleared."""
        raise NotImplementedError

    def opened(self, store: Any) -> None:
        """After mem0 built its store (nothing to do, but for Qdrant's)."""

    def ids(self, store: Any) -> list[str]:
        """The ids of every memory the store holds, read from it."""
        raise NotImplementedError

    def close(self, store: Any) -> None:
        raise NotImplementedError

    @property
    def collection(self) -> str:
        """mem0's collection (in a file of the folder's own: always the same)."""
        return COLLECTION


class OnServer(Provider):
    """A provider on a shared server: a collection (table, index) of the folder's own."""

    @property
    def collection(self) -> str:
        return folder_namespace(self.directory).replace("agentmem_", "mem0_")


class Qdrant(Provider):
    """mem0's default: Qdrant's local mode on disk, in the store folder."""

    option = "usearch"  # --vector-store left at its default
    backend = "mem0 qdrant local"
    search = "exact"
    thread_safe = False  # serialised by the target (three threads at once crashed it)
    description = "qdrant local mode (path), on disk; search exact"
    bm25 = "off (would download Qdrant/bm25 from a model hub)"

    def vector_store(self) -> dict[str, Any]:
        return {
            "provider": "qdrant",
            "config": {
                "collection_name": COLLECTION,
                "path": str(self.directory / "qdrant"),
                "embedding_model_dims": self.dim,
                "on_disk": True,
            },
        }

    def opened(self, store: Any) -> None:
        """With fastembed installed, mem0's Qdrant store's BM25 encoder would fetch
        ``Qdrant/bm25`` from a model hub; set to "tried and failed", it stays dense only."""
        store._bm25_encoder = False

    def ids(self, store: Any) -> list[str]:
        out: list[str] = []
        offset = None
        while True:
            points, offset = store.client.scroll(
                COLLECTION, limit=CHUNK, offset=offset, with_payload=False, with_vectors=False
            )
            out.extend(str(p.id) for p in points)
            if offset is None:
                return out

    def close(self, store: Any) -> None:
        store.client.close()


class Pgvector(OnServer):
    """mem0's production store: its pgvector provider (psycopg 3 pool, HNSW) on the run's
    server, a table of the store folder's own."""

    option = "pgvector"
    backend = "mem0 pgvector"
    search = "hnsw"
    description = "pgvector on PostgreSQL (mem0's provider, psycopg 3 pool, HNSW)"

    def vector_store(self) -> dict[str, Any]:
        dsn = str(self.config.stores.postgres_dsn)
        _drop_table(dsn, self.collection)
        return {
            "provider": "pgvector",
            "config": {
                "collection_name": self.collection,
                "embedding_model_dims": self.dim,
                "connection_string": dsn,
                "hnsw": True,
                "minconn": 1,
                "maxconn": max(5, self.config.concurrency + 1),
            },
        }

    def ids(self, store: Any) -> list[str]:
        with store.connection_pool.connection() as conn:
            rows = conn.execute(f'SELECT id FROM "{self.collection}"').fetchall()
        return [str(r[0]) for r in rows]

    def close(self, store: Any) -> None:
        store.connection_pool.close()


class Redis(OnServer):
    """mem0's Redis provider (redisvl; a hash per memory under ``mem0:COLLECTION:``, a
    RediSearch FLAT index: mem0 chooses FLAT, every vector compared) on the run's server."""

    option = "redis"
    backend = "mem0 redis"
    search = "exact (RediSearch FLAT, mem0's choice)"
    description = "redis on the run's Redis server (mem0's provider, redisvl, FLAT index)"

    @property
    def prefix(self) -> str:
        return f"mem0:{self.collection}:"  # redisvl's key: the index prefix, ":", the id

    def vector_store(self) -> dict[str, Any]:
        from agentmem_lab.stores import clear_redis
        from agentmem_lab.stores.redis import redis_module, url_of

        url = url_of(self.config.stores)
        client = redis_module().Redis.from_url(url)
        try:
            clear_redis(client, [self.prefix], [self.collection])
        finally:
            client.close()
        return {
            "provider": "redis",
            "config": {
                "redis_url": url,
                "collection_name": self.collection,
                "embedding_model_dims": self.dim,
            },
        }

    def ids(self, store: Any) -> list[str]:
        n = len(self.prefix)
        return [
            (k.decode() if isinstance(k, bytes) else str(k))[n:]
            for k in store.client.scan_iter(match=self.prefix + "*", count=CHUNK)
        ]

    def close(self, store: Any) -> None:
        store.client.close()
        store.client.connection_pool.disconnect()


class MilvusLite(Provider):
    """mem0's Milvus provider on a Milvus Lite file (``milvus.db`` in the store folder):
    mem0 makes the collection, AUTOINDEX on the dense vectors (cosine) and, as mem0 3
    does, a BM25 sparse field Milvus fills from each memory's text."""

    option = "milvus-lite"
    backend = "mem0 milvus-lite"
    search = "AUTOINDEX (mem0's choice), cosine"
    description = "milvus on a Milvus Lite file (mem0's provider, AUTOINDEX, cosine, BM25 field)"

    @property
    def path(self) -> Path:
        return self.directory / "milvus.db"

    def vector_store(self) -> dict[str, Any]:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.path.unlink(missing_ok=True)  # a new run's collection starts empty
        return {
            "provider": "milvus",
            "config": {
                "url": str(self.path),
                "collection_name": COLLECTION,
                "embedding_model_dims": self.dim,
                "metric_type": "COSINE",
            },
        }

    def ids(self, store: Any) -> list[str]:
        # Milvus Lite gives no server timestamp to an iterator, which then reads as of the
        # client's clock (after every write here) and warns on each use: not ours to show.
        logging.getLogger("pymilvus.client.iterator.query_iterator").setLevel(logging.ERROR)
        out: list[str] = []
        it = store.client.query_iterator(
            COLLECTION, batch_size=CHUNK, filter='id != ""', output_fields=["id"]
        )
        try:
            while rows := it.next():
                out.extend(str(r["id"]) for r in rows)
        finally:
            it.close()
        return out

    def close(self, store: Any) -> None:
        close_milvus_lite(store.client, self.path)


#: mem0's vector stores by ``--vector-store`` value.
PROVIDERS: dict[str, type[Provider]] = {p.option: p for p in (Qdrant, Pgvector, Redis, MilvusLite)}


def provider(config: RunSettings, directory: Path, dim: int) -> Provider:
    return PROVIDERS[config.stores.vector_store](directory, config, dim)


def _drop_table(dsn: str, table: str) -> None:
    """A new run's table starts empty (mem0 creates it when missing)."""
    try:
        import psycopg
    except ImportError:
        raise MissingDependencyError(
            "psycopg (mem0's pgvector driver)", "pip install -e '.[server]' (or make setup)"
        ) from None
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'DROP TABLE IF EXISTS "{table}"')
