"""Offered load: the load generator's own cost, and what bulk-1000 sustains.

1. **Schedule error** (the generator's own cost): sequential-1 over an embedder and stores
   that do nothing, offered at rates it keeps up with easily; how late each call starts
   against its intended start (``start_delay``), p50/p99/max, and the CPU the offer took,
   for each way of waiting (``--schedule-waits``): ``timer`` (the default) and ``spin``.
   Goal: p99 under 1 ms with the default.
2. **Interference**: the same generator in front of real stores (sequential-1 at 500
   calls/s, hash embedder), by turns: the calls' service p99 with each way of waiting,
   beside the same calls closed loop. A generator that slows what it measures shows here.
3. **Sustained throughput**: ``agentmem-lab capacity`` on bulk-1000 with the hash
   embedder (closed loop first, then probes); goal: the maximum sustainable throughput at
   response p99 <= 100 ms is at least 0.8 of the closed-loop throughput, in one run.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from _common import goal, print_environment

from agentmem_lab.core import histogram
from agentmem_lab.core.loops import run_in_own_loop
from agentmem_lab.corpus import make_items
from agentmem_lab.embedders import NullEmbedder
from agentmem_lab.measuring.capacity import find_capacity, summary_line
from agentmem_lab.measuring.resolve import RunConfig
from agentmem_lab.measuring.runner import run
from agentmem_lab.stores import null_stores
from agentmem_lab.workload import open_loop
from agentmem_lab.workload.closed_loop import chunks
from agentmem_lab.workload.modes import SequentialMode


async def schedule_error(rate: float, calls: int, waits: str) -> tuple[dict[str, float], float]:
    """Start delays (ms summary) of ``calls`` do-nothing calls offered at ``rate``, and the
    CPU seconds per wall second the offer took."""
    mode = SequentialMode(NullEmbedder(384), null_stores())
    batches = chunks(make_items(calls, seed=1), 1)
    cpu0, t0 = time.process_time(), time.perf_counter()
    records, _ = await open_loop.drive_open(mode, batches, rate, max_in_flight=16, waits=waits)
    cpu = (time.process_time() - cpu0) / (time.perf_counter() - t0)
    return histogram.summary_ms(histogram.of_seconds(r.start_delay_s for r in records)), cpu


def interference(rounds: int, items: int) -> dict[str, list[float]]:
    """Service p99 (ms) of sequential-1 over real stores at 500 calls/s with each way of
    waiting, and closed loop, by turns."""
    out: dict[str, list[float]] = {"closed loop": [], "timer": [], "spin": []}
    base = RunConfig(
        mode="sequential",
        batch_size=1,
        items=items,
        embedder="hash",
        search_queries=0,
        self_recall_sample=0,
        warmup=0,
    )
    for _ in range(rounds):
        for how in out:
            config = base if how == "closed loop" else replace(base, rate=500.0, schedule_waits=how)
            with tempfile.TemporaryDirectory() as tmp:
                r = run(config, Path(tmp) / "run")
            out[how].append(r.latency_ms["p99"])
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seconds", type=float, default=2.0, help="seconds of offer per rate")
    p.add_argument("--rates", type=float, nargs="+", default=[100.0, 1000.0, 5000.0])
    p.add_argument("--items", type=int, default=20000, help="bulk-1000's closed-loop items")
    p.add_argument("--min-calls", type=int, default=20, help="calls per capacity probe at least")
    p.add_argument("--interference-rounds", type=int, default=3)
    p.add_argument("--interference-items", type=int, default=1500)
    p.add_argument("--skip-capacity", action="store_true")
    args = p.parse_args(argv)
    print_environment()
    ok = True
    worst = 0.0
    for rate in args.rates:
        calls = max(20, int(rate * args.seconds))
        for waits in open_loop.WAITS:
            s, cpu = run_in_own_loop(schedule_error(rate, calls, waits), "uvloop")
            print(
                f"schedule error at {rate:,.0f} calls/s, {waits} waits: start delay p50 "
                f"{s['p50']:.3f} ms p99 {s['p99']:.3f} ms max {s['max']:.3f} ms; "
                f"{cpu:.2f} CPU s per s",
                flush=True,
            )
            if waits == "timer":
                worst = max(worst, s["p99"])
    ok &= goal("schedule_error_p99_ms", worst, 1.0, higher_is_better=False)
    if args.interference_rounds:
        found = interference(args.interference_rounds, args.interference_items)
        print(
            "sequential-1 over real stores, service p99 by turns (ms): "
            + "; ".join(
                f"{how} {statistics.median(xs):.2f} (rounds {', '.join(f'{x:.2f}' for x in xs)})"
                for how, xs in found.items()
            ),
            flush=True,
        )
    if not args.skip_capacity:
        with tempfile.TemporaryDirectory() as tmp:
            config = RunConfig(mode="bulk", batch_size=1000, items=args.items, embedder="hash")
            doc: dict[str, Any] = find_capacity(
                config,
                Path(tmp) / "cap",
                min_calls=args.min_calls,
                progress=lambda line: print("  " + line, flush=True),
            )
        print(summary_line(doc))
        ratio = doc["ratio_to_closed_loop"] or 0.0
        ok &= goal("bulk1000_sustainable_over_closed_loop", ratio, 0.8)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
