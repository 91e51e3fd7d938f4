"""Standalone embedder throughput at batch sizes 1, 10, 100 and 1,000, on this machine.

    .venv/bin/python benchmarks/embedders.py [--embedder hash --embedder minilm] [--seconds S]

Each batch size is timed inside one event loop for at least S seconds after one warmup
call; texts come from the project's corpus generator (distinct texts).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time

from _common import print_environment

from agentmem_lab.core.errors import AgentMemLabError
from agentmem_lab.core.stats import summarize
from agentmem_lab.corpus import generate_lines
from agentmem_lab.embedders import get_embedder


async def measure(name: str, seconds: float, sizes: list[int]) -> dict[int, float]:
    embedder = get_embedder(name)
    texts = [line.content for line in generate_lines(20_000, seed=11)]
    out: dict[int, float] = {}
    for n in sizes:
        await embedder.embed_batch(texts[:n])  # warmup, not measured
        done, calls, t0, pos = 0, [], time.perf_counter(), 0
        while time.perf_counter() - t0 < seconds or not calls:
            batch = texts[pos : pos + n] if pos + n <= len(texts) else texts[:n]
            pos = (pos + n) % len(texts)
            c0 = time.perf_counter()
            await embedder.embed_batch(batch)
            calls.append((time.perf_counter() - c0) * 1000)
            done += n
        wall = time.perf_counter() - t0
        out[n] = done / wall
        s = summarize(calls)
        print(
            f"{name:<8} batch {n:>5}: {out[n]:>10,.0f} texts/s  call p50 {s['p50']:.3f} ms "
            f"p99 {s['p99']:.3f} ms  ({len(calls)} calls)  x{out[n] / out[sizes[0]]:.2f} "
            f"vs batch {sizes[0]}",
            flush=True,
        )
    embedder.close()
    return out


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--embedder", action="append", default=None)
    p.add_argument("--seconds", type=float, default=2.0)
    args = p.parse_args()
    print_environment()
    for name in args.embedder or ["hash", "minilm"]:
        try:
            asyncio.run(measure(name, args.seconds, [1, 10, 100, 1000]))
        except AgentMemLabError as exc:
            print(f"{name}: skipped: {exc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
