"""FAISS (faiss-cpu): an HNSW graph or a flat (exact) index, saved to one file."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from agentmem_lab.core.errors import MissingDependencyError, StorageError, StoreWriteError
from agentmem_lab.stores.base import storage_cause
from agentmem_lab.stores.vector import SavedIndexStore, normalised, present_in


def _faiss() -> Any:
    try:
        import faiss
    except ImportError:
        raise MissingDependencyError("faiss-cpu", "pip install 'agentmem-lab[stores]'") from None
    return faiss


class _FaissStore(SavedIndexStore):
    """An ``IndexIDMap2`` over a FAISS index of inner products on unit vectors (cosine).
    ``optimize`` and ``close`` save it atomically (``faiss.write_index``, then rename)."""

    _faiss: Any

    package = "faiss-cpu"
    filename = "vectors.faiss"

    def _make(self, faiss: Any) -> Any:
        raise NotImplementedError

    def _open(self) -> None:
        faiss = self._faiss = _faiss()
        self._index = (
            faiss.read_index(str(self.path))
            if self.path.exists()
            else faiss.IndexIDMap2(self._make(faiss))
        )
        self._ids: set[int] = set(faiss.vector_to_array(self._index.id_map).tolist())
        self._dirty = False

    def _write(self, path: str) -> None:
        self._faiss.write_index(self._index, path)

    def _present(self, keys: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
        return present_in(keys, self._ids)

    def _add(self, keys: npt.NDArray[np.uint64], vectors: npt.NDArray[np.float32]) -> None:
        self._dirty = True
        self._index.add_with_ids(normalised(vectors), keys.astype(np.int64))
        self._ids.update(keys.tolist())

    def _keys(self) -> Any:
        return list(self._ids)

    user_filter = "native"

    def _params(self, selector: Any) -> Any:
        """FAISS's search parameters with an ID selector (the HNSW store adds its ef)."""
        return self._faiss.SearchParameters(sel=selector)

    def _search_user(
        self, query: npt.NDArray[np.float32], k: int, keys: npt.NDArray[np.uint64]
    ) -> Sequence[tuple[Any, Any]]:
        """FAISS's own filter: an ID selector of the user's keys, inside the search."""
        wanted = np.asarray([x for x in keys.tolist() if x in self._ids], dtype=np.int64)
        if not len(wanted):
            return [(keys[:0], np.zeros(0, dtype=np.float32))]
        selector = self._faiss.IDSelectorBatch(wanted)
        sims, ids = self._index.search(normalised(query), k, params=self._params(selector))
        keep = ids[0] >= 0
        return [(ids[0][keep].astype(np.uint64), 1.0 - sims[0][keep])]

    def _search(self, queries: npt.NDArray[np.float32], k: int) -> Sequence[tuple[Any, Any]]:
        sims, ids = self._index.search(normalised(queries), k)
        rows = []
        for s_row, i_row in zip(sims, ids):
            keep = i_row >= 0
            rows.append((i_row[keep].astype(np.uint64), 1.0 - s_row[keep]))
        return rows


class FaissFlatStore(_FaissStore):
    """Exact search (``IndexFlatIP``): a write only appends the vector, so this is the floor
    of what a vector write can cost; every search compares the query with every vector."""

    backend = "faiss-flat"
    search_kind = "exact"

    def _make(self, faiss: Any) -> Any:
        return faiss.IndexFlatIP(self.ndim)

    def backend_settings(self) -> dict[str, Any]:
        return {"dtype": "f32", "threads": _faiss().omp_get_max_threads()}

    def _remove(self, keys: npt.NDArray[np.uint64]) -> None:
        present = self._present(keys)
        if len(present):
            self._dirty = True
            self._index.remove_ids(present.astype(np.int64))
            self._ids.difference_update(present.tolist())


class FaissHnswStore(_FaissStore):
    """HNSW (``IndexHNSWFlat``, float32 vectors) with the same M and ef settings as usearch.

    FAISS's HNSW cannot remove a vector: a removed key is a tombstone, kept in
    ``vectors.faiss.removed`` and filtered out of every search (which asks for as many more
    hits as there are tombstones). A removed key cannot be written again."""

    backend = "faiss-hnsw"
    search_kind = "hnsw"

    @property
    def removed_path(self) -> Any:
        return self.directory / (self.filename + ".removed")

    def _make(self, faiss: Any) -> Any:
        s = self.settings_
        index = faiss.IndexHNSWFlat(self.ndim, s.hnsw_connectivity, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = s.hnsw_expansion_add
        return index

    def _open(self) -> None:
        super()._open()
        self._removed: set[int] = set()
        if self.removed_path.exists():
            self._removed = set(json.loads(self.removed_path.read_text(encoding="ascii")))
        self._ids -= self._removed
        self._faiss.downcast_index(
            self._index.index
        ).hnsw.efSearch = self.settings_.hnsw_expansion_search

    def _params(self, selector: Any) -> Any:
        return self._faiss.SearchParametersHNSW(
            sel=selector, efSearch=self.settings_.hnsw_expansion_search
        )

    def _save(self) -> None:
        tmp = self.removed_path.with_suffix(".tmp")
        try:
            tmp.write_text(json.dumps(sorted(self._removed)), encoding="ascii")
            os.replace(tmp, self.removed_path)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise StorageError(
                f"{self.backend} vector store",
                str(self.removed_path),
                storage_cause(self.directory, exc),
            ) from None
        super()._save()

    def _add(self, keys: npt.NDArray[np.uint64], vectors: npt.NDArray[np.float32]) -> None:
        again = [k for k in keys.tolist() if k in self._removed]
        if again:
            raise StoreWriteError(
                self.name,
                f"faiss-hnsw cannot write a removed key again "
                f"(e.g. {again[0]}): its graph keeps removed vectors",
            )
        super()._add(keys, vectors)

    def _remove(self, keys: npt.NDArray[np.uint64]) -> None:
        present = self._present(keys)
        if len(present):
            self._dirty = True
            self._removed.update(present.tolist())
            self._ids.difference_update(present.tolist())

    def _search(self, queries: npt.NDArray[np.float32], k: int) -> Sequence[tuple[Any, Any]]:
        if not self._removed:
            return super()._search(queries, k)
        rows = super()._search(queries, k + len(self._removed))
        out = []
        for keys, dists in rows:
            keep = np.fromiter(
                (int(x) not in self._removed for x in keys), dtype=bool, count=len(keys)
            )
            out.append((np.asarray(keys)[keep][:k], np.asarray(dists)[keep][:k]))
        return out

    def backend_settings(self) -> dict[str, Any]:
        s = self.settings_
        return {
            "dtype": "f32",
            "connectivity": s.hnsw_connectivity,
            "expansion_add": s.hnsw_expansion_add,
            "expansion_search": s.hnsw_expansion_search,
            "removal": "tombstones",
            "threads": _faiss().omp_get_max_threads(),
        }
