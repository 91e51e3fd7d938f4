"""AgentMem's write path as the seed designs it: a mode over core memory, a vector store
and history (``modes``, ``stores``)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from agentmem_lab.embedders import Embedder
from agentmem_lab.items import MemoryItem
from agentmem_lab.schema.run_settings import RunSettings
from agentmem_lab.stores import StoreSet, VectorStore
from agentmem_lab.systems.base import Searcher, System, Target, UserSearcher
from agentmem_lab.workload import overhead
from agentmem_lab.workload.faults import unwrap, with_faults
from agentmem_lab.workload.modes import CallOutcome, Mode, get_mode
from agentmem_lab.workload.profiles import PROFILES


class AgentMemTarget(Target):
    def __init__(self, mode: Mode, stores: StoreSet) -> None:
        self.mode = mode
        self.stores = stores
        # The clients call the mode's own add: a wrapper coroutine would be one more frame
        # per call of the harness's cost (the method below documents the interface).
        self.add = mode.add  # type: ignore[method-assign]

    async def add(self, items: Sequence[MemoryItem]) -> CallOutcome:
        return await self.mode.add(items)

    async def store_keys(self) -> dict[str, set[int]]:
        return await self.stores.keys()

    async def key_arrays(self) -> dict[str, npt.NDArray[np.uint64]]:
        out = {}
        for store in self.stores:  # one store's set at a time
            keys = await store.keys()
            out[store.name] = np.unique(np.fromiter(keys, dtype=np.uint64, count=len(keys)))
            del keys
        return out

    def searcher(self) -> Searcher | None:
        vector = unwrap(self.stores.vector)
        return vector if isinstance(vector, VectorStore) else None

    def user_searcher(self) -> UserSearcher | None:
        vector = unwrap(self.stores.vector)
        return vector if isinstance(vector, VectorStore) else None

    async def finish(self) -> dict[str, Any] | None:
        # VectorDBBench's load: the writes (insert_s, timed inside the backend), then what
        # search readiness and durability need (optimize_s: index build, compaction, save).
        vector = unwrap(self.stores.vector)
        if not isinstance(vector, VectorStore):
            return None
        await vector.optimize()
        return vector.load_figures()

    async def close(self) -> None:
        await self.stores.close()

    def settings(self) -> dict[str, Any]:
        return self.stores.settings()


class AgentMem(System):
    name = "agentmem"
    description = (
        "the seed's write path: a mode (sequential, parallel, batch, bulk) over "
        "core memory and history in SQLite and the chosen vector store"
    )

    def check(self, config: RunSettings) -> None:
        get_mode(config.mode)

    async def open(
        self, config: RunSettings, directory: Path, embedder: Embedder, faults: bool
    ) -> Target:
        stores = PROFILES.get(config.profile).stores(config, directory, embedder.dim)
        if faults:
            stores = with_faults(stores, config.fail_rates, config.seed)
        await stores.open()
        return AgentMemTarget(get_mode(config.mode)(embedder, stores), stores)

    async def harness(
        self, config: RunSettings, calls: Sequence[Sequence[MemoryItem]], dim: int
    ) -> dict[str, Any]:
        return await overhead.measure_overhead(
            get_mode(config.mode),
            calls,
            config.concurrency,
            dim,
            futures=PROFILES.get(config.profile).future_replies,
        )
