"""Qdrant's local mode (qdrant-client, ``QdrantClient(path=...)``): mem0's default store."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from agentmem_lab.core.errors import MissingDependencyError
from agentmem_lab.stores.vector import VectorStore

COLLECTION = "memories"


class QdrantLocalStore(VectorStore):
    """qdrant-client's embedded local mode: points kept in memory and persisted to a SQLite
    file under ``qdrant/`` on every upsert (durable when the write returns). Local mode
    builds no HNSW graph: every search compares the query with every point (exact)."""

    _client: Any
    _models: Any

    backend = "qdrant-local"
    package = "qdrant-client"
    durability = "write"
    search_kind = "exact"

    def _open(self) -> None:
        try:
            from qdrant_client import QdrantClient, models
        except ImportError:
            raise MissingDependencyError(
                "qdrant-client", "pip install 'agentmem-lab[stores]'"
            ) from None
        self._models = models
        self._client = QdrantClient(path=str(self.directory / "qdrant"))
        if not self._client.collection_exists(COLLECTION):
            self._client.create_collection(
                COLLECTION,
                vectors_config=models.VectorParams(size=self.ndim, distance=models.Distance.COSINE),
            )

    def _close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            client.close()

    def _present(self, keys: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
        found = self._client.retrieve(
            COLLECTION, ids=keys.tolist(), with_payload=False, with_vectors=False
        )
        return np.asarray(sorted(int(p.id) for p in found), dtype=np.uint64)

    def _add(self, keys: npt.NDArray[np.uint64], vectors: npt.NDArray[np.float32]) -> None:
        self._client.upsert(
            COLLECTION, points=self._models.Batch(ids=keys.tolist(), vectors=vectors.tolist())
        )

    def _remove(self, keys: npt.NDArray[np.uint64]) -> None:
        self._client.delete(
            COLLECTION, points_selector=self._models.PointIdsList(points=keys.tolist())
        )

    def _keys(self) -> Any:
        out: list[int] = []
        offset = None
        while True:
            points, offset = self._client.scroll(
                COLLECTION, limit=10_000, offset=offset, with_payload=False, with_vectors=False
            )
            out.extend(int(p.id) for p in points)
            if offset is None:
                return out

    user_filter = "native"

    def _search_user(
        self, query: npt.NDArray[np.float32], k: int, keys: npt.NDArray[np.uint64]
    ) -> Sequence[tuple[Any, Any]]:
        """Qdrant's own filter: a ``HasIdCondition`` of the user's keys in the query."""
        m = self._models
        return [self._one(query[0], k, m.Filter(must=[m.HasIdCondition(has_id=keys.tolist())]))]

    def _one(self, q: npt.NDArray[np.float32], k: int, where: Any = None) -> tuple[Any, Any]:
        """One query's keys and cosine distances, filtered by ``where`` when given."""
        hits = self._client.query_points(
            COLLECTION, query=q.tolist(), query_filter=where, limit=k
        ).points
        return [int(h.id) for h in hits], [1.0 - float(h.score) for h in hits]

    def _search(self, queries: npt.NDArray[np.float32], k: int) -> Sequence[tuple[Any, Any]]:
        if len(queries) == 1:
            return [self._one(queries[0], k)]
        # Several queries (the self-recall sample): one batch request, as a client would.
        requests = [self._models.QueryRequest(query=q.tolist(), limit=k) for q in queries]
        answers = self._client.query_batch_points(COLLECTION, requests=requests)
        return [
            ([int(h.id) for h in a.points], [1.0 - float(h.score) for h in a.points])
            for a in answers
        ]
