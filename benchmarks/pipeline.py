"""The write path against its stages, in one process, and the performance goals.

    .venv/bin/python benchmarks/pipeline.py [--items N]

Measures each stage standalone on the data the benchmark writes (the project's corpus,
hash embeddings, default store settings, batches of 1,000), then the whole pipeline, and
prints each goal as ``GOAL <name>: measured <x>, target <y>, PASS|FAIL``. Ratios compare
two things measured in this run; absolute figures depend on the machine (printed first).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np
from _common import goal, print_environment

from agentmem_lab.corpus import make_items
from agentmem_lab.embedders import Embedder, HashEmbedder, get_embedder
from agentmem_lab.errors import AgentMemLabError
from agentmem_lab.modes import CallOutcome, Mode, StageClock
from agentmem_lab.records import MemoryItem
from agentmem_lab.runner import RunConfig, drive, run
from agentmem_lab.stores import CoreStore, HistoryStore, StoreSet, StoreSettings, VectorStore

BATCH = 1000


async def stage_rates(items: Sequence[MemoryItem], embedder: Embedder,
                      directory: Path) -> dict[str, float]:
    """Each stage alone, items/s, in batches of 1,000 (the stores fresh and on disk)."""
    settings = StoreSettings()
    chunks = [items[i:i + BATCH] for i in range(0, len(items), BATCH)]
    rates: dict[str, float] = {}
    t0 = time.perf_counter()
    vectors = [await embedder.embed_batch([i.content for i in c]) for c in chunks]
    rates["embed"] = len(items) / (time.perf_counter() - t0)
    for name, store in (("core", CoreStore(directory / "core", settings)),
                        ("history", HistoryStore(directory / "history", settings)),
                        ("vector", VectorStore(directory / "vector", settings, embedder.dim))):
        await store.open()
        t0 = time.perf_counter()
        for c, v in zip(chunks, vectors):
            await store.write_many(c, v)
        rates[name] = len(items) / (time.perf_counter() - t0)
        await store.close()
    return rates


class NothingMode(Mode):
    """A write path that does nothing: what measuring itself costs."""

    name = "nothing"

    async def _add(self, items: Sequence[MemoryItem], clock: StageClock,
                   outcome: CallOutcome) -> None:
        outcome.acked.extend(i.key for i in items)


async def harness_overhead_us(n: int, batch: int) -> float:
    items = make_items(n, seed=5)
    calls = [items[i:i + batch] for i in range(0, n, batch)]
    mode = NothingMode(HashEmbedder(), StoreSet(*([None] * 3)))  # type: ignore[arg-type]
    await drive(mode, calls[:100], 1)  # warmup
    best = float("inf")
    for _ in range(3):
        _, wall = await drive(mode, calls, 1)
        best = min(best, wall)
    return best / n * 1e6


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--items", type=int, default=20_000)
    p.add_argument("--minilm-items", type=int, default=3_000)
    args = p.parse_args()
    print_environment()
    ok = True
    with tempfile.TemporaryDirectory(prefix="agentmem-bench-") as tmp:
        root = Path(tmp)
        items = make_items(args.items, seed=9)
        rates = asyncio.run(stage_rates(items, HashEmbedder(), root / "stages"))
        for name, rate in rates.items():
            print(f"stage {name:<8} standalone: {rate:>10,.0f} items/s (batches of {BATCH})")
        slowest = min(rates, key=lambda k: rates[k])
        bulk = run(RunConfig(mode="bulk", batch_size=BATCH, items=args.items, repeats=3,
                             search_queries=300), root / "bulk")
        seq = run(RunConfig(mode="sequential", batch_size=1, items=min(args.items, 5000),
                            repeats=3, search_queries=0), root / "seq")
        print(f"pipeline bulk-{BATCH}: {bulk.throughput_ops_s:,.0f} ops/s "
              f"(per repeat: {', '.join(f'{x:,.0f}' for x in bulk.repeat_throughput_ops_s)}); "
              f"sequential-1: {seq.throughput_ops_s:,.0f} ops/s")
        assert bulk.search is not None
        ok &= goal("bulk1000_hash_throughput_ops_s", bulk.throughput_ops_s, 20_000)
        ok &= goal("bulk1000_recall_at_10", bulk.search["recall_at_10"], 0.95)
        ok &= goal(f"pipeline_efficiency_vs_{slowest}_stage",
                   bulk.throughput_ops_s / rates[slowest], 0.80)
        ok &= goal("bulk1000_over_sequential1", bulk.throughput_ops_s / seq.throughput_ops_s, 50)
        try:
            minilm = get_embedder("minilm")
        except AgentMemLabError as exc:
            print(f"minilm: not measured: {exc}")
        else:
            few = items[:args.minilm_items]
            alone = asyncio.run(stage_rates(few[:BATCH * 2], minilm, root / "minilm-stages"))
            minilm.close()
            mb = run(RunConfig(mode="bulk", batch_size=BATCH, items=len(few), embedder="minilm",
                               search_queries=0), root / "minilm")
            print(f"minilm embed_batch standalone: {alone['embed']:,.0f} texts/s; "
                  f"bulk-{BATCH} with minilm: {mb.throughput_ops_s:,.0f} ops/s")
            ok &= goal("minilm_bulk1000_over_embed_batch", mb.throughput_ops_s / alone["embed"], 0.90)
        per_item_1 = asyncio.run(harness_overhead_us(100_000, 1))
        per_item_1000 = asyncio.run(harness_overhead_us(100_000, 1000))
        print(f"harness overhead: {per_item_1:.2f} us/item at batch 1, "
              f"{per_item_1000:.3f} us/item at batch 1000")
        ok &= goal("harness_overhead_us_per_item_batch1", per_item_1, 5.0, higher_is_better=False)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
