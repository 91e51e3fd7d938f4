"""Reads during writes: searches offered at a rate while the calls run, and freshness.

In an agent, searches go on while memories are written. With ``--search-rate Q`` a
client of its own offers Q searches a second, open loop, during the measured calls: each
search's response time runs from its intended start (one search in flight: a slow search
delays the next, as a user's would). Beside them, the idle store's search latency is the
run's ``search`` figures, taken after the writes.

**Freshness**: for a sampled share of the acknowledged items (``--freshness-sample``,
chosen by key, so the same run samples the same items), a prober searches for the item's
own text until the item is among the top 10; ``searchable_after_ms`` runs from the call's
acknowledgement to the return of the search that found it, so it includes that search's
own time. The prober is one client: each round searches for every probe in line at once
(one search call of many queries), then waits a millisecond; an item not found within
``GIVE_UP_S`` after the writes end is counted ``not_found`` (a store whose index becomes
searchable only when it is saved or optimized shows all of its probes there).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from agentmem_lab.core import histogram
from agentmem_lab.embedders import Embedder
from agentmem_lab.items import MemoryItem
from agentmem_lab.systems import Searcher
from agentmem_lab.workload.closed_loop import CallRecord
from agentmem_lab.workload.open_loop import timer_wait

#: Query texts of the searches during writes (cycled).
QUERIES = 256
K = 10
#: After the writes end, probes still unanswered get this long before they count not found.
GIVE_UP_S = 1.0
#: At most this many freshness probes per run (the prober's own load stays small).
MAX_PROBES = 500
#: A probe that did not find its item tries again after this long (the loop's own timer:
#: about a millisecond), and an idle prober looks for new probes this often.
RETRY_S = 1e-3
IDLE_S = 2e-3
#: The probes of one round: one search call with this many queries at most.
PROBE_BATCH = 128


def sampled(key: int, share: float) -> bool:
    """Whether ``key``'s item is probed (a fixed hash of the key: deterministic)."""
    mixed = (key * 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF
    return (mixed >> 11) / float(1 << 53) < share


class ReadsDuringWrites:
    """The search client and the freshness prober of one measured phase."""

    def __init__(
        self,
        searcher: Searcher,
        embedder: Embedder,
        rate: float,
        share: float,
        seed: int,
        texts: Sequence[str],
    ) -> None:
        self.searcher = searcher
        self.embedder = embedder
        # Only the sampled items' texts (a run of millions keeps a few thousand here),
        # told segment by segment as the items are made (``add_items``).
        self.content: dict[int, str] = {}
        self.rate = rate
        self.share = share
        self.seed = seed
        self.response_s: list[float] = []
        self.service_s: list[float] = []
        self.fresh_s: list[float] = []
        self.pending: deque[tuple[int, float]] = deque()
        self.probed = 0
        self.not_found = 0
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._queries: Any = None
        self._texts = list(texts)

    async def start(self) -> None:
        self._queries = await self.embedder.embed_batch(self._texts)
        loop = asyncio.get_running_loop()
        self._tasks = [loop.create_task(self._searches()), loop.create_task(self._probes())]

    def add_items(self, items: Iterable[MemoryItem]) -> None:
        """Items about to be written: the sampled ones' texts are kept for their probes."""
        if len(self.content) < 2 * MAX_PROBES:  # more than the probes can use: no more
            self.content.update((i.key, i.content) for i in items if sampled(i.key, self.share))

    def on_call(self, record: CallRecord) -> None:
        """After each call: its acknowledged keys that are sampled join the probes' line."""
        if not record.acked or self.probed >= MAX_PROBES:
            return
        now = time.perf_counter()
        for key in record.acked:
            if self.probed < MAX_PROBES and key in self.content:
                self.pending.append((key, now))
                self.probed += 1

    async def stop(self) -> None:
        """End the searches; give the probes ``GIVE_UP_S``; re-raise a search's error."""
        self._stop.set()
        await asyncio.gather(*self._tasks)

    def cancel(self) -> None:
        """Stop at once, after another error (that error speaks)."""
        self._stop.set()
        for task in self._tasks:
            task.cancel()

    async def _searches(self) -> None:
        clock = time.perf_counter
        gap = 1.0 / self.rate
        start = clock()
        n = 0
        while not self._stop.is_set():
            due = start + n * gap
            wait = due - clock()
            if wait > 0:
                try:
                    await asyncio.wait_for(self._stop.wait(), wait)
                    break
                except TimeoutError:
                    pass
                await timer_wait(due - clock())
            q = self._queries[n % len(self._queries)][None, :]
            t0 = clock()
            await self.searcher.search(q, K)
            t1 = clock()
            self.service_s.append(t1 - t0)
            self.response_s.append(t1 - due)
            n += 1

    async def _probes(self) -> None:
        """Rounds of one search for every probe in line (a batch of queries), until each
        is found; the probes' vectors are embedded once, as they join."""
        clock = time.perf_counter
        vectors: dict[int, Any] = {}
        deadline: float | None = None
        while True:
            if self._stop.is_set() and deadline is None:
                deadline = clock() + GIVE_UP_S
            if not self.pending:
                if self._stop.is_set():
                    return
                await asyncio.sleep(IDLE_S)  # nothing to probe: no need to wake on time
                continue
            if deadline is not None and clock() > deadline:
                self.not_found += len(self.pending)
                self.pending.clear()
                return
            line = list(self.pending)[:PROBE_BATCH]
            new = [k for k, _ in line if k not in vectors]
            if new:
                embedded = await self.embedder.embed_batch([self.content[k] for k in new])
                vectors.update(zip(new, np.asarray(embedded, dtype=np.float32)))
            queries = np.stack([vectors[k] for k, _ in line])
            keys, _ = await self.searcher.search(queries, K)
            now = clock()
            found = {key for (key, _), row in zip(line, keys) if np.any(row == np.uint64(key))}
            for key, acked_at in line:
                if key in found:
                    self.fresh_s.append(now - acked_at)
                    vectors.pop(key, None)
            self.pending = deque((k, t) for k, t in self.pending if k not in found)
            await asyncio.sleep(RETRY_S)

    def figures(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "search_rate": self.rate,
            "searches": len(self.response_s),
            "k": K,
            "definition": "searches offered open loop during the measured calls, one in "
            "flight; response from the intended start, service from the start",
        }
        if self.response_s:
            out["response_ms"] = histogram.summary_ms(histogram.of_seconds(self.response_s))
            out["service_ms"] = histogram.summary_ms(histogram.of_seconds(self.service_s))
        fresh: dict[str, Any] = {
            "sample": self.share,
            "probed": self.probed,
            "found": len(self.fresh_s),
            "not_found": self.not_found,
            "give_up_s": GIVE_UP_S,
            "definition": "from the call's acknowledgement to the return of the search for "
            "the item's own text that found it among the top 10",
        }
        if self.fresh_s:
            fresh["searchable_after_ms"] = histogram.summary_ms(histogram.of_seconds(self.fresh_s))
        elif self.probed:
            fresh["verdict"] = (
                "never searchable during the writes: found by none of the "
                "probes before the index was saved or optimized"
            )
        out["freshness"] = fresh
        return out


__all__ = ["GIVE_UP_S", "MAX_PROBES", "QUERIES", "ReadsDuringWrites", "sampled"]
