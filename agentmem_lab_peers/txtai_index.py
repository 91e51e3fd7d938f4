"""txtai's embeddings database on the bench: ``Embeddings(content=True)``, our embedder as
its transform function, one ``upsert`` of N documents per call.

- ``--txtai-backend``: its ANN index, faiss (txtai picks the faiss components from the first
  upsert's size; recorded), hnsw (hnswlib, from the --hnsw-* settings), numpy (exact) or
  pgvector (a database of the store folder's own on the run's server, HNSW); the content
  (every document's text and fields) goes to its SQLite database, as txtai's default;
- a document is ``(str(key), {"text": content, "user_id", "agent_id", "metadata"}, None)``;
- persistence goes through ``save`` to the run's stores at the end of the writes, then the
  index is loaded back from there (``load``), and integrity and search come from the
  loaded index: ids of its content database's sections, whose text must have the digest
  of what was sent, against the ids its ANN index holds (``ann.count()`` rows, indexed
  0..count-1 by the sections). Until it is saved, nothing is on disk: a crash loses the run;
- txtai declares torch and transformers as requirements; with an external transform its
  write path needs neither, so it is installed with ``--no-deps`` (Makefile) beside its
  light requirements, and the tests check that a run imports no torch;
- txtai is not thread-safe: ``--concurrency C`` clients take turns on one lock.

Faults (``--fail-rate``) are injected at its transform call (the embedding), the one
boundary inside an upsert.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from agentmem_lab.systems import (
    Embedder,
    MemoryItem,
    MissingDependencyError,
    RunSettings,
    package_version,
)

from .common import PeerSystem, PeerTarget, fresh_database, server_dsn

#: The release measured (installed with --no-deps: see the Makefile).
PACKAGES = ("txtai", "faiss-cpu", "chroma-hnswlib", "pgvector", "SQLAlchemy")
INDEX = "txtai-index"


def _embeddings_class() -> Any:
    try:
        from txtai.embeddings import Embeddings
    except ImportError:
        raise MissingDependencyError(
            "txtai", "make setup (txtai is installed with --no-deps, see the Makefile)"
        ) from None
    return Embeddings


class TxtaiTarget(PeerTarget):
    def __init__(
        self, config: RunSettings, directory: Path, embedder: Embedder, faults: bool
    ) -> None:
        Embeddings = _embeddings_class()
        super().__init__(config, embedder, faults, "txtai")
        directory.mkdir(parents=True, exist_ok=True)
        self.directory = directory
        self.backend = config.stores.txtai_backend
        self.lock = threading.Lock()  # txtai is not thread-safe
        stores = config.stores
        self.config: dict[str, Any] = {
            "transform": self.transform,
            "content": True,
            "backend": self.backend,
            "dimensions": embedder.dim,
        }
        if self.backend == "hnsw":
            self.config["hnsw"] = {
                "m": stores.hnsw_connectivity,
                "efconstruction": stores.hnsw_expansion_add,
                "efsearch": stores.hnsw_expansion_search,
            }
        elif self.backend == "pgvector":
            dsn = fresh_database(server_dsn(config, "--txtai-backend"), directory)
            self.config["pgvector"] = {
                "url": dsn.replace("postgresql://", "postgresql+psycopg://", 1),
                "m": stores.hnsw_connectivity,
                "efconstruction": stores.hnsw_expansion_add,
            }
        self.live: Any = Embeddings(self.config)
        self.loaded: Any = None
        self.save_s = 0.0
        self.load_s = 0.0

    @property
    def transform(self) -> Any:
        """Our embedder as txtai's transform: a plain function (txtai calls anything else
        to make one)."""
        embedding = self.embedding

        def transform(texts: Sequence[str]) -> npt.NDArray[np.float32]:
            return embedding(texts)

        return transform

    @property
    def index(self) -> Any:
        return self.loaded if self.loaded is not None else self.live

    def write(self, items: Sequence[MemoryItem]) -> None:
        docs = [
            (
                str(i.key),
                {
                    "text": i.content,
                    "user_id": i.user_id,
                    "agent_id": i.agent_id,
                    "metadata": i.metadata,
                },
                None,
            )
            for i in items
        ]
        with self.lock:
            self.live.upsert(docs)

    def hits(self, query: str, k: int, user: str | None = None) -> list[tuple[int, float]]:
        with self.lock:
            found = self.index.search(query, k) if self.index.ann else []
        return [(int(hit["id"]), 1.0 - float(hit["score"])) for hit in found]

    def _save_and_load(self) -> None:
        path = self.directory / INDEX
        shutil.rmtree(path, ignore_errors=True)
        with self.lock:
            t0 = time.perf_counter()
            self.live.save(str(path))
            self.save_s = time.perf_counter() - t0
            self.live.close()
            t0 = time.perf_counter()
            loaded = _embeddings_class()()
            loaded.load(str(path), config={"transform": self.transform})
            self.load_s = time.perf_counter() - t0
            self.loaded = loaded

    async def finish(self) -> dict[str, Any] | None:
        if self.live.count() == 0 and self.live.ann is None:
            return None  # nothing was written (every call failed)
        await self.clients.run(self._save_and_load)
        vectors = int(self.index.ann.count())
        return {
            "backend": f"txtai {self.backend}",
            "insert_s": 0.0,
            "check_s": 0.0,
            "optimize_s": self.save_s,
            "load_s": self.load_s,
            "vectors": vectors,
            "insert_vectors_per_s": None,
            "durability": "save at the end",
            "search": "exact"
            if self.backend == "numpy" or self._components() == "IDMap,Flat"
            else "ann",
        }

    def _components(self) -> str | None:
        build = self.index.config.get("build", {}) if self.index is not None else {}
        components: str | None = build.get("settings", {}).get("components")
        return components

    def _sections(self) -> list[tuple[int, str, str]]:
        with self.lock:
            db = self.index.database
            if db is None:
                return []
            rows = db.connection.execute("SELECT indexid, id, text FROM sections").fetchall()
        return [(int(n), str(key), str(text)) for n, key, text in rows]

    def _keys(self) -> dict[str, set[int]]:
        rows = self._sections()
        with self.lock:
            count = int(self.index.ann.count()) if self.index.ann is not None else 0
        core: set[int] = set()
        vector: set[int] = set()
        for indexid, key_text, text in rows:
            key = int(key_text)
            if self.kept(key, text):
                core.add(key)
            if 0 <= indexid < count:
                vector.add(key)
        return {"core": core, "vector": vector, "history": core}

    async def store_keys(self) -> dict[str, set[int]]:
        return await self.clients.run(self._keys)

    async def close(self) -> None:
        self.clients.close()
        for index in (self.loaded, self.live):
            if index is not None:
                try:
                    index.close()
                except Exception:  # closed already (after save)
                    pass
        self.loaded = None

    def settings(self) -> dict[str, Any]:
        return {
            "system": "txtai",
            "backend": self.backend,
            "faiss_components": self._components() if self.backend == "faiss" else None,
            "versions": {p: package_version(p) for p in PACKAGES},
            "add": "Embeddings.upsert([(id, {text, user_id, agent_id, metadata}, None)])",
            "content": "txtai's SQLite database (content=True)",
            "embedding": "our embedder as txtai's transform function",
            "persistence": "save at the end, then load: the checks read the loaded index",
            "clients": "one thread per client, taking turns on one lock (not thread-safe)",
            "history": "none: txtai keeps no history (history = its content)",
            "fault_damage": self.damage.record(),
            "faults": "at its transform call (no boundary between content and vector)",
            "search": "Embeddings.search(query, limit) (the query's vector handed in)",
        }


class Txtai(PeerSystem):
    name = "txtai"
    description = (
        "txtai's Embeddings(content=True).upsert with our embedder as its "
        "transform (--txtai-backend faiss|hnsw|numpy|pgvector)"
    )
    package = "txtai"
    requires = PACKAGES[1:]
    option = "--txtai-backend"
    target = TxtaiTarget

    def uses_server(self, config: RunSettings) -> bool:
        return config.stores.txtai_backend == "pgvector"
