"""Growth: a run's items streamed in segments, and windows of how its stores behave as they grow.

The measured phase runs in **segments** of at most ``SEGMENT_ITEMS`` items. A segment's
items are made (or read from ``--corpus``) just before its calls, so a run holds one
segment of items, never all of them: memory is bounded whatever ``--items`` is, and the
first write waits for one segment, not for every item.

At the end of each segment the writes pause (their clock stopped) and the run keeps what
its checks will need, so that they never read the items or embed them again:

- a **tap** on the embedder has kept a reference to every batch of vectors the segment's
  calls made; the vectors of acknowledged items are folded into the exact top-k of the
  probe queries and of the search queries (``integrity.ExactTopK``), then dropped;
- acknowledged items join the self-recall sample (``integrity.Reservoir``).

Every ``items / --windows`` items a **window** is recorded: the window's throughput and call
latency (response time too, open loop), recall@10 of ``--window-queries`` probe queries
against exact search over everything stored so far, their search latency, the items
stored, the process's RSS (now and peak) and the bytes under the stores' folder. The
pauses' seconds are recorded beside (``pause_s``): never part of a throughput, and shown
as the instrument's own cost. ``--stop-after-s`` and ``--stop-at-rss-mb`` are checked at
every pause: a run that reaches one stops writing, keeps what it stored and says why.

An open-loop run (``--rate``) is offered as one schedule per pass: a pause would empty the
offer's queue and hide the latency a sustained rate builds, so each pass is one segment,
its items made before it, and it records no windows.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from agentmem_lab.core import resources
from agentmem_lab.core.stats import split_sizes, summarize
from agentmem_lab.embedders import Embedder, Vectors
from agentmem_lab.items import MemoryItem
from agentmem_lab.measuring.integrity import (
    ExactTopK,
    Kept,
    Reservoir,
    query_texts,
    timed_searches,
)
from agentmem_lab.schema.run_settings import RunSettings
from agentmem_lab.workload.closed_loop import CallRecord

if TYPE_CHECKING:
    from agentmem_lab.systems import Searcher

#: Items made ahead of each segment of calls (the most a run holds at once).
SEGMENT_ITEMS = 20_000
#: The probe queries' generator seed is the run's seed plus this (not the search queries).


class Tap(Embedder):
    """The run's embedder, keeping a reference to every batch it returns until the next
    pause (appending a reference is all it adds to a call)."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.name, self.dim, self.offload = inner.name, inner.dim, inner.offload
        self.batches: list[tuple[Sequence[str], Vectors]] = []

    def encode(self, texts: Sequence[str]) -> Vectors:
        vectors = self.inner.encode(texts)
        self.batches.append((texts, vectors))
        return vectors

    async def embed_batch(self, texts: Sequence[str]) -> Vectors:
        vectors = await self.inner.embed_batch(texts)
        self.batches.append((texts, vectors))
        return vectors

    def settings(self) -> dict[str, Any]:
        return self.inner.settings()

    def close(self) -> None:
        self.inner.close()


@dataclass(frozen=True)
class Segment:
    repeat: int  # the timed pass it belongs to
    calls: int
    ends_window: bool


def plan(
    calls: int, repeats: int, windows: int, batch_size: int, segment_items: int = SEGMENT_ITEMS
) -> list[list[Segment]]:
    """The segments of each repeat: cut at every window's end (calls x j / windows) and at
    most ``segment_items`` items long."""
    ends = {round(calls * j / windows) for j in range(1, windows + 1)} if windows else set()
    ends.discard(0)
    cap = max(1, segment_items // batch_size)
    out: list[list[Segment]] = []
    pos = 0
    for r, n in enumerate(split_sizes(calls, repeats)):
        stop, segments = pos + n, []
        while pos < stop:
            nxt = min([stop, pos + cap] + [e for e in ends if e > pos])
            segments.append(Segment(r, nxt - pos, nxt in ends))
            pos = nxt
        out.append(segments)
    return out


def _pct(values: list[float]) -> dict[str, float] | None:
    if not values:
        return None
    s = summarize(values)
    return {"p50": s["p50"], "p99": s["p99"]}


class Growth:
    """What one measured phase keeps at its pauses, and its windows."""

    def __init__(
        self,
        config: RunSettings,
        tap: Tap,
        searcher: Searcher | None,
        stores_dir: Path,
        windows: int,
    ) -> None:
        self.config = config
        self.tap = tap
        self.searcher = searcher
        self.stores_dir = stores_dir
        self.windows_wanted = windows
        self.windows: list[dict[str, Any]] = []
        self.pause_s = 0.0  # keeping the checks' inputs, the windows, the limits
        self.made_s = 0.0  # making the items of each segment (before its calls)
        self.stored = 0
        self.unmatched = 0
        self.stopped: dict[str, Any] | None = None
        self.probe: ExactTopK | None = None
        self.reference: ExactTopK | None = None
        self.sample = Reservoir(
            config.self_recall_sample if searcher is not None else 0, config.seed
        )
        self._since: list[CallRecord] = []
        self._since_s = 0.0
        self._since_pause = 0.0
        self._measured_s = 0.0
        self._inserted = (0.0, 0)  # the vector store's insert seconds and vectors at a window

    async def start(self) -> None:
        """Embed the probe and search queries (before the clock starts)."""
        if self.searcher is None:
            return
        embedder = self.tap.inner  # the queries are not the run's vectors
        if self.windows_wanted:
            # after the search queries: on a dataset, other held-out messages
            texts = query_texts(self.config, self.config.window_queries, "probes")
            self.probe = ExactTopK(await embedder.embed_batch(texts))
        if self.config.search_queries:
            texts = query_texts(self.config, self.config.search_queries)
            self.reference = ExactTopK(await embedder.embed_batch(texts))

    async def pause(
        self,
        made_s: float,
        segment: Sequence[MemoryItem],
        records: list[CallRecord],
        seconds: float,
        ends_window: bool,
    ) -> bool:
        """After a segment (whose items took ``made_s`` to make): keep what the checks
        need, record a window where one ends, and say whether the run must stop
        (``--stop-after-s``, ``--stop-at-rss-mb``)."""
        t0 = time.perf_counter()
        self._keep(segment, records)
        self._since += records
        self._since_s += seconds
        self._measured_s += seconds
        stop = self._limit()
        record = ends_window or (stop is not None and bool(self._since))
        if record:
            await self._window()
        spent = time.perf_counter() - t0
        self.made_s += made_s
        self.pause_s += spent
        self._since_pause += spent
        if record:
            self.windows[-1]["pause_s"] = self._since_pause
            self._since_pause = 0.0
        self.stopped = stop
        return stop is not None

    def _keep(self, segment: Sequence[MemoryItem], records: list[CallRecord]) -> None:
        acked = {k for r in records for k in r.acked}
        batches, self.tap.batches = self.tap.batches, []
        chosen = [i for i in segment if i.key in acked]
        self.stored += len(chosen)
        self.sample.extend(chosen)
        if self.probe is None and self.reference is None:
            return
        rows: dict[str, tuple[Vectors, int]] = {}
        for texts, vectors in batches:
            for j, text in enumerate(texts):
                rows[text] = (vectors, j)
        keys: list[int] = []
        found: list[Vectors] = []
        for item in chosen:
            row = rows.get(item.content)
            if row is None:  # the system embedded it in a way the tap did not see
                self.unmatched += 1
                continue
            keys.append(item.key)
            found.append(row[0][row[1]])
        if keys:
            k = np.asarray(keys, dtype=np.uint64)
            v = np.stack(found)
            for ref in (self.probe, self.reference):
                if ref is not None:
                    ref.add(k, v)

    def _limit(self) -> dict[str, Any] | None:
        c = self.config
        if c.stop_after_s is not None and self._measured_s >= c.stop_after_s:
            return {
                "reason": "time",
                "limit": c.stop_after_s,
                "after_s": self._measured_s,
                "items": self.stored,
            }
        if c.stop_at_rss_mb is not None:
            rss = resources.process_memory()[0]
            if rss > c.stop_at_rss_mb * 2**20:
                return {
                    "reason": "memory",
                    "limit": c.stop_at_rss_mb,
                    "rss_mb": rss / 2**20,
                    "items": self.stored,
                }
        return None

    async def _window(self) -> None:
        records, seconds = self._since, self._since_s
        acked = sum(len(r.acked) for r in records)
        window: dict[str, Any] = {
            "items": self.stored,
            "window_items": acked,
            "calls": len(records),
            "seconds": seconds,
            "throughput_ops_s": acked / seconds if seconds > 0 else None,
            "latency_ms": _pct([r.latency_s * 1000.0 for r in records]),
            "response_ms": (
                _pct([r.response_s * 1000.0 for r in records]) if self.config.open_loop else None
            ),
            "recall_at_10": None,
            "search_ms": None,
        }
        if self.probe is not None and self.searcher is not None and self.probe.count:
            latencies, found = await timed_searches(self.searcher, self.probe.queries)
            window["recall_at_10"] = self.probe.recall(found)
            window["tied_at_10"] = self.probe.tied_at_k()
            window["search_ms"] = _pct(latencies)
        window["insert_us_per_vector"] = self._insert_us()
        rss, peak = resources.process_memory()
        window.update(
            rss_bytes=rss, peak_rss_bytes=peak, disk_bytes=resources.disk_used(self.stores_dir)
        )
        self.windows.append(window)
        self._since, self._since_s = [], 0.0

    def _insert_us(self) -> float | None:
        """The vector store's own insertion time per vector since the last window (its
        clock around each backend add: for an HNSW index, how the graph's growth costs);
        None for a searcher that keeps no such clock (a peer's)."""
        insert_s = getattr(self.searcher, "insert_s", None)
        written = getattr(self.searcher, "vectors_written", None)
        if not isinstance(insert_s, float) or not isinstance(written, int):
            return None
        (before_s, before_n), self._inserted = self._inserted, (insert_s, written)
        added = written - before_n
        return (insert_s - before_s) / added * 1e6 if added > 0 else None

    def kept(self) -> Kept:
        """The checks' inputs; the exact reference only when every stored item's vector was
        seen (else the checks embed the stored items again)."""
        complete = self.unmatched == 0
        return Kept(self.reference if complete else None, self.sample.items)

    def figures(self, wall_s: float) -> dict[str, Any]:
        """``growth`` in result.json."""
        return {
            "windows": self.windows,
            "windows_wanted": self.windows_wanted,
            "no_windows": (
                "an open-loop run is one schedule per pass (a pause would empty its queue)"
                if self.config.open_loop and self.config.windows
                else None
            ),
            "probe_queries": self.config.window_queries if self.probe is not None else 0,
            "segment_items": SEGMENT_ITEMS,
            "pause_s": self.pause_s,
            "pause_share": self.pause_s / (wall_s + self.pause_s) if wall_s > 0 else None,
            "items_made_s": self.made_s,
            "exact_reference": (
                "kept as written"
                if self.unmatched == 0
                else f"embedded again ({self.unmatched} vectors unseen)"
            ),
            "stopped": self.stopped,
            "method": (
                "the writes pause at the end of each segment (at most "
                f"{SEGMENT_ITEMS:,} items) and each window: pause_s (keeping the exact "
                "reference and the self-recall sample, the windows' probe searches, "
                "RSS and disk) and items_made_s (making each segment's items before "
                "its calls) are outside every throughput"
            ),
        }


__all__ = ["SEGMENT_ITEMS", "Growth", "Segment", "Tap", "plan"]
