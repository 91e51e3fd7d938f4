"""The write path against its stages, in one process, and the performance goals.

    .venv/bin/python benchmarks/pipeline.py [--items N] [--rounds R]

Measures each stage standalone on the data the benchmark writes (the project's corpus,
hash embeddings, default store settings, batches of 1,000), then the whole pipeline, in
rounds (figures are medians), and prints each goal as
``GOAL <name>: measured <x>, target <y>, PASS|FAIL``. Ratios compare two things measured
in this run; absolute figures depend on the machine (printed first).

Each stage's CPU time per item (every thread of the process) gives a ``BOUND`` line: the
stages share the machine's cores, so the pipeline can go no faster than the cores divided
by the CPU time of all stages, nor faster than its slowest stage alone.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from _common import goal, print_environment

from agentmem_lab.core.errors import AgentMemLabError
from agentmem_lab.core.loops import run_in_own_loop
from agentmem_lab.core.seedmodel import predict
from agentmem_lab.corpus import make_items
from agentmem_lab.embedders import Embedder, HashEmbedder, get_embedder
from agentmem_lab.items import MemoryItem
from agentmem_lab.measuring.runner import RunConfig, run
from agentmem_lab.stores import (
    CoreStore,
    HistoryStore,
    StoreSet,
    StoreSettings,
    UsearchStore,
    real_stores,
)
from agentmem_lab.workload import overhead
from agentmem_lab.workload.closed_loop import chunks, drive
from agentmem_lab.workload.modes import BatchMode, BulkMode, CallOutcome, Mode, StageClock

BATCH = 1000


async def stage_rates(
    items: Sequence[MemoryItem], embedder: Embedder, directory: Path
) -> dict[str, tuple[float, float]]:
    """Each stage alone in batches of 1,000 (the stores fresh and on disk): for each,
    (items/s, CPU seconds per item over every thread of the process)."""
    settings = StoreSettings()
    calls = chunks(items, BATCH)
    out: dict[str, tuple[float, float]] = {}
    t0, c0 = time.perf_counter(), time.process_time()
    vectors = [await embedder.embed_batch([i.content for i in c]) for c in calls]
    out["embed"] = (
        len(items) / (time.perf_counter() - t0),
        (time.process_time() - c0) / len(items),
    )
    for name, store in (
        ("core", CoreStore(directory / "core", settings)),
        ("history", HistoryStore(directory / "history", settings)),
        ("vector", UsearchStore(directory / "vector", settings, embedder.dim)),
    ):
        await store.open()
        t0, c0 = time.perf_counter(), time.process_time()
        for c, v in zip(calls, vectors):
            await store.write_many(c, v)
        out[name] = (
            len(items) / (time.perf_counter() - t0),
            (time.process_time() - c0) / len(items),
        )
        await store.close()
    return out


async def pipeline_cpu(items: Sequence[MemoryItem], directory: Path) -> tuple[float, float]:
    """bulk-1000 over fresh real stores, driven directly: (CPU seconds per item over every
    thread, cores kept busy = CPU seconds / wall seconds). The first call warms up."""
    embedder = HashEmbedder()
    calls = chunks(items, BATCH)
    async with real_stores(directory, StoreSettings(), embedder.dim) as stores:
        mode = BulkMode(embedder, stores)
        await drive(mode, calls[:1], 1)
        c0 = time.process_time()
        _, wall = await drive(mode, calls[1:], 1)
        cpu = time.process_time() - c0
    n = sum(len(c) for c in calls[1:])
    return cpu / n, cpu / wall


class NothingMode(Mode):
    """A write path that does nothing: what measuring itself costs."""

    name = "nothing"

    async def _add(
        self, items: Sequence[MemoryItem], clock: StageClock, outcome: CallOutcome
    ) -> None:
        outcome.acked.extend(i.key for i in items)


async def harness_overhead_us(n: int, batch: int) -> float:
    items = make_items(n, seed=5)
    calls = chunks(items, batch)
    mode = NothingMode(HashEmbedder(), StoreSet(*([None] * 3)))  # type: ignore[arg-type]
    await drive(mode, calls[:100], 1)  # warmup
    best = float("inf")
    for _ in range(3):
        _, wall = await drive(mode, calls, 1)
        best = min(best, wall)
    return best / n * 1e6


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--items", type=int, default=20_000)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--minilm-items", type=int, default=3_000, help="0: skip minilm")
    p.add_argument(
        "--event-loop",
        default=RunConfig.__dataclass_fields__["event_loop"].default,
        help="the loop every run and harness measurement is timed in",
    )
    args = p.parse_args()
    print_environment()
    ok = True
    median = statistics.median
    with tempfile.TemporaryDirectory(prefix="agentmem-bench-") as tmp:
        root = Path(tmp)
        items = make_items(args.items, seed=9)
        # Stages, bulk and sequential by turns, so a noisy neighbour weighs on each alike.
        stages: dict[str, list[tuple[float, float]]] = {}
        bulk_rates, seq_rates, recalls, busy = [], [], [], []
        shard_runs = []
        n_shards = cores()
        shard_stages: dict[str, list[tuple[float, float]]] = {}
        for n in range(args.rounds):
            for name, rc in run_in_own_loop(
                stage_rates(items, HashEmbedder(), root / f"stages{n}"), args.event_loop
            ).items():
                stages.setdefault(name, []).append(rc)
            bulk = run(
                RunConfig(
                    mode="bulk",
                    batch_size=BATCH,
                    items=args.items,
                    search_queries=300,
                    event_loop=args.event_loop,
                ),
                root / "bulk",
            )
            seq = run(
                RunConfig(
                    mode="sequential",
                    batch_size=1,
                    items=min(args.items, 5000),
                    search_queries=0,
                    event_loop=args.event_loop,
                ),
                root / "seq",
            )
            # Each shard's stages hold 1/n of the items: the vector stage's cost per item
            # grows with the index, so the sharded bound is measured at that size.
            for name, rc in run_in_own_loop(
                stage_rates(
                    items[: args.items // n_shards], HashEmbedder(), root / f"shard-stages{n}"
                ),
                args.event_loop,
            ).items():
                shard_stages.setdefault(name, []).append(rc)
            # The same bulk-1000, its items partitioned by user over one process per core.
            shard_runs.append(
                run(
                    RunConfig(
                        mode="bulk",
                        batch_size=BATCH,
                        items=args.items,
                        shards=0,
                        search_queries=100,
                        event_loop=args.event_loop,
                    ),
                    root / "sharded",
                )
            )
            assert bulk.search is not None
            bulk_rates.append(bulk.throughput_ops_s)
            seq_rates.append(seq.throughput_ops_s)
            recalls.append(bulk.search.recall_at_10)
            busy.append(run_in_own_loop(pipeline_cpu(items, root / f"cpu{n}"), args.event_loop))
        rates = {k: median(r for r, _ in v) for k, v in stages.items()}
        cpu = {k: median(c for _, c in v) for k, v in stages.items()}
        for name in rates:
            print(
                f"stage {name:<8} standalone: {rates[name]:>10,.0f} items/s, "
                f"{cpu[name] * 1e6:6.1f} CPU us/item (batches of {BATCH}; median of {args.rounds})"
            )
        b, q = median(bulk_rates), median(seq_rates)
        print(
            f"pipeline bulk-{BATCH}: {b:,.0f} ops/s (runs: "
            f"{', '.join(f'{x:,.0f}' for x in bulk_rates)}); "
            f"sequential-1: {q:,.0f} ops/s (runs: {', '.join(f'{x:,.0f}' for x in seq_rates)})"
        )
        slowest = min(rates, key=lambda k: rates[k])
        # The stages share this machine's cores: the pipeline cannot beat its slowest stage,
        # nor do more CPU work per second than the cores give.
        k = cores()
        ceiling = min(k / sum(cpu.values()), rates[slowest])
        print(
            f"BOUND pipeline: at most {ceiling:,.0f} ops/s = min({k} cores / "
            f"{sum(cpu.values()) * 1e6:.1f} CPU us per item of all stages, the {slowest} stage "
            f"{rates[slowest]:,.0f}/s); efficiency at most {ceiling / rates[slowest]:.3f}, "
            f"bulk over sequential-1 at most {ceiling / q:.1f}x"
        )
        # Absolute throughput and bulk over sequential-1 are figures of this machine, not
        # goals: the 20,000 ops/s and 50x goals were retired (the same bulk-1000 measured
        # 11,132 and 21,333 ops/s on two 2-core machines). The goals below are ratios.
        ok &= goal("bulk1000_recall_at_10", min(recalls), 0.95)
        # One name whichever stage is slowest on this machine (the BOUND line names it): a
        # goal's name must not depend on what was measured.
        ok &= goal("pipeline_efficiency_vs_slowest_stage", b / rates[slowest], 0.80)
        cpu_bulk, cores_busy = median(c for c, _ in busy), median(u for _, u in busy)
        print(
            f"  bulk-{BATCH} reaches {b / ceiling:.3f} of the bound above: it spends "
            f"{cpu_bulk * 1e6:.1f} CPU us per item (the stages alone: "
            f"{sum(cpu.values()) * 1e6:.1f}) and keeps {cores_busy:.2f} of {k} cores busy; "
            f"with every core busy at that cost it would reach {k / cpu_bulk:,.0f} ops/s, "
            f"efficiency {k / cpu_bulk / rates[slowest]:.3f}"
        )
        print(f"bulk-{BATCH} over sequential-1: {b / q:.1f}x (a figure, not a goal)")
        sh = median(r.throughput_ops_s for r in shard_runs)
        sh_cpu = {k: median(c for _, c in v) for k, v in shard_stages.items()}
        sh_ceiling = k / sum(sh_cpu.values())
        print(
            f"BOUND sharded: at most {sh_ceiling:,.0f} ops/s = {k} cores / "
            f"{sum(sh_cpu.values()) * 1e6:.1f} CPU us per item of all stages, measured with "
            f"{args.items // n_shards:,} items per index (each of {n_shards} shards holds that "
            f"many; the vector stage {sh_cpu['vector'] * 1e6:.1f} CPU us per item there, "
            f"{cpu['vector'] * 1e6:.1f} at {args.items:,})"
        )
        sh_busy = median(r.cores_busy or 0.0 for r in shard_runs)
        sh_lost = sum(r.integrity.lost + r.integrity.orphans for r in shard_runs)
        print(
            f"sharded bulk-{BATCH}: {shard_runs[0].shards} shards, {sh:,.0f} ops/s (runs: "
            f"{', '.join(f'{r.throughput_ops_s:,.0f}' for r in shard_runs)}), "
            f"{sh / b:.2f}x one process, {sh / ceiling:.3f} of the bound "
            f"({sh / sh_ceiling:.3f} of the sharded bound); keeps "
            f"{sh_busy:.2f} of {k} cores busy (one process: {cores_busy:.2f}); "
            f"lost + orphans {sh_lost}, recall@10 "
            f"{min(r.search.recall_at_10 for r in shard_runs if r.search):.3f}"
        )
        # The goals are against the BOUND line above (one process). The sharded
        # bound beside it says how much of that comes from smaller indexes per shard.
        ok &= goal("sharded_bulk1000_of_bound", sh / ceiling, 0.90)
        # Over the seed's baseline (sequential-1, one process) against what the BOUND line
        # allows: (sharded / sequential-1) / (bound / sequential-1).
        ok &= goal(
            "sharded_bulk1000_over_sequential1_of_bound_ratio", (sh / q) / (ceiling / q), 0.80
        )
        ok &= sh_lost == 0
        try:
            if args.minilm_items < 1:
                raise AgentMemLabError("--minilm-items is 0")
            minilm = get_embedder("minilm")
        except AgentMemLabError as exc:
            print(f"minilm: not measured: {exc}")
        else:
            few = items[: args.minilm_items]
            alone = run_in_own_loop(
                stage_rates(few[: BATCH * 2], minilm, root / "minilm-stages"), args.event_loop
            )
            minilm.close()
            mb = run(
                RunConfig(
                    mode="bulk",
                    batch_size=BATCH,
                    items=len(few),
                    embedder="minilm",
                    search_queries=0,
                    event_loop=args.event_loop,
                ),
                root / "minilm",
            )
            embed_rate = alone["embed"][0]
            print(
                f"minilm embed_batch standalone: {embed_rate:,.0f} texts/s; "
                f"bulk-{BATCH} with minilm: {mb.throughput_ops_s:,.0f} ops/s"
            )
            ok &= goal("minilm_bulk1000_over_embed_batch", mb.throughput_ops_s / embed_rate, 0.90)
        loop = args.event_loop
        per_item_1 = run_in_own_loop(harness_overhead_us(100_000, 1), loop)
        per_item_1000 = run_in_own_loop(harness_overhead_us(100_000, 1000), loop)
        print(
            f"harness driver overhead ({loop}; a mode that does nothing): {per_item_1:.2f} us/item "
            f"at batch 1, {per_item_1000:.3f} us/item at batch 1000"
        )
        ok &= goal("harness_overhead_us_per_item_batch1", per_item_1, 3.0, higher_is_better=False)
        # The seed's design (batch mode: every item's three writes concurrently) over stores
        # that do nothing: what Python's tasks and joins cost per item, against 3 % of the
        # per-item latency the seed's model predicts for a batch of 1,000 (600 ms / 1,000).
        tax_items = make_items(overhead.ITEMS, seed=5)
        budget_us = predict("batch", BATCH).latency_ms * 1000 / BATCH * 0.03
        model_ms = predict("batch", BATCH).latency_ms
        tax = run_in_own_loop(
            overhead.measure_overhead(BatchMode, chunks(tax_items, BATCH), 1, HashEmbedder().dim),
            loop,
        )
        print(
            f"harness, batch mode at {BATCH} (stores whose writes are coroutines, as real "
            f"stores' are): {tax['per_item_us']:.2f} us/item, "
            f"{tax['per_call_us']['p50'] / 1000:.2f} ms per call at the median, "
            f"{tax['per_call_us']['p50'] / 1000 / model_ms:.1%} of the model's "
            f"{model_ms:.0f} ms call"
        )
        ok &= goal(
            f"harness_batch{BATCH}_us_per_item",
            tax["per_item_us"],
            budget_us,
            higher_is_better=False,
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
