"""LanceDB (lancedb): a Lance table of vectors on disk, searched without an ANN index."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from agentmem_lab.core.errors import MissingDependencyError
from agentmem_lab.stores.vector import VectorStore, present_in

TABLE = "memories"


class LanceDBStore(VectorStore):
    """An embedded LanceDB table (key, vector). Every add commits a new version of the
    table (durable when the write returns) as a new data fragment; no ANN index is built,
    so search is exact (a scan of every fragment). ``optimize`` compacts the fragments the
    writes left (one per call) and prunes old versions: that is where its cost went."""

    _db: Any
    _table: Any
    _pa: Any

    backend = "lancedb"
    package = "lancedb"
    durability = "write"
    search_kind = "exact"

    def _open(self) -> None:
        try:
            import lancedb
            import pyarrow as pa
        except ImportError:
            raise MissingDependencyError("lancedb", "pip install 'agentmem-lab[stores]'") from None
        self._pa = pa
        self._db = lancedb.connect(str(self.directory / "lancedb"))
        schema = pa.schema(
            [pa.field("key", pa.uint64()), pa.field("vector", pa.list_(pa.float32(), self.ndim))]
        )
        self._table = self._db.create_table(TABLE, schema=schema, exist_ok=True)
        self._ids: set[int] = set(self._table.to_arrow().column("key").to_numpy().tolist())

    def _close(self) -> None:
        self._table, self._db = None, None

    def _present(self, keys: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
        return present_in(keys, self._ids)

    def _add(self, keys: npt.NDArray[np.uint64], vectors: npt.NDArray[np.float32]) -> None:
        pa = self._pa
        flat = pa.array(vectors.ravel(), type=pa.float32())
        self._table.add(
            pa.table(
                {
                    "key": pa.array(keys, type=pa.uint64()),
                    "vector": pa.FixedSizeListArray.from_arrays(flat, self.ndim),
                }
            )
        )
        self._ids.update(keys.tolist())

    def _remove(self, keys: npt.NDArray[np.uint64]) -> None:
        present = self._present(keys)
        if len(present):
            self._table.delete(f"key IN ({', '.join(str(int(k)) for k in present)})")
            self._ids.difference_update(present.tolist())

    def _keys(self) -> Any:
        return self._table.to_arrow().column("key").to_numpy()

    def _query(self, q: npt.NDArray[np.float32], k: int, where: str | None = None) -> Any:
        """One query's keys and cosine distances, prefiltered by ``where`` when given."""
        query = self._table.search(q).distance_type("cosine")
        if where is not None:
            query = query.where(where, prefilter=True)
        hits = query.limit(k).select(["key", "_distance"]).to_arrow()
        return hits.column("key").to_numpy(), hits.column("_distance").to_numpy()

    def _search(self, queries: npt.NDArray[np.float32], k: int) -> Sequence[tuple[Any, Any]]:
        return [self._query(q, k) for q in queries]

    user_filter = "native"

    def _search_user(
        self, query: npt.NDArray[np.float32], k: int, keys: npt.NDArray[np.uint64]
    ) -> Sequence[tuple[Any, Any]]:
        """LanceDB's own filter: ``WHERE key IN (...)`` applied before the scan."""
        if not len(keys):
            return [(keys[:0], np.zeros(0, dtype=np.float32))]
        return [self._query(query[0], k, f"key IN ({', '.join(str(int(x)) for x in keys)})")]

    def _optimize(self) -> None:
        self._table.optimize()

    def backend_settings(self) -> dict[str, Any]:
        return {"index": "none (exact scan)", "optimize": "compaction"}
