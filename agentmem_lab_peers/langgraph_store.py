"""LangGraph's long-term memory store (the store LangMem writes to), on the bench.

A call of N items is one ``store.batch`` of N ``PutOp``s, each in its item's user
namespace ``(user_id, "memories")`` under the memory key; a call of 1 is one ``store.put``.
The store embeds: its index config (``{"dims", "embed", "fields": ["content"]}``) calls our
embedder, once per batch with every text of it. ``--langgraph-store``:

- ``memory``: ``InMemoryStore`` (dicts; brute-force cosine search);
- ``sqlite``: ``SqliteStore`` on a file in the run's stores (autocommit connection, as its
  ``from_conn_string`` opens it; one transaction per batch), vectors as BLOBs and
  sqlite-vec's distance functions (no ANN index). It loads sqlite-vec as an extension, and
  the CPython builds here lack ``enable_load_extension``: the connection is sqlean.py's
  (the standard library's sqlite3 module built with extension loading, from the package
  registry), and the result records which SQLite library ran;
- ``postgres``: ``PostgresStore`` (psycopg 3 pool, pgvector HNSW from the --hnsw-* settings,
  cosine) in a database of the store folder's own on the run's server;
- ``redis``: ``RedisStore`` (langgraph-checkpoint-redis, on redisvl) on the run's Redis
  server: a JSON document per item and one per vector, under key prefixes of the store
  folder's own, RediSearch HNSW from the --hnsw-* settings, cosine.

Every memory lives in the namespace ``("agentmem", user_id, "memories")``, and the search
over every memory asks for the prefix ``("agentmem",)``: RedisStore builds its vector
filter as ``@prefix:NAMESPACE*``, which RediSearch 2.10 (Redis Stack 7.4) refuses for the
empty namespace (``()``: "Syntax error at offset 9 near prefix"); a first label shared by
every memory is what an application on it would have to give too. The same namespaces on
every store keep the four comparable.

Integrity comes from the store itself: its namespaces are listed (``list_namespaces``), each
one's items read back (``search`` with no query), and an item counts as kept in core
memory only when its value's text has the digest of what was sent; its vector counts when
the store holds one of the embedder's dimension for it. LangGraph's store keeps no
history: ``history`` is its items (as mem0's core is its vector store). Search goes through
``store.search((), query=...)`` over every namespace; the query's vector is handed to the
store through its own query embedding (``common.QueryVectors``). Faults (``--fail-rate``)
are injected at the store's embedding call, the one boundary its API offers inside a put.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from agentmem_lab.systems import (
    Embedder,
    MemoryItem,
    MissingDependencyError,
    RunSettings,
    clear_redis,
    package_version,
)

from .common import PeerSystem, PeerTarget, fresh_database, peer_name, server_dsn, server_url

#: The releases measured (pyproject pins them; every result records the versions).
PACKAGES = (
    "langgraph",
    "langgraph-checkpoint",
    "langgraph-checkpoint-sqlite",
    "langgraph-checkpoint-postgres",
    "langgraph-checkpoint-redis",
    "redisvl",
    "sqlean.py",
)
FIELD = "content"
NAMESPACE = "memories"
#: The first label of every memory's namespace (the prefix the search over all asks for).
ROOT = "agentmem"
#: Items read back per namespace in one search (the whole namespace).
EVERY = 2**31 - 1
#: Redis keys read per pipeline.
CHUNK = 1000


def _import() -> Any:
    try:
        import langgraph.store.base as base
    except ImportError:
        raise MissingDependencyError(
            "langgraph", "pip install -e '.[peers]' (or make setup)"
        ) from None
    return base


def namespace(item: MemoryItem) -> tuple[str, str, str]:
    return (ROOT, item.user_id, NAMESPACE)


def value_of(item: MemoryItem) -> dict[str, Any]:
    return {FIELD: item.content, "agent_id": item.agent_id, "metadata": item.metadata}


class LangGraphTarget(PeerTarget):
    def __init__(
        self, config: RunSettings, directory: Path, embedder: Embedder, faults: bool
    ) -> None:
        base = _import()
        super().__init__(config, embedder, faults, "langgraph")
        self.PutOp = base.PutOp
        directory.mkdir(parents=True, exist_ok=True)
        self.kind = config.stores.langgraph_store
        self.dim = embedder.dim
        index: dict[str, Any] = {
            "dims": embedder.dim,
            "fields": [FIELD],
            "embed": lambda texts: self.embedding(texts).tolist(),
        }
        self._conn: Any = None
        self._pool: Any = None
        self._redis: Any = None
        self.sqlite_library: str | None = None
        if self.kind == "memory":
            from langgraph.store.memory import InMemoryStore

            self.store: Any = InMemoryStore(index=index)  # type: ignore[arg-type]
        elif self.kind == "sqlite":
            self.store = self._open_sqlite(directory / "langgraph.db", index)
        elif self.kind == "redis":
            self.store = self._open_redis(config, directory, index)
        else:
            self.store = self._open_postgres(config, directory, index)

    def _open_sqlite(self, path: Path, index: dict[str, Any]) -> Any:
        try:
            import sqlean
        except ImportError:
            raise MissingDependencyError(
                "sqlean.py (SQLite with extension loading)",
                "pip install -e '.[peers]' (or make setup)",
            ) from None
        from langgraph.store.sqlite import SqliteStore

        # SqliteStore reads the fields to embed from "text_fields", where IndexConfig (and the
        # memory and postgres stores) say "fields": with "fields" alone it silently embeds
        # the whole serialized value (metadata and all), and recall@10 against the text's
        # vectors fell to 0.853 at 1,000 items (langgraph#8808, open in 3.1.2).
        index = dict(index, text_fields=[FIELD])
        path.unlink(missing_ok=True)
        # As SqliteStore.from_conn_string opens it: autocommit, shared by the client threads
        # (the store serialises them with its own lock).
        self._conn = sqlean.connect(str(path), check_same_thread=False, isolation_level=None)
        self.sqlite_library = (
            f"sqlean.py {package_version('sqlean.py')} (SQLite {sqlean.sqlite_version})"
        )
        store = SqliteStore(self._conn, index=index)  # type: ignore[arg-type]
        store.setup()
        return store

    def _open_postgres(self, config: RunSettings, directory: Path, index: dict[str, Any]) -> Any:
        from langgraph.store.postgres import PostgresStore
        from psycopg.rows import dict_row
        from psycopg_pool import ConnectionPool

        dsn = fresh_database(server_dsn(config, "--langgraph-store"), directory)
        stores = config.stores
        index = dict(
            index,
            distance_type="cosine",
            ann_index_config={
                "kind": "hnsw",
                "vector_type": "vector",
                "m": stores.hnsw_connectivity,
                "ef_construction": stores.hnsw_expansion_add,
            },
        )
        # As PostgresStore.from_conn_string's pool: autocommit, no prepared statements.
        self._pool = ConnectionPool(
            dsn,
            min_size=1,
            max_size=max(2, config.concurrency + 1),
            open=True,
            kwargs={"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row},
        )
        store = PostgresStore(self._pool, index=index)  # type: ignore[arg-type]
        store.setup()
        return store

    def _open_redis(self, config: RunSettings, directory: Path, index: dict[str, Any]) -> Any:
        try:
            import redis
            from langgraph.store.redis import RedisStore
        except ImportError:
            raise MissingDependencyError(
                "langgraph-checkpoint-redis", "pip install -e '.[peers]' (or make setup)"
            ) from None
        name = peer_name(directory)
        # Also its indexes' names. No ":" in them: the store reads a document's id as the
        # second ":"-separated part of its key (with "x:store" its searches found nothing).
        self.prefixes = (f"{name}_store", f"{name}_vectors")
        stores = config.stores
        index = dict(
            index,
            distance_type="cosine",
            ann_index_config={
                "algorithm": "hnsw",
                "m": stores.hnsw_connectivity,
                "ef_construction": stores.hnsw_expansion_add,
                "ef_runtime": stores.hnsw_expansion_search,
            },
        )
        # As RedisStore.from_conn_string connects: redis-py's client, a connection pool
        # shared by the client threads.
        self._redis = redis.Redis.from_url(server_url(config, "--langgraph-store"))
        clear_redis(self._redis, [p + ":" for p in self.prefixes], self.prefixes)
        store = RedisStore(
            self._redis, index=index,  # type: ignore[arg-type]
            store_prefix=self.prefixes[0], vector_prefix=self.prefixes[1],
        )  # fmt: skip
        store.setup()
        return store

    def write(self, items: Sequence[MemoryItem]) -> None:
        if len(items) == 1:
            (item,) = items
            self.store.put(namespace(item), str(item.key), value_of(item))
        else:
            self.store.batch([self.PutOp(namespace(i), str(i.key), value_of(i)) for i in items])

    #: A user's memories are their namespace, ``(ROOT, user_id, "memories")``: the store's
    #: own namespace prefix filter.
    user_filter = "native"

    def hits(self, query: str, k: int, user: str | None = None) -> list[tuple[int, float]]:
        prefix = (ROOT,) if user is None else (ROOT, user, NAMESPACE)
        return [
            (int(hit.key), 1.0 - float(hit.score))
            for hit in self.store.search(prefix, query=query, limit=k)
        ]

    # -- reading back, from the store itself -----------------------------------------

    def _items(self) -> set[int]:
        """Keys whose stored value holds the text that was sent (an unknown key counts:
        it is an orphan)."""
        if self.kind == "redis":  # RediSearch caps a search's LIMIT: read the documents
            return {
                key
                for key, value in self._redis_docs(self.prefixes[0], "$.key", "$.value")
                if self.kept(key, str((value or {}).get(FIELD, "")))
            }
        kept: set[int] = set()
        for ns in self.store.list_namespaces(limit=EVERY):
            for item in self.store.search(ns, limit=EVERY):
                if self.kept(int(item.key), str(item.value.get(FIELD, ""))):
                    kept.add(int(item.key))
        return kept

    def _vectors(self) -> set[int]:
        """Keys with a vector of the embedder's dimension in the store's own index."""
        if self.kind == "memory":
            return {
                int(key)
                for by_key in self.store._vectors.values()
                for key, fields in by_key.items()
                if len(fields.get(FIELD, ())) == self.dim
            }
        if self.kind == "redis":
            return {
                key
                for key, size in self._redis_docs(self.prefixes[1], "$.key", None)
                if size == self.dim
            }
        if self.kind == "sqlite":
            rows = self._conn.execute(
                "SELECT key, length(embedding) FROM store_vectors WHERE field_name = ?", (FIELD,)
            ).fetchall()
            return {int(k) for k, size in rows if size == 4 * self.dim}
        with self._pool.connection() as conn:
            rows = conn.execute(
                "SELECT key, vector_dims(embedding) AS dims FROM store_vectors "
                "WHERE field_name = %s",
                (FIELD,),
            ).fetchall()
        return {int(r["key"]) for r in rows if r["dims"] == self.dim}

    def _redis_docs(self, prefix: str, key: str, value: str | None) -> list[tuple[int, Any]]:
        """(memory key, the field at ``value``) of every JSON document under ``prefix``;
        with ``value`` None, the length of its embedding instead."""
        names = list(self._redis.scan_iter(match=prefix + ":*", count=CHUNK))
        out: list[tuple[int, Any]] = []
        for i in range(0, len(names), CHUNK):
            pipe = self._redis.pipeline(transaction=False)
            for name in names[i : i + CHUNK]:
                if value is None:
                    pipe.json().get(name, key)
                    pipe.json().arrlen(name, "$.embedding")
                else:
                    pipe.json().get(name, key, value)
            replies = pipe.execute()
            if value is None:
                for got, sizes in zip(replies[::2], replies[1::2]):
                    out.append((int(got[0]), (sizes or [None])[0]))
            else:
                out.extend((int(got[key][0]), got[value][0]) for got in replies)
        return out

    async def store_keys(self) -> dict[str, set[int]]:
        items = await self.clients.run(self._items)
        vectors = await self.clients.run(self._vectors)
        return {"core": items, "vector": vectors, "history": items}

    async def finish(self) -> dict[str, Any] | None:
        return {
            "backend": f"langgraph {self.kind}",
            "insert_s": 0.0,
            "check_s": 0.0,
            "optimize_s": 0.0,
            "load_s": 0.0,
            "vectors": len(self.sent),
            "insert_vectors_per_s": None,
            "durability": {
                "memory": "none (in memory)",
                "sqlite": "commit per batch",
                "postgres": "commit per batch (synchronous_commit on)",
                "redis": "the server's AOF (appendfsync as recorded with the server)",
            }[self.kind],
            "search": {
                "memory": "exact",
                "sqlite": "exact (sqlite-vec distances)",
                "postgres": "hnsw",
                "redis": "hnsw (RediSearch)",
            }[self.kind],
        }

    async def close(self) -> None:
        self.clients.close()
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if self._pool is not None:
            self._pool.close()
            self._pool = None
        if self._redis is not None:
            self._redis.close()
            self._redis.connection_pool.disconnect()
            self._redis = None

    def settings(self) -> dict[str, Any]:
        return {
            "system": "langgraph",
            "store": {
                "memory": "InMemoryStore",
                "sqlite": "SqliteStore",
                "postgres": "PostgresStore (psycopg 3 pool, pgvector hnsw, cosine)",
                "redis": "RedisStore (redis-py pool, RediSearch hnsw, cosine, JSON documents)",
            }[self.kind],
            "versions": {p: package_version(p) for p in PACKAGES},
            "add": "store.batch([PutOp(namespace, key, value)]) (one item: store.put)",
            "namespace": f"({ROOT!r}, user_id, 'memories')",
            "index_fields": [FIELD],
            "embedding": "the store calls our embedder, once per batch",
            "index_config_fields": "text_fields" if self.kind == "sqlite" else "fields",
            "sqlite_library": self.sqlite_library,
            "history": "none: LangGraph's store keeps no history (history = its items)",
            "fault_damage": self.damage.record(),
            "faults": "at the store's embedding call (no boundary between row and vector)",
            "search": f"store.search(({ROOT!r},), query=...) over every namespace",
        }


class LangGraph(PeerSystem):
    name = "langgraph"
    description = (
        "LangGraph's long-term memory store: store.batch of PutOps "
        "(--langgraph-store memory|sqlite|postgres|redis), the store embedding with "
        "our embedder"
    )
    package = "langgraph"
    requires = PACKAGES[1:]
    option = "--langgraph-store"
    target = LangGraphTarget

    def uses_server(self, config: RunSettings) -> bool:
        return config.stores.langgraph_store == "postgres"

    def uses_redis(self, config: RunSettings) -> bool:
        return config.stores.langgraph_store == "redis"
