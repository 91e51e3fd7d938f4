"""The findings on stores, servers, peers and search, one sentence each, from this run's
figures. Each returns plain text, or None when the sweep measured nothing on its subject."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from agentmem_lab.report.load import (
    GROWTH_SIZES,
    backend,
    fastest_peer,
    frontier_results,
    growth_label,
    growth_runs,
    offered_results,
    only_backend_differs,
    peer_label,
    ratio_caveat,
    server_ratios,
    side_by_side,
    window_at,
    workload_of,
)
from agentmem_lab.schema.result import Result, baseline, plain_writes


def vector_stores_sentence(results: Sequence[Result]) -> str | None:
    """Which embedded vector store wrote fastest, and which searched fastest, in bulk-1000."""
    bulk = [r for r in side_by_side(results, "bulk", 1000) if only_backend_differs(r)]
    if len({backend(r) for r in bulk}) < 2:
        return None
    fast = max(bulk, key=lambda r: r.throughput_ops_s)
    search = min(bulk, key=lambda r: r.search.p50_ms if r.search else math.inf)
    return (
        f"Vector stores in bulk-1000: {backend(fast)} wrote fastest "
        f"({fast.throughput_ops_s:,.0f} ops/s), {backend(search)} searched fastest "
        f"(p50 {search.search.p50_ms if search.search else math.nan:.3f} ms)."
    )


def server_sentence(results: Sequence[Result], stages: dict[str, Any] | None = None) -> str | None:
    """Whether Task 1.1 (parallel writes, 2x) pays off on a real database server: parallel-1
    over sequential-1 by call p50 on PostgreSQL and on the embedded stores, one client;
    bulk-1000 over sequential-1; and where a server write's time goes."""
    rows = [r for r in server_ratios(results) if r["concurrency"] == 1]
    server = [r for r in rows if r["stores"].startswith("PostgreSQL")]
    if not server:
        return None

    def ratio(kind: str, mode: str, batch: int, key: str) -> float | None:
        found = [
            r[key]
            for r in rows
            if r["stores"].startswith(kind)
            and r["mode"] == mode
            and r["batch_size"] == batch
            and r[key] is not None
        ]
        return found[0] if found else None

    parts = []
    par = ratio("PostgreSQL", "parallel", 1, "p50_over_sequential")
    if par is not None:
        verdict = "met" if par >= 2.0 else "missed"
        text = (
            f"parallel-1's call p50 is {par:.2f}x sequential-1's on PostgreSQL + pgvector "
            f"(Task 1.1 claims 2x: {verdict})"
        )
        local = ratio("embedded", "parallel", 1, "p50_over_sequential")
        if local is not None:
            text += f", against {local:.2f}x on SQLite + usearch"
        parts.append(text)
    bulk = ratio("PostgreSQL", "bulk", 1000, "throughput_over_sequential")
    if bulk is not None:
        text = f"bulk-1000 writes {bulk:.1f}x sequential-1's throughput there"
        local = ratio("embedded", "bulk", 1000, "throughput_over_sequential")
        if local is not None:
            text += f" ({local:.1f}x embedded)"
        parts.append(text + ", beside the seed's 50x (expected)")
    costs = (stages or {}).get("server_costs")
    if costs:
        parts.append(
            f"a vector's write took {costs['vector_write_ms']:.2f} ms, "
            f"{costs['hnsw_index_ms']:.2f} ms of it the HNSW index, a row's "
            f"{costs['row_write_ms']:.2f} ms ({costs['round_trip_ms']:.2f} ms round "
            f"trip, {costs['wal_flush_ms']:.2f} ms WAL flush): parallel writes wait "
            "for the slowest of the three"
        )
    first = server[0]["result"].settings
    version = (
        first.get("store_details", {})
        .get("core", {})
        .get("server_settings", {})
        .get("server_version", "")
    )
    who = first.get("server", {}).get("started_by", "agentmem-lab")
    return (
        f"On a real database server (PostgreSQL {version}, started by {who}; see "
        "'Database server'): " + "; ".join(parts) + "."
    )


def growth_sentence(results: Sequence[Result]) -> str | None:
    """Which vector store (or peer) wrote fastest when the stores held about 20,000 and
    about 1,000,000 items (bulk-1000 curves; each curve's growth window nearest the size),
    within each workload (``workload_of``): a replayed curve times the stores alone, a
    hash one the hash embedder too, so a leader is named among curves of one workload."""
    runs = [r for r in growth_runs(results) if r.mode == "bulk" and r.batch_size == 1000]
    if not runs:
        return None
    workloads: dict[str, list[Result]] = {}
    for r in runs:
        workloads.setdefault(workload_of(r), []).append(r)
    texts = [
        ("" if len(workloads) == 1 else f"{name}: ") + "; ".join(_leaders(group))
        for name, group in workloads.items()
    ]
    return "Growth, write rate as the stores grow: " + ". ".join(texts) + "."


def _none_near(runs: Sequence[Result], size: int) -> str:
    """Why no curve of one workload has a window near ``size``: its windows are coarser
    (the curves passed it), or no curve got there (a dataset holds fewer messages; the
    default sweep stops at 20,000, the scale grid goes on)."""
    reached = max(r.integrity.acknowledged for r in runs)
    if reached >= size:
        first = min(r.growth.windows[0]["items"] for r in runs if r.growth and r.growth.windows)
        return f"no window near {size:,} items (the first at {first:,})"
    hint = (
        "; agentmem-lab sweep --grid scale writes every store towards 1,000,000"
        if all(r.dataset == "synthetic" for r in runs)
        else ""
    )
    return (
        f"no bulk-1000 curve came near {size:,} items here (the largest stored {reached:,}{hint})"
    )


def _leaders(runs: Sequence[Result]) -> list[str]:
    parts = []
    for size in GROWTH_SIZES:
        at = [
            (r, w)
            for r in runs
            if (w := window_at(r, size)) is not None and w["throughput_ops_s"] is not None
        ]
        if not at:
            parts.append(_none_near(runs, size))
            continue
        r, w = max(at, key=lambda rw: rw[1]["throughput_ops_s"])
        recall = w["recall_at_10"]
        search = (w.get("search_ms") or {}).get("p99")
        parts.append(
            f"near {size:,} items {growth_label(r)} led with "
            f"{w['throughput_ops_s']:,.0f} ops/s in its window at {w['items']:,} "
            f"(recall@10 {'n/a' if recall is None else format(recall, '.3f')}, "
            f"search p99 {'n/a' if search is None else format(search, ',.1f')} ms; "
            f"{len(at)} curve{'' if len(at) == 1 else 's'} near that size)"
        )
    return parts


def fastest_peer_sentence(results: Sequence[Result], embedder: str | None = None) -> str | None:
    """The fastest peer (of ``embedder``, or any) and the seed's design in bulk mode at the
    same batch size and embedder, as a ratio with its caveat."""
    found = fastest_peer(results, embedder)
    if found is None:
        return None
    fast, at_bulk = found
    durable = fast.vector_load.durability if fast.vector_load else None
    text = (
        f"the fastest peer was {peer_label(fast)}, {fast.throughput_ops_s:,.0f} ops/s "
        f"({fast.name}" + (f"; vectors durable: {durable}" if durable else "") + ")"
    )
    if at_bulk is not None:
        text += (
            f"; the seed's design in bulk mode at the same batch size and embedder, "
            f"{at_bulk.throughput_ops_s:,.0f} ops/s, is "
            f"{at_bulk.throughput_ops_s / max(fast.throughput_ops_s, 1e-9):.1f}x it"
            + ratio_caveat(fast, at_bulk)
        )
    return text


def peers_sentence(results: Sequence[Result]) -> str | None:
    """The fastest peer against bulk, and mem0 against the 10,000 ops/s attributed to it."""
    parts = []
    fastest = fastest_peer_sentence(results)
    if fastest is not None:
        parts.append("Peers: " + fastest + ".")
    peers = [
        r for r in results if r.system != "agentmem" and r.profile == "real" and plain_writes(r)
    ]
    mem0 = [r for r in peers if r.system == "mem0"]
    if mem0:
        base = [r for r in baseline(results) if r.profile == "real"]
        top = max(mem0, key=lambda r: r.throughput_ops_s)
        ours = max(base, key=lambda r: r.throughput_ops_s, default=None)
        text = (
            f"mem0's add(infer=False) measured {top.throughput_ops_s:,.0f} ops/s "
            f"at best ({top.name}), {10_000 / max(top.throughput_ops_s, 1e-9):.1f}x below the "
            "10,000 ops/s attributed to it"
        )
        if ours is not None:
            text += f"; the seed's design at best {ours.throughput_ops_s:,.0f} ops/s ({ours.name})"
        parts.append(text + ".")
    return " ".join(parts) or None


def search_sentence(results: Sequence[Result]) -> str | None:
    """Recall@10 and search p50 of the default index against its variants in bulk-1000."""
    runs = [r for r in frontier_results(results) if r.search is not None]
    if not runs:
        return None
    best = max(runs, key=lambda r: r.search.recall_at_10 if r.search else 0.0)
    fast = min(runs, key=lambda r: r.search.p50_ms if r.search else math.inf)
    assert best.search is not None and fast.search is not None
    return (
        f"Of {len(runs)} index settings in bulk-1000, {best.name} found the most "
        f"(recall@10 {best.search.recall_at_10:.3f}) and {fast.name} searched fastest "
        f"(p50 {fast.search.p50_ms:.3f} ms, recall@10 {fast.search.recall_at_10:.3f})."
    )


def reads_sentence(results: Sequence[Result]) -> str | None:
    """Searches during writes against the idle store's, and freshness, per vector store."""
    rs = [
        r
        for r in offered_results(results)
        if r.reads and r.reads.response_ms is not None and r.search
    ]
    if not rs:
        return None
    parts = []
    for r in rs:
        assert r.reads is not None and r.reads.response_ms is not None and r.search is not None
        f = r.reads.freshness
        fresh = (
            f"searchable after p50 {f['searchable_after_ms']['p50']:.1f} ms"
            if "searchable_after_ms" in f
            else "never searchable during the writes"
        )
        parts.append(
            f"{backend(r)} p99 {r.reads.response_ms['p99']:.1f} ms "
            f"(idle {r.search.p99_ms:.1f}), {fresh}"
        )
    return (
        "Searches during writes (search p99 under writes, idle in brackets): "
        + "; ".join(parts)
        + "."
    )


__all__ = [
    "fastest_peer_sentence",
    "growth_sentence",
    "peers_sentence",
    "reads_sentence",
    "search_sentence",
    "server_sentence",
    "vector_stores_sentence",
]
