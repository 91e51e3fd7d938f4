"""Would overlapping the stages make bulk faster? Two overlapped schedules against ``bulk``.

    .venv/bin/python benchmarks/overlap.py [--items N] [--rounds R]

``bulk`` embeds a call's items, then writes the three stores concurrently. Two schedules
that overlap more are measured beside it, in one process, round after round (so load on a
shared machine falls on each alike), and printed as medians and ratios to ``bulk``:

- ``rows-early``: core memory and history need no vectors, so their writes start with the
  call, while the embedder works;
- ``chunked``: rows-early, and the vector index takes the items in chunks of 256, each
  chunk added (off the event loop) while the next one is embedded.

These schedules are for measurement only: they do not undo partial writes, so they are
not registered outside this script. Each run still checks that every item was stored.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from _common import print_environment

from agentmem_lab.embedders import Vectors
from agentmem_lab.items import MemoryItem
from agentmem_lab.measuring.runner import RunConfig, run
from agentmem_lab.workload.closed_loop import chunks
from agentmem_lab.workload.modes import MODES, CallOutcome, Mode, StageClock

BATCH = 1000


class RowsEarly(Mode):
    """Core and history start with the call; the vector index waits for the embedder."""

    name = "rows-early"

    async def _rows(self, items: Sequence[MemoryItem], clock: StageClock) -> None:
        await asyncio.gather(
            *(
                clock.timed(s.name, s.write_many(items, None))
                for s in (self.stores.core, self.stores.history)
            )
        )

    async def _vectors(self, items: Sequence[MemoryItem], clock: StageClock) -> None:
        vectors = await clock.timed("embed", self.embedder.embed_batch([i.content for i in items]))
        await clock.timed("vector", self.stores.vector.write_many(items, vectors))

    async def _add(
        self, items: Sequence[MemoryItem], clock: StageClock, outcome: CallOutcome
    ) -> None:
        await asyncio.gather(self._rows(items, clock), self._vectors(items, clock))
        outcome.acked.extend(i.key for i in items)


class Chunked(RowsEarly):
    """Rows early, and embedding of chunk n+1 while chunk n goes into the index."""

    name = "chunked"
    chunk = 256

    async def _vectors(self, items: Sequence[MemoryItem], clock: StageClock) -> None:
        parts = chunks(items, self.chunk)

        def embed(part: Sequence[MemoryItem]) -> asyncio.Task[Vectors]:
            texts = [i.content for i in part]
            return asyncio.ensure_future(clock.timed("embed", self.embedder.embed_batch(texts)))

        pending = embed(parts[0])
        for n, part in enumerate(parts):
            vectors = await pending
            if n + 1 < len(parts):
                pending = embed(parts[n + 1])
            await clock.timed("vector", self.stores.vector.write_many(part, vectors))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--items", type=int, default=20_000)
    p.add_argument("--rounds", type=int, default=5)
    args = p.parse_args()
    print_environment()
    for cls in (RowsEarly, Chunked):
        MODES.register(cls.name)(cls)
    modes = ["bulk", RowsEarly.name, Chunked.name]
    rates: dict[str, list[float]] = {m: [] for m in modes}
    with tempfile.TemporaryDirectory(prefix="agentmem-overlap-") as tmp:
        for _ in range(args.rounds):
            for mode in modes:
                r = run(
                    RunConfig(mode=mode, batch_size=BATCH, items=args.items, search_queries=0),
                    Path(tmp) / mode,
                )
                i = r.integrity
                if not (i.acknowledged == args.items and i.lost == 0 and i.orphans == 0):
                    print(f"{mode}: integrity check failed: {i}")
                    return 1
                rates[mode].append(r.throughput_ops_s)
    base = statistics.median(rates["bulk"])
    for mode in modes:
        m = statistics.median(rates[mode])
        runs = ", ".join(f"{x:,.0f}" for x in rates[mode])
        print(
            f"{mode:<10} batch {BATCH}: median {m:>8,.0f} ops/s, {m / base:.2f}x bulk "
            f"(runs: {runs})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
