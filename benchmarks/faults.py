"""100,000 writes at a 1 % failure rate per store through each mode: nothing lost, no orphans.

    .venv/bin/python benchmarks/faults.py [--items N] [--rate P]

Exits 1 if any mode ends with a lost or orphaned item. (tests/test_faults.py runs a
smaller, property-based version of the same invariant.)
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time

from _common import print_environment

from agentmem_lab.measuring.runner import RunConfig, run

MODES = (("sequential", 1), ("parallel", 1), ("batch", 100), ("bulk", 1000))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--items", type=int, default=100_000)
    p.add_argument("--rate", type=float, default=0.01)
    args = p.parse_args()
    print_environment()
    ok = True
    with tempfile.TemporaryDirectory(prefix="agentmem-faults-") as tmp:
        for mode, batch in MODES:
            t0 = time.perf_counter()
            r = run(
                RunConfig(
                    mode=mode,
                    batch_size=batch,
                    items=args.items,
                    fail_rate=args.rate,
                    search_queries=0,
                    seed=7,
                ),
                f"{tmp}/{mode}",
            )
            i = r.integrity
            good = (
                i.lost == 0
                and i.orphans == 0
                and i.acknowledged + i.failed == args.items
                and i.acknowledged == i.core == i.vector == i.history
            )
            ok &= good
            print(
                f"{mode:<10} batch {batch:>4}: items {args.items}, acknowledged "
                f"{i.acknowledged}, "
                f"failed {i.failed} ({i.failed / args.items:.2%}), core {i.core}, "
                f"vector {i.vector}, history {i.history}, lost {i.lost}, "
                f"orphans {i.orphans}: {'PASS' if good else 'FAIL'} "
                f"[{r.throughput_ops_s:,.0f} ops/s, {time.perf_counter() - t0:.1f} s]",
                flush=True,
            )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
