"""mem0's add(infer=False) beside the seed's modes, by turns in one process, same items,
embedder and machine.

    .venv/bin/python benchmarks/peers.py [--embedder hash|minilm] [--rounds R] [--scale F]

Each round runs every configuration once, in turn; the figures are medians over the
rounds. For each batch size, each of the seed's modes is also given as a ratio to mem0's
throughput in the same rounds, and mem0's best throughput against the 10,000 ops/s that
AgentMem's documents attribute to it. Exits 1 if any run lost or orphaned an item.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile

from _common import print_environment

from agentmem_lab.runner import RunConfig, run

CLAIM = 10_000.0
#: (system, mode, batch, items at scale 1)
CONFIGS = (
    ("mem0", "sequential", 1, 300), ("agentmem", "sequential", 1, 1000),
    ("agentmem", "parallel", 1, 1000), ("agentmem", "batch", 1, 1000),
    ("agentmem", "bulk", 1, 1000),
    ("mem0", "sequential", 10, 1000), ("agentmem", "batch", 10, 3000),
    ("agentmem", "bulk", 10, 3000),
    ("mem0", "sequential", 100, 2000), ("agentmem", "batch", 100, 10000),
    ("agentmem", "bulk", 100, 10000),
)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--embedder", default="hash")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--scale", type=float, default=1.0, help="items x F (default 1)")
    args = p.parse_args()
    print_environment()
    ok = True
    tput: dict[tuple[str, str, int], list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="agentmem-peers-") as tmp:
        for n in range(args.rounds):
            for system, mode, batch, items in CONFIGS:
                count = max(batch, int(items * args.scale) // batch * batch)
                r = run(RunConfig(system=system, mode=mode, batch_size=batch, items=count,
                                  embedder=args.embedder, search_queries=0, seed=n),
                        f"{tmp}/{system}-{mode}-{batch}")
                ok &= r.integrity["lost"] == 0 and r.integrity["orphans"] == 0
                tput.setdefault((system, mode, batch), []).append(r.throughput_ops_s)
    med = {k: statistics.median(v) for k, v in tput.items()}
    print(f"embedder {args.embedder}, median of {args.rounds} rounds:")
    for batch in (1, 10, 100):
        peer = med[("mem0", "sequential", batch)]
        print(f"  batch {batch}: mem0 add(infer=False) {peer:,.0f} ops/s")
        for (system, mode, b), value in med.items():
            if system == "agentmem" and b == batch:
                print(f"    agentmem {mode:<10} {value:>9,.0f} ops/s ({value / peer:.1f}x mem0)")
    best = max(v for (s, _, _), v in med.items() if s == "mem0")
    print(f"mem0 best: {best:,.0f} ops/s, {CLAIM / best:.1f}x below the {CLAIM:,.0f} ops/s "
          "attributed to it")
    if not ok:
        print("an item was lost or orphaned")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
