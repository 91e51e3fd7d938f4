"""The stores on a Redis server (with RediSearch), through redis-py: core memory and history
as a hash per item (``--core-store redis``, ``--history-store redis``) and vectors as a
hash per item indexed by RediSearch (``--vector-store redis``: an HNSW index from the
``--hnsw-*`` settings; ``redis-flat``: a FLAT index, every vector compared).

A store folder's keys live under a prefix of their own (``agentmem_<digest of the
folder>:``), so a run's warm-up, its stores and each shard stay apart on one server, and
``--redis-url`` touches nothing else. A new folder (no ``redis.json`` marker) starts by
deleting its prefix's keys; a folder reopened (``verify``) keeps them.

One write is one command (``HSET``; a vector ``HSETNX``, which refuses a stored key). A
bulk write is one ``MULTI``/``EXEC`` transaction per store, pipelined: all or nothing.
Core memory and history use an asyncio connection pool (one connection per call in
flight); the vector store, like every vector store here, makes its calls from one worker
thread. A write is durable as the server's append-only file is: within a second
(``appendfsync everysec``, the default of the bench's own server) or at once (``always``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

from agentmem_lab.core.environment import package_version
from agentmem_lab.core.errors import MissingDependencyError, ServerError, StoreWriteError
from agentmem_lab.items import MemoryItem
from agentmem_lab.stores.base import CoreMemory, Store, folder_namespace
from agentmem_lab.stores.rows import CORE_COLUMNS, HISTORY_COLUMNS, core_row, history_row
from agentmem_lab.stores.vector import StoreSettings, VectorStore

#: Connections a store's pool opens at most (made only as calls need them).
POOL_MAX = 32
#: The marker of a store folder whose keys exist (``verify`` reopens it).
MARKER = "redis.json"
DRIVER = "redis"
#: The protocol the clients speak (RESP3: replies as maps; redis-py 8's default, pinned).
PROTOCOL = 3
#: Keys read or deleted per command.
CHUNK = 1000


def redis_module() -> Any:
    try:
        import redis
    except ImportError:
        raise MissingDependencyError(
            "redis (the Redis stores' client)", "pip install -e '.[server]' (or make setup)"
        ) from None
    return redis


def url_of(settings: StoreSettings) -> str:
    if not settings.redis_url:
        raise ServerError(
            "the redis stores need a server: pass --redis-url, or run through "
            "agentmem-lab run / sweep, which start one"
        )
    return settings.redis_url


def prefix_of(directory: str | Path) -> str:
    """The key prefix of a store folder's keys."""
    return folder_namespace(directory) + ":"


def _fresh(directory: Path) -> bool:
    directory.mkdir(parents=True, exist_ok=True)
    return not (directory / MARKER).exists()


def _mark(directory: Path, prefix: str) -> None:
    (directory / MARKER).write_text(json.dumps({"prefix": prefix}) + "\n", encoding="utf-8")


def refused(store: str, exc: BaseException) -> Exception:
    """ServerError when the server cannot be reached, StoreWriteError otherwise."""
    redis = redis_module()
    if isinstance(exc, (OSError, redis.ConnectionError, redis.TimeoutError)):
        return ServerError(f"{store} store: cannot reach the Redis server: {exc}")
    return StoreWriteError(store, f"redis: {type(exc).__name__}: {exc}")


def clear(client: Any, prefixes: Sequence[str], indexes: Sequence[str] = ()) -> None:
    """Drop ``indexes`` (RediSearch) and delete every key under ``prefixes``, through a
    synchronous redis-py client: what a new store folder does to a server's space of its
    own (the peers' stores on Redis use it too)."""
    redis = redis_module()
    for index in indexes:
        try:
            client.execute_command("FT.DROPINDEX", index)
        except redis.ResponseError:
            pass  # no such index
    for prefix in prefixes:
        batch: list[Any] = []
        for key in client.scan_iter(match=prefix + "*", count=CHUNK):
            batch.append(key)
            if len(batch) >= CHUNK:
                client.unlink(*batch)
                batch = []
        if batch:
            client.unlink(*batch)


def server_settings(info: dict[str, Any]) -> dict[str, Any]:
    """What of ``INFO`` and ``CONFIG`` matters to a write's cost, recorded with a result."""
    keep = ("redis_version", "aof_enabled", "maxmemory_policy", "io_threads_active")
    return {k: info[k] for k in keep if k in info}


class _RedisHashStore(Store):
    """A hash per item (``PREFIX:NAME:KEY``) of a row's columns, on the server."""

    columns: ClassVar[tuple[str, ...]] = ()

    def __init__(self, directory: str | Path, settings: StoreSettings) -> None:
        self.directory = Path(directory)
        self.settings_ = settings
        self.prefix = prefix_of(directory) + self.name + ":"
        self.client: Any = None
        self.server: dict[str, Any] = {}

    @staticmethod
    def row(item: MemoryItem) -> tuple[Any, ...]:
        raise NotImplementedError

    def fields(self, item: MemoryItem) -> dict[str, Any]:
        """The item's hash: its row's columns (a None left out, as Redis stores no null)."""
        return {c: v for c, v in zip(self.columns, self.row(item), strict=True) if v is not None}

    async def open(self) -> None:
        redis = redis_module()
        fresh = _fresh(self.directory)
        pool = redis.asyncio.BlockingConnectionPool.from_url(
            url_of(self.settings_), max_connections=POOL_MAX, protocol=PROTOCOL
        )
        self.client = redis.asyncio.Redis(connection_pool=pool)
        try:
            if fresh:
                await self._delete_prefix()
            self.server = server_settings(await self.client.info())
        except Exception as exc:
            await self.close()
            raise refused(self.name, exc) from None
        if fresh:
            _mark(self.directory, prefix_of(self.directory))

    async def _delete_prefix(self) -> None:
        batch: list[Any] = []
        async for key in self.client.scan_iter(match=self.prefix + "*", count=CHUNK):
            batch.append(key)
            if len(batch) >= CHUNK:
                await self.client.unlink(*batch)
                batch = []
        if batch:
            await self.client.unlink(*batch)

    async def close(self) -> None:
        client, self.client = self.client, None
        if client is not None:
            await client.aclose()
            await client.connection_pool.disconnect()

    def require(self) -> Any:
        if self.client is None:
            raise StoreWriteError(self.name, "store is not open")
        return self.client

    async def write(self, item: MemoryItem, vector: npt.NDArray[np.float32]) -> None:
        try:
            await self.require().hset(f"{self.prefix}{item.key}", mapping=self.fields(item))
        except StoreWriteError:
            raise
        except Exception as exc:
            raise refused(self.name, exc) from None

    async def write_many(
        self, items: Sequence[MemoryItem], vectors: npt.NDArray[np.float32] | None
    ) -> set[int]:
        if not items:
            return set()
        try:
            async with self.require().pipeline(transaction=True) as pipe:
                for item in items:
                    pipe.hset(f"{self.prefix}{item.key}", mapping=self.fields(item))
                await pipe.execute()
        except StoreWriteError:
            raise
        except Exception as exc:
            raise refused(self.name, exc) from None
        return set()

    async def delete_many(self, keys: Sequence[int]) -> None:
        names = [f"{self.prefix}{int(k)}" for k in keys]
        for i in range(0, len(names), CHUNK):
            await self.require().unlink(*names[i : i + CHUNK])

    async def keys(self) -> set[int]:
        n = len(self.prefix)
        return {
            int(key[n:])
            async for key in self.require().scan_iter(match=self.prefix + "*", count=CHUNK)
        }

    async def round_trip(self) -> None:
        """One ``PING``: the floor under every write."""
        await self.require().ping()

    def settings(self) -> dict[str, Any]:
        return {
            "server": "redis",
            "server_settings": self.server,
            "driver": DRIVER,
            "driver_version": package_version(DRIVER),
            "prefix": self.prefix,
            "layout": "a hash per item",
            "pool_max": POOL_MAX,
            "bulk": "MULTI/EXEC, pipelined",
        }


class RedisCoreStore(_RedisHashStore, CoreMemory):
    """Core memory on the server: one persona block (a hash) per memory item."""

    name = "core"
    columns = CORE_COLUMNS
    row = staticmethod(core_row)

    async def contents_of(self, keys: Sequence[int]) -> dict[int, str]:
        out: dict[int, str] = {}
        wanted = [int(k) for k in keys]
        for i in range(0, len(wanted), CHUNK):
            part = wanted[i : i + CHUNK]
            async with self.require().pipeline(transaction=False) as pipe:
                for k in part:
                    pipe.hget(f"{self.prefix}{k}", "content")
                found = await pipe.execute()
            out.update({k: v.decode() for k, v in zip(part, found, strict=True) if v is not None})
        return out


class RedisHistoryStore(_RedisHashStore):
    """History on the server: an ADD event (a hash) per memory item."""

    name = "history"
    columns = HISTORY_COLUMNS
    row = staticmethod(history_row)


class RedisVectorStore(VectorStore):
    """Vectors as hashes (``PREFIX:vector:KEY``, field ``v``: float32 bytes) under a
    RediSearch index (``FT.CREATE``, cosine; HNSW with ``M``, ``EF_CONSTRUCTION`` and
    ``EF_RUNTIME`` from the HNSW settings). The index is updated as each hash is written,
    so a write is searchable, and durable as the AOF is, when it returns."""

    backend = "redis"
    package = DRIVER
    server: ClassVar[str] = "redis"
    refuses_duplicates = True  # HSETNX refuses a stored key; a bulk write is undone whole
    search_kind = "hnsw"
    algorithm = "HNSW"
    _client: Any = None

    def __init__(self, directory: str | Path, settings: StoreSettings, ndim: int) -> None:
        super().__init__(directory, settings, ndim)
        self.prefix = prefix_of(directory) + "vector:"
        self.index = prefix_of(directory) + "index"
        self.server_info: dict[str, Any] = {}

    def _index_args(self) -> list[Any]:
        s = self.settings_
        params: list[Any] = ["TYPE", "FLOAT32", "DIM", self.ndim, "DISTANCE_METRIC", "COSINE"]
        if self.algorithm == "HNSW":
            params += ["M", s.hnsw_connectivity, "EF_CONSTRUCTION", s.hnsw_expansion_add]
            params += ["EF_RUNTIME", s.hnsw_expansion_search]
        return [
            "FT.CREATE", self.index, "ON", "HASH", "PREFIX", 1, self.prefix,
            "SCHEMA", "v", "VECTOR", self.algorithm, len(params), *params,
        ]  # fmt: skip

    def _open(self) -> None:
        redis = redis_module()
        fresh = _fresh(self.directory)
        self._client = redis.Redis.from_url(url_of(self.settings_), protocol=PROTOCOL)
        try:
            if fresh:
                clear(self._client, [self.prefix], [self.index])
            try:
                self._client.execute_command(*self._index_args())
            except redis.ResponseError as exc:
                if "already exists" not in str(exc).lower():
                    raise
            self.server_info = server_settings(self._client.info())
        except Exception as exc:
            self._close()
            raise refused(self.name, exc) from None
        if fresh:
            _mark(self.directory, prefix_of(self.directory))

    def _close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            client.close()

    def _refused(self, exc: BaseException) -> Exception:
        return refused(self.name, exc)

    def _present(self, keys: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
        wanted = [int(k) for k in keys]
        found: list[int] = []
        for i in range(0, len(wanted), CHUNK):
            part = wanted[i : i + CHUNK]
            pipe = self._client.pipeline(transaction=False)
            for k in part:
                pipe.exists(f"{self.prefix}{k}")
            found += [k for k, there in zip(part, pipe.execute(), strict=True) if there]
        return np.asarray(sorted(found), dtype=np.uint64)

    def _add(self, keys: npt.NDArray[np.uint64], vectors: npt.NDArray[np.float32]) -> None:
        names = [f"{self.prefix}{int(k)}" for k in keys]
        if len(names) == 1:
            if not self._client.hsetnx(names[0], "v", vectors[0].tobytes()):
                raise StoreWriteError(self.name, f"redis: key {int(keys[0])} already stored")
            return
        pipe = self._client.pipeline(transaction=True)
        for name, v in zip(names, vectors, strict=True):
            pipe.hsetnx(name, "v", v.tobytes())
        added = pipe.execute()
        if not all(added):
            self._client.unlink(*[n for n, new in zip(names, added, strict=True) if new])
            raise StoreWriteError(self.name, "redis: a key already stored; the write undone")

    def _remove(self, keys: npt.NDArray[np.uint64]) -> None:
        names = [f"{self.prefix}{int(k)}" for k in keys]
        for i in range(0, len(names), CHUNK):
            self._client.unlink(*names[i : i + CHUNK])

    def _keys(self) -> Any:
        n = len(self.prefix)
        return [int(k[n:]) for k in self._client.scan_iter(match=self.prefix + "*", count=CHUNK)]

    def _search(self, queries: npt.NDArray[np.float32], k: int) -> Sequence[tuple[Any, Any]]:
        rows = []
        n = len(self.prefix)
        for q in queries:
            reply = self._client.execute_command(
                "FT.SEARCH", self.index, f"*=>[KNN {k} @v $q AS d]",
                "PARAMS", 2, "q", np.asarray(q, np.float32).tobytes(),
                "SORTBY", "d", "RETURN", 1, "d", "LIMIT", 0, k, "DIALECT", 2,
            )  # fmt: skip
            hits = reply[b"results"]  # RESP3 (the protocol the clients ask for)
            rows.append(
                (
                    [int(h[b"id"][n:]) for h in hits],
                    [float(h[b"extra_attributes"][b"d"]) for h in hits],
                )
            )
        return rows

    def backend_settings(self) -> dict[str, Any]:
        s = self.settings_
        out: dict[str, Any] = {
            "index": self.algorithm,
            "prefix": self.prefix,
            "server_settings": self.server_info,
            "layout": "a hash per vector, float32 bytes",
            "bulk": "MULTI/EXEC of HSETNX, pipelined",
        }
        if self.algorithm == "HNSW":
            out.update(
                m=s.hnsw_connectivity,
                ef_construction=s.hnsw_expansion_add,
                ef_runtime=s.hnsw_expansion_search,
            )
        return out


class RedisFlatStore(RedisVectorStore):
    """Redis with a FLAT index: every search compares every vector (exact)."""

    backend = "redis-flat"
    search_kind = "exact"
    algorithm = "FLAT"


__all__ = [
    "MARKER",
    "POOL_MAX",
    "RedisCoreStore",
    "RedisFlatStore",
    "RedisHistoryStore",
    "RedisVectorStore",
    "clear",
    "prefix_of",
]
