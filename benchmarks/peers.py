"""Every peer beside mem0 and beside the seed's modes, by turns in one process, same items,
embedder and machine: mem0's add(infer=False), LangGraph's store (memory, sqlite,
postgres) and txtai (faiss, hnsw, numpy), at 1, 10 and 100 items per call.

    .venv/bin/python benchmarks/peers.py [--embedder hash|minilm] [--rounds R] [--scale F]
                                         [--peers langgraph-sqlite txtai-faiss ...]

Each round runs every configuration once, in turn; the figures are medians over the
rounds. For each batch size, each of the seed's modes and each peer is given as a ratio to
mem0's throughput and to agentmem's bulk mode in the same rounds, and mem0's best against
the 10,000 ops/s that AgentMem's documents attribute to it. LangGraph's PostgresStore runs
on a server each run starts and stops. Exits 1 if any run lost or orphaned an item.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile

from _common import print_environment

from agentmem_lab.measuring.runner import RunConfig, run
from agentmem_lab.stores import StoreSettings
from agentmem_lab.systems import SYSTEMS

CLAIM = 10_000.0
BATCHES = (1, 10, 100)
#: Items at scale 1, per batch size: the same for every system, so that a ratio is of two
#: stores of one size (a store's calls slow as it grows; agentmem's bulk-100 wrote 10,000
#: items here before, against the peers' 2,000).
ITEMS = {1: 300, 10: 1000, 100: 2000}
#: The seed's modes at each batch size (sequential and parallel write one item a call).
MODES = {
    1: ("sequential", "parallel", "batch", "bulk"),
    10: ("batch", "bulk"),
    100: ("batch", "bulk"),
}
#: Each peer: (system, its stores).
PEERS = {
    "langgraph-memory": ("langgraph", {"langgraph_store": "memory"}),
    "langgraph-sqlite": ("langgraph", {"langgraph_store": "sqlite"}),
    "langgraph-postgres": ("langgraph", {"langgraph_store": "postgres"}),
    "txtai-faiss": ("txtai", {"txtai_backend": "faiss"}),
    "txtai-hnsw": ("txtai", {"txtai_backend": "hnsw"}),
    "txtai-numpy": ("txtai", {"txtai_backend": "numpy"}),
}


def configs(peers: list[str]) -> list[tuple[str, str, str, int, dict[str, str], int]]:
    """(name, system, mode, batch, stores, items at scale 1), in the order of a round."""
    out = []
    for batch in BATCHES:
        out.append(("mem0", "mem0", "sequential", batch, {}, ITEMS[batch]))
        out += [(mode, "agentmem", mode, batch, {}, ITEMS[batch]) for mode in MODES[batch]]
        out += [
            (name, PEERS[name][0], "sequential", batch, PEERS[name][1], ITEMS[batch])
            for name in peers
        ]
    return out


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--embedder", default="hash")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--scale", type=float, default=1.0, help="items x F (default 1)")
    p.add_argument("--peers", nargs="+", choices=list(PEERS), default=list(PEERS))
    args = p.parse_args()
    print_environment(
        tuple(p for name in args.peers for p in SYSTEMS.get(PEERS[name][0]).packages() if p)
    )
    ok = True
    tput: dict[tuple[str, int], list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="agentmem-peers-") as tmp:
        for n in range(args.rounds):
            for name, system, mode, batch, stores, items in configs(args.peers):
                count = max(batch, int(items * args.scale) // batch * batch)
                r = run(
                    RunConfig(
                        system=system,
                        mode=mode,
                        batch_size=batch,
                        items=count,
                        embedder=args.embedder,
                        search_queries=0,
                        seed=n,
                        self_recall_sample=0,
                        windows=0,
                        stores=StoreSettings(**stores),
                    ),
                    f"{tmp}/{name}-{batch}",
                )
                ok &= r.integrity.lost == 0 and r.integrity.orphans == 0
                tput.setdefault((name, batch), []).append(r.throughput_ops_s)
    med = {k: statistics.median(v) for k, v in tput.items()}
    sizes = ", ".join(
        f"{max(b, int(ITEMS[b] * args.scale) // b * b):,} at batch {b}" for b in BATCHES
    )
    print(
        f"embedder {args.embedder}, median of {args.rounds} rounds; every system writes "
        f"the same items a run ({sizes}):"
    )
    for batch in BATCHES:
        mem0, bulk = med[("mem0", batch)], med[("bulk", batch)]
        print(
            f"  batch {batch}: mem0 add(infer=False) {mem0:,.0f} ops/s, agentmem bulk "
            f"{bulk:,.0f} ops/s"
        )
        for mode in MODES[batch]:
            value = med[(mode, batch)]
            print(
                f"    agentmem {mode:<18} {value:>9,.0f} ops/s ({value / mem0:.1f}x mem0, "
                f"{value / bulk:.2f}x bulk)"
            )
        for name in args.peers:
            value = med[(name, batch)]
            print(
                f"    {name:<27} {value:>9,.0f} ops/s ({value / mem0:.1f}x mem0, "
                f"{value / bulk:.2f}x bulk)"
            )
    best = max(v for (s, _), v in med.items() if s == "mem0")
    print(
        f"mem0 best: {best:,.0f} ops/s, {CLAIM / best:.1f}x below the {CLAIM:,.0f} ops/s "
        "attributed to it"
    )
    if args.peers:
        (name, batch), value = max(
            ((k, v) for k, v in med.items() if k[0] in args.peers), key=lambda kv: kv[1]
        )
        print(
            f"fastest peer: {name} at batch {batch}, {value:,.0f} ops/s, "
            f"{value / med[('bulk', batch)]:.2f}x agentmem bulk at that batch size, "
            f"{value / med[('mem0', batch)]:.1f}x mem0"
        )
    if not ok:
        print("an item was lost or orphaned")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
