"""Every embedded vector store in the same write path, by turns in one process: bulk-1000
and parallel-1, write throughput and the vector store's load split, search and recall
(pgvector, on a server, is benchmarks/servers.py's).

    .venv/bin/python benchmarks/vector_stores.py [--items N] [--parallel-items N] [--rounds R]

Each round runs every backend once, in turn, so that a change in the machine's load falls
on all of them alike; the figures are medians over the rounds, and each backend's
throughput is also given as a ratio to usearch's in the same rounds. Exits 1 if any run
lost or orphaned an item.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile

from _common import print_environment

from agentmem_lab.measuring.runner import RunConfig, run
from agentmem_lab.stores import VECTOR_STORES, StoreSettings


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--items", type=int, default=20_000, help="bulk-1000 items (default 20,000)")
    p.add_argument(
        "--parallel-items", type=int, default=1_000, help="parallel-1 items (default 1,000)"
    )
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--queries", type=int, default=100)
    args = p.parse_args()
    print_environment()
    backends = [b for b in VECTOR_STORES.names() if not VECTOR_STORES.get(b).server]
    ok = True
    with tempfile.TemporaryDirectory(prefix="agentmem-vector-stores-") as tmp:
        for mode, batch, items in (
            ("bulk", 1000, args.items),
            ("parallel", 1, args.parallel_items),
        ):
            runs: dict[str, list] = {b: [] for b in backends}
            for n in range(args.rounds):
                for b in backends:
                    r = run(
                        RunConfig(
                            mode=mode,
                            batch_size=batch,
                            items=items,
                            search_queries=args.queries,
                            seed=n,
                            stores=StoreSettings(vector_store=b),
                        ),
                        f"{tmp}/{b}-{mode}",
                    )
                    ok &= r.integrity.lost == 0 and r.integrity.orphans == 0
                    runs[b].append(r)
            base = statistics.median(r.throughput_ops_s for r in runs["usearch"])
            print(f"{mode}-{batch}, {items:,} items, median of {args.rounds} rounds:")
            for b in sorted(
                backends, key=lambda b: -statistics.median(r.throughput_ops_s for r in runs[b])
            ):
                rs = runs[b]

                def med(f):
                    return statistics.median(f(r) for r in rs)

                tput = med(lambda r: r.throughput_ops_s)
                print(
                    f"  {b:<13} {tput:>9,.0f} ops/s ({tput / base:.2f}x usearch); load "
                    f"{med(lambda r: r.vector_load.load_s):.3f} s = insert "
                    f"{med(lambda r: r.vector_load.insert_s):.3f} + optimize "
                    f"{med(lambda r: r.vector_load.optimize_s):.3f} (dup check "
                    f"{med(lambda r: r.vector_load.check_s):.3f}); search p50 "
                    f"{med(lambda r: r.search.p50_ms):.3f} ms, recall@10 "
                    f"{med(lambda r: r.search.recall_at_10):.3f}, self-recall "
                    f"{med(lambda r: r.integrity.self_recall_at_1):.3f}; "
                    f"{rs[0].vector_load.search}, durable on {rs[0].vector_load.durability}",
                    flush=True,
                )
    if not ok:
        print("an item was lost or orphaned")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
