"""Fault injection: a store wrapper whose writes fail at random, reproducibly.

Whether an item's write to a store fails is decided by a hash of (seed, store, key), not
by a shared random stream, so the same items fail whatever the concurrency or the order of
writes. A failed write stores nothing; the mode then undoes the item's other writes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from agentmem_lab.core.errors import ConfigError, InjectedFault
from agentmem_lab.items import MemoryItem
from agentmem_lab.stores import Store, StoreSet


def _check_rate(option: str, rate: float) -> float:
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0.0 <= rate <= 1.0:
        raise ConfigError(option, f"must be a number from 0 to 1, got {rate!r}")
    return float(rate)


def decides(seed: int, store: str, key: int, rate: float) -> bool:
    """Whether the write of ``key`` to ``store`` fails: a hash of (seed, store, key) below
    ``rate`` (the same answer whatever the order, mode or concurrency)."""
    digest = hashlib.blake2b(f"{seed}:{store}:{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2.0**64 < rate


class FaultyStore(Store):
    """Wraps a store; each item's write fails with probability ``rate``."""

    def __init__(self, inner: Store, rate: float, seed: int) -> None:
        self.inner = inner
        self.name = inner.name
        self.rate = _check_rate(f"--fail-rate-{inner.name}", rate)
        self.seed = seed
        self.injected = 0

    def fails(self, key: int) -> bool:
        return decides(self.seed, self.name, key, self.rate)

    async def open(self) -> None:
        await self.inner.open()

    async def close(self) -> None:
        await self.inner.close()

    async def write(self, item: MemoryItem, vector: npt.NDArray[np.float32]) -> None:
        if self.fails(item.key):
            self.injected += 1
            raise InjectedFault(self.name)
        await self.inner.write(item, vector)

    async def write_many(
        self, items: Sequence[MemoryItem], vectors: npt.NDArray[np.float32] | None
    ) -> set[int]:
        keep = [n for n, item in enumerate(items) if not self.fails(item.key)]
        failed = {item.key for item in items} - {items[n].key for n in keep}
        self.injected += len(failed)
        if keep:
            rows = vectors[keep] if vectors is not None else vectors
            failed |= await self.inner.write_many([items[n] for n in keep], rows)
        return failed

    async def delete_many(self, keys: Sequence[int]) -> None:
        await self.inner.delete_many(keys)

    async def keys(self) -> set[int]:
        return await self.inner.keys()

    def settings(self) -> dict[str, Any]:
        return self.inner.settings() | {"fail_rate": self.rate}


def unwrap(store: Store) -> Store:
    """The real store under any wrappers."""
    while isinstance(store, FaultyStore):
        store = store.inner
    return store


def with_faults(stores: StoreSet, rates: dict[str, float], seed: int) -> StoreSet:
    """The same stores, each wrapped when its rate is above zero."""

    def wrap(store: Store) -> Store:
        rate = rates.get(store.name, 0.0)
        return FaultyStore(store, rate, seed) if rate > 0 else store

    return StoreSet(wrap(stores.core), wrap(stores.vector), wrap(stores.history))
