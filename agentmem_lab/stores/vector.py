"""The base of every vector-store backend (its worker thread and timing, the load split it
records, saved indexes), the vector stores' registry, and ``StoreSettings``, every knob of
the stores: the settings check the vector store's name against the registry of
``VectorStore`` subclasses, which take the settings, so the three live in one module."""

from __future__ import annotations

import asyncio
import os
import time
from abc import abstractmethod
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

from agentmem_lab import settings as declared
from agentmem_lab.core.environment import package_version
from agentmem_lab.core.errors import StorageError, StoreWriteError
from agentmem_lab.core.registry import Registry, subclass_of
from agentmem_lab.items import MemoryItem
from agentmem_lab.stores import by_user
from agentmem_lab.stores.base import Store, T, storage_cause

#: When a write is safe from a crash of the process, by durability class.
DURABILITY = {
    "write": "durable when the write returns (committed to its own log or table)",
    "save": "durable when the index is saved (optimize or close); a crash loses what was "
    "written since the last save, and `agentmem-lab verify` rebuilds it from core memory",
}


@dataclass(frozen=True)
class StoreSettings:
    """Every knob of the stores, recorded with each result (declared in ``settings``).

    The usearch defaults (f16, M 16, expansion_add 128, expansion_search 512) built the
    index fastest of the settings that kept recall@10 at 0.99 on the whole chat dataset's
    MiniLM vectors; i8 stays near 0.95 there (docs/scale.md). Every run measures recall
    again. The HNSW settings apply to every HNSW backend (usearch, faiss-hnsw, chroma)."""

    vector_store: str = field(default=declared.default("vector_store"))
    core_store: str = field(default=declared.default("core_store"))
    history_store: str = field(default=declared.default("history_store"))
    postgres_dsn: str | None = field(default=declared.default("postgres_dsn"))
    redis_url: str | None = field(default=declared.default("redis_url"))
    redis_appendfsync: str = field(default=declared.default("redis_appendfsync"))
    pg_transport: str = field(default=declared.default("pg_transport"))
    pg_synchronous_commit: str = field(default=declared.default("pg_synchronous_commit"))
    sqlite_synchronous: str = field(default=declared.default("sqlite_synchronous"))
    langgraph_store: str = field(default=declared.default("langgraph_store"))
    txtai_backend: str = field(default=declared.default("txtai_backend"))
    usearch_dtype: str = field(default=declared.default("usearch_dtype"))
    hnsw_connectivity: int = field(default=declared.default("hnsw_connectivity"))
    hnsw_expansion_add: int = field(default=declared.default("hnsw_expansion_add"))
    hnsw_expansion_search: int = field(default=declared.default("hnsw_expansion_search"))
    usearch_threads: int = field(default=declared.default("usearch_threads"))

    def __post_init__(self) -> None:
        declared.check(self, "stores")
        VECTOR_STORES.get(self.vector_store)  # the registry owns the names (and plug-ins)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def uses_postgres(self) -> bool:
        """Whether any of the three stores is on a PostgreSQL server."""
        return "postgres" in (self.core_store, self.history_store) or getattr(
            VECTOR_STORES.get(self.vector_store), "server", False
        ) in ("postgres", True)

    @property
    def uses_redis(self) -> bool:
        """Whether any of the three stores is on a Redis server."""
        return "redis" in (self.core_store, self.history_store) or (
            getattr(VECTOR_STORES.get(self.vector_store), "server", False) == "redis"
        )

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> StoreSettings:
        """From a recorded dict (former names accepted)."""
        return cls(**{declared.canonical(k): v for k, v in values.items()})


#: A search result row shorter than k is padded with this key (no item has it: keys are
#: 63-bit) and an infinite distance.
NO_KEY = np.uint64(2**64 - 1)


class VectorStore(Store):
    """The base of every vector-store backend: cosine similarity, keyed by memory key.

    Every backend call runs on one worker thread: the event loop stays free, calls never
    race, and the time the backend spends is measured where it is spent (the thread's own
    clock around each call): ``insert_s`` sums the writes, ``optimize_s`` what ``optimize``
    needs before search is ready and the data durable (index build, compaction, save), and
    ``check_s`` the duplicate checks made before the writes.

    The base checks every write before the backend sees it: the vectors' shape, finite
    values, and duplicate keys (within the write, or already stored), so that a refused
    write stores nothing. A backend implements the ``_`` methods, all called on the worker.
    """

    name = "vector"
    backend: ClassVar[str] = ""
    #: The distribution whose version is recorded with each result.
    package: ClassVar[str] = ""
    durability: ClassVar[str] = "write"
    #: "hnsw" (approximate) or "exact" (every vector compared).
    search_kind: ClassVar[str] = "hnsw"
    #: The backend itself refuses a write with a stored key, storing nothing (a primary
    #: key): the base's duplicate check is skipped.
    refuses_duplicates: ClassVar[bool] = False
    #: The database server its data lives on: "postgres" (``postgres_dsn``) or "redis"
    #: (``redis_url``); the run starts one if unset. "" for an embedded store.
    server: ClassVar[str] = ""
    #: How ``search_user`` filters to one user's memories (``by_user.FILTERS``).
    user_filter: ClassVar[str] = "over-fetch"

    def __init__(self, directory: str | Path, settings: StoreSettings, ndim: int) -> None:
        self.directory = Path(directory)
        self.settings_ = settings
        self.ndim = ndim
        self._pool: ThreadPoolExecutor | None = None
        self.insert_s = 0.0
        self.optimize_s = 0.0
        self.check_s = 0.0  # the duplicate checks before the writes: ours, not the backend's
        self.vectors_written = 0

    # -- the worker thread -------------------------------------------------------------

    async def _call(self, fn: Callable[..., T], *args: Any) -> T:
        if self._pool is None:
            raise StoreWriteError(self.name, "store is not open")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, fn, *args)

    def _timed(self, fn: Callable[..., T], *args: Any) -> tuple[T, float]:
        t0 = time.perf_counter()
        out = fn(*args)
        return out, time.perf_counter() - t0

    def _refused(self, exc: BaseException) -> Exception:
        """The error to raise for a backend failure: StorageError when the machine refused
        (an OSError), else StoreWriteError naming the backend's own error."""
        if isinstance(exc, OSError):
            return StorageError(
                f"{self.backend} vector store",
                str(self.directory),
                storage_cause(self.directory, exc),
            )
        return StoreWriteError(self.name, f"{self.backend}: {type(exc).__name__}: {exc}")

    # -- the interface -----------------------------------------------------------------

    async def open(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=self.backend)
        try:
            await self._call(self._open)
        except BaseException:
            self._pool.shutdown(wait=True)
            self._pool = None
            raise

    async def close(self) -> None:
        if self._pool is None:
            return
        try:
            try:
                await self._call(self._close)
            except StoreWriteError:
                raise
            except (StorageError, OSError, RuntimeError) as exc:
                raise (exc if isinstance(exc, StorageError) else self._refused(exc)) from None
        finally:
            self._pool.shutdown(wait=True)
            self._pool = None

    def check_vectors(
        self, keys: npt.NDArray[np.uint64], vectors: npt.NDArray[Any]
    ) -> npt.NDArray[np.float32]:
        """The vectors as float32 rows of the store's dimension; StoreWriteError if not."""
        v = np.asarray(vectors, dtype=np.float32)
        if v.ndim == 1:
            v = v[None, :]
        if v.ndim != 2 or v.shape[1] != self.ndim:
            raise StoreWriteError(
                self.name,
                f"vectors must have {self.ndim} dimensions, got shape {tuple(np.shape(vectors))}",
            )
        if v.shape[0] != len(keys):
            raise StoreWriteError(self.name, f"{len(keys)} keys but {v.shape[0]} vectors")
        if not np.isfinite(v).all():
            raise StoreWriteError(self.name, "vectors hold NaN or infinite values")
        if len(np.unique(keys)) != len(keys):
            raise StoreWriteError(self.name, "duplicate ids within one bulk write")
        return np.ascontiguousarray(v)

    async def add_vectors(self, keys: npt.NDArray[np.uint64], vectors: npt.NDArray[Any]) -> None:
        """One batch add of vectors by key; all or nothing."""
        keys = np.asarray(keys, dtype=np.uint64)
        v = self.check_vectors(keys, vectors)
        try:
            check_s, add_s = await self._call(self._guarded_add, keys, v)
        except (StoreWriteError, StorageError):
            raise
        except Exception as exc:
            raise self._refused(exc) from None
        self.check_s += check_s
        self.insert_s += add_s
        self.vectors_written += len(keys)

    def _guarded_add(
        self, keys: npt.NDArray[np.uint64], vectors: npt.NDArray[np.float32]
    ) -> tuple[float, float]:
        """The duplicate check, then the add; the seconds of each."""
        t0 = time.perf_counter()
        if not self.refuses_duplicates:
            present = self._present(keys)
            if len(present):
                raise StoreWriteError(
                    self.name, f"{len(present)} key(s) already stored, e.g. {int(present[0])}"
                )
        t1 = time.perf_counter()
        self._add(keys, vectors)
        return t1 - t0, time.perf_counter() - t1

    async def write(self, item: MemoryItem, vector: npt.NDArray[np.float32]) -> None:
        await self.add_vectors(np.array([item.key], dtype=np.uint64), vector)

    async def write_many(
        self, items: Sequence[MemoryItem], vectors: npt.NDArray[np.float32] | None
    ) -> set[int]:
        if not items:
            return set()
        if vectors is None:
            raise StoreWriteError(self.name, "a bulk write to the vector store needs vectors")
        keys = np.fromiter((i.key for i in items), dtype=np.uint64, count=len(items))
        await self.add_vectors(keys, vectors)
        return set()

    async def delete_many(self, keys: Sequence[int]) -> None:
        if len(keys):
            wanted = np.asarray([int(k) for k in keys], dtype=np.uint64)
            try:
                await self._call(self._remove, wanted)
            except StoreWriteError:
                raise
            except Exception as exc:
                raise self._refused(exc) from None

    async def keys(self) -> set[int]:
        return await self._call(lambda: set(np.asarray(self._keys(), dtype=np.uint64).tolist()))

    async def search(
        self, queries: npt.NDArray[np.float32], k: int
    ) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.float32]]:
        """Top-``k`` keys and cosine distances (1 - similarity) for each query row; rows
        with fewer than ``k`` hits are padded with ``NO_KEY`` and infinity."""
        q = np.ascontiguousarray(np.atleast_2d(np.asarray(queries, dtype=np.float32)))
        if q.shape[1] != self.ndim:
            raise StoreWriteError(
                self.name, f"queries must have {self.ndim} dimensions, got {q.shape[1]}"
            )

        return await self._call(lambda: padded(self._search(q, k), k))

    async def search_user(
        self, query: npt.NDArray[np.float32], k: int, user: str, keys: npt.NDArray[np.uint64]
    ) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.float32]]:
        """The top ``k`` of one query among one user's memories (``keys``; the store holds
        no user column), filtered the store's way (``user_filter``); padded as ``search``."""
        q = np.ascontiguousarray(np.atleast_2d(np.asarray(query, dtype=np.float32))[:1])
        wanted = np.asarray(keys, dtype=np.uint64)

        def run() -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.float32]]:
            return padded(self._search_user(q, k, wanted), k)

        return await self._call(run)

    def _search_user(
        self, query: npt.NDArray[np.float32], k: int, keys: npt.NDArray[np.uint64]
    ) -> by_user.Rows:
        """The user's top k (on the worker thread); the base over-fetches."""
        return by_user.over_fetch(self._search, query, k, keys, self.vectors_written)

    async def optimize(self) -> float:
        """Make search ready and the data durable (index build, compaction, save); returns
        the seconds it took, added to ``optimize_s``."""
        try:
            _, seconds = await self._call(self._timed, self._optimize)
        except (StoreWriteError, StorageError):
            raise
        except Exception as exc:
            raise self._refused(exc) from None
        self.optimize_s += seconds
        return seconds

    def load_figures(self) -> dict[str, Any]:
        """VectorDBBench's split of the load: insert, optimize, and their sum; and apart,
        ``check_s``, the duplicate checks the contract adds before each write (a cost of
        the all-or-nothing contract, not of the backend's write)."""
        return {
            "backend": self.backend,
            "insert_s": self.insert_s,
            "check_s": self.check_s,
            "optimize_s": self.optimize_s,
            "load_s": self.insert_s + self.optimize_s,
            "vectors": self.vectors_written,
            "insert_vectors_per_s": (
                self.vectors_written / self.insert_s if self.insert_s > 0 else None
            ),
            "durability": self.durability,
            "search": self.search_kind,
        }

    def settings(self) -> dict[str, Any]:
        return {
            "backend": self.backend,
            "package": self.package,
            "version": package_version(self.package),
            "metric": "cos",
            "ndim": self.ndim,
            "durability": self.durability,
            "search": self.search_kind,
            **self.backend_settings(),
        }

    # -- what a backend implements (on the worker thread) -------------------------------

    def backend_settings(self) -> dict[str, Any]:
        return {}

    @abstractmethod
    def _open(self) -> None: ...

    @abstractmethod
    def _close(self) -> None: ...

    @abstractmethod
    def _add(self, keys: npt.NDArray[np.uint64], vectors: npt.NDArray[np.float32]) -> None:
        """Add new keys (checked: none is stored); all or nothing."""

    @abstractmethod
    def _present(self, keys: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
        """Those of ``keys`` already stored."""

    @abstractmethod
    def _remove(self, keys: npt.NDArray[np.uint64]) -> None:
        """Remove the keys stored among ``keys``."""

    @abstractmethod
    def _keys(self) -> Any:
        """Every stored key (any sequence of integers)."""

    @abstractmethod
    def _search(self, queries: npt.NDArray[np.float32], k: int) -> Sequence[tuple[Any, Any]]:
        """Per query: keys and cosine distances, nearest first, at most ``k``."""

    def _optimize(self) -> None:
        """Whatever search readiness and durability need after the writes."""


class SavedIndexStore(VectorStore):
    """A vector store whose index lives in memory and is saved to one file (usearch,
    FAISS): durable only once saved. ``optimize`` and ``close`` save it atomically (a
    temporary file, then rename); a failed save removes its temporary file and leaves the
    last saved index (or none) in place, so ``verify`` can rebuild what is missing, and
    raises StorageError saying why. A backend writes the file (``_write``) and marks its
    changes (``_dirty``)."""

    durability = "save"
    filename = ""
    _index: Any
    _dirty = False

    @property
    def path(self) -> Path:
        return self.directory / self.filename

    @abstractmethod
    def _write(self, path: str) -> None:
        """Write the index to ``path``."""

    def _save(self) -> None:
        tmp = self.path.with_name(self.path.name + ".tmp")
        try:
            self._write(str(tmp))
            os.replace(tmp, self.path)
        except Exception as exc:  # usearch raises a bare RuntimeError("Failed to serialize")
            tmp.unlink(missing_ok=True)
            raise StorageError(
                f"{self.backend} vector store", str(self.path), storage_cause(self.directory, exc)
            ) from None
        self._dirty = False

    def _optimize(self) -> None:
        self._save()

    def _close(self) -> None:
        if self._dirty or not self.path.exists():
            self._save()
        self._index = None


def padded(rows: by_user.Rows, k: int) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.float32]]:
    """Per-query rows of keys and distances as two ``k``-wide arrays, padded with
    ``NO_KEY`` and infinity."""
    keys = np.full((len(rows), k), NO_KEY, dtype=np.uint64)
    dists = np.full((len(rows), k), np.inf, dtype=np.float32)
    for i, (rk, rd) in enumerate(rows):
        n = min(k, len(rk))
        keys[i, :n] = np.asarray(rk, dtype=np.uint64)[:n]
        dists[i, :n] = np.asarray(rd, dtype=np.float32)[:n]
    return keys, dists


def present_in(keys: npt.NDArray[np.uint64], stored: set[int]) -> npt.NDArray[np.uint64]:
    """Those of ``keys`` in a set of stored keys (backends that keep their keys at hand)."""
    found: npt.NDArray[np.uint64] = keys[
        np.fromiter((int(k) in stored for k in keys.tolist()), dtype=bool, count=len(keys))
    ]
    return found


def normalised(v: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """Rows scaled to unit length (cosine as inner product, for backends that need it)."""
    out: npt.NDArray[np.float32] = (
        v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)
    ).astype(np.float32)
    return out


#: The vector-store backends by name (``--vector-store``): the built-ins register in
#: ``stores/__init__``; an installed package adds one through the entry-point group.
VECTOR_STORES: Registry[type[VectorStore]] = Registry(
    "vector store",
    "--vector-store",
    group="agentmem_lab.vector_stores",
    adapt=subclass_of(VectorStore),
)
