"""The write modes, found by name. Each writes one ``add`` call of one or more items.

- ``sequential``: per item, embed, then core, vector and history one after another
  (the seed's baseline ``add_memory``);
- ``parallel``: per item, embed, then the three writes concurrently (the seed's Task 1.1);
- ``batch``: one ``embed_batch`` for all items, then every item's three writes
  concurrently (the seed's Task 1.2, as it describes it);
- ``bulk``: one ``embed_batch``, then one bulk write per store, the stores concurrently.

An item is acknowledged only when all three of its writes succeeded; whatever the other
stores wrote for a failed item is undone before the call returns.
"""

from __future__ import annotations

import asyncio
import time
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Protocol, TypeVar

import numpy as np
import numpy.typing as npt

from agentmem_lab.core.errors import StoreWriteError
from agentmem_lab.core.registry import Registry
from agentmem_lab.embedders import Embedder
from agentmem_lab.items import MemoryItem
from agentmem_lab.stores import Store, StoreSet

T = TypeVar("T")


class StageClock:
    """Per call, the span (first start, last end) of each stage, in perf_counter seconds.

    In concurrent modes stages overlap, so their spans can add up to more than the call.
    """

    __slots__ = ("_watched", "spans")

    def __init__(self) -> None:
        self.spans: dict[str, list[float]] = {}
        self._watched: set[tuple[str, Any]] | None = None  # made on first use: a call of
        # one item in a mode that uses no future should not pay for it

    def timed(self, stage: str, aw: Awaitable[T]) -> Awaitable[T]:
        """``aw``, timed into ``stage``. A future (a pending reply) is timed by a callback,
        with no task or coroutine of its own, once per stage however many writes share it;
        a coroutine is wrapped in one that times it."""
        if isinstance(aw, asyncio.Future):
            self._start(stage, time.perf_counter())
            watch = (stage, aw)
            if self._watched is None:
                self._watched = set()
            if watch not in self._watched:
                self._watched.add(watch)
                aw.add_done_callback(partial(self._end, stage))
            return aw
        return self._timed(stage, aw)

    async def _timed(self, stage: str, aw: Awaitable[T]) -> T:
        self._start(stage, time.perf_counter())
        try:
            return await aw
        finally:
            self._end(stage)

    def _start(self, stage: str, t0: float) -> None:
        span = self.spans.get(stage)
        if span is None:
            self.spans[stage] = [t0, t0]
        elif t0 < span[0]:
            span[0] = t0

    def _end(self, stage: str, _: object = None) -> None:
        t1 = time.perf_counter()
        span = self.spans[stage]
        if t1 > span[1]:
            span[1] = t1

    def durations_s(self) -> dict[str, float]:
        return {stage: s[1] - s[0] for stage, s in self.spans.items()}


@dataclass(slots=True)
class CallOutcome:
    """What one ``add`` call did: keys acknowledged, keys failed, stage spans."""

    acked: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    stages_s: dict[str, float] = field(default_factory=dict)


class Adder(Protocol):
    """What the runner's clients call: one ``add`` call of one or more items."""

    async def add(self, items: Sequence[MemoryItem]) -> CallOutcome: ...


class Mode(ABC):
    """A write mode. ``add`` owns the clock and the outcome; subclasses write ``_add``."""

    name: str = "mode"

    def __init__(self, embedder: Embedder, stores: StoreSet) -> None:
        self.embedder = embedder
        self.stores = stores

    async def add(self, items: Sequence[MemoryItem]) -> CallOutcome:
        clock = StageClock()
        outcome = CallOutcome()
        await self._add(items, clock, outcome)
        outcome.stages_s = clock.durations_s()
        return outcome

    @abstractmethod
    async def _add(
        self, items: Sequence[MemoryItem], clock: StageClock, outcome: CallOutcome
    ) -> None:
        """Write the items, appending each key to ``outcome.acked`` or ``outcome.failed``."""

    async def _undo(self, clock: StageClock, item: MemoryItem, written: Sequence[Store]) -> None:
        for store in written:
            await clock.timed(store.name, store.delete_many([item.key]))

    def _issue(
        self, item: MemoryItem, vector: npt.NDArray[np.float32], clock: StageClock
    ) -> asyncio.Future[list[Any]]:
        """The three writes of one item, issued at once; their joined results (None or the
        exception of each store). Stores that answer with futures cost no task here."""
        return asyncio.gather(
            *(clock.timed(s.name, s.write(item, vector)) for s in self.stores),
            return_exceptions=True,
        )

    async def _settle(
        self, item: MemoryItem, results: Sequence[Any], clock: StageClock, outcome: CallOutcome
    ) -> None:
        """Acknowledge an item whose writes all succeeded; otherwise undo what was written."""
        stores = tuple(self.stores)
        written = [s for s, r in zip(stores, results) if not isinstance(r, BaseException)]
        await self._undo(clock, item, written)
        outcome.failed.append(item.key)
        for e in results:
            if isinstance(e, BaseException) and not isinstance(e, StoreWriteError):
                raise e


MODES: Registry[type[Mode]] = Registry("mode", "--mode")


@MODES.register("sequential")
class SequentialMode(Mode):
    """embed, core, vector, history: one after another, item after item."""

    name = "sequential"

    async def _add(
        self, items: Sequence[MemoryItem], clock: StageClock, outcome: CallOutcome
    ) -> None:
        for item in items:
            vector = await clock.timed("embed", self.embedder.embed(item.content))
            written: list[Store] = []
            try:
                for store in self.stores:
                    await clock.timed(store.name, store.write(item, vector))
                    written.append(store)
            except StoreWriteError:
                await self._undo(clock, item, written)
                outcome.failed.append(item.key)
            else:
                outcome.acked.append(item.key)


@MODES.register("parallel")
class ParallelMode(Mode):
    """Per item: embed, then the three writes concurrently (``tokio::join!``)."""

    name = "parallel"

    async def _add(
        self, items: Sequence[MemoryItem], clock: StageClock, outcome: CallOutcome
    ) -> None:
        for item in items:
            vector = await clock.timed("embed", self.embedder.embed(item.content))
            results = await self._issue(item, vector, clock)
            if any(isinstance(r, BaseException) for r in results):
                await self._settle(item, results, clock, outcome)
            else:
                outcome.acked.append(item.key)


@MODES.register("batch")
class BatchMode(Mode):
    """One embed_batch, then every item's three writes concurrently (``join_all`` of
    ``tokio::join!``). All writes of the call are issued, then joined at once: the call
    waits for every write either way, and each item's outcome is read from its own three
    results. One join over shared replies costs the harness a callback per reply, not
    a task and a join per item."""

    name = "batch"

    async def _add(
        self, items: Sequence[MemoryItem], clock: StageClock, outcome: CallOutcome
    ) -> None:
        vectors = await clock.timed("embed", self.embedder.embed_batch([i.content for i in items]))
        stores = tuple(self.stores)
        k = len(stores)
        results = await asyncio.gather(
            *(
                clock.timed(s.name, s.write(item, vectors[n]))
                for n, item in enumerate(items)
                for s in stores
            ),
            return_exceptions=True,
        )
        failed = []
        for n, item in enumerate(items):
            mine = results[n * k : (n + 1) * k]
            if any(isinstance(r, BaseException) for r in mine):
                failed.append(self._settle(item, mine, clock, outcome))
            else:
                outcome.acked.append(item.key)
        if failed:
            await asyncio.gather(*failed)


@MODES.register("bulk")
class BulkMode(Mode):
    """One embed_batch, then one bulk write per store, the three stores concurrently."""

    name = "bulk"

    async def _add(
        self, items: Sequence[MemoryItem], clock: StageClock, outcome: CallOutcome
    ) -> None:
        vectors = await clock.timed("embed", self.embedder.embed_batch([i.content for i in items]))
        stores = tuple(self.stores)
        results: list[Any] = await asyncio.gather(
            *(clock.timed(s.name, s.write_many(items, vectors)) for s in stores),
            return_exceptions=True,
        )
        all_keys = {i.key for i in items}
        failed: set[int] = set()
        unwritten: dict[str, set[int]] = {}
        for store, result in zip(stores, results):
            if isinstance(result, StoreWriteError):
                unwritten[store.name] = all_keys
            elif isinstance(result, BaseException):
                raise result
            else:
                unwritten[store.name] = set(result)
            failed |= unwritten[store.name]
        if failed:
            for store in stores:
                undo = sorted(failed - unwritten[store.name])
                if undo:
                    await clock.timed(store.name, store.delete_many(undo))
        for item in items:
            (outcome.failed if item.key in failed else outcome.acked).append(item.key)


def get_mode(name: str) -> type[Mode]:
    return MODES.get(name)
