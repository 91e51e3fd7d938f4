"""How long `agentmem-lab verify` takes on a run whose index file was lost, by size.

    .venv/bin/python benchmarks/verify.py [--sizes 10000 100000]

For each size: a bulk-1000 run, then its vectors.usearch is deleted (what a SIGKILL before
the index is saved leaves), then verify rebuilds every vector from core memory. Its time
must grow linearly with the items (the index's keys are read in one call); the GOAL line
holds verify at the largest size under a minute.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

from _common import goal, print_environment

from agentmem_lab.measuring.runner import RunConfig, run
from agentmem_lab.measuring.verify import verify


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    args = p.parse_args()
    print_environment()
    seconds = {}
    with tempfile.TemporaryDirectory(prefix="agentmem-verify-") as tmp:
        for n in args.sizes:
            out = Path(tmp) / f"run-{n}"
            run(RunConfig(mode="bulk", batch_size=min(1000, n), items=n, search_queries=0), out)
            (out / "stores" / "vectors.usearch").unlink()
            t0 = time.perf_counter()
            report = asyncio.run(verify(out))
            seconds[n] = time.perf_counter() - t0
            rebuilt = report["repairs"]["vectors_rebuilt"]
            print(
                f"verify {n:,} items, index lost: {seconds[n]:.2f} s, {rebuilt:,} vectors "
                f"rebuilt, lost {report['lost']}, orphans {report['orphans']} "
                f"({seconds[n] / n * 1e6:.1f} us per item)"
            )
            if report["lost"] or report["orphans"] or rebuilt != n:
                print(f"verify {n:,}: FAILED to repair")
                return 1
    small, large = min(seconds), max(seconds)
    if small != large:
        print(
            f"verify time ratio {large:,}/{small:,} items: {seconds[large] / seconds[small]:.1f}x "
            f"for {large / small:.0f}x the items"
        )
    ok = goal(f"verify_{large}_items_index_lost_s", seconds[large], 60.0, higher_is_better=False)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
