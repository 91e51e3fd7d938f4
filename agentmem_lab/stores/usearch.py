"""usearch: an HNSW index in memory, saved to one file (the default vector store)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from agentmem_lab.stores import by_user
from agentmem_lab.stores.native import import_usearch_index
from agentmem_lab.stores.vector import SavedIndexStore


class UsearchStore(SavedIndexStore):
    """A usearch HNSW index, cosine, keyed by memory key. ``optimize`` and ``close`` save it
    to ``vectors.usearch`` atomically; ``open`` reloads it. usearch releases the GIL, and a
    batch add uses ``usearch_threads`` threads (default 1: a concurrent add left a few
    items unreachable in the graph, docs/scale.md; 0: every core)."""

    backend = "usearch"
    package = "usearch"
    search_kind = "hnsw"
    filename = "vectors.usearch"
    user_filter = "exact"  # up to by_user.EXACT_MAX memories, else over-fetch

    def _open(self) -> None:
        Index = import_usearch_index().Index
        s = self.settings_
        self._index = Index(
            ndim=self.ndim,
            metric="cos",
            dtype=s.usearch_dtype,
            connectivity=s.hnsw_connectivity,
            expansion_add=s.hnsw_expansion_add,
            expansion_search=s.hnsw_expansion_search,
        )
        if self.path.exists():
            self._index.load(str(self.path))
        self._dirty = False

    def _write(self, path: str) -> None:
        self._index.save(path)

    def _present(self, keys: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
        if not len(self._index):
            return keys[:0]
        found: npt.NDArray[np.uint64] = keys[np.asarray(self._index.contains(keys), dtype=bool)]
        return found

    def _add(self, keys: npt.NDArray[np.uint64], vectors: npt.NDArray[np.float32]) -> None:
        self._dirty = True
        if len(keys) == 1:
            self._index.add(keys[0], vectors[0])
        else:
            self._index.add(keys, vectors, threads=self.settings_.usearch_threads)

    def _remove(self, keys: npt.NDArray[np.uint64]) -> None:
        present = self._present(keys)
        if len(present):
            self._dirty = True
            self._index.remove(present)

    def _keys(self) -> Any:
        # One call for every key: iterating the index's keys one by one is quadratic
        # (docs/reliability.md quotes the measurement).
        return np.asarray(self._index.keys, dtype=np.uint64)

    def _search(self, queries: npt.NDArray[np.float32], k: int) -> Sequence[tuple[Any, Any]]:
        m = self._index.search(queries, k)
        keys, dists = np.atleast_2d(m.keys), np.atleast_2d(m.distances)
        # One query gives Matches (its keys are its hits), several BatchMatches (with counts).
        counts = np.atleast_1d(m.counts) if hasattr(m, "counts") else [len(m.keys)]
        return [(keys[i, : counts[i]], dists[i, : counts[i]]) for i in range(len(queries))]

    def _search_user(
        self, query: npt.NDArray[np.float32], k: int, keys: npt.NDArray[np.uint64]
    ) -> by_user.Rows:
        """usearch has no filtered search: a user of up to ``EXACT_MAX`` memories has their
        vectors read back by key (as the index holds them: i8 or f16 come back rounded)
        and compared one by one; a larger user holds enough of the index to over-fetch."""
        if len(keys) > by_user.EXACT_MAX:
            return by_user.over_fetch(self._search, query, k, keys, len(self._index))
        if not len(keys):
            return by_user.exact(query, k, keys, np.zeros((0, self.ndim), dtype=np.float32))
        kept = keys[np.asarray(self._index.contains(keys), dtype=bool)]
        vectors = np.atleast_2d(np.asarray(self._index.get(kept, dtype=np.float32)))
        return by_user.exact(query, k, kept, vectors.astype(np.float32))

    def backend_settings(self) -> dict[str, Any]:
        s = self.settings_
        return {
            "dtype": s.usearch_dtype,
            "connectivity": s.hnsw_connectivity,
            "expansion_add": s.hnsw_expansion_add,
            "expansion_search": s.hnsw_expansion_search,
            "threads": s.usearch_threads,
        }
