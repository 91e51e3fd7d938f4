"""The three stores of the write path, each opened on a directory.

- ``CoreStore``: persona blocks in SQLite (``core.db``) through aiosqlite;
- ``VectorStore``: a usearch HNSW index (cosine) keyed by memory key, saved as ``vectors.usearch``;
- ``HistoryStore``: ADD events in SQLite (``history.db``, apart, as AgentMem keeps it).

Every store has the same small interface: ``open``, ``write`` (one item), ``write_many``
(one bulk write, atomic), ``delete_many`` (undo), ``keys`` and ``close``. ``Simulated*``
stores sleep the seed's latencies instead of working.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
from abc import ABC, abstractmethod
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Awaitable, Callable, Sequence, TypeVar

import numpy as np
import numpy.typing as npt

from . import seedmodel, simclock
from .errors import ConfigError, MissingDependencyError, StorageError, StoreWriteError
from .native import import_usearch_index
from .records import HistoryEvent, MemoryItem

T = TypeVar("T")

_SYNCHRONOUS = ("OFF", "NORMAL", "FULL", "EXTRA")
_DTYPES = ("f32", "f16", "bf16", "i8")


@dataclass(frozen=True)
class StoreSettings:
    """Every knob of the stores, recorded with each result.

    The usearch defaults (i8, connectivity 16, expansion_add 64) were the fastest settings
    tried that kept self-recall at 1.000 and recall@10 near 1 on this project's corpus
    (bulk-1000, 20,000 items; expansion_add 32 lost 2-3 % of recall, f32 was slower and
    no more accurate). Every run measures recall again, so a setting that costs recall shows it.
    """

    sqlite_synchronous: str = "NORMAL"
    usearch_dtype: str = "i8"
    usearch_connectivity: int = 16
    usearch_expansion_add: int = 64
    usearch_expansion_search: int = 64
    usearch_threads: int = 0  # 0: usearch uses every core for a batch add

    def __post_init__(self) -> None:
        if self.sqlite_synchronous.upper() not in _SYNCHRONOUS:
            raise ConfigError("--sqlite-synchronous", f"must be one of {', '.join(_SYNCHRONOUS)}, "
                              f"got {self.sqlite_synchronous!r}")
        object.__setattr__(self, "sqlite_synchronous", self.sqlite_synchronous.upper())
        if self.usearch_dtype not in _DTYPES:
            raise ConfigError("--usearch-dtype", f"must be one of {', '.join(_DTYPES)}, "
                              f"got {self.usearch_dtype!r}")
        for name in ("usearch_connectivity", "usearch_expansion_add", "usearch_expansion_search"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 2:
                raise ConfigError("--" + name.replace("_", "-"), f"must be an integer >= 2, got {value!r}")
        if not isinstance(self.usearch_threads, int) or self.usearch_threads < 0:
            raise ConfigError("--usearch-threads", f"must be an integer >= 0, got {self.usearch_threads!r}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class Store(ABC):
    """One store of the write path. Writes either succeed whole or leave nothing behind."""

    name: str = "store"

    async def open(self) -> None:
        """Open (and create) the store; a reopened store holds what was committed."""

    async def close(self) -> None:
        """Flush and close. Idempotent."""

    @abstractmethod
    def write(self, item: MemoryItem, vector: npt.NDArray[np.float32]) -> Awaitable[None]:
        """Store one item; raises StoreWriteError, having stored nothing, on failure.
        (Usually a coroutine; a store may return a future, its pending reply, instead.)"""

    @abstractmethod
    def write_many(self, items: Sequence[MemoryItem],
                   vectors: npt.NDArray[np.float32] | None) -> Awaitable[set[int]]:
        """Store many items in one bulk write (one transaction or one batch add).

        ``vectors`` has one row per item; stores that keep no vectors (core memory,
        history) take ``None``, so their writes need not wait for the embedder.

        Returns the keys of items that were not stored (empty when all were); raises
        StoreWriteError, having stored none of them, when the whole write failed.
        """

    @abstractmethod
    async def delete_many(self, keys: Sequence[int]) -> None:
        """Remove items by key (undo of a partial write). Missing keys are ignored."""

    @abstractmethod
    async def keys(self) -> set[int]:
        """The keys of every item stored."""

    def settings(self) -> dict[str, Any]:
        return {}


# SQLite result codes that mean the machine, not the item, refused the write.
_SQLITE_ENVIRONMENT = {13: "no space left on device (SQLITE_FULL)", 10: "I/O error (SQLITE_IOERR)",
                       8: "read-only (SQLITE_READONLY)", 14: "cannot open the file (SQLITE_CANTOPEN)",
                       3: "permission denied (SQLITE_PERM)"}


def storage_cause(directory: Path, exc: BaseException) -> str:
    """Why a file under ``directory`` could not be written, in words (errno when known)."""
    errno_ = getattr(exc, "errno", None)
    if errno_:
        return os.strerror(errno_)
    try:
        if shutil.disk_usage(directory).free < 1 << 20:
            return "no space left on device"
    except OSError:
        pass
    if not os.access(directory, os.W_OK):
        return "permission denied or read-only file system"
    return f"{type(exc).__name__}: {exc}"


class _SqliteStore(Store):
    """A table in its own SQLite file, through one aiosqlite connection, WAL mode."""

    filename = ""
    ddl = ""
    insert_sql = ""
    table = ""

    def __init__(self, directory: str | Path, settings: StoreSettings) -> None:
        self.path = Path(directory) / self.filename
        self.synchronous = settings.sqlite_synchronous
        self._db: Any = None
        # Single-row writes run in autocommit; a bulk write is BEGIN..COMMIT. The lock keeps
        # a single-row write from landing inside (and being rolled back with) a bulk one.
        self._lock = asyncio.Lock()

    @staticmethod
    def row(item: MemoryItem) -> tuple[Any, ...]:
        raise NotImplementedError

    async def open(self) -> None:
        try:
            import aiosqlite
        except ImportError:  # pragma: no cover - a core dependency
            raise MissingDependencyError("aiosqlite", "pip install aiosqlite") from None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = await aiosqlite.connect(self.path, isolation_level=None)
        await self._db.execute("PRAGMA journal_mode=WAL")
        await self._db.execute(f"PRAGMA synchronous={self.synchronous}")
        await self._db.execute(self.ddl)

    async def close(self) -> None:
        if self._db is not None:
            db, self._db = self._db, None
            await db.close()

    def _require(self) -> Any:
        if self._db is None:
            raise StoreWriteError(self.name, "store is not open")
        return self._db

    def _refused(self, exc: sqlite3.Error) -> Exception:
        """The error to raise: StorageError when the machine refused, else StoreWriteError."""
        code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
        if code in _SQLITE_ENVIRONMENT:
            return StorageError(f"{self.name} store", str(self.path), _SQLITE_ENVIRONMENT[code])
        return StoreWriteError(self.name, f"{type(exc).__name__}: {exc}")

    async def write(self, item: MemoryItem, vector: npt.NDArray[np.float32]) -> None:
        db = self._require()
        async with self._lock:
            try:
                await db.execute(self.insert_sql, self.row(item))
            except sqlite3.Error as exc:
                raise self._refused(exc) from None

    async def write_many(self, items: Sequence[MemoryItem],
                         vectors: npt.NDArray[np.float32] | None) -> set[int]:
        db = self._require()
        rows = [self.row(item) for item in items]
        async with self._lock:
            try:
                await db.execute("BEGIN")
                await db.executemany(self.insert_sql, rows)
                await db.execute("COMMIT")
            except sqlite3.Error as exc:
                if db.in_transaction:
                    await db.execute("ROLLBACK")
                raise self._refused(exc) from None
        return set()

    async def delete_many(self, keys: Sequence[int]) -> None:
        if not keys:
            return
        db = self._require()
        async with self._lock:
            await db.executemany(f"DELETE FROM {self.table} WHERE key = ?",
                                 [(int(k),) for k in keys])

    async def keys(self) -> set[int]:
        db = self._require()
        rows = await db.execute_fetchall(f"SELECT key FROM {self.table}")
        return {int(r[0]) for r in rows}

    def settings(self) -> dict[str, Any]:
        return {"journal_mode": "WAL", "synchronous": self.synchronous}


class CoreStore(_SqliteStore):
    """Core memory: one persona block per memory item."""

    name = "core"
    filename = "core.db"
    table = "persona_blocks"
    ddl = """CREATE TABLE IF NOT EXISTS persona_blocks (
        id TEXT PRIMARY KEY, key INTEGER NOT NULL, agent_id TEXT NOT NULL, user_id TEXT NOT NULL,
        memory_type TEXT NOT NULL, content TEXT NOT NULL, content_hash TEXT NOT NULL,
        metadata TEXT NOT NULL, created_at REAL NOT NULL)"""
    insert_sql = "INSERT INTO persona_blocks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"

    @staticmethod
    def row(item: MemoryItem) -> tuple[Any, ...]:
        return (item.id, item.key, item.agent_id, item.user_id, item.memory_type,
                item.content, item.content_hash, item.metadata_json, item.created_at)

    async def contents_of(self, keys: Sequence[int]) -> dict[int, str]:
        """Content of the given keys (one scan, linear; for rebuilding vectors after a crash)."""
        if not keys:
            return {}
        wanted = {int(k) for k in keys}
        db = self._require()
        rows = await db.execute_fetchall("SELECT key, content FROM persona_blocks")
        return {int(k): c for k, c in rows if int(k) in wanted}


class HistoryStore(_SqliteStore):
    """History: an ADD event per memory item."""

    name = "history"
    filename = "history.db"
    table = "history"
    ddl = """CREATE TABLE IF NOT EXISTS history (
        id TEXT PRIMARY KEY, memory_id TEXT NOT NULL, key INTEGER NOT NULL, event TEXT NOT NULL,
        old_value TEXT, new_value TEXT, created_at REAL NOT NULL)"""
    insert_sql = "INSERT INTO history VALUES (?, ?, ?, ?, ?, ?, ?)"

    @staticmethod
    def row(item: MemoryItem) -> tuple[Any, ...]:
        e = HistoryEvent.add(item)
        return (e.id, e.memory_id, item.key, e.event, e.old_value, e.new_value, e.created_at)


class VectorStore(Store):
    """A usearch HNSW index, cosine metric, keyed by memory key.

    All index calls run on one worker thread (usearch releases the GIL), so the event
    loop stays free and writes never race. ``close`` saves to ``vectors.usearch``;
    ``open`` reloads it.
    """

    name = "vector"
    filename = "vectors.usearch"

    def __init__(self, directory: str | Path, settings: StoreSettings, ndim: int) -> None:
        self.path = Path(directory) / self.filename
        self.settings_ = settings
        self.ndim = ndim
        self._index: Any = None
        self._pool: ThreadPoolExecutor | None = None

    async def _call(self, fn: Callable[..., T], *args: Any) -> T:
        if self._pool is None or self._index is None:
            raise StoreWriteError(self.name, "store is not open")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, fn, *args)

    async def open(self) -> None:
        Index = import_usearch_index().Index
        s = self.settings_
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._index = Index(ndim=self.ndim, metric="cos", dtype=s.usearch_dtype,
                            connectivity=s.usearch_connectivity,
                            expansion_add=s.usearch_expansion_add,
                            expansion_search=s.usearch_expansion_search)
        if self.path.exists():
            self._index.load(str(self.path))
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="usearch")

    async def save(self) -> None:
        """Write the index to disk atomically (a temporary file, then rename). A failed save
        removes its temporary file and leaves the last saved index (or none) in place, so
        ``verify`` can rebuild what is missing; it raises StorageError saying why."""
        tmp = self.path.with_suffix(".usearch.tmp")
        try:
            await self._call(self._index.save, str(tmp))
            os.replace(tmp, self.path)
        except StoreWriteError:
            raise
        except Exception as exc:  # usearch raises a bare RuntimeError("Failed to serialize")
            tmp.unlink(missing_ok=True)
            raise StorageError("vector store", str(self.path),
                               storage_cause(self.path.parent, exc)) from None

    async def close(self) -> None:
        if self._index is not None and self._pool is not None:
            try:
                await self.save()
            finally:
                self._pool.shutdown(wait=True)
                self._index, self._pool = None, None

    def _add_one(self, key: int, vector: npt.NDArray[np.float32]) -> None:
        self._index.add(key, vector)

    async def write(self, item: MemoryItem, vector: npt.NDArray[np.float32]) -> None:
        try:
            await self._call(self._add_one, item.key, vector)
        except StoreWriteError:
            raise
        except Exception as exc:
            raise StoreWriteError(self.name, f"{type(exc).__name__}: {exc}") from None

    def _add_many(self, keys: npt.NDArray[np.uint64], vectors: npt.NDArray[np.float32]) -> None:
        present = keys[np.asarray(self._index.contains(keys), dtype=bool)] if len(self._index) \
            else keys[:0]
        if len(present):
            raise ValueError(f"{len(present)} key(s) already stored, e.g. {int(present[0])}")
        self._index.add(keys, vectors, threads=self.settings_.usearch_threads)

    async def write_many(self, items: Sequence[MemoryItem],
                         vectors: npt.NDArray[np.float32] | None) -> set[int]:
        if not items:
            return set()
        if vectors is None:
            raise StoreWriteError(self.name, "a bulk write to the vector index needs vectors")
        keys = np.fromiter((i.key for i in items), dtype=np.uint64, count=len(items))
        await self.add_vectors(keys, vectors)
        return set()

    async def add_vectors(self, keys: npt.NDArray[np.uint64],
                          vectors: npt.NDArray[np.float32]) -> None:
        """One batch add of vectors by key; all or nothing."""
        if len(np.unique(keys)) != len(keys):
            raise StoreWriteError(self.name, "duplicate ids within one bulk write")
        try:
            await self._call(self._add_many, keys, vectors)
        except StoreWriteError:
            raise
        except Exception as exc:
            raise StoreWriteError(self.name, f"{type(exc).__name__}: {exc}") from None

    def _remove(self, keys: list[int]) -> None:
        wanted = np.asarray(keys, dtype=np.uint64)
        present = wanted[np.asarray(self._index.contains(wanted), dtype=bool)]
        if len(present):
            self._index.remove(present)

    async def delete_many(self, keys: Sequence[int]) -> None:
        if keys:
            await self._call(self._remove, [int(k) for k in keys])

    async def keys(self) -> set[int]:
        # One call for every key: iterating the index's keys one by one is quadratic
        # (20,000 keys: 0.98 s one by one, 0.4 ms as one array).
        return await self._call(lambda: set(np.asarray(self._index.keys, dtype=np.uint64).tolist()))

    async def search(self, queries: npt.NDArray[np.float32], k: int,
                     exact: bool = False) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.float32]]:
        """Top-``k`` keys and cosine distances for each query row."""
        def run() -> tuple[Any, Any]:
            m = self._index.search(queries, k, exact=exact)
            return np.atleast_2d(m.keys), np.atleast_2d(m.distances)
        return await self._call(run)

    def settings(self) -> dict[str, Any]:
        s = self.settings_
        return {"metric": "cos", "ndim": self.ndim, "dtype": s.usearch_dtype,
                "connectivity": s.usearch_connectivity, "expansion_add": s.usearch_expansion_add,
                "expansion_search": s.usearch_expansion_search, "threads": s.usearch_threads}


class SimulatedStore(Store):
    """A server with the seed's latency: every request, alone or concurrent with others,
    is answered that long after it was issued (a bulk write is one request). Keeps keys.

    ``write`` and ``write_many`` return the deadline timer's future rather than a coroutine:
    like a client library that sends a request and hands back its pending reply, they need
    no task of their own, so a batch of 1,000 items costs the harness futures, not tasks.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.latency_s = seedmodel.STORE_LATENCY_MS[name] / 1000.0
        self._keys: set[int] = set()

    def write(self, item: MemoryItem, vector: npt.NDArray[np.float32]) -> Awaitable[None]:
        self._keys.add(item.key)
        return simclock.after(self.latency_s)

    def write_many(self, items: Sequence[MemoryItem],
                   vectors: npt.NDArray[np.float32] | None) -> Awaitable[set[int]]:
        self._keys.update(i.key for i in items)
        return _then_empty(simclock.after(self.latency_s))

    async def delete_many(self, keys: Sequence[int]) -> None:
        self._keys.difference_update(int(k) for k in keys)

    async def keys(self) -> set[int]:
        return set(self._keys)

    def settings(self) -> dict[str, Any]:
        return {"simulated_latency_ms": seedmodel.STORE_LATENCY_MS[self.name]}


async def _then_empty(wait: Awaitable[None]) -> set[int]:
    await wait
    return set()


class NullStore(Store):
    """A store that does nothing: its writes are coroutines that return at once, as a real
    store's would if its work cost nothing; with ``futures``, they are completed futures,
    as the simulated stores' replies are. Measures what the harness itself costs."""

    def __init__(self, name: str, futures: bool = False) -> None:
        self.name = name
        self.futures = futures

    def write(self, item: MemoryItem, vector: npt.NDArray[np.float32]) -> Awaitable[None]:
        if self.futures:
            fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            fut.set_result(None)
            return fut
        return self._nothing()

    @staticmethod
    async def _nothing() -> None:
        return None

    async def write_many(self, items: Sequence[MemoryItem],
                         vectors: npt.NDArray[np.float32] | None) -> set[int]:
        return set()

    async def delete_many(self, keys: Sequence[int]) -> None:
        return None

    async def keys(self) -> set[int]:
        return set()


@dataclass
class StoreSet:
    """The three stores of one run, opened and closed together."""

    core: Store
    vector: Store
    history: Store

    def __iter__(self) -> Any:
        return iter((self.core, self.vector, self.history))

    async def open(self) -> "StoreSet":
        opened: list[Store] = []
        try:
            for store in self:
                await store.open()
                opened.append(store)
        except BaseException:
            for store in opened:
                await store.close()
            raise
        return self

    async def close(self) -> None:
        errors: list[BaseException] = []
        for store in self:
            try:
                await store.close()
            except Exception as exc:  # close every store even if one fails
                errors.append(exc)
        if errors:
            raise errors[0]

    async def __aenter__(self) -> "StoreSet":
        return await self.open()

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()

    def settings(self) -> dict[str, Any]:
        return {s.name: s.settings() for s in self}


def real_stores(directory: str | Path, settings: StoreSettings, ndim: int) -> StoreSet:
    """Real embedded stores under ``directory``."""
    return StoreSet(CoreStore(directory, settings), VectorStore(directory, settings, ndim),
                    HistoryStore(directory, settings))


def null_stores(futures: bool = False) -> StoreSet:
    """Stores that do nothing (the harness's own cost); see ``NullStore``."""
    return StoreSet(*(NullStore(name, futures) for name in ("core", "vector", "history")))


def simulated_stores() -> StoreSet:
    """Stores that sleep the seed's latencies (core 10 ms, vector 10 ms, history 5 ms)."""
    return StoreSet(SimulatedStore("core"), SimulatedStore("vector"), SimulatedStore("history"))
