"""The client driver: calls of a run's items, and closed-loop clients that issue them.

A call's latency runs from the moment its client starts it until it returns (closed-loop
clients: a client starts its next call when the last one returns, so no call waits on a
schedule). ``drive`` is the loop every measured phase, shard worker and harness
measurement shares.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator, Sequence
from typing import NamedTuple, TypeVar

from agentmem_lab.core.stats import split_sizes
from agentmem_lab.items import STAGES, MemoryItem
from agentmem_lab.workload.modes import Adder, CallOutcome

T = TypeVar("T")

_NO_SPANS = (0.0,) * len(STAGES)


class CallRecord(NamedTuple):
    """One measured call. Only atoms and tuples of atoms: the cyclic garbage collector stops
    tracking such tuples, so a run of 100,000 calls does not make every later collection
    scan 100,000 records (that scan was half the harness's cost at batch 1: 3.3 µs per
    item with the collector on, 1.6 µs with it off, before records became tuples)."""

    latency_s: float
    items: int
    acked: tuple[int, ...]
    failed: tuple[int, ...]
    stages_s: tuple[float, ...]  # span of each stage in STAGES order; 0.0 when absent
    #: Open loop: how late the call started against its intended start (0.0 closed loop).
    #: ``latency_s`` is the service time; the response time is the sum of the two.
    start_delay_s: float = 0.0
    #: Open loop: the call's intended start, seconds from the offer's start (0.0 closed loop).
    due_s: float = 0.0

    @property
    def response_s(self) -> float:
        """From the call's intended start to its return (closed loop: its latency)."""
        return self.latency_s + self.start_delay_s


def chunks(items: Sequence[MemoryItem], size: int) -> list[Sequence[MemoryItem]]:
    """The items in calls of ``size`` (the last may be shorter)."""
    return [items[i : i + size] for i in range(0, len(items), size)]


def split(calls: Sequence[T], parts: int) -> list[list[T]]:
    """``calls`` in ``parts`` consecutive groups of ``split_sizes`` (the repeats)."""
    out, start = [], 0
    for n in split_sizes(len(calls), parts):
        out.append(list(calls[start : start + n]))
        start += n
    return out


def record_of(
    latency_s: float,
    batch: Sequence[MemoryItem],
    outcome: CallOutcome,
    start_delay_s: float = 0.0,
    due_s: float = 0.0,
) -> CallRecord:
    """A call's record from its outcome (the stage spans in STAGES order)."""
    spans = outcome.stages_s
    return CallRecord(
        latency_s,
        len(batch),
        tuple(outcome.acked),
        tuple(outcome.failed),
        tuple([spans.get(s, 0.0) for s in STAGES]) if spans else _NO_SPANS,
        start_delay_s,
        due_s,
    )


async def drive(
    mode: Adder,
    calls: Sequence[Sequence[MemoryItem]],
    concurrency: int,
    on_call: Callable[[CallRecord], None] | None = None,
) -> tuple[list[CallRecord], float]:
    """Run the calls with ``concurrency`` closed-loop clients; returns records and wall seconds.
    ``on_call`` sees each record as its call returns (the acknowledgement log)."""
    it: Iterator[Sequence[MemoryItem]] = iter(calls)
    records: list[CallRecord] = []
    clock = time.perf_counter

    async def client() -> None:
        add, append = mode.add, records.append  # looked up once: this loop is the harness
        for batch in it:  # clients share one iterator: each call is taken once
            t0 = clock()
            outcome = await add(batch)
            spans = outcome.stages_s
            record = CallRecord(
                clock() - t0,
                len(batch),
                tuple(outcome.acked),
                tuple(outcome.failed),
                tuple([spans.get(s, 0.0) for s in STAGES]) if spans else _NO_SPANS,
            )
            append(record)
            if on_call is not None:
                on_call(record)

    t_start = clock()
    await asyncio.gather(*(client() for _ in range(min(concurrency, len(calls)))))
    return records, clock() - t_start


__all__ = ["CallRecord", "chunks", "drive", "record_of", "split", "split_sizes"]
