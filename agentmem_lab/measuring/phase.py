"""The measured phase of a run, one for in-process runs and shard workers alike.

``measured_phase``: warm up on scratch stores (left out of the figures), open the system on
its run stores, then time the calls in ``repeats`` passes with the run's clients, logging
every acknowledged key after its call. Each pass runs in segments (``growth.plan``): a
segment's items are made just before its calls, and after them the writes pause while
``growth.Growth`` keeps what the checks need and records a growth window where one ends.
A shard worker passes ``PhaseHooks`` to wait for the parent's go before each pass and to
report each pass; an in-process run passes none.

``measure_in_process``: that phase, then the checks on the same open stores (integrity,
self-recall, search), the vector store's load figures and the harness's own cost: the
typed ``Measured`` that the runner assembles into a result.
"""

from __future__ import annotations

import math
import shutil
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from agentmem_lab.embedders import Embedder
from agentmem_lab.items import MemoryItem
from agentmem_lab.measuring.folder import AckLog, run_meta, write_run_meta
from agentmem_lab.measuring.ground_truth import reference_for
from agentmem_lab.measuring.growth import SEGMENT_ITEMS, Growth, Tap, plan
from agentmem_lab.measuring.integrity import query_texts, run_checks
from agentmem_lab.measuring.reads import QUERIES, ReadsDuringWrites
from agentmem_lab.measuring.resolve import ResolvedRun
from agentmem_lab.measuring.user_reads import reads_per_message
from agentmem_lab.schema import sections
from agentmem_lab.schema.run_settings import RunSettings
from agentmem_lab.systems import System, Target
from agentmem_lab.workload import overhead
from agentmem_lab.workload.closed_loop import CallRecord, chunks, drive
from agentmem_lab.workload.modes import Adder
from agentmem_lab.workload.open_loop import drive_open


@dataclass(frozen=True)
class Phase:
    """The measured calls: every call's record, wall and CPU seconds, per-pass throughput."""

    records: list[CallRecord]
    wall_s: float
    repeat_throughput: list[float]
    cpu_s: float

    @property
    def acked(self) -> set[int]:
        return {k for r in self.records for k in r.acked}

    @property
    def acked_keys(self) -> npt.NDArray[np.uint64]:
        """``acked`` as a sorted array (8 bytes a key, not a set's 60)."""
        keys: npt.NDArray[np.uint64] = np.unique(
            np.fromiter(
                (k for r in self.records for k in r.acked),
                dtype=np.uint64,
                count=sum(len(r.acked) for r in self.records),
            )
        )
        return keys

    @property
    def failed(self) -> int:
        return sum(len(r.failed) for r in self.records)


class ReadFigures(NamedTuple):
    """The figures of the phase's reads, each None when the run made none."""

    during_writes: dict[str, Any] | None  # --search-rate
    per_message: dict[str, Any] | None  # --read-per-message


@dataclass(frozen=True)
class Measured:
    """What a run measured, before it becomes a ``Result``."""

    phase: Phase
    integrity: sections.Integrity
    search: sections.Search | None
    harness: sections.Overhead
    vector_load: sections.VectorLoad | None
    store_settings: dict[str, Any]
    shard_layout: dict[str, Any] | None = None
    reads: sections.Reads | None = None  # searches during the writes and freshness
    user_reads: sections.UserReads | None = None  # reads per message, within the user
    growth: sections.Growth | None = None  # growth windows, pauses, where the run stopped

    @classmethod
    def of(
        cls,
        phase: Phase,
        integrity: dict[str, Any],
        search: dict[str, Any] | None,
        harness: dict[str, Any],
        vector_load: dict[str, Any] | None,
        store_settings: dict[str, Any],
        shard_layout: dict[str, Any] | None = None,
        reads: dict[str, Any] | None = None,
        growth: dict[str, Any] | None = None,
        user_reads: dict[str, Any] | None = None,
    ) -> Measured:
        """The figures as the checks, the system and the stores report them (JSON-shaped
        mappings), read into their typed sections once."""
        return cls(
            phase,
            sections.Integrity.from_dict(integrity, "integrity"),
            sections.section_or_none(sections.Search, search, "search"),
            sections.Overhead.from_dict(harness, "harness"),
            sections.section_or_none(sections.VectorLoad, vector_load, "vector_load"),
            store_settings,
            shard_layout,
            sections.section_or_none(sections.Reads, reads, "reads"),
            sections.section_or_none(sections.UserReads, user_reads, "user_reads"),
            sections.section_or_none(sections.Growth, growth, "growth"),
        )

    @property
    def acknowledged(self) -> int:
        return len(self.phase.acked_keys)


async def _nothing() -> None:
    return None


@dataclass(frozen=True)
class PhaseHooks:
    """How a shard worker paces the phase: ``ready`` once the stores are open, ``go``
    awaited before each pass, ``done`` told each pass's records and CPU seconds."""

    ready: Callable[[], None] = lambda: None
    go: Callable[[], Awaitable[None]] = _nothing
    done: Callable[[list[CallRecord], float], None] = lambda records, cpu_s: None


async def warm_up(
    system: System,
    config: RunSettings,
    scratch: Path,
    embedder: Embedder,
    warm: Sequence[MemoryItem],
    clients: int,
) -> None:
    """Unmeasured calls on scratch stores, removed afterwards."""
    if not warm:
        return
    shutil.rmtree(scratch, ignore_errors=True)
    async with await system.open(config, scratch, embedder, faults=False) as target:
        await drive(target, chunks(warm, config.batch_size), clients)
    shutil.rmtree(scratch, ignore_errors=True)


async def measured_phase(
    run: ResolvedRun,
    embedder: Embedder,
    warm: Sequence[MemoryItem],
    items: Sequence[MemoryItem],
    stores_dir: Path,
    scratch: Path,
    clients: int,
    hooks: PhaseHooks = PhaseHooks(),
    windows: bool = True,
) -> tuple[Target, Phase, ReadFigures, Growth]:
    """Warm up, open the system on ``stores_dir`` and time the calls (closed-loop clients,
    or offered at ``config.rate`` or the dataset's trace), segment by segment (``growth``:
    the items are read as the run goes); returns the system, still open, the phase, the
    figures of the searches during the writes (``--search-rate``) and of the reads per
    message (``--read-per-message``), each None when not made, and what the pauses kept
    (growth windows, unless ``windows`` is False). On failure the system is
    closed and the first error speaks; the stores stay as they are for ``agentmem-lab
    verify``."""
    config, system = run.config, run.system
    await warm_up(system, config, scratch, embedder, warm, clients)
    tap = Tap(embedder)
    target = await system.open(config, stores_dir, tap, faults=True)
    ack_log: AckLog | None = None
    reads: ReadsDuringWrites | None = None
    try:
        per_message = reads_per_message(config, target, embedder, len(items))
        writer: Adder = per_message or target
        ack_log = AckLog(stores_dir)
        on_call: Callable[[CallRecord], None] = ack_log
        searcher = target.searcher()
        growth = Growth(
            config,
            tap,
            searcher,
            stores_dir,
            config.windows if windows and not config.open_loop else 0,
        )
        await growth.start()
        if config.search_rate is not None and searcher is not None:
            reads = ReadsDuringWrites(
                searcher,
                embedder,
                config.search_rate,
                config.freshness_sample,
                config.seed,
                query_texts(config, QUERIES, "reads"),
            )
            on_call = _both(ack_log, reads.on_call)
        hooks.ready()
        records: list[CallRecord] = []
        tput: list[float] = []
        wall = cpu = 0.0
        stream = iter(items)
        calls = math.ceil(len(items) / config.batch_size)
        number = 0  # segments so far (each open-loop segment's schedule has its own seed)
        stopped = False
        # An offer is one schedule per pass: a pause would empty its queue, so an open-loop
        # pass is one segment (its items made before it) and records no windows.
        segment_items = len(items) + 1 if config.open_loop else SEGMENT_ITEMS
        for r, segments in enumerate(
            plan(calls, config.repeats, growth.windows_wanted, config.batch_size, segment_items)
        ):
            await hooks.go()
            if reads is not None and r == 0:
                await reads.start()
            pass_records: list[CallRecord] = []
            pass_s = pass_cpu = 0.0
            for segment in segments:
                t0 = time.perf_counter()
                made = list(islice(stream, segment.calls * config.batch_size))
                if reads is not None:
                    reads.add_items(made)
                made_s = time.perf_counter() - t0
                recs, seconds, spent = await drive_segment(
                    config, writer, chunks(made, config.batch_size), clients, on_call, number
                )
                number += 1
                pass_records += recs
                pass_s += seconds
                pass_cpu += spent
                if await growth.pause(made_s, made, recs, seconds, segment.ends_window):
                    stopped = True
                    break
            hooks.done(pass_records, pass_cpu)
            records += pass_records
            wall += pass_s
            cpu += pass_cpu
            acked = sum(len(rec.acked) for rec in pass_records)
            tput.append(acked / pass_s if pass_s > 0 else 0.0)
            if stopped:
                break
        if reads is not None:
            await reads.stop()
        ack_log.close()
    except BaseException:
        if reads is not None:
            reads.cancel()
        if ack_log is not None:
            ack_log.close_quietly()
        await close_quietly(target)
        raise
    figures = ReadFigures(
        reads.figures() if reads is not None else None,
        per_message.figures() if per_message else None,
    )
    return target, Phase(records, wall, tput, cpu), figures, growth


async def drive_segment(
    config: RunSettings,
    target: Adder,
    calls: Sequence[Sequence[MemoryItem]],
    clients: int,
    on_call: Callable[[CallRecord], None],
    number: int,
) -> tuple[list[CallRecord], float, float]:
    """One segment's calls, closed loop or offered (its schedule seeded by the segment's
    number): the records, wall seconds and CPU seconds."""
    cpu0 = time.process_time()
    if config.open_loop:
        recs, seconds = await drive_open(
            target,
            calls,
            config.rate,
            config.arrivals,
            config.max_in_flight,
            config.seed + number,
            on_call,
            config.schedule_waits,
            config.speedup,
            config.max_gap,
        )
    else:
        recs, seconds = await drive(target, calls, clients, on_call)
    return recs, seconds, time.process_time() - cpu0


def _member(sorted_keys: npt.NDArray[np.uint64], key: int) -> bool:
    i = int(np.searchsorted(sorted_keys, np.uint64(key)))
    return i < len(sorted_keys) and int(sorted_keys[i]) == key


def _both(
    first: Callable[[CallRecord], None], second: Callable[[CallRecord], None]
) -> Callable[[CallRecord], None]:
    def on_call(record: CallRecord) -> None:
        first(record)
        second(record)

    return on_call


async def close_quietly(target: Target) -> None:
    """Close after another error (that error speaks, not this one)."""
    try:
        await target.close()
    except Exception:
        pass


async def measure_in_process(
    run: ResolvedRun,
    embedder: Embedder,
    warm: Sequence[MemoryItem],
    items: Sequence[MemoryItem],
) -> Measured:
    """One process: the measured phase, then the checks on its stores."""
    config, out = run.config, run.out_dir
    stores_dir = out / "stores"
    shutil.rmtree(stores_dir, ignore_errors=True)
    stores_dir.mkdir(parents=True)
    write_run_meta(stores_dir, run_meta(config))  # before the first write
    target, phase, reads, growth = await measured_phase(
        run, embedder, warm, items, stores_dir, out / "stores-warmup", config.concurrency
    )
    try:
        vector_load = await target.finish()
        acked = phase.acked_keys
        # Read again only if the pauses could not keep the exact reference (growth.kept).
        stored = (i for i in items if _member(acked, i.key))
        queries, kept = query_texts(config, config.search_queries), growth.kept()
        reference = await reference_for(
            config,
            embedder,
            kept,
            (i for i in items if _member(acked, i.key)),
            queries,
            phase.failed,
        )
        integrity, search = await run_checks(
            await target.key_arrays(),
            target.searcher(),
            embedder,
            stored,
            acked,
            phase.failed,
            config.seed,
            queries,
            config.self_recall_sample,
            kept,
            reference,
        )
        head = items[: overhead.ITEMS + config.batch_size]  # the harness times its first calls
        own_cost = await run.system.harness(config, chunks(head, config.batch_size), embedder.dim)
        store_settings = target.settings()
    except BaseException:
        await close_quietly(target)
        raise
    await target.close()
    return Measured.of(
        phase,
        integrity,
        search,
        own_cost,
        vector_load,
        store_settings,
        reads=reads.during_writes,
        growth=growth.figures(phase.wall_s),
        user_reads=reads.per_message,
    )


__all__ = [
    "Measured",
    "Phase",
    "PhaseHooks",
    "ReadFigures",
    "close_quietly",
    "drive_segment",
    "measure_in_process",
    "measured_phase",
    "warm_up",
]
