"""Vectors in pgvector on the PostgreSQL server: an HNSW index (``pgvector``) or exact scans
(``pgvector-flat``).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

from agentmem_lab.core.errors import (
    StoreWriteError,
)
from agentmem_lab.stores.postgres import (
    DRIVER,
    POOL_MAX,
    PgTables,
    asyncpg_module,
    error_message,
    refused,
)
from agentmem_lab.stores.vector import NO_KEY, StoreSettings, VectorStore, padded


class PgvectorStore(VectorStore):
    """Vectors in pgvector on the server (``vector(ndim)``, cosine), an HNSW index built as
    rows arrive (``m`` and ``ef_construction`` from the HNSW settings, ``hnsw.ef_search``
    per session). Unlike the embedded backends it makes no worker thread: its calls are
    the driver's own coroutines, as many at once as calls are in flight. A row is
    committed when its write returns (durability ``write``)."""

    backend = "pgvector"
    package = DRIVER
    server: ClassVar[str] = "postgres"
    refuses_duplicates = True  # the primary key refuses a stored key, storing nothing
    search_kind = "hnsw"
    index = "hnsw"

    def __init__(self, directory: str | Path, settings: StoreSettings, ndim: int) -> None:
        super().__init__(directory, settings, ndim)
        self.db = PgTables(directory, settings, self.name, vectors=True)

    def _ddl(self) -> list[str]:
        s = self.settings_
        ddl = [
            f"CREATE TABLE IF NOT EXISTS vectors (key BIGINT PRIMARY KEY, "
            f"embedding vector({self.ndim}) NOT NULL)"
        ]
        if self.index == "hnsw":
            ddl.append(
                f"CREATE INDEX IF NOT EXISTS vectors_hnsw ON vectors USING hnsw "
                f"(embedding vector_cosine_ops) WITH (m = {s.hnsw_connectivity}, "
                f"ef_construction = {s.hnsw_expansion_add})"
            )
        return ddl

    async def open(self) -> None:
        await self.db.open(self._ddl())

    async def close(self) -> None:
        await self.db.close()

    async def add_vectors(self, keys: npt.NDArray[np.uint64], vectors: npt.NDArray[Any]) -> None:
        asyncpg = asyncpg_module()
        keys = np.asarray(keys, dtype=np.uint64)
        v = self.check_vectors(keys, vectors)
        pool = self.db.require()
        t0 = time.perf_counter()
        try:
            if len(keys) == 1:
                await pool.execute("INSERT INTO vectors VALUES ($1, $2)", int(keys[0]), v[0])
            else:
                async with pool.acquire() as conn:
                    async with conn.transaction():
                        await conn.copy_records_to_table(
                            "vectors",
                            records=zip(keys.tolist(), v),
                            columns=("key", "embedding"),
                            schema_name=self.db.schema,
                        )
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            if isinstance(exc, asyncpg.UniqueViolationError):
                raise StoreWriteError(
                    self.name, f"a key already stored: {error_message(exc)}"
                ) from None
            raise refused(self.name, exc) from None
        self.insert_s += time.perf_counter() - t0  # a round trip's wall, the server's work in it
        self.vectors_written += len(keys)

    async def delete_many(self, keys: Sequence[int]) -> None:
        if len(keys):
            await self.db.require().execute(
                "DELETE FROM vectors WHERE key = ANY($1)", [int(k) for k in keys]
            )

    async def keys(self) -> set[int]:
        rows = await self.db.require().fetch("SELECT key FROM vectors")
        return {int(r[0]) for r in rows}

    async def search(
        self, queries: npt.NDArray[np.float32], k: int
    ) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.float32]]:
        q = np.ascontiguousarray(np.atleast_2d(np.asarray(queries, dtype=np.float32)))
        if q.shape[1] != self.ndim:
            raise StoreWriteError(
                self.name, f"queries must have {self.ndim} dimensions, got {q.shape[1]}"
            )
        out_keys = np.full((len(q), k), NO_KEY, dtype=np.uint64)
        dists = np.full((len(q), k), np.inf, dtype=np.float32)
        async with self.db.require().acquire() as conn:
            for i, row in enumerate(q):
                rows = await conn.fetch(
                    "SELECT key, embedding <=> $1 AS d FROM vectors "
                    "ORDER BY embedding <=> $1 LIMIT $2",
                    row,
                    k,
                )
                out_keys[i, : len(rows)] = [r["key"] for r in rows]
                dists[i, : len(rows)] = [r["d"] for r in rows]
        return out_keys, dists

    user_filter = "native"

    async def search_user(
        self, query: npt.NDArray[np.float32], k: int, user: str, keys: npt.NDArray[np.uint64]
    ) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.float32]]:
        """PostgreSQL's own filter, ``WHERE key = ANY($2)``: the planner chooses between
        the HNSW index, filtered after its scan (pgvector 0.6 has no iterative scan, so a
        small user can get fewer than k back), and the primary key's index (exact)."""
        q = np.asarray(query, dtype=np.float32).reshape(-1)
        rows = await self.db.require().fetch(
            "SELECT key, embedding <=> $1 AS d FROM vectors WHERE key = ANY($2::bigint[]) "
            "ORDER BY embedding <=> $1 LIMIT $3",
            q,
            [int(x) for x in keys],
            k,
        )
        return padded([([r["key"] for r in rows], [r["d"] for r in rows])], k)

    async def optimize(self) -> float:
        """Nothing to build or save: rows are committed and indexed as they are written;
        ``ANALYZE`` gives the planner the table's size."""
        t0 = time.perf_counter()
        await self.db.require().execute("ANALYZE vectors")
        seconds = time.perf_counter() - t0
        self.optimize_s += seconds
        return seconds

    def backend_settings(self) -> dict[str, Any]:
        s = self.settings_
        out: dict[str, Any] = {
            "index": self.index,
            "schema": self.db.schema,
            "server_settings": self.db.server,
            "synchronous_commit": s.pg_synchronous_commit,
            "pool_max": POOL_MAX,
            "pgvector": "0.6.2 (pgserver's)",
        }
        if self.index == "hnsw":
            out.update(
                m=s.hnsw_connectivity,
                ef_construction=s.hnsw_expansion_add,
                ef_search=s.hnsw_expansion_search,
            )
        return out

    # The embedded backends' worker-thread hooks: not used, every call above is async.
    def _open(self) -> None:  # pragma: no cover
        raise NotImplementedError

    def _close(self) -> None:  # pragma: no cover
        raise NotImplementedError

    def _add(self, keys: npt.NDArray[np.uint64], vectors: npt.NDArray[np.float32]) -> None:
        raise NotImplementedError  # pragma: no cover

    def _present(self, keys: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
        raise NotImplementedError  # pragma: no cover

    def _remove(self, keys: npt.NDArray[np.uint64]) -> None:  # pragma: no cover
        raise NotImplementedError

    def _keys(self) -> Any:  # pragma: no cover
        raise NotImplementedError

    def _search(
        self, queries: npt.NDArray[np.float32], k: int
    ) -> Sequence[tuple[Any, Any]]:  # pragma: no cover
        raise NotImplementedError


class PgvectorFlatStore(PgvectorStore):
    """pgvector with no index: every search compares every vector (exact)."""

    backend = "pgvector-flat"
    search_kind = "exact"
    index = "none"


__all__ = ["PgvectorFlatStore", "PgvectorStore"]
