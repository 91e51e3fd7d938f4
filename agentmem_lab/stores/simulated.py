"""Stores that do no work: the seed's latency model, and the harness's own cost."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from agentmem_lab.core import seedmodel, simclock
from agentmem_lab.items import MemoryItem
from agentmem_lab.stores.base import Store


class SimulatedStore(Store):
    """A server with the seed's latency: every request, alone or concurrent with others,
    is answered that long after it was issued (a bulk write is one request). Keeps keys.

    ``write`` and ``write_many`` return the deadline timer's future rather than a coroutine:
    like a client library that sends a request and hands back its pending reply, they need
    no task of their own, so a batch of 1,000 items costs the harness futures, not tasks.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.latency_s = seedmodel.STORE_LATENCY_MS[name] / 1000.0
        self._keys: set[int] = set()

    def write(self, item: MemoryItem, vector: npt.NDArray[np.float32]) -> Awaitable[None]:
        self._keys.add(item.key)
        return simclock.after(self.latency_s)

    def write_many(
        self, items: Sequence[MemoryItem], vectors: npt.NDArray[np.float32] | None
    ) -> Awaitable[set[int]]:
        self._keys.update(i.key for i in items)
        return _then_empty(simclock.after(self.latency_s))

    async def delete_many(self, keys: Sequence[int]) -> None:
        self._keys.difference_update(int(k) for k in keys)

    async def keys(self) -> set[int]:
        return set(self._keys)

    def settings(self) -> dict[str, Any]:
        return {"simulated_latency_ms": seedmodel.STORE_LATENCY_MS[self.name]}


async def _then_empty(wait: Awaitable[None]) -> set[int]:
    await wait
    return set()


class NullStore(Store):
    """A store that does nothing: its writes are coroutines that return at once, as a real
    store's would if its work cost nothing; with ``futures``, they are completed futures,
    as the simulated stores' replies are. Measures what the harness itself costs."""

    def __init__(self, name: str, futures: bool = False) -> None:
        self.name = name
        self.futures = futures

    def write(self, item: MemoryItem, vector: npt.NDArray[np.float32]) -> Awaitable[None]:
        if self.futures:
            fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            fut.set_result(None)
            return fut
        return self._nothing()

    @staticmethod
    async def _nothing() -> None:
        return None

    async def write_many(
        self, items: Sequence[MemoryItem], vectors: npt.NDArray[np.float32] | None
    ) -> set[int]:
        return set()

    async def delete_many(self, keys: Sequence[int]) -> None:
        return None

    async def keys(self) -> set[int]:
        return set()
