"""The report's figures: each returns a matplotlib figure, built from results only."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from agentmem_lab.report.load import (
    SIDE_BY_SIDE,
    backend,
    frontier_results,
    growth_label,
    growth_runs,
    only_backend_differs,
    server_ratios,
    settings_tag,
    sharded_family,
    side_by_side,
    worker,
)
from agentmem_lab.report.plotting import MODE_COLORS, MODE_ORDER, pyplot
from agentmem_lab.schema.result import Result, baseline, has_default_stores


def throughput_figure(results: Sequence[Result]) -> Any:
    """Throughput against batch size (log-log), one line per mode, embedder and concurrency;
    sequential and parallel (batch 1) as horizontal reference levels. One panel per profile."""
    plt = pyplot()
    results = baseline(results)
    profiles = sorted({r.profile for r in results}) or ["real"]
    fig, axes = plt.subplots(1, len(profiles), figsize=(6.5 * len(profiles), 4.8), squeeze=False)
    for ax, profile in zip(axes[0], profiles):
        rs = [r for r in results if r.profile == profile]
        series: dict[tuple[str, str, int], list[Result]] = {}
        for r in rs:
            series.setdefault((r.mode, r.embedder, r.concurrency), []).append(r)
        for (mode, embedder, conc), group in sorted(series.items()):
            group.sort(key=lambda r: r.batch_size)
            style = "-" if conc == 1 else "--"
            color = MODE_COLORS.get(mode, None)
            marker = "o" if embedder in ("hash", "simulated") else "s"
            if mode in ("sequential", "parallel"):
                y = max(r.throughput_ops_s for r in group)
                ax.axhline(
                    y,
                    color=color,
                    linestyle=":" if conc == 1 else "-.",
                    linewidth=1,
                    label=f"{mode} · {embedder} · c{conc} (level)",
                )
            else:
                ax.plot(
                    [r.batch_size for r in group],
                    [r.throughput_ops_s for r in group],
                    style,
                    marker=marker,
                    color=color,
                    label=f"{mode} · {embedder} · c{conc}",
                )
        ax.axhline(10_000, color="black", linewidth=0.8, alpha=0.4)
        ax.text(1, 10_000, " seed goal 10,000 ops/s", va="bottom", fontsize=8, alpha=0.6)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("batch size (items per add call)")
        ax.set_ylabel("throughput (acknowledged items / s)")
        ax.set_title(f"throughput, {profile} profile")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(
            fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0)
        )  # outside: never over data
    fig.tight_layout()
    return fig


def latency_figure(results: Sequence[Result]) -> Any:
    """p50, p95 and p99 latency per call and per item against batch size (concurrency 1)."""
    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.8))
    rs = [r for r in baseline(results) if r.concurrency == 1]
    series: dict[tuple[str, str, str], list[Result]] = {}
    for r in rs:
        series.setdefault((r.profile, r.mode, r.embedder), []).append(r)
    for ax, field_name, title in (
        (axes[0], "latency_ms", "per call"),
        (axes[1], "item_latency_ms", "per item (call / items)"),
    ):
        for (profile, mode, embedder), group in sorted(series.items()):
            group.sort(key=lambda r: r.batch_size)
            xs = [r.batch_size for r in group]
            color = MODE_COLORS.get(mode)
            style = "-" if profile == "real" else ":"
            label = f"{mode} · {embedder}" + ("" if embedder == profile else f" · {profile}")
            ax.plot(
                xs,
                [getattr(r, field_name)["p50"] for r in group],
                style,
                marker="o",
                color=color,
                label=label,
            )
            ax.fill_between(
                xs,
                [getattr(r, field_name)["p50"] for r in group],
                [getattr(r, field_name)["p99"] for r in group],
                color=color,
                alpha=0.12,
            )
            ax.plot(
                xs,
                [getattr(r, field_name)["p95"] for r in group],
                style,
                marker="^",
                color=color,
                alpha=0.5,
                markersize=4,
            )
            ax.plot(
                xs,
                [getattr(r, field_name)["p99"] for r in group],
                style,
                marker="v",
                color=color,
                alpha=0.5,
                markersize=4,
            )
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("batch size")
        ax.set_ylabel("latency (ms): p50 ●, p95 ▲, p99 ▼")
        ax.set_title(f"latency {title}, concurrency 1")
        ax.grid(True, which="both", alpha=0.3)
    handles, labels = axes[0].get_legend_handles_labels()
    if handles:  # below both panels: never over data
        fig.legend(handles, labels, fontsize=7, loc="lower center", ncol=4)
    fig.tight_layout(rect=(0, 0.14 if handles else 0, 1, 1))
    return fig


def stage_figure(results: Sequence[Result]) -> Any:
    """Where the time goes: each stage's mean span per call (concurrency 1), by configuration."""
    plt = pyplot()
    rs = [r for r in baseline(results) if r.concurrency == 1]
    profiles = sorted({r.profile for r in rs}) or ["real"]
    fig, axes = plt.subplots(len(profiles), 1, figsize=(13, 3.6 * len(profiles)), squeeze=False)
    colors = {"embed": "#2ca02c", "core": "#ff7f0e", "vector": "#1f77b4", "history": "#8c564b"}
    for ax, profile in zip(axes[:, 0], profiles):
        group = [r for r in rs if r.profile == profile]
        labels = [f"{r.mode}\nb{r.batch_size}\n{r.embedder}" for r in group]
        width = 0.2
        for k, stage in enumerate(("embed", "core", "vector", "history")):
            ax.bar(
                [i + (k - 1.5) * width for i in range(len(group))],
                [r.stages_ms[stage] for r in group],
                width,
                label=stage,
                color=colors[stage],
            )
        ax.plot(
            range(len(group)),
            [r.latency_ms["mean"] for r in group],
            "k_",
            markersize=14,
            label="call (mean)",
        )
        ax.set_xticks(range(len(group)))
        ax.set_xticklabels(labels, fontsize=6)
        ax.set_yscale("log")
        ax.set_ylabel("ms per call")
        ax.set_title(
            f"stage spans per call, {profile} profile (stages overlap in concurrent modes)"
        )
        ax.legend(fontsize=7, ncol=5, loc="upper center", bbox_to_anchor=(0.5, -0.3))
        ax.grid(True, axis="y", alpha=0.3)
    fig.tight_layout()
    return fig


def frontier_figure(results: Sequence[Result]) -> Any:
    """Write throughput against search recall@10 for each index setting measured
    (bulk-1000, hash, concurrency 1); the default setting starred."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7.5, 4.8))
    dtype_colors = {"f32": "#1f77b4", "f16": "#2ca02c", "bf16": "#9467bd", "i8": "#d62728"}
    for r in frontier_results(results):
        assert r.search is not None
        default = has_default_stores(r)
        dtype = r.settings.get("stores", {}).get("usearch_dtype", "?")
        ax.scatter(
            r.search["recall_at_10"],
            r.throughput_ops_s,
            s=160 if default else 50,
            marker="*" if default else "o",
            color=dtype_colors.get(dtype, "gray"),
        )
        ax.annotate(
            settings_tag(r) + (" (default)" if default else ""),
            (r.search["recall_at_10"], r.throughput_ops_s),
            fontsize=7,
            xytext=(4, 4),
            textcoords="offset points",
        )
    ax.set_xlabel("search recall@10 (tie-aware, against exact search)")
    ax.set_ylabel("write throughput, bulk-1000 (ops/s)")
    ax.set_title("index settings: write speed against recall")
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    return fig


def shards_figure(results: Sequence[Result]) -> Any:
    """Throughput against shards, one line per sharded configuration, cores busy marked."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7.5, 4.2))
    family = sharded_family(results)
    for key in sorted({(r.mode, r.batch_size, r.embedder) for r in family}):
        line = sorted(
            (r for r in family if (r.mode, r.batch_size, r.embedder) == key), key=lambda r: r.shards
        )
        ax.plot(
            [r.shards for r in line],
            [r.throughput_ops_s for r in line],
            "o-",
            label=f"{key[0]}-{key[1]} {key[2]}",
        )
        for r in line:
            if r.cores_busy is not None:
                ax.annotate(
                    f"{r.cores_busy:.1f} cores",
                    (r.shards, r.throughput_ops_s),
                    fontsize=7,
                    xytext=(4, -10),
                    textcoords="offset points",
                )
    ax.set_xlabel("shards (worker processes, items partitioned by user)")
    ax.set_ylabel("throughput (ops/s)")
    ax.set_yscale("log")
    ax.set_title("every core: throughput against shards" if family else "no sharded run")
    ax.grid(True, alpha=0.3, which="both")
    if family:
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.tight_layout()
    return fig


def machines_figure(results: Sequence[Result]) -> Any:
    """Each configuration's throughput per worker, side by side (log scale)."""
    plt = pyplot()
    workers = sorted({w for r in results if (w := worker(r))})
    names = sorted({r.name.split("@", 1)[0] for r in results if worker(r)})
    fig, ax = plt.subplots(figsize=(max(6, 0.5 * len(names) + 2), 4))
    width = 0.8 / max(1, len(workers))
    for k, w in enumerate(workers):
        tput = {r.name.split("@", 1)[0]: r.throughput_ops_s for r in results if worker(r) == w}
        ax.bar(
            [i + k * width for i in range(len(names))],
            [tput.get(n, 0.0) for n in names],
            width,
            label=w,
        )
    ax.set_xticks([i + width * (len(workers) - 1) / 2 for i in range(len(names))])
    ax.set_xticklabels(names, rotation=60, ha="right", fontsize=6)
    ax.set_yscale("log")
    ax.set_ylabel("throughput (ops/s)")
    ax.set_title("the same grid on every worker" if len(workers) > 1 else "one worker")
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.tight_layout()
    return fig


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
                r.search["recall_at_10"],
                r.throughput_ops_s,
                s=70,
                marker="s" if exact else "o",
                color="#d62728" if exact else "#1f77b4",
            )
            ax.annotate(
                backend(r),
                (r.search["recall_at_10"], r.throughput_ops_s),
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
        windows = (r.growth or {})["windows"]
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
