"""The stores on a PostgreSQL server, through asyncpg: core memory and history as tables
(``--core-store postgres``, ``--history-store postgres``) and vectors in pgvector
(``--vector-store pgvector``: an HNSW index from the ``--hnsw-*`` settings;
``pgvector-flat``: no index, every vector compared).

Each store has its own connection pool (asyncpg's: connections are made as calls need
them, one per call in flight, up to ``POOL_MAX``), so parallel writes really are three
round trips at once. A single write is one ``INSERT`` in autocommit; a bulk write is one
``COPY`` (binary) in a transaction per store: all or nothing. A store folder's tables live
in a schema of their own (``agentmem_<digest of the folder>``); a new folder (no
``postgres.json`` marker in it) starts from an empty schema, a folder reopened (``verify``)
keeps its rows. ``--pg-synchronous-commit`` is set on every session.

The server is the ``postgres_dsn`` setting's; a run with none starts one of its own
(``servers.postgres``) and sets it.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

from agentmem_lab.core.environment import package_version
from agentmem_lab.core.errors import (
    MissingDependencyError,
    ServerError,
    StorageError,
    StoreWriteError,
)
from agentmem_lab.items import MemoryItem
from agentmem_lab.stores.base import CoreMemory, Store, folder_namespace
from agentmem_lab.stores.rows import CORE_COLUMNS, HISTORY_COLUMNS, core_row, history_row
from agentmem_lab.stores.vector import StoreSettings

#: Connections a store's pool opens at most (made only as calls need them).
POOL_MAX = 32


#: The marker of a store folder whose schema exists (``verify`` reopens it, a new run
#: starts it empty).
MARKER = "postgres.json"


DRIVER = "asyncpg"


def schema_of(directory: str | Path) -> str:
    """The schema of a store folder's tables (``folder_namespace``)."""
    return folder_namespace(directory)


def encode_vector(v: Any) -> bytes:
    """pgvector's binary format: dimensions and a zero (int16 each), float32s, big-endian."""
    a = np.asarray(v, dtype=">f4")
    return struct.pack(">HH", len(a), 0) + a.tobytes()


def decode_vector(data: bytes) -> npt.NDArray[np.float32]:
    dim, _ = struct.unpack_from(">HH", data)
    return np.frombuffer(data, dtype=">f4", count=dim, offset=4).astype(np.float32)


def asyncpg_module() -> Any:
    try:
        import asyncpg
    except ImportError:
        raise MissingDependencyError(
            "asyncpg (the PostgreSQL stores' driver)", "pip install -e '.[server]' (or make setup)"
        ) from None
    return asyncpg


def dsn_of(settings: StoreSettings) -> str:
    if not settings.postgres_dsn:
        raise ServerError(
            "the postgres stores need a server: pass --postgres-dsn, or run "
            "through agentmem-lab run / sweep, which start one"
        )
    return settings.postgres_dsn


async def keep_session(conn: Any) -> None:
    """asyncpg's pool resets a connection as it is given back (``RESET ALL`` and more: a
    round trip per checkout, measured in docs/servers.md, and it would undo
    ``hnsw.ef_search``). The stores' sessions hold no state but their settings: nothing to
    reset."""


class PgTables:
    """One store's pool on the server, in its folder's schema."""

    def __init__(
        self, directory: str | Path, settings: StoreSettings, name: str, vectors: bool = False
    ) -> None:
        self.directory = Path(directory)
        self.settings = settings
        self.schema = schema_of(directory)
        self.name = name
        self.vectors = vectors
        self.pool: Any = None
        self.server: dict[str, Any] = {}
        self.hnsw_ef_search = settings.hnsw_expansion_search

    async def open(self, ddl: Sequence[str]) -> None:
        asyncpg = asyncpg_module()
        self.directory.mkdir(parents=True, exist_ok=True)
        marker = self.directory / MARKER
        fresh = not marker.exists()
        settings = {
            "synchronous_commit": self.settings.pg_synchronous_commit,
            "search_path": f"{self.schema},public",
        }
        try:
            if self.vectors or fresh:
                await self._prepare(asyncpg, fresh)
            self.pool = await asyncpg.create_pool(
                dsn_of(self.settings),
                min_size=1,
                max_size=POOL_MAX,
                server_settings=settings,
                init=self._init if self.vectors else None,
                reset=keep_session,
            )
            async with self.pool.acquire() as conn:
                for statement in ddl:
                    await conn.execute(statement)
            self.server = await self._server_settings()
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            await self.close()
            raise refused(self.name, exc) from None
        if fresh:
            marker.write_text(json.dumps({"schema": self.schema}) + "\n", encoding="utf-8")

    async def _prepare(self, asyncpg: Any, fresh: bool) -> None:
        """The schema (emptied when the folder is new) and the vector extension."""
        conn = await asyncpg.connect(dsn_of(self.settings))
        try:
            if self.vectors:
                try:
                    await conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
                except asyncpg.UniqueViolationError:  # two stores created it at once
                    pass
            if fresh:
                await conn.execute(f"DROP SCHEMA IF EXISTS {self.schema} CASCADE")
            await conn.execute(f"CREATE SCHEMA IF NOT EXISTS {self.schema}")
        finally:
            await conn.close()

    async def _init(self, conn: Any) -> None:
        await conn.set_type_codec(
            "vector",
            schema="public",
            encoder=encode_vector,
            decoder=decode_vector,
            format="binary",
        )
        await conn.execute(f"SET hnsw.ef_search = {int(self.hnsw_ef_search)}")

    async def close(self) -> None:
        pool, self.pool = self.pool, None
        if pool is not None:
            await pool.close()

    def require(self) -> Any:
        if self.pool is None:
            raise StoreWriteError(self.name, "store is not open")
        return self.pool

    async def _server_settings(self) -> dict[str, Any]:
        """The server's settings that matter to a write's cost, recorded with the result."""
        rows = await self.require().fetch(
            "SELECT name, setting, unit FROM pg_settings WHERE name = ANY($1::text[])",
            [
                "server_version",
                "shared_buffers",
                "synchronous_commit",
                "fsync",
                "wal_level",
                "max_connections",
            ],
        )
        return {
            r["name"]: (f"{r['setting']} x {r['unit']}" if r["unit"] else r["setting"])
            for r in rows
        }


def error_message(exc: BaseException) -> str:
    """The server's message on one line (asyncpg's text adds DETAIL and HINT lines)."""
    first = (str(exc).splitlines() or [type(exc).__name__])[0]
    detail = getattr(exc, "detail", None)
    return " ".join(f"{first} ({detail})".split()) if detail else " ".join(first.split())


def refused(store: str, exc: BaseException) -> Exception:
    """StorageError when the server refused for want of room or rights, ServerError when it
    could not be reached, StoreWriteError (the item refused) otherwise."""
    sqlstate = getattr(exc, "sqlstate", None) or ""
    if sqlstate.startswith("53") or sqlstate in ("42501", "58030"):  # resources, rights, I/O
        return StorageError(f"{store} store", "the PostgreSQL server", error_message(exc))
    if isinstance(exc, OSError) or sqlstate.startswith("08"):
        return ServerError(
            f"{store} store: cannot reach the PostgreSQL server: {error_message(exc)}"
        )
    return StoreWriteError(store, f"postgres: {type(exc).__name__}: {error_message(exc)}")


class _PgTableStore(Store):
    """A table of rows keyed by memory key, on the server."""

    table = ""
    columns: ClassVar[tuple[str, ...]] = ()
    ddl = ""

    def __init__(self, directory: str | Path, settings: StoreSettings) -> None:
        self.db = PgTables(directory, settings, self.name)
        self.insert_sql = (
            f"INSERT INTO {self.table} VALUES "
            f"({', '.join(f'${i + 1}' for i in range(len(self.columns)))})"
        )

    @staticmethod
    def row(item: MemoryItem) -> tuple[Any, ...]:
        raise NotImplementedError

    async def open(self) -> None:
        await self.db.open([self.ddl])

    async def close(self) -> None:
        await self.db.close()

    async def write(self, item: MemoryItem, vector: npt.NDArray[np.float32]) -> None:
        asyncpg = asyncpg_module()
        try:
            await self.db.require().execute(self.insert_sql, *self.row(item))
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            raise refused(self.name, exc) from None

    async def write_many(
        self, items: Sequence[MemoryItem], vectors: npt.NDArray[np.float32] | None
    ) -> set[int]:
        if not items:
            return set()
        asyncpg = asyncpg_module()
        rows = [self.row(item) for item in items]
        try:
            async with self.db.require().acquire() as conn:
                async with conn.transaction():
                    await conn.copy_records_to_table(
                        self.table, records=rows, columns=self.columns, schema_name=self.db.schema
                    )
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            raise refused(self.name, exc) from None
        return set()

    async def delete_many(self, keys: Sequence[int]) -> None:
        if len(keys):
            await self.db.require().execute(
                f"DELETE FROM {self.table} WHERE key = ANY($1)", [int(k) for k in keys]
            )

    async def keys(self) -> set[int]:
        rows = await self.db.require().fetch(f"SELECT key FROM {self.table}")
        return {int(r[0]) for r in rows}

    async def round_trip(self) -> None:
        """One ``SELECT 1`` on a pooled connection: the floor under every write."""
        await self.db.require().fetchval("SELECT 1")

    async def checkout(self) -> None:
        """A connection taken from the pool and given back, no statement: the client's
        own cost per call."""
        async with self.db.require().acquire():
            pass

    def settings(self) -> dict[str, Any]:
        return {
            "server": "postgresql",
            "server_settings": self.db.server,
            "driver": DRIVER,
            "driver_version": package_version(DRIVER),
            "schema": self.db.schema,
            "table": self.table,
            "synchronous_commit": self.db.settings.pg_synchronous_commit,
            "pool_max": POOL_MAX,
            "bulk": "COPY (binary), one transaction",
        }


class PgCoreStore(_PgTableStore, CoreMemory):
    """Core memory on the server: one persona block per memory item."""

    name = "core"
    table = "persona_blocks"
    columns = CORE_COLUMNS
    ddl = """CREATE TABLE IF NOT EXISTS persona_blocks (
        id TEXT PRIMARY KEY, key BIGINT NOT NULL, agent_id TEXT NOT NULL, user_id TEXT NOT NULL,
        memory_type TEXT NOT NULL, content TEXT NOT NULL, content_hash TEXT NOT NULL,
        metadata TEXT NOT NULL, created_at DOUBLE PRECISION NOT NULL)"""

    row = staticmethod(core_row)

    async def contents_of(self, keys: Sequence[int]) -> dict[int, str]:
        if not keys:
            return {}
        rows = await self.db.require().fetch(
            f"SELECT key, content FROM {self.table} WHERE key = ANY($1)", [int(k) for k in keys]
        )
        return {int(r["key"]): r["content"] for r in rows}


class PgHistoryStore(_PgTableStore):
    """History on the server: an ADD event per memory item."""

    name = "history"
    table = "history"
    columns = HISTORY_COLUMNS
    ddl = """CREATE TABLE IF NOT EXISTS history (
        id TEXT PRIMARY KEY, memory_id TEXT NOT NULL, key BIGINT NOT NULL, event TEXT NOT NULL,
        old_value TEXT, new_value TEXT, created_at DOUBLE PRECISION NOT NULL)"""

    row = staticmethod(history_row)


__all__ = [
    "MARKER",
    "POOL_MAX",
    "PgCoreStore",
    "PgHistoryStore",
    "encode_vector",
    "keep_session",
    "schema_of",
]
