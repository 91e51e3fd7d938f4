"""Each server's own limit beside the write path (the Database server section): what the
server itself sustained for one write's statements, by its own tool, in the sweep's
stages (``stages.json``, ``server_limits``), and the sweep's runs with every store on that
server as a share of it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from agentmem_lab.measuring.server_limits import WORKLOADS
from agentmem_lab.report.load import server_of, server_pairs
from agentmem_lab.schema.result import Result

#: The server a limit names, as the runs name it.
SERVERS = {"postgres": "PostgreSQL", "redis": "Redis"}


def limit_rows(results: Sequence[Result], stages: dict[str, Any] | None) -> list[dict[str, Any]]:
    """One row per server and write-path mode: the run's ops/s (every store on the server,
    one client, hash vectors), the server's limit at 1 and 4 clients, and the share."""
    limits = (stages or {}).get("server_limits") or {}
    runs: dict[tuple[str, str, int], Result] = {}
    for stores, r, _ in server_pairs(results):
        if stores.startswith("core, history") and r.concurrency == 1 and r.embedder == "hash":
            runs.setdefault((str(server_of(r)), r.mode, r.batch_size), r)
    rows = []
    for server, entries in limits.items():
        name = SERVERS.get(server, server)
        by = {(e["workload"], e["clients"]): e for e in entries}
        for workload, modes in WORKLOADS.items():
            one, four = by.get((workload, 1)), by.get((workload, 4))
            if one is None:
                continue
            for mode, batch in modes:
                run = runs.get((name, mode, batch))
                ops = run.throughput_ops_s if run else None
                rows.append(
                    {
                        "server": name,
                        "write path": f"{mode}-{batch}",
                        "ops/s": ops,
                        "limit, 1 client": one["writes_per_s"],
                        "share": ops / one["writes_per_s"] if ops and one["writes_per_s"] else None,
                        "limit, 4 clients": four["writes_per_s"] if four else None,
                        "server's tool": one["tool"],
                    }
                )
    return rows


def server_limit_table(results: Sequence[Result], stages: dict[str, Any] | None) -> Any:
    import pandas as pd

    rows = limit_rows(results, stages)
    for row in rows:
        for key in ("ops/s", "limit, 1 client", "limit, 4 clients"):
            row[key] = None if row[key] is None else round(row[key])
        row["share"] = None if row["share"] is None else f"{row['share']:.0%}"
    return pd.DataFrame(rows)


def server_limit_sentence(results: Sequence[Result], stages: dict[str, Any] | None) -> str | None:
    """The finding: each server's bulk-1000 and sequential-1 as shares of its own limit."""
    rows = [r for r in limit_rows(results, stages) if r["share"] is not None]
    if not rows:
        return None
    parts = [
        f"{r['server']} {r['write path']} {r['ops/s']:,.0f} ops/s, {r['share']:.0%} of the "
        f"{r['limit, 1 client']:,.0f} writes/s the server itself sustained for the same "
        "statements"
        for r in rows
        if r["write path"] in ("sequential-1", "bulk-1000")
    ]
    return (
        "Each server's own limit, measured by its own tool in this sweep: "
        + "; ".join(parts)
        + ". A share well below 1 is the client's (the bench's write path) to win; near 1, "
        "the server's settings."
    )


__all__ = ["limit_rows", "server_limit_sentence", "server_limit_table"]
