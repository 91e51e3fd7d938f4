"""Core memory and history: a table each, in its own SQLite file, through aiosqlite."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from agentmem_lab.core.errors import MissingDependencyError, StorageError, StoreWriteError
from agentmem_lab.items import MemoryItem
from agentmem_lab.stores.base import CoreMemory, Store
from agentmem_lab.stores.rows import core_row, history_row
from agentmem_lab.stores.vector import StoreSettings

#: SQLite result codes that mean the machine, not the item, refused the write.
_SQLITE_ENVIRONMENT = {
    13: "no space left on device (SQLITE_FULL)",
    10: "I/O error (SQLITE_IOERR)",
    8: "read-only (SQLITE_READONLY)",
    14: "cannot open the file (SQLITE_CANTOPEN)",
    3: "permission denied (SQLITE_PERM)",
}


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
        try:
            self._db = await aiosqlite.connect(self.path, isolation_level=None)
            await self._db.execute("PRAGMA journal_mode=WAL")
            await self._db.execute(f"PRAGMA synchronous={self.synchronous}")
            await self._db.execute(self.ddl)
        except sqlite3.Error as exc:
            # Closed before raising: an open aiosqlite connection's thread is not a daemon,
            # and would keep the process from exiting after its one-line error.
            await self._close_quietly()
            raise self._refused(exc) from None
        except BaseException:
            await self._close_quietly()
            raise

    async def _close_quietly(self) -> None:
        try:
            await self.close()
        except Exception:
            pass

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

    async def write_many(
        self, items: Sequence[MemoryItem], vectors: npt.NDArray[np.float32] | None
    ) -> set[int]:
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
            await db.executemany(
                f"DELETE FROM {self.table} WHERE key = ?", [(int(k),) for k in keys]
            )

    async def keys(self) -> set[int]:
        db = self._require()
        rows = await db.execute_fetchall(f"SELECT key FROM {self.table}")
        return {int(r[0]) for r in rows}

    def settings(self) -> dict[str, Any]:
        return {"journal_mode": "WAL", "synchronous": self.synchronous}


class CoreStore(_SqliteStore, CoreMemory):
    """Core memory: one persona block per memory item."""

    name = "core"
    filename = "core.db"
    table = "persona_blocks"
    ddl = """CREATE TABLE IF NOT EXISTS persona_blocks (
        id TEXT PRIMARY KEY, key INTEGER NOT NULL, agent_id TEXT NOT NULL, user_id TEXT NOT NULL,
        memory_type TEXT NOT NULL, content TEXT NOT NULL, content_hash TEXT NOT NULL,
        metadata TEXT NOT NULL, created_at REAL NOT NULL)"""
    insert_sql = "INSERT INTO persona_blocks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"

    row = staticmethod(core_row)

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

    row = staticmethod(history_row)
