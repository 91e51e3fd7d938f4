"""The report's tables and notes on stores, peers and servers: index settings, shards, the
vector stores side by side, the peers, growth, the database server. Each returns a pandas
DataFrame or a line of text.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from agentmem_lab.core.seedmodel import MODE_ORDER
from agentmem_lab.report.load import (
    PEER_CALLS,
    PEER_CLAIM_OPS_S,
    SIDE_BY_SIDE,
    backend,
    frontier_results,
    growth_label,
    growth_runs,
    only_backend_differs,
    peer_label,
    peer_rows,
    peer_store,
    peer_version,
    server_ratios,
    settings_tag,
    sharded_family,
    side_by_side,
)
from agentmem_lab.report.runs_tables import rounded
from agentmem_lab.report.stores_findings import fastest_peer_sentence
from agentmem_lab.schema.result import Result, has_default_stores


def index_settings_table(results: Sequence[Result]) -> Any:
    """Each index setting measured (bulk-1000, hash, concurrency 1), fastest first."""
    import pandas as pd

    rows = []
    for r in sorted(frontier_results(results), key=lambda r: -r.throughput_ops_s):
        assert r.search is not None
        st = r.settings.get("stores", {})
        rows.append(
            {
                "setting": settings_tag(r) + (" (default)" if has_default_stores(r) else ""),
                "dtype": st.get("usearch_dtype"),
                "connectivity": st.get("hnsw_connectivity"),
                "expansion_add": st.get("hnsw_expansion_add"),
                "expansion_search": st.get("hnsw_expansion_search"),
                "items": r.items_written,
                "throughput ops/s": round(r.throughput_ops_s, 1),
                "recall@10": round(r.search.recall_at_10, 4),
                "self-recall@1": r.integrity.self_recall_at_1,
                "search p50 ms": round(r.search.p50_ms, 4),
            }
        )
    return pd.DataFrame(rows)


def index_settings_note(results: Sequence[Result], min_recall: float = 0.99) -> str:
    """The defaults beside the alternatives, in this run's figures only (escaped)."""
    rs = frontier_results(results)
    default = [r for r in rs if has_default_stores(r)]
    if not default:
        return "<p>No bulk-1000 measurement with the default index settings.</p>"

    def describe(r: Result) -> str:
        assert r.search is not None
        return (
            f"{settings_tag(r)}: {r.throughput_ops_s:,.0f} ops/s, recall@10 "
            f"{r.search.recall_at_10:.3f}, self-recall {r.integrity.self_recall_at_1:.3f}"
        )

    d = default[0]
    text = f"The defaults, {describe(d)}. "
    faster = sorted(
        (r for r in rs if r.throughput_ops_s > d.throughput_ops_s),
        key=lambda r: -r.throughput_ops_s,
    )
    if faster:
        text += "Faster in this run: " + "; ".join(describe(r) for r in faster) + ". "
    else:
        text += "No other setting was faster in this run. "
    text += (
        f"The defaults favour recall (recall@10 and self-recall near 1) over the last "
        f"part of write speed; a setting below recall@10 {min_recall} trades away more "
        "than a run-to-run difference (10-20 % on a shared machine) is worth. They were "
        "chosen on real vectors (the chat dataset's MiniLM vectors, where i8 did not "
        "reach recall@10 0.99; docs/scale.md): on hash vectors a faster setting can look "
        "as good."
    )
    return f"<p>{html.escape(text)}</p>"


def shards_table(results: Sequence[Result]) -> Any:
    """Each sharded configuration beside the same one in one process: throughput, its
    ratio to one shard, and the cores the run kept busy."""
    import pandas as pd

    family = sharded_family(results)
    one = {(r.mode, r.batch_size, r.embedder): r.throughput_ops_s for r in family if r.shards == 1}
    rows = []
    for r in sorted(family, key=lambda r: (r.mode, r.batch_size, r.embedder, r.shards)):
        base = one.get((r.mode, r.batch_size, r.embedder))
        rows.append(
            {
                "configuration": f"{r.mode}-{r.batch_size}",
                "embedder": r.embedder,
                "shards": r.shards,
                "items": r.items_written,
                "throughput ops/s": round(r.throughput_ops_s, 1),
                "x one shard": None if not base else round(r.throughput_ops_s / base, 2),
                "cores busy": None if r.cores_busy is None else round(r.cores_busy, 2),
                "cores": r.environment.get("cpu_count"),
                "call p50 ms": round(r.latency_ms["p50"], 3),
                "lost": r.integrity.lost,
                "orphans": r.integrity.orphans,
                "recall@10": None if not r.search else round(r.search.recall_at_10, 4),
            }
        )
    return pd.DataFrame(rows)


def vector_stores_table(results: Sequence[Result]) -> Any:
    """Every vector store measured in bulk-1000 and parallel-1 (hash embedder, concurrency
    1, default settings otherwise): write throughput, the load split, search and recall,
    the integrity check, and each backend's durability class and version."""
    import pandas as pd

    rows = []
    for mode, batch in SIDE_BY_SIDE:
        for r in sorted(
            (r for r in side_by_side(results, mode, batch) if only_backend_differs(r)),
            key=lambda r: -r.throughput_ops_s,
        ):
            assert r.search is not None
            v = r.vector_load
            details = r.settings.get("store_details", {}).get("vector", {})
            i = r.integrity
            rows.append(
                {
                    "vector store": backend(r),
                    "version": details.get("version"),
                    "configuration": f"{mode}-{batch}",
                    "items": r.items_written,
                    "throughput ops/s": round(r.throughput_ops_s, 1),
                    "insert s": rounded(v.insert_s if v else None, 3),
                    "optimize s": rounded(v.optimize_s if v else None, 3),
                    "load s": rounded(v.load_s if v else None, 3),
                    "dup check s": rounded(v.check_s if v else None, 3),
                    "vectors/s inserted": rounded(v.insert_vectors_per_s if v else None, 0),
                    "search": details.get("search"),
                    "search p50 ms": round(r.search.p50_ms, 3),
                    "search p99 ms": round(r.search.p99_ms, 3),
                    "recall@10": round(r.search.recall_at_10, 4),
                    "self-recall@1": i.self_recall_at_1,
                    "lost": i.lost,
                    "orphans": i.orphans,
                    "durable": details.get("durability"),
                }
            )
    return pd.DataFrame(rows)


def peers_table(results: Sequence[Result]) -> Any:
    """Each peer's write call beside the seed's modes and our bulk mode, same embedder and
    machine: throughput, call and item latency, how a call's time splits between
    embedding and the writes, recall@10, integrity."""
    import pandas as pd

    rows = []
    for r in sorted(
        peer_rows(results),
        key=lambda r: (
            r.embedder,
            r.batch_size,
            r.system == "agentmem",
            r.system,
            peer_store(r),
            r.mode,
        ),
    ):
        i, s = r.integrity, r.search
        version = peer_version(r) if r.system != "agentmem" else None
        stages = r.stages_ms or {}
        writes = sum(stages.get(k, 0.0) for k in ("core", "vector", "history"))
        rows.append(
            {
                "system": r.system + (f" {version}" if version else ""),
                "store": peer_store(r) if r.system != "agentmem" else "SQLite + " + backend(r),
                "mode": PEER_CALLS.get(r.system, r.system) if r.system != "agentmem" else r.mode,
                "embedder": r.embedder,
                "batch": r.batch_size,
                "items": r.items_written,
                "throughput ops/s": round(r.throughput_ops_s, 1),
                "call p50 ms": round(r.latency_ms["p50"], 3),
                "call p99 ms": round(r.latency_ms["p99"], 3),
                "item p50 ms": round(r.item_latency_ms["p50"], 4),
                "item p99 ms": round(r.item_latency_ms["p99"], 4),
                "embed ms/call": round(stages.get("embed", 0.0), 3),
                "writes ms/call (sum of stages)": round(writes, 3),
                "recall@10": s.recall_at_10 if s else None,
                "lost": i.lost,
                "orphans": i.orphans,
                # what a crash keeps: agentmem commits its rows per call and saves its index at
                # the end; InMemoryStore keeps nothing (it is read beside the figures)
                "vectors durable": r.vector_load.durability if r.vector_load else None,
            }
        )
    return pd.DataFrame(rows)


def peers_note(results: Sequence[Result]) -> str:
    """Per embedder: the fastest peer and its ratio to our bulk mode at the same batch
    size; how far mem0 is from the 10,000 ops/s attributed to it and the seed's modes from
    mem0; every other peer's best. From this run's figures only (escaped)."""
    rows = peer_rows(results)
    peers = [r for r in rows if r.system != "agentmem"]
    if not peers:
        return "<p>No peer system was measured in this run.</p>"
    parts = []
    for embedder in sorted({r.embedder for r in peers}):
        fastest = fastest_peer_sentence(results, embedder)
        if fastest is not None:
            parts.append(f"With the {embedder} embedder, {fastest}.")
        for system in sorted({r.system for r in peers if r.embedder == embedder}):
            own = [r for r in peers if r.embedder == embedder and r.system == system]
            top = max(own, key=lambda r: r.throughput_ops_s)
            if system != "mem0":
                parts.append(
                    f"{system} at best ({embedder}): {top.throughput_ops_s:,.0f} ops/s "
                    f"({peer_label(top)}, batch {top.batch_size}), "
                    + ", ".join(
                        f"{peer_store(r)} {r.throughput_ops_s:,.0f}"
                        for r in sorted(own, key=lambda r: (peer_store(r), r.batch_size))
                        if r.batch_size == top.batch_size
                    )
                    + " at that batch size."
                )
                continue
            text = (
                f"With the {embedder} embedder, mem0's add(infer=False) measured at "
                f"best {top.throughput_ops_s:,.0f} ops/s (batch {top.batch_size}): "
                f"{PEER_CLAIM_OPS_S / max(top.throughput_ops_s, 1e-9):,.1f}x below the "
                f"{PEER_CLAIM_OPS_S:,.0f} ops/s attributed to it."
            )
            for mode in MODE_ORDER:
                same = [
                    r
                    for r in rows
                    if r.system == "agentmem"
                    and r.embedder == embedder
                    and r.mode == mode
                    and r.batch_size == top.batch_size
                ]
                if same:
                    ours = same[0]
                    text += (
                        f" The seed's design in {mode} mode at the same batch size: "
                        f"{ours.throughput_ops_s:,.0f} ops/s, "
                        f"{ours.throughput_ops_s / max(top.throughput_ops_s, 1e-9):,.1f}x "
                        f"mem0."
                    )
            parts.append(text)
    return "".join(f"<p>{html.escape(p)}</p>" for p in parts)


def growth_table(results: Sequence[Result]) -> Any:
    """Each growth curve: how far it got, its first and last window (write rate, call p99,
    probe recall@10, vectors tied at the probes' 10th neighbour, the vector store's own
    insertion µs per vector, search p99; blank where older results lack one), peak RSS
    and disk per item, the windows' own cost, and where and why it stopped."""
    import pandas as pd

    rows = []
    for r in growth_runs(results):
        g = r.growth
        assert g is not None  # growth_runs keeps runs with windows
        first, last = g.windows[0], g.windows[-1]
        stored = max(last["items"], 1)
        stop = g.stopped

        def p99(w: dict[str, Any], key: str) -> Any:
            return rounded((w.get(key) or {}).get("p99"), 3)

        rows.append(
            {
                "run": growth_label(r),
                "items stored": last["items"],
                "ops/s first window": rounded(first["throughput_ops_s"], 0),
                "ops/s last window": rounded(last["throughput_ops_s"], 0),
                "call p99 ms first": p99(first, "latency_ms"),
                "call p99 ms last": p99(last, "latency_ms"),
                "recall@10 first": rounded(first["recall_at_10"], 3),
                "recall@10 last": rounded(last["recall_at_10"], 3),
                "tied at 10th last": rounded(last.get("tied_at_10"), 2),
                "insert µs/vector first": rounded(first.get("insert_us_per_vector"), 1),
                "insert µs/vector last": rounded(last.get("insert_us_per_vector"), 1),
                "search p99 ms last": p99(last, "search_ms"),
                "peak RSS MiB": round(last["peak_rss_bytes"] / 2**20, 1),
                "disk bytes/item": round(last["disk_bytes"] / stored),
                "windows' cost share": rounded(g.pause_share, 3),
                "stopped": (
                    f"{stop['reason']} (limit {stop['limit']:g})"
                    if stop
                    else "no: every item written"
                ),
            }
        )
    return pd.DataFrame(rows)


def server_table(results: Sequence[Result]) -> Any:
    """The seed's modes with their stores on PostgreSQL beside the same modes on the
    embedded stores: throughput, call p50/p99, each mode's speed-up over sequential-1 of
    the same stores (throughput, and call latency) with the seed's claim, the vector
    store's load, search and the integrity check."""
    import pandas as pd

    rows = []
    for row in server_ratios(results):
        r: Result = row["result"]
        v = r.vector_load
        rows.append(
            {
                "stores": row["stores"],
                "configuration": f"{row['mode']}-{row['batch_size']}",
                "clients": row["concurrency"],
                "embedder": row["embedder"],
                "items": r.items_written,
                "throughput ops/s": round(r.throughput_ops_s, 1),
                "call p50 ms": round(float(r.latency_ms["p50"]), 3),
                "call p99 ms": round(float(r.latency_ms["p99"]), 3),
                "x sequential-1 (throughput)": rounded(row["throughput_over_sequential"], 2),
                "x sequential-1 (call p50)": rounded(row["p50_over_sequential"], 2),
                "seed's claim": (f"{row['claim']:g}x" if row["claim"] else ""),
                "vector insert s": rounded(v.insert_s if v else None, 3),
                "search p50 ms": round(r.search.p50_ms, 3) if r.search else None,
                "recall@10": round(r.search.recall_at_10, 4) if r.search else None,
                "lost": r.integrity.lost,
                "orphans": r.integrity.orphans,
            }
        )
    return pd.DataFrame(rows)


def server_costs_table(stages: dict[str, Any] | None) -> Any:
    """Where one write's time goes on the server (stages.json's ``server_costs``), and the
    parallel/sequential writes with the embedding taken out, on the server and embedded."""
    import pandas as pd

    costs = (stages or {}).get("server_costs")
    rows: list[dict[str, Any]] = []
    if costs:
        for part, key, note in (
            ("round trip", "round_trip_ms", "SELECT 1 on a pooled connection"),
            (
                "statement",
                "statement_ms",
                "a core row, synchronous_commit off, less the round trip",
            ),
            ("WAL flush", "wal_flush_ms", "the row with synchronous_commit on, less off"),
            (
                "HNSW index",
                "hnsw_index_ms",
                "a vector into pgvector's HNSW index, less into no index",
            ),
            ("a core or history row", "row_write_ms", "the whole write, synchronous_commit on"),
            ("a vector", "vector_write_ms", "the whole write into pgvector (HNSW)"),
        ):
            rows.append({"part": part, "ms": round(costs[key], 3), "how": note})
        rows.append(
            {
                "part": "the bench: pool checkout",
                "ms": round(costs["bench_checkout_us"] / 1000.0, 4),
                "how": "taken and given back, no "
                "statement (the client's own cost per call, inside the round trip's figure)",
            }
        )
        rows.append(
            {
                "part": "the bench: vector encoding",
                "ms": round(costs["bench_encode_us"] / 1000.0, 4),
                "how": "384 floats to pgvector's binary format, in this process",
            }
        )
    for key, where in (("writes", "embedded"), ("writes_server", "PostgreSQL")):
        w = (stages or {}).get(key)
        if w and w.get("speedup") is not None:
            rows.append(
                {
                    "part": f"parallel over sequential writes, {where}",
                    "ms": None,
                    "how": f"x{w['speedup']:.2f} ({w['parallel_ops_s']:,.0f} "
                    f"against {w['sequential_ops_s']:,.0f} ops/s, embedding taken out, "
                    f"{w['items']} items, median of {w['rounds']})",
                }
            )
    return pd.DataFrame(rows)
