"""What a system under test offers the runner: one ``add`` call at a time, then the
counts, the search and the cost that the same checks need for every system."""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from agentmem_lab.embedders import Embedder
from agentmem_lab.items import MemoryItem
from agentmem_lab.schema.run_settings import RunSettings
from agentmem_lab.workload.modes import CallOutcome


class Searcher(Protocol):
    """Nearest neighbours by memory key: what the search and recall checks call."""

    def search(
        self, queries: npt.NDArray[np.float32], k: int
    ) -> Awaitable[tuple[npt.NDArray[np.uint64], npt.NDArray[np.float32]]]: ...


class UserSearcher(Protocol):
    """Nearest neighbours among one user's memories: what the reads per message call.
    ``user_filter`` names how the user's memories are told apart (``stores.by_user``)."""

    @property
    def user_filter(self) -> str: ...

    def search_user(
        self, query: npt.NDArray[np.float32], k: int, user: str, keys: npt.NDArray[np.uint64]
    ) -> Awaitable[tuple[npt.NDArray[np.uint64], npt.NDArray[np.float32]]]: ...


class Target(ABC):
    """One system under test, opened on a directory. The runner drives ``add`` with its
    clients, then asks for the stores' keys, a searcher and the vector store's load."""

    @abstractmethod
    async def add(self, items: Sequence[MemoryItem]) -> CallOutcome:
        """One ``add`` call of the system; which items it acknowledged and which failed."""

    @abstractmethod
    async def store_keys(self) -> dict[str, set[int]]:
        """The memory keys each of the system's stores holds (for lost and orphans)."""

    async def key_arrays(self) -> dict[str, npt.NDArray[np.uint64]]:
        """``store_keys`` as sorted arrays, for the checks (8 bytes a key). A system whose
        stores can be listed one at a time overrides it, so that a run of millions never
        holds every store's keys as sets at once."""
        return {
            name: np.unique(np.fromiter(keys, dtype=np.uint64, count=len(keys)))
            for name, keys in (await self.store_keys()).items()
        }

    def searcher(self) -> Searcher | None:
        """Search by memory key, or None when the system cannot search (simulated)."""
        return None

    def user_searcher(self) -> UserSearcher | None:
        """Search within one user's memories, or None when the system cannot."""
        return None

    async def finish(self) -> dict[str, Any] | None:
        """After the writes: make search ready and the data durable; the vector store's
        load figures (insert, optimize, load), or None."""
        return None

    @abstractmethod
    async def close(self) -> None: ...

    def settings(self) -> dict[str, Any]:
        return {}

    async def __aenter__(self) -> Target:
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()


class System(ABC):
    """A write path to measure, found by name (``--system``).

    A plug-in is a subclass (or an instance) declared under the entry-point group
    ``agentmem_lab.systems``: ``check`` refuses what it cannot run, ``open`` gives a
    ``Target`` on fresh stores, ``harness`` measures the bench's own cost around it
    (``harness.measure_adder`` over a do-nothing ``add``).
    """

    name: str = ""
    description: str = ""
    #: The distribution whose version is recorded with each result (None: this package).
    package: str | None = None
    #: Other distributions whose versions the figures depend on, recorded beside it.
    requires: tuple[str, ...] = ()

    def packages(self) -> tuple[str | None, ...]:
        """Every distribution recorded with a result of this system."""
        return (self.package, *self.requires)

    def uses_server(self, config: RunSettings) -> bool:
        """Whether this configuration keeps its stores on a PostgreSQL server: then the run
        starts one (``postgres_dsn`` is set when ``open`` is called) unless the user gave
        ``--postgres-dsn``. The agentmem stores' own choice counts for every system."""
        return config.stores.uses_postgres

    def uses_redis(self, config: RunSettings) -> bool:
        """Whether this configuration keeps stores on a Redis server: then the run starts
        one (``redis_url`` is set when ``open`` is called) unless the user gave
        ``--redis-url``."""
        return config.stores.uses_redis

    @abstractmethod
    def check(self, config: RunSettings) -> None:
        """Refuse, with one line naming the option, a configuration it cannot run."""

    @abstractmethod
    async def open(
        self, config: RunSettings, directory: Path, embedder: Embedder, faults: bool
    ) -> Target:
        """The system on fresh stores under ``directory`` (with the configuration's
        injected faults when ``faults``)."""

    @abstractmethod
    async def harness(
        self, config: RunSettings, calls: Sequence[Sequence[MemoryItem]], dim: int
    ) -> dict[str, Any]:
        """The harness's own cost for these calls (see ``harness``)."""


class ThreadHop:
    """The harness around a system whose clients call it on worker threads (mem0, the
    peers): the same thread hop per call, with no work in it (``measure_adder`` times it).
    Use as a context manager, or ``close`` it."""

    def __init__(self, concurrency: int) -> None:
        self.pool = ThreadPoolExecutor(max_workers=concurrency)

    async def add(self, items: Sequence[MemoryItem]) -> CallOutcome:
        outcome = CallOutcome()
        returned = await asyncio.get_running_loop().run_in_executor(
            self.pool, lambda: [i.key for i in items]
        )
        outcome.acked = list(returned)
        return outcome

    def close(self) -> None:
        self.pool.shutdown(wait=True)

    def __enter__(self) -> ThreadHop:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
