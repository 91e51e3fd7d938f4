"""sqlite-vec: a vec0 virtual table in its own SQLite file (exact search)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from agentmem_lab.core.errors import MissingDependencyError, StorageError
from agentmem_lab.stores.vector import VectorStore


def _connect(path: str) -> Any:
    """An apsw connection with sqlite-vec loaded. apsw, not the standard library's sqlite3:
    CPython builds may leave out extension loading (pyenv's 3.11 here does)."""
    try:
        import apsw
        import sqlite_vec
    except ImportError:
        raise MissingDependencyError(
            "sqlite-vec and apsw", "pip install 'agentmem-lab[stores]'"
        ) from None
    db = apsw.Connection(path)
    db.enable_load_extension(True)
    db.load_extension(sqlite_vec.loadable_path())
    db.enable_load_extension(False)
    return db


class SqliteVecStore(VectorStore):
    """A ``vec0`` table (key, float32 embedding, cosine distance) in ``vectors.db``, WAL mode
    and the run's ``--sqlite-synchronous``. A bulk write is one transaction (durable when it
    commits); search compares the query with every vector (exact)."""

    _db: Any

    backend = "sqlite-vec"
    package = "sqlite-vec"
    durability = "write"
    search_kind = "exact"
    refuses_duplicates = True  # its primary key: the transaction fails and rolls back
    filename = "vectors.db"

    def _open(self) -> None:
        self._db = _connect(str(self.directory / self.filename))
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(f"PRAGMA synchronous={self.settings_.sqlite_synchronous}")
        self._db.execute(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS vectors USING vec0("
            f"key INTEGER PRIMARY KEY, embedding float[{self.ndim}] "
            f"distance_metric=cosine)"
        )

    def _close(self) -> None:
        db, self._db = self._db, None
        if db is not None:
            db.close()

    def _refused(self, exc: BaseException) -> Exception:
        import apsw

        environment = (
            apsw.FullError,
            apsw.IOError,
            apsw.ReadOnlyError,
            apsw.CantOpenError,
            apsw.PermissionsError,
        )
        if isinstance(exc, environment):
            return StorageError(
                "sqlite-vec vector store",
                str(self.directory / self.filename),
                f"{type(exc).__name__}: {exc}",
            )
        return super()._refused(exc)

    def _present(self, keys: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
        found: list[int] = []
        wanted = [int(k) for k in keys]
        for i in range(0, len(wanted), 10_000):  # below SQLite's limit of bound variables
            part = wanted[i : i + 10_000]
            found += [
                int(r[0])
                for r in self._db.execute(
                    f"SELECT key FROM vectors WHERE key IN ({','.join('?' * len(part))})", part
                )
            ]
        return np.asarray(sorted(found), dtype=np.uint64)

    def _add(self, keys: npt.NDArray[np.uint64], vectors: npt.NDArray[np.float32]) -> None:
        db = self._db
        db.execute("BEGIN")
        try:
            db.executemany(
                "INSERT INTO vectors(key, embedding) VALUES (?, ?)",
                [(int(k), v.tobytes()) for k, v in zip(keys.tolist(), vectors)],
            )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def _remove(self, keys: npt.NDArray[np.uint64]) -> None:
        db = self._db
        db.execute("BEGIN")
        try:
            db.executemany("DELETE FROM vectors WHERE key = ?", [(int(k),) for k in keys])
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def _keys(self) -> Any:
        return [int(r[0]) for r in self._db.execute("SELECT key FROM vectors")]

    def _search(self, queries: npt.NDArray[np.float32], k: int) -> Sequence[tuple[Any, Any]]:
        rows = []
        for q in queries:
            hits = self._db.execute(
                "SELECT key, distance FROM vectors WHERE embedding MATCH ? "
                "AND k = ? ORDER BY distance",
                (q.tobytes(), k),
            ).fetchall()
            rows.append(([int(h[0]) for h in hits], [float(h[1]) for h in hits]))
        return rows

    def backend_settings(self) -> dict[str, Any]:
        return {
            "dtype": "f32",
            "journal_mode": "WAL",
            "synchronous": self.settings_.sqlite_synchronous,
        }
