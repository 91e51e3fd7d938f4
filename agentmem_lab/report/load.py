"""Loading a sweep's results, and choosing which results each section shows."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agentmem_lab.core.errors import ResultError
from agentmem_lab.report.plotting import MODE_ORDER
from agentmem_lab.schema.result import (
    CAPACITY_DIR,
    CAPACITY_FILE,
    STAGES_FILE,
    Result,
    baseline,
    find_results,
    has_default_stores,
    non_default_stores,
    plain_writes,
)


@dataclass
class SweepResults:
    """Everything a report reads: results, failed configurations, where they came from."""

    directory: Path
    results: list[Result]
    failures: list[dict[str, Any]] = field(default_factory=list)
    bad_files: list[str] = field(default_factory=list)
    sample: bool = False  # a small sample measured on the spot, not a sweep's results
    stages: dict[str, Any] | None = None  # stages.json: the stages measured alone
    #: capacity/<name>/capacity.json: the capacity searches (maximum sustainable throughput)
    capacities: list[dict[str, Any]] = field(default_factory=list)


def load(directory: str | Path) -> SweepResults:
    """Every result.json and error.json below ``directory``. A result that does not load is
    listed in ``bad_files``, never silently dropped."""
    d = Path(directory)
    results, bad = [], []
    for p in find_results(d):
        try:
            results.append(Result.load(p))
        except ResultError as exc:
            bad.append(str(exc))
    failures = []
    for p in sorted(d.rglob("error.json")):
        try:
            failures.append(json.loads(p.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            bad.append(f"{p}: unreadable error record")
    results.sort(
        key=lambda r: (
            r.profile,
            r.embedder,
            MODE_ORDER.index(r.mode) if r.mode in MODE_ORDER else 9,
            r.batch_size,
            r.concurrency,
        )
    )
    stages = None
    if (d / STAGES_FILE).is_file():
        try:
            stages = json.loads((d / STAGES_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            bad.append(f"{d / STAGES_FILE}: unreadable stage figures")
    capacities = []
    for p in sorted(d.glob(f"{CAPACITY_DIR}/*/{CAPACITY_FILE}")):
        try:
            capacities.append(json.loads(p.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            bad.append(f"{p}: unreadable capacity search")
    return SweepResults(d, results, failures, bad, stages=stages, capacities=capacities)


#: The store settings of a run on a database server (the Database server section).
SERVER_STORE_SETTINGS = frozenset(
    {
        "core_store",
        "history_store",
        "vector_store",
        "postgres_dsn",
        "pg_transport",
        "pg_synchronous_commit",
        "redis_url",
        "redis_appendfsync",
    }
)


def server_of(result: Result) -> str | None:
    """The database server a run kept a store on: "PostgreSQL", "Redis" or None."""
    stores = result.settings.get("stores", {})
    tables = (stores.get("core_store"), stores.get("history_store"))
    vector = str(stores.get("vector_store", ""))
    if "postgres" in tables or vector.startswith("pgvector"):
        return "PostgreSQL"
    if "redis" in tables or vector.startswith("redis"):
        return "Redis"
    return None


def on_server(result: Result) -> bool:
    """Whether a run kept its stores on a database server (every other store setting
    default)."""
    changed = non_default_stores(result)
    return set(changed) <= SERVER_STORE_SETTINGS and server_of(result) is not None


def settings_tag(r: Result) -> str:
    st = r.settings.get("stores", {})
    return (
        f"{st.get('usearch_dtype', '?')} M{st.get('hnsw_connectivity', '?')} "
        f"ea{st.get('hnsw_expansion_add', '?')}"
    )


def backend(r: Result) -> str:
    return str(r.settings.get("stores", {}).get("vector_store", "usearch"))


def side_by_side(results: Sequence[Result], mode: str, batch: int) -> list[Result]:
    """AgentMem's one-process real runs of one mode and batch size, concurrency 1, hash
    embedder, with search."""
    return [
        r
        for r in results
        if r.profile == "real"
        and r.mode == mode
        and r.batch_size == batch
        and r.concurrency == 1
        and r.embedder == "hash"
        and r.search
        and r.system == "agentmem"
        and r.shards == 1
        and plain_writes(r)
    ]


def frontier_results(results: Sequence[Result]) -> list[Result]:
    """bulk-1000, concurrency 1, real profile, hash embedder, usearch: the index-settings
    comparison."""
    return [r for r in side_by_side(results, "bulk", 1000) if backend(r) == "usearch"]


def sharded_family(results: Sequence[Result]) -> list[Result]:
    """AgentMem's real runs at concurrency 1 whose configuration was also run sharded:
    the same mode, batch size and embedder at every shard count measured."""
    real = [
        r
        for r in results
        if r.system == "agentmem"
        and r.profile == "real"
        and r.concurrency == 1
        and has_default_stores(r)
        and plain_writes(r)
    ]
    keys = {(r.mode, r.batch_size, r.embedder) for r in real if r.shards != 1}
    return [r for r in real if (r.mode, r.batch_size, r.embedder) in keys]


def offered_results(results: Sequence[Result]) -> list[Result]:
    """Runs at an offered rate or with searches during their writes (Sustained load)."""
    return [r for r in results if not plain_writes(r)]


def worker(r: Result) -> str | None:
    w = r.environment.get("worker")
    return str(w) if w else None


#: The configurations of the side-by-side section.
SIDE_BY_SIDE = (("bulk", 1000), ("parallel", 1))


def only_backend_differs(r: Result) -> bool:
    """Default store settings but (perhaps) the vector store: the side-by-side runs."""
    return set(non_default_stores(r)) <= {"vector_store"} and not on_server(r)


#: The seed's modes the Database server section compares, each over sequential-1.
SERVER_MODES = (("sequential", 1), ("parallel", 1), ("bulk", 1000))


def server_pairs(results: Sequence[Result]) -> list[tuple[str, Result, Result | None]]:
    """Each real run on PostgreSQL (one process, closed loop) with its embedded
    counterpart: the default stores' run of the same mode, batch size, concurrency and
    embedder (None when the sweep has none), as (stores, server run, embedded run)."""
    embedded = {
        (r.mode, r.batch_size, r.concurrency, r.embedder): r
        for r in baseline(results)
        if r.profile == "real" and has_default_stores(r)
    }
    out = []
    for r in results:
        if (
            r.profile == "real"
            and r.system == "agentmem"
            and r.shards == 1
            and plain_writes(r)
            and on_server(r)
        ):
            out.append(
                (
                    server_stores(r),
                    r,
                    embedded.get((r.mode, r.batch_size, r.concurrency, r.embedder)),
                )
            )
    return sorted(
        out,
        key=lambda p: (
            p[0],
            p[1].embedder,
            p[1].concurrency,
            MODE_ORDER.index(p[1].mode),
            p[1].batch_size,
        ),
    )


def server_stores(r: Result) -> str:
    """Which stores of a run are on the server, in words: "core, history, pgvector"."""
    st = r.settings.get("stores", {})
    parts = [
        name for name in ("core", "history") if st.get(f"{name}_store") in ("postgres", "redis")
    ]
    parts.append(str(st.get("vector_store", "usearch")))
    sync = st.get("pg_synchronous_commit", "on")
    return ", ".join(parts) + ("" if sync == "on" else f" (synchronous_commit {sync})")


#: The sizes the Growth answer names a leader at (the default sweep's largest, the scale
#: grid's).
GROWTH_SIZES = (20_000, 1_000_000)


def vectors_of(r: Result) -> str:
    """A run's vectors: its embedder, ``replayed`` where it looked them up."""
    return f"{r.embedder} replayed" if r.replayed else r.embedder


def workload_of(r: Result) -> str:
    """What a run wrote: its items' source and its vectors (``synthetic, hash``;
    ``chitchat, minilm replayed``)."""
    return f"{r.dataset}, {vectors_of(r)}"


def growth_label(r: Result) -> str:
    """A growth curve's name: the vector store (or peer), its vectors and dataset (where
    not the synthetic corpus), and what else differs."""
    who = backend(r) if r.system == "agentmem" else r.system
    tag = "" if only_backend_differs(r) or r.system != "agentmem" else f" [{settings_tag(r)}]"
    source = "" if r.dataset == "synthetic" else f" on {r.dataset}"
    return f"{who} {r.mode}-{r.batch_size} {vectors_of(r)}{source}{tag}"


#: The Growth section's curves: runs that stored at least this many items (growth shows at
#: size; every run records windows).
GROWTH_MIN_ITEMS = 10_000


def growth_runs(results: Sequence[Result], min_items: int = GROWTH_MIN_ITEMS) -> list[Result]:
    """Closed-loop real runs in one process with at least two growth windows that stored
    ``min_items`` or more: the largest of each curve's name (``growth_label``), largest
    first."""
    best: dict[str, Result] = {}
    for r in results:
        windows = r.growth.windows if r.growth else []
        if (
            r.profile != "real"
            or r.shards != 1
            or not plain_writes(r)
            or len(windows) < 2
            or r.integrity.acknowledged < min_items
        ):
            continue
        name = growth_label(r)
        if name not in best or r.integrity.acknowledged > best[name].integrity.acknowledged:
            best[name] = r
    return sorted(best.values(), key=lambda r: (-r.integrity.acknowledged, growth_label(r)))


def window_near(r: Result, size: int) -> dict[str, Any] | None:
    """The growth window whose store size is nearest ``size`` (None without windows)."""
    windows = r.growth.windows if r.growth else []
    near = min(windows, key=lambda w: abs(w["items"] - size), default=None)
    return None if near is None else dict(near)


def window_at(r: Result, size: int) -> dict[str, Any] | None:
    """The growth window whose store size is nearest ``size``, when within a factor 2 of it
    (the scale grid's windows are every 50,000 items; the default sweep's every 2,000)."""
    near = window_near(r, size)
    return near if near is not None and size / 2 <= near["items"] <= size * 2 else None


#: The peers section: batch sizes, and AgentMem's modes shown beside each peer.
PEER_BATCHES = (1, 10, 100)


PEER_CLAIM_OPS_S = 10_000.0  # attributed to mem0 by AgentMem's documents ("Mem0 target")


#: Each peer's write call, as the peers table names it (a plug-in's: its system's name).
PEER_CALLS = {"mem0": "add(infer=False)", "langgraph": "store.batch", "txtai": "upsert"}


def peer_store(r: Result) -> str:
    """A peer's own store, as it names it (mem0: qdrant local, langgraph: sqlite ...)."""
    store = r.vector_load.backend if r.vector_load else ""
    return store.removeprefix(f"{r.system} ")


def peer_version(r: Result) -> str | None:
    details = r.settings.get("store_details", {})
    version = details.get("version") or details.get("versions", {}).get(r.system)
    return str(version) if version else None


def peer_label(r: Result) -> str:
    """``langgraph (sqlite)``: the peer and its store."""
    store = peer_store(r)
    return f"{r.system} ({store})" if store else r.system


def fastest_peer(
    results: Sequence[Result], embedder: str | None = None
) -> tuple[Result, Result | None] | None:
    """The fastest peer run (of ``embedder``, or any), and agentmem's bulk run at the same
    batch size and embedder, if this run measured one."""
    rows = peer_rows(results)
    peers = [
        r for r in rows if r.system != "agentmem" and (embedder is None or r.embedder == embedder)
    ]
    if not peers:
        return None
    best = max(peers, key=lambda r: r.throughput_ops_s)
    bulks = [
        r
        for r in rows
        if r.system == "agentmem"
        and r.mode == "bulk"
        and r.embedder == best.embedder
        and r.batch_size == best.batch_size
    ]
    # the run of the same size when there is one: a store's calls slow as it grows
    bulk = min(bulks, key=lambda r: abs(r.items - best.items), default=None)
    return best, bulk


def best_peer_run(results: Sequence[Result], system: str, embedder: str) -> Result | None:
    """A peer system's fastest run with an embedder (``peer_rows``), if any."""
    own = [r for r in peer_rows(results) if r.system == system and r.embedder == embedder]
    return max(own, key=lambda r: r.throughput_ops_s, default=None)


def ratio_caveat(peer: Result, ours: Result) -> str:
    """What a peer's ratio to one of agentmem's runs must say beside it: that each is one
    run (two fresh clones' reports read 0.9x and 0.5x for the same pair), and whether the
    sizes differ (a store's calls slow as it grows)."""
    if peer.items == ours.items:
        return " (one run each; benchmarks/peers.py compares them by turns)"
    return (
        f" (one run each, of different sizes: {peer.items:,} items against bulk's "
        f"{ours.items:,}; benchmarks/peers.py compares equal sizes by turns)"
    )


def peer_rows(results: Sequence[Result]) -> list[Result]:
    """Peers' runs and AgentMem's default-store runs at the peers' batch sizes, both on the
    real profile at concurrency 1, for the embedders the peers were measured with."""
    peers = [
        r
        for r in results
        if r.system != "agentmem" and r.profile == "real" and r.concurrency == 1 and plain_writes(r)
    ]
    embedders = {r.embedder for r in peers}
    ours = [
        r
        for r in baseline(results)
        if r.profile == "real"
        and r.concurrency == 1
        and r.embedder in embedders
        and r.batch_size in PEER_BATCHES
    ]
    return peers + ours


#: The seed's claims the Database server section sets beside each mode's ratio over
#: sequential-1: Task 1.1's 2x (latency 30 ms -> 15 ms), Task 1.2's 50x (expected, batch
#: of 1,000).
SERVER_CLAIMS = {("parallel", 1): 2.0, ("bulk", 1000): 50.0}


def server_ratios(results: Sequence[Result]) -> list[dict[str, Any]]:
    """For each stores kind (the server's, the embedded counterparts'), embedder and
    concurrency: each mode's throughput and call-p50 speed-up over sequential-1 of the same
    stores, with the seed's claim beside it."""
    pairs = server_pairs(results)
    runs: dict[tuple[str, str, int], dict[tuple[str, int], Result]] = {}
    for stores, server, embedded in pairs:
        runs.setdefault(
            (f"{server_of(server)}: {stores}", server.embedder, server.concurrency), {}
        )[(server.mode, server.batch_size)] = server
        if embedded is not None:
            runs.setdefault(
                ("embedded: SQLite + usearch", embedded.embedder, embedded.concurrency), {}
            )[(embedded.mode, embedded.batch_size)] = embedded
    out = []
    for (stores, embedder, concurrency), by_mode in sorted(runs.items()):
        base = by_mode.get(("sequential", 1))
        for key, r in sorted(
            by_mode.items(), key=lambda kv: (MODE_ORDER.index(kv[0][0]), kv[0][1])
        ):
            tput = (
                r.throughput_ops_s / base.throughput_ops_s
                if base and base.throughput_ops_s > 0
                else None
            )
            # call latency compares calls of one item alone (a bulk call carries 1,000)
            p50 = (
                float(base.latency_ms["p50"]) / float(r.latency_ms["p50"])
                if base and r.latency_ms["p50"] > 0 and key[1] == 1
                else None
            )
            out.append(
                {
                    "stores": stores,
                    "embedder": embedder,
                    "concurrency": concurrency,
                    "mode": key[0],
                    "batch_size": key[1],
                    "result": r,
                    "throughput_over_sequential": tput,
                    "p50_over_sequential": p50,
                    "claim": SERVER_CLAIMS.get(key),
                }
            )
    return out
