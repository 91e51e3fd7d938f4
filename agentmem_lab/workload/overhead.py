"""The harness's own cost: the same calls over an embedder and stores that do nothing.

Every figure a run reports includes what the harness spends around the work measured:
the event loop, one coroutine and one task per concurrent write, joins, clocks, records.
That is Python's cost, not the write path's. In a design such as the seed's (Rust and
tokio), a task costs well under a microsecond; here it costs several. So each run measures
it, in the same process and event loop, right after its measured calls: the same mode,
batch size and concurrency over ``NullEmbedder`` and ``NullStore`` (writes that are
coroutines returning at once), and records it beside the figures it is part of.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from agentmem_lab.core.stats import summarize
from agentmem_lab.embedders import NullEmbedder
from agentmem_lab.items import MemoryItem
from agentmem_lab.stores import null_stores
from agentmem_lab.workload.closed_loop import drive
from agentmem_lab.workload.modes import Adder, Mode

#: Items driven through the do-nothing path (fewer when the run has fewer): about 0.25 s
#: for batch mode at 1,000 (25 ms a call), far less for the others (10 calls of 1,000 or
#: 10,000 of one: enough for a p50; 20,000 cost every configuration of a sweep twice that).
ITEMS = 10_000


def describe(futures: bool = False) -> str:
    replies = (
        "completed futures, as the simulated stores reply"
        if futures
        else "coroutines that return at once, as real stores' writes are coroutines"
    )
    return (
        "the same mode, batch size and concurrency over an embedder and stores that do "
        f"nothing (writes are {replies}), in the same process, after the measured calls"
    )


def within_budget(
    calls: Sequence[Sequence[MemoryItem]], items: int | None = None
) -> list[Sequence[MemoryItem]]:
    """The first calls, up to ``items`` items (default ``ITEMS``; at least one call)."""
    items = ITEMS if items is None else items
    chosen: list[Sequence[MemoryItem]] = []
    n = 0
    for call in calls:
        if chosen and n + len(call) > items:
            break
        chosen.append(call)
        n += len(call)
    return chosen


async def measure_adder(
    adder: Adder, calls: Sequence[Sequence[MemoryItem]], concurrency: int
) -> dict[str, Any]:
    """What the harness costs to drive ``adder`` (a do-nothing write path) through the
    first calls (``within_budget``), after one warmup call: per call and per item."""
    chosen = within_budget(calls)
    n = sum(len(c) for c in chosen)
    await drive(adder, chosen[:1], 1)
    t0 = time.perf_counter()
    records, wall = await drive(adder, chosen, concurrency)
    per_call = summarize([r.latency_s * 1e6 for r in records])
    return {
        "per_call_us": {k: per_call[k] for k in ("p50", "mean", "min")},
        "per_item_us": wall * 1e6 / n,
        "calls": len(chosen),
        "items": n,
        "seconds": time.perf_counter() - t0,
    }


async def measure_overhead(
    mode_cls: type[Mode],
    calls: Sequence[Sequence[MemoryItem]],
    concurrency: int,
    dim: int,
    futures: bool = False,
) -> dict[str, Any]:
    """Per call and per item, what the harness costs for these calls (one warmup call).
    ``futures``: the do-nothing stores reply with futures (to match the simulated stores)."""
    return await measure_adder(
        mode_cls(NullEmbedder(dim), null_stores(futures)), calls, concurrency
    )
