"""Milvus Lite: Milvus's embedded form (``milvus-lite``, through ``pymilvus``'s
``MilvusClient`` on a local file), one of mem0's vector stores. Milvus Lite 3 is pure
Python: the client talks gRPC on loopback to a server thread in this process, one per
file, which ``close`` stops.

A collection of ``key`` (INT64, the primary key) and ``v`` (FLOAT_VECTOR) with an HNSW index
(cosine, ``M`` and ``efConstruction`` from the ``--hnsw-*`` settings, ``ef`` at search) in
``milvus.db`` under the store folder. Milvus takes a stored primary key again without a
word (the row is replaced), so the base's duplicate check guards it. A bulk write is one
``insert`` of every row.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from agentmem_lab.core.errors import MissingDependencyError
from agentmem_lab.stores.vector import VectorStore

#: The collection every store folder's file holds.
COLLECTION = "vectors"
#: Keys per ``key in [...]`` filter.
CHUNK = 1000


def _client_class() -> Any:
    try:
        from pymilvus import DataType, MilvusClient
    except ImportError:
        raise MissingDependencyError(
            "Milvus Lite (pymilvus and milvus-lite)", "pip install -e '.[stores]' (or make setup)"
        ) from None
    return MilvusClient, DataType


def close_client(client: Any, path: str | Path) -> None:
    """Close a MilvusClient on a Milvus Lite file and stop the file's gRPC server thread,
    which closing the client leaves running (mem0's Milvus provider shares it)."""
    client.close()
    from milvus_lite.server_manager import server_manager_instance

    server_manager_instance.release_server(str(path))


class MilvusLiteStore(VectorStore):
    """Vectors in a Milvus Lite collection on a local file, HNSW, cosine."""

    backend = "milvus-lite"
    package = "milvus-lite"
    durability = "write"
    search_kind = "hnsw"
    filename = "milvus.db"
    _client: Any = None

    def _open(self) -> None:
        client_class, data_type = _client_class()
        self._client = client_class(str(self.directory / self.filename))
        if self._client.has_collection(COLLECTION):
            self._client.load_collection(COLLECTION)  # reopened: released until loaded
            return
        s = self.settings_
        schema = self._client.create_schema(auto_id=False, enable_dynamic_field=False)
        schema.add_field("key", data_type.INT64, is_primary=True)
        schema.add_field("v", data_type.FLOAT_VECTOR, dim=self.ndim)
        index = self._client.prepare_index_params()
        index.add_index(
            field_name="v",
            index_type="HNSW",
            metric_type="COSINE",
            params={"M": s.hnsw_connectivity, "efConstruction": s.hnsw_expansion_add},
        )
        self._client.create_collection(COLLECTION, schema=schema, index_params=index)

    def _close(self) -> None:
        """Close the client and stop the file's gRPC server thread, which closing the client
        leaves running (it would flush into the folder at exit, after the run removed it)."""
        client, self._client = self._client, None
        if client is not None:
            close_client(client, self.directory / self.filename)

    def _present(self, keys: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
        wanted = [int(k) for k in keys]
        found: list[int] = []
        for i in range(0, len(wanted), CHUNK):
            part = wanted[i : i + CHUNK]
            rows = self._client.query(COLLECTION, filter=f"key in {part}", output_fields=["key"])
            found += [int(r["key"]) for r in rows]
        return np.asarray(sorted(found), dtype=np.uint64)

    def _add(self, keys: npt.NDArray[np.uint64], vectors: npt.NDArray[np.float32]) -> None:
        rows = [{"key": int(k), "v": v.tolist()} for k, v in zip(keys, vectors, strict=True)]
        self._client.insert(COLLECTION, rows)

    def _remove(self, keys: npt.NDArray[np.uint64]) -> None:
        wanted = [int(k) for k in keys]
        for i in range(0, len(wanted), CHUNK):
            self._client.delete(COLLECTION, ids=wanted[i : i + CHUNK])

    def _keys(self) -> Any:
        rows = self._client.query(COLLECTION, filter="key >= 0", output_fields=["key"])
        return [int(r["key"]) for r in rows]

    def _search(self, queries: npt.NDArray[np.float32], k: int) -> Sequence[tuple[Any, Any]]:
        hits = self._client.search(
            COLLECTION,
            data=[q.tolist() for q in queries],
            limit=k,
            output_fields=["key"],
            search_params={"params": {"ef": max(self.settings_.hnsw_expansion_search, k)}},
        )
        # COSINE gives a similarity; the stores speak in distances (1 - similarity)
        return [
            ([int(h["key"]) for h in row], [1.0 - float(h["distance"]) for h in row])
            for row in hits
        ]

    def backend_settings(self) -> dict[str, Any]:
        s = self.settings_
        return {
            "index": "HNSW",
            "m": s.hnsw_connectivity,
            "ef_construction": s.hnsw_expansion_add,
            "ef": s.hnsw_expansion_search,
            "file": self.filename,
            "client": "pymilvus MilvusClient",
        }


__all__ = ["MilvusLiteStore", "close_client"]
