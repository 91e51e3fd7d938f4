"""The report's figures of the runs: throughput, latency, stages, the frontier, shards and
machines. Each returns a matplotlib figure, built from results only."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from agentmem_lab.items import STAGES
from agentmem_lab.report.load import (
    frontier_results,
    settings_tag,
    sharded_family,
    worker,
)
from agentmem_lab.report.plotting import MODE_COLORS, pyplot
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
        for k, stage in enumerate(STAGES):
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
            r.search.recall_at_10,
            r.throughput_ops_s,
            s=160 if default else 50,
            marker="*" if default else "o",
            color=dtype_colors.get(dtype, "gray"),
        )
        ax.annotate(
            settings_tag(r) + (" (default)" if default else ""),
            (r.search.recall_at_10, r.throughput_ops_s),
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
