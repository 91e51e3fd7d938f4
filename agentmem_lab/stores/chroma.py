"""Chroma (chromadb's ``PersistentClient``), with our embeddings passed in."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from agentmem_lab.core.errors import MissingDependencyError
from agentmem_lab.stores.vector import VectorStore

COLLECTION = "memories"


class ChromaStore(VectorStore):
    """chromadb's embedded persistent client: every add is committed to its SQLite log
    (durable when the write returns) and applied to its HNSW index. No embedding function
    (Chroma's default one downloads a model) and no telemetry."""

    _client: Any
    _col: Any

    backend = "chroma"
    package = "chromadb"
    durability = "write"
    search_kind = "hnsw"

    def _open(self) -> None:
        os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
        try:
            import chromadb
            from chromadb.config import Settings
        except ImportError:
            raise MissingDependencyError("chromadb", "pip install 'agentmem-lab[stores]'") from None
        s = self.settings_
        self._client = chromadb.PersistentClient(
            path=str(self.directory / "chroma"),
            settings=Settings(anonymized_telemetry=False, allow_reset=False),
        )
        self._col = self._client.get_or_create_collection(
            COLLECTION,
            embedding_function=None,
            metadata={
                "hnsw:space": "cosine",
                "hnsw:M": s.hnsw_connectivity,
                "hnsw:construction_ef": s.hnsw_expansion_add,
                "hnsw:search_ef": s.hnsw_expansion_search,
            },
        )
        self._max_batch = int(self._client.get_max_batch_size())
        self._n = int(self._col.count())  # kept here: asking chroma per search costs a call

    def _close(self) -> None:
        client, self._client, self._col = self._client, None, None
        if client is not None:
            client.close()

    def _present(self, keys: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
        found = self._col.get(ids=[str(k) for k in keys.tolist()], include=[])["ids"]
        return np.asarray(sorted(int(i) for i in found), dtype=np.uint64)

    def _add(self, keys: npt.NDArray[np.uint64], vectors: npt.NDArray[np.float32]) -> None:
        if len(keys) > self._max_batch:
            raise ValueError(
                f"a bulk write of {len(keys)} exceeds chroma's largest batch "
                f"({self._max_batch}); use a smaller --batch-size"
            )
        self._col.add(ids=[str(k) for k in keys.tolist()], embeddings=vectors)
        self._n += len(keys)

    def _remove(self, keys: npt.NDArray[np.uint64]) -> None:
        present = self._present(keys)
        if len(present):
            self._col.delete(ids=[str(k) for k in present.tolist()])
            self._n -= len(present)

    def _keys(self) -> Any:
        return [int(i) for i in self._col.get(include=[])["ids"]]

    def _search(self, queries: npt.NDArray[np.float32], k: int) -> Sequence[tuple[Any, Any]]:
        n = min(k, self._n)
        if n == 0:
            return [([], []) for _ in queries]
        r = self._col.query(query_embeddings=queries, n_results=n, include=["distances"])
        distances = r["distances"] or []
        return [([int(i) for i in ids], list(d)) for ids, d in zip(r["ids"], distances)]

    def backend_settings(self) -> dict[str, Any]:
        s = self.settings_
        return {
            "connectivity": s.hnsw_connectivity,
            "expansion_add": s.hnsw_expansion_add,
            "expansion_search": s.hnsw_expansion_search,
        }
