"""What the synthetic workload distorts: each vector store's bulk-1000 growth curve on
real vectors (the chat dataset's messages with MiniLM's vectors, replayed) beside hash
vectors of the same messages and of the template corpus (the scale grid's three
workloads), compared at one store size that every compared curve reached.

A replayed curve times the stores alone (its vectors were looked up, not embedded), and a
hash curve includes the hash embedder's small cost: the write rates are compared within a
workload (the ranking of the stores), never across workloads as one figure.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from agentmem_lab.report.load import (
    backend,
    growth_runs,
    only_backend_differs,
    window_near,
    workload_of,
)
from agentmem_lab.report.runs_tables import rounded
from agentmem_lab.schema.result import Result


def _order(r: Result) -> tuple[bool, bool, str]:
    """Workloads in order: the template corpus first, then a dataset's hash, then real."""
    return (r.dataset != "synthetic", r.replayed or r.embedder != "hash", r.embedder)


def compared(results: Sequence[Result]) -> dict[str, list[Result]]:
    """Per vector store, its bulk-1000 growth curves (one per workload, in ``_order``),
    for the stores with curves in at least two workloads (AgentMem's stores, default
    settings but the store)."""
    by_store: dict[str, dict[str, Result]] = {}
    for r in growth_runs(results):
        if r.system != "agentmem" or (r.mode, r.batch_size) != ("bulk", 1000):
            continue
        if not only_backend_differs(r):
            continue
        by_store.setdefault(backend(r), {}).setdefault(workload_of(r), r)
    return {
        store: sorted(curves.values(), key=_order)
        for store, curves in sorted(by_store.items())
        if len(curves) >= 2
    }


def common_size(stores: dict[str, list[Result]]) -> int | None:
    """The store size every compared curve reached: the smallest last window."""
    sizes = [
        r.growth.windows[-1]["items"] for curves in stores.values() for r in curves if r.growth
    ]
    return min(sizes) if sizes else None


def _window(r: Result, size: int) -> dict[str, Any]:
    window = window_near(r, size)
    assert window is not None  # growth_runs keeps runs with windows
    return window


def _ranks(stores: dict[str, list[Result]], size: int) -> dict[str, list[str]]:
    """Per workload, the compared stores from the fastest writer to the slowest at ``size``."""
    rates: dict[str, list[tuple[float, str]]] = {}
    for store, curves in stores.items():
        for r in curves:
            rate = _window(r, size)["throughput_ops_s"]
            if rate is not None:
                rates.setdefault(workload_of(r), []).append((float(rate), store))
    return {w: [s for _, s in sorted(pairs, reverse=True)] for w, pairs in rates.items()}


def synthetic_table(results: Sequence[Result]) -> Any:
    """Per compared store and workload, at the common size: the vectors tied at the probe
    queries' 10th neighbour, probe recall@10 (tie-aware), the vector store's own insertion
    µs per vector, search p99, the write rate and the store's rank by it within its
    workload; and at the curve's end: its items, recall@10 and self-recall@1."""
    import pandas as pd

    stores = compared(results)
    size = common_size(stores)
    if size is None:
        return pd.DataFrame()
    ranks = _ranks(stores, size)
    rows = []
    for store, curves in stores.items():
        for r in curves:
            w = _window(r, size)
            order = ranks.get(workload_of(r), [])
            rows.append(
                {
                    "vector store": store,
                    "workload": workload_of(r),
                    "window at items": w["items"],
                    "tied at 10th": rounded(w.get("tied_at_10"), 2),
                    "probe recall@10": rounded(w["recall_at_10"], 3),
                    "insert µs/vector": rounded(w.get("insert_us_per_vector"), 1),
                    "search p99 ms": rounded((w.get("search_ms") or {}).get("p99"), 2),
                    "write ops/s": rounded(w["throughput_ops_s"], 0),
                    "rank by write rate": (order.index(store) + 1) if store in order else None,
                    "items at the end": r.integrity.acknowledged,
                    "recall@10 at the end": rounded(r.search.recall_at_10, 3) if r.search else None,
                    "self-recall@1 at the end": rounded(r.integrity.self_recall_at_1, 3),
                }
            )
    return pd.DataFrame(rows)


def synthetic_sentence(results: Sequence[Result]) -> str | None:
    """Where the stores' ranking by write rate changes between workloads at the common
    size, and how ties and recall differ between the template corpus and real vectors."""
    stores = compared(results)
    size = common_size(stores)
    if size is None:
        return None
    ranks = _ranks(stores, size)
    parts = [f"{w}: {' > '.join(order)}" for w, order in ranks.items()]
    orders = list(ranks.values())
    same = all(o == orders[0] for o in orders)
    text = (
        f"Synthetic against real vectors, at about {size:,} items stored, the stores by "
        f"write rate: {'; '.join(parts)} ("
        + ("the same order in every workload" if same else "the ranking changes")
        + ")"
    )
    extremes = []
    for store, curves in stores.items():
        first, last = _window(curves[0], size), _window(curves[-1], size)
        if first["recall_at_10"] is None or last["recall_at_10"] is None:
            continue
        extremes.append(
            f"{store} {first['recall_at_10']:.3f} on {workload_of(curves[0])} against "
            f"{last['recall_at_10']:.3f} on {workload_of(curves[-1])}"
        )
    if extremes:
        text += "; probe recall@10 " + ", ".join(extremes)
    return text + "."


__all__ = ["common_size", "compared", "synthetic_sentence", "synthetic_table"]
