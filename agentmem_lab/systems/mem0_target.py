"""What a mem0 run writes into: one ``Memory`` per run with our embedder as its embedding
model, each stage of a call timed per client thread, searches through mem0's vector store
(``systems/mem0.py`` says how mem0 is run and why).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import threading
import time
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from agentmem_lab.core.errors import (
    InjectedFault,
    MissingDependencyError,
    StoreWriteError,
)
from agentmem_lab.embedders import Embedder
from agentmem_lab.items import MemoryItem
from agentmem_lab.schema.run_settings import RunSettings
from agentmem_lab.stores import NO_KEY, package_version
from agentmem_lab.systems.base import Searcher, Target, UserSearcher
from agentmem_lab.systems.mem0_stores import provider
from agentmem_lab.workload.faults import decides
from agentmem_lab.workload.modes import CallOutcome

#: The mem0ai release measured (pyproject pins it; every result records the version).
VERSION = "2.2.1"


def _import_mem0(home: Path) -> Any:
    """mem0's ``Memory`` and ``MemoryConfig``, imported with telemetry off and its config
    folder under ``home``."""
    os.environ["MEM0_TELEMETRY"] = "False"
    os.environ.setdefault("MEM0_DIR", str(home))  # read once, when mem0 is first imported
    home.mkdir(parents=True, exist_ok=True)
    try:
        import mem0.memory.main as main
        import mem0.memory.telemetry as telemetry
        from mem0.configs.base import MemoryConfig
    except ImportError:
        raise MissingDependencyError("mem0ai", "pip install 'agentmem-lab[peers]'") from None
    telemetry.MEM0_TELEMETRY = False  # imported before with telemetry on: off all the same
    main.MEM0_TELEMETRY = False
    # Without spaCy, mem0 warns on every process that it keeps the raw text; the result
    # records it ("lemmatization"), so the warning is not repeated in every notebook.
    logging.getLogger("mem0.utils.spacy_models").setLevel(logging.ERROR)
    return main.Memory, MemoryConfig


class _Stages(threading.local):
    """Per client thread: the seconds of each stage of the call it is running."""

    spans: dict[str, float]

    def __init__(self) -> None:
        self.spans = {}

    def add(self, stage: str, seconds: float) -> None:
        self.spans[stage] = self.spans.get(stage, 0.0) + seconds


class _Embedding:
    """Our embedder as mem0's embedding model (``embed`` one text, ``embed_batch``)."""

    def __init__(self, embedder: Embedder, stages: _Stages) -> None:
        self.embedder = embedder
        self.stages = stages

    def embed(self, text: str, memory_action: str | None = None) -> list[float]:
        t0 = time.perf_counter()
        out: list[float] = self.embedder.encode([text])[0].tolist()
        self.stages.add("embed", time.perf_counter() - t0)
        return out

    def embed_batch(self, texts: list[str], memory_action: str | None = None) -> list[list[float]]:
        return [v.tolist() for v in self.embedder.encode(texts)]


def _content_key(text: str) -> int:
    return (
        int.from_bytes(
            hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "big"
        )
        >> 1
    )


class Mem0Target(Target):
    def __init__(
        self, config: RunSettings, directory: Path, embedder: Embedder, faults: bool
    ) -> None:
        Memory, MemoryConfig = _import_mem0(directory.parent / "mem0-home")
        directory.mkdir(parents=True, exist_ok=True)
        unused = {"api_key": "not-used-infer-false-calls-no-llm"}
        self.provider = provider(config, directory, embedder.dim)
        cfg = MemoryConfig(
            vector_store=self.provider.vector_store(),
            embedder={"provider": "openai", "config": dict(unused)},
            llm={"provider": "openai", "config": dict(unused)},
            history_db_path=str(directory / "mem0-history.db"),
        )
        with warnings.catch_warnings():
            # mem0's Redis provider calls redisvl's set_client, deprecated in the redisvl
            # pinned (the last release that has it): one warning per store, not ours.
            warnings.filterwarnings("ignore", message="Function set_client is deprecated")
            self.memory = Memory(cfg)
        self._stages = _Stages()
        self.memory.embedding_model = _Embedding(embedder, self._stages)
        self.provider.opened(self.memory.vector_store)
        self.key_of: dict[str, int] = {}  # mem0 id -> memory key, from what add returned
        self._content_keys: dict[str, int] = {}
        self.insert_s = 0.0
        self.inserted = 0
        self._lock = threading.Lock()
        # Qdrant's local mode is not thread-safe (see the insert below); mem0's other
        # stores take a connection per call and need no lock.
        self._store_lock: Any = (
            contextlib.nullcontext() if self.provider.thread_safe else threading.Lock()
        )
        self._pool: ThreadPoolExecutor | None = ThreadPoolExecutor(
            max_workers=config.concurrency, thread_name_prefix="mem0-client"
        )
        self._wrap_vector_insert(config, faults)
        self._wrap_history(config, faults)

    def _running(self) -> ThreadPoolExecutor:
        if self._pool is None:
            raise StoreWriteError("mem0", "the system is closed")
        return self._pool

    def _rate(self, config: RunSettings, store: str, faults: bool) -> float:
        return config.fail_rates[store] if faults else 0.0

    def _key(self, content: str) -> int:
        return self._content_keys.get(content, _content_key(content))

    def _wrap_vector_insert(self, config: RunSettings, faults: bool) -> None:
        store = self.memory.vector_store
        inner: Callable[..., Any] = store.insert
        rate, seed = self._rate(config, "vector", faults), config.seed

        def insert(
            vectors: list[Any], payloads: list[Any] | None = None, ids: list[Any] | None = None
        ) -> Any:
            if (
                rate
                and payloads
                and any(
                    decides(seed, "vector", self._key(p.get("data", "")), rate) for p in payloads
                )
            ):
                raise InjectedFault("vector")
            t0 = time.perf_counter()
            # Qdrant's local mode is not thread-safe: three client threads inserting at once
            # crashed in its SQLite persistence ("SystemError: error return without exception
            # set"). Its calls are serialised here, as an application with threads would have
            # to; the wait for the lock is part of the vector stage's time.
            with self._store_lock:
                out = inner(vectors=vectors, payloads=payloads, ids=ids)
            seconds = time.perf_counter() - t0
            self._stages.add("vector", seconds)
            with self._lock:
                self.insert_s += seconds
                self.inserted += len(vectors)
            return out

        store.insert = insert

    def _wrap_history(self, config: RunSettings, faults: bool) -> None:
        rate, seed = self._rate(config, "history", faults), config.seed
        db = self.memory.db
        inner: Callable[..., Any] = db.add_history

        def add_history(
            memory_id: str, old_memory: Any, new_memory: Any, event: str, **kwargs: Any
        ) -> Any:
            if rate and decides(seed, "history", self._key(new_memory or ""), rate):
                raise InjectedFault("history")
            t0 = time.perf_counter()
            out = inner(memory_id, old_memory, new_memory, event, **kwargs)
            self._stages.add("history", time.perf_counter() - t0)
            return out

        db.add_history = add_history

    def _add(self, items: Sequence[MemoryItem]) -> tuple[list[dict[str, Any]], dict[str, float]]:
        """On a client thread: one Memory.add; what it returned and its stages' seconds."""
        self._stages.spans = {}
        first = items[0]
        result = self.memory.add(
            [{"role": "user", "content": i.content} for i in items],
            user_id=first.user_id,
            agent_id=first.agent_id,
            metadata=first.metadata,
            infer=False,
        )
        out: list[dict[str, Any]] = result["results"]
        return out, self._stages.spans

    async def add(self, items: Sequence[MemoryItem]) -> CallOutcome:
        for i in items:
            self._content_keys[i.content] = i.key
        outcome = CallOutcome()
        try:
            returned, stages = await asyncio.get_running_loop().run_in_executor(
                self._running(), self._add, items
            )
        except InjectedFault:  # mem0 raises and returns no ids: nothing of the call is acked
            outcome.failed = [i.key for i in items]
            return outcome
        # Stages run one after another on the client's thread: each figure is its time in
        # the call (mem0 has no core store apart from its vector store: no "core" stage).
        outcome.stages_s = stages
        for item, memory in zip(items, returned):
            self.key_of[memory["id"]] = item.key
            outcome.acked.append(item.key)
        outcome.failed = [i.key for i in items[len(returned) :]]
        return outcome

    def _vector_ids(self) -> list[str]:
        return self.provider.ids(self.memory.vector_store)

    def _history_ids(self) -> list[str]:
        db = self.memory.db
        with db._lock:
            rows = db.connection.execute("SELECT memory_id FROM history").fetchall()
        return [str(r[0]) for r in rows]

    def _as_keys(self, ids: Sequence[str]) -> set[int]:
        # An id add never returned (a call that failed after storing it) is an orphan:
        # it gets a key of its own, outside the keys of the run's items.
        return {self.key_of.get(i, _content_key("orphan:" + i)) for i in ids}

    async def store_keys(self) -> dict[str, set[int]]:
        loop = asyncio.get_running_loop()
        vector = self._as_keys(await loop.run_in_executor(self._running(), self._vector_ids))
        history = self._as_keys(await loop.run_in_executor(self._running(), self._history_ids))
        return {"core": vector, "vector": vector, "history": history}

    def searcher(self) -> Searcher | None:
        return _Mem0Search(self)

    def user_searcher(self) -> UserSearcher | None:
        return _Mem0Search(self)

    async def finish(self) -> dict[str, Any] | None:
        return {
            "backend": self.provider.backend,
            "insert_s": self.insert_s,
            "check_s": 0.0,
            "optimize_s": 0.0,
            "load_s": self.insert_s,
            "vectors": self.inserted,
            "insert_vectors_per_s": self.inserted / self.insert_s if self.insert_s else None,
            "durability": "write",
            "search": self.provider.search,
        }

    async def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is None:
            return
        pool.shutdown(wait=True)
        self.provider.close(self.memory.vector_store)
        self.memory.db.close()

    def settings(self) -> dict[str, Any]:
        return {
            "system": "mem0",
            "package": "mem0ai",
            "version": package_version("mem0ai"),
            "add": "Memory.add(messages, user_id, agent_id, metadata, infer=False)",
            "clients": "one thread per client, each calling Memory.add",
            "vector_store": f"{self.provider.description}, collection {self.provider.collection}",
            "history": "sqlite3, one transaction per row",
            "bm25": self.provider.bm25,
            "lemmatization": "spaCy" if _has_spacy() else "none (spaCy not installed)",
            "core": "mem0 keeps the text in its vector store's payload: core = vector",
        }


def _has_spacy() -> bool:
    import importlib.util

    return importlib.util.find_spec("spacy") is not None


class _Mem0Search:
    """mem0's vector store search, answering with memory keys: over every memory, or among
    one user's (``search_user``: mem0's own filter on the ``user_id`` it stores with each
    memory, as ``Memory.search(user_id=...)`` passes it)."""

    user_filter = "native"

    def __init__(self, target: Mem0Target) -> None:
        self.target = target

    async def search_user(
        self, query: npt.NDArray[np.float32], k: int, user: str, keys: npt.NDArray[np.uint64]
    ) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.float32]]:
        return await self.search(query, k, {"user_id": user})

    async def search(
        self, queries: npt.NDArray[np.float32], k: int, filters: dict[str, str] | None = None
    ) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.float32]]:
        store = self.target.memory.vector_store
        key_of = self.target.key_of

        def run() -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.float32]]:
            keys = np.full((len(queries), k), NO_KEY, dtype=np.uint64)
            dists = np.full((len(queries), k), np.inf, dtype=np.float32)
            for n, q in enumerate(np.atleast_2d(queries)):
                # The inserts' lock: a search during the writes (--search-rate) must not run
                # beside an insert in Qdrant's local mode, which is not thread-safe.
                with self.target._store_lock:
                    hits = store.search(query="", vectors=q.tolist(), top_k=k, filters=filters)
                for m, h in enumerate(hits[:k]):
                    keys[n, m] = key_of.get(str(h.id), NO_KEY)
                    dists[n, m] = 1.0 - float(h.score)
            return keys, dists

        return await asyncio.get_running_loop().run_in_executor(None, run)
