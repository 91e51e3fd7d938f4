"""The report's figures on stores and load: the vector stores side by side, the sustained
rates, growth, the database server. Each returns a matplotlib figure.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from agentmem_lab.report.load import (
    SIDE_BY_SIDE,
    backend,
    growth_label,
    growth_runs,
    only_backend_differs,
    server_ratios,
    side_by_side,
)
from agentmem_lab.report.plotting import MODE_ORDER, pyplot
from agentmem_lab.schema.result import Result


def vector_stores_figure(results: Sequence[Result]) -> Any:
    """Write throughput against recall@10, one point per vector store, bulk-1000 and
    parallel-1 side by side."""
    plt = pyplot()
    fig, axes = plt.subplots(1, len(SIDE_BY_SIDE), figsize=(12, 4.6))
    for ax, (mode, batch) in zip(axes, SIDE_BY_SIDE):
        shown = [r for r in side_by_side(results, mode, batch) if only_backend_differs(r)]
        for r in shown:
            assert r.search is not None
            exact = r.settings.get("store_details", {}).get("vector", {}).get("search") == "exact"
            ax.scatter(
                r.search.recall_at_10,
                r.throughput_ops_s,
                s=70,
                marker="s" if exact else "o",
                color="#d62728" if exact else "#1f77b4",
            )
            ax.annotate(
                backend(r),
                (r.search.recall_at_10, r.throughput_ops_s),
                fontsize=8,
                xytext=(4, 4),
                textcoords="offset points",
            )
        ax.set_yscale("log")
        ax.set_xlabel("search recall@10 (tie-aware, against exact search)")
        ax.set_ylabel(f"write throughput, {mode}-{batch} (ops/s)")
        ax.set_title(
            f"{mode}-{batch}: squares search exactly, circles by HNSW"
            if shown
            else f"{mode}-{batch}: not measured"
        )
        ax.grid(True, alpha=0.3, which="both")
    fig.tight_layout()
    return fig


def sustained_figure(capacities: Sequence[dict[str, Any]]) -> Any:
    """Latency against offered load, one panel per capacity search: response p50 and p99
    (from each call's intended start) beside service p99 (from its actual start) at each
    probe's offered rate, the objective drawn, and the knee (the maximum sustainable
    throughput) marked."""
    plt = pyplot()
    n = max(1, len(capacities))
    fig, axes = plt.subplots(1, n, figsize=(5.2 * n, 4.2), squeeze=False)
    for ax, c in zip(axes[0], capacities):
        probes = sorted(c["probes"], key=lambda p: p["offered_ops_s"])
        xs = [p["offered_ops_s"] for p in probes]
        ax.plot(
            xs,
            [p["response_ms"]["p99"] for p in probes],
            "-o",
            color="#d62728",
            label="response p99",
        )
        ax.plot(
            xs,
            [p["response_ms"]["p50"] for p in probes],
            "-o",
            color="#ff9896",
            markersize=4,
            label="response p50",
        )
        ax.plot(
            xs,
            [p["service_ms"]["p99"] for p in probes],
            "--s",
            color="#1f77b4",
            markersize=4,
            label="service p99",
        )
        ax.axhline(c["slo_p99_ms"], color="black", linewidth=0.8, alpha=0.5)
        ax.text(
            xs[-1] if xs else 1,
            c["slo_p99_ms"],
            f"objective p99 {c['slo_p99_ms']:g} ms ",
            va="bottom",
            ha="right",
            fontsize=7,
            alpha=0.7,
        )  # right: the legend is left
        ax.axvline(
            c["closed_loop_ops_s"],
            color="gray",
            linestyle=":",
            linewidth=1,
            label="closed-loop throughput",
        )
        cap = c["max_sustainable_ops_s"]
        if cap is not None:
            ax.axvline(cap, color="green", linewidth=1.2, label=f"knee: {cap:,.0f} ops/s")
        for p in probes:
            if not p["passed"]:
                ax.scatter(
                    [p["offered_ops_s"]],
                    [p["response_ms"]["p99"]],
                    marker="x",
                    color="black",
                    zorder=3,
                )
        ax.set_yscale("log")
        ax.set_xlabel("offered load (items / s); x: probe not sustained")
        ax.set_ylabel("latency per call (ms)")
        ax.set_title(c["name"], fontsize=9)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=6, loc="upper left")
    if not capacities:
        axes[0][0].set_title("no capacity search in this sweep")
    fig.tight_layout()
    return fig


#: The growth figure's panels: (window field, its sub-field or None, the axis label).
GROWTH_PANELS = (
    ("throughput_ops_s", None, "write rate in the window (items / s)"),
    ("latency_ms", "p99", "call latency p99 in the window (ms)"),
    ("recall_at_10", None, "probe recall@10 (against exact search)"),
    ("search_ms", "p99", "probe search p99 (ms)"),
)


def growth_figure(results: Sequence[Result], limit: int = 12) -> Any:
    """Write rate, call p99, probe recall@10 and search p99 against the store's size (items
    stored when each growth window ended), one line per vector store or peer and
    configuration (at most ``limit``, the largest runs first)."""
    plt = pyplot()
    runs = growth_runs(results)[:limit]
    fig, axes = plt.subplots(2, 2, figsize=(12, 7.6))
    cmap = plt.get_cmap("tab20")
    for n, r in enumerate(runs):
        windows = r.growth.windows if r.growth else []
        xs = [w["items"] for w in windows]
        for ax, (key, sub, _) in zip(axes.flat, GROWTH_PANELS):
            ys = [(w[key] or {}).get(sub) if sub else w[key] for w in windows]
            pts = [(x, y) for x, y in zip(xs, ys) if y is not None]
            if pts:
                ax.plot(*zip(*pts), "-o", markersize=3, color=cmap(n % 20), label=growth_label(r))
    for ax, (key, _, label) in zip(axes.flat, GROWTH_PANELS):
        ax.set_xscale("log")
        if key != "recall_at_10":
            ax.set_yscale("log")
        ax.set_xlabel("store size (items stored)")
        ax.set_ylabel(label, fontsize=8)
        ax.grid(True, which="both", alpha=0.3)
    axes.flat[2].axhline(0.99, color="black", linewidth=0.8, alpha=0.5)
    if runs:
        axes.flat[1].legend(fontsize=6, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    else:
        axes.flat[0].set_title("no run with growth windows in this sweep")
    fig.tight_layout()
    return fig


def server_figure(results: Sequence[Result]) -> Any:
    """Throughput of each of the seed's modes on PostgreSQL beside the embedded stores
    (log scale), one bar per stores kind, grouped by mode and clients."""
    plt = pyplot()
    rows = server_ratios(results)
    keys = sorted(
        {(r["mode"], r["batch_size"], r["concurrency"]) for r in rows},
        key=lambda k: (k[2], MODE_ORDER.index(k[0]), k[1]),
    )
    kinds = sorted({r["stores"] for r in rows})
    fig, ax = plt.subplots(figsize=(7.5, 4.0))
    width = 0.8 / max(1, len(kinds))
    for n, kind in enumerate(kinds):
        tput = {
            (r["mode"], r["batch_size"], r["concurrency"]): r["result"].throughput_ops_s
            for r in rows
            if r["stores"] == kind
        }
        ax.bar(
            [i + n * width for i in range(len(keys))],
            [tput.get(k, 0.0) for k in keys],
            width,
            label=kind,
        )
    ax.set_xticks([i + width * (len(kinds) - 1) / 2 for i in range(len(keys))])
    ax.set_xticklabels(
        [f"{m}-{b}\n{c} client{'s' if c > 1 else ''}" for m, b, c in keys], fontsize=8
    )
    ax.set_yscale("log")
    ax.set_ylabel("throughput (ops/s)")
    ax.set_title("the seed's modes on a database server" if rows else "no run on a server")
    ax.grid(True, alpha=0.3, axis="y", which="both")
    if rows:
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
