"""The report's pieces: figures and tables built from result files only.

Renderers return matplotlib figures or pandas DataFrames; report.ipynb displays them and
the sweep exports the executed notebook to HTML. Nothing here prints or writes files.
"""

from __future__ import annotations

import html
import math
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from . import targets as targets_mod
from .results import Result, baseline, find_results, has_default_stores

MODE_ORDER = ("sequential", "parallel", "batch", "bulk")
MODE_COLORS = {"sequential": "#7f7f7f", "parallel": "#9467bd", "batch": "#d62728", "bulk": "#1f77b4"}


@dataclass
class SweepResults:
    """Everything a report reads: results, failed configurations, where they came from."""

    directory: Path
    results: list[Result]
    failures: list[dict[str, Any]] = field(default_factory=list)
    bad_files: list[str] = field(default_factory=list)
    sample: bool = False  # a small sample measured on the spot, not a sweep's results


def load(directory: str | Path) -> SweepResults:
    """Every result.json and error.json below ``directory``. A result that does not load is
    listed in ``bad_files``, never silently dropped."""
    from .errors import ResultError

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
    results.sort(key=lambda r: (r.profile, r.embedder, MODE_ORDER.index(r.mode)
                                if r.mode in MODE_ORDER else 9, r.batch_size, r.concurrency))
    return SweepResults(d, results, failures, bad)


def _plt() -> Any:
    import matplotlib

    if matplotlib.get_backend().lower() not in ("module://matplotlib_inline.backend_inline",):
        matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def throughput_figure(results: Sequence[Result]) -> Any:
    """Throughput against batch size (log-log), one line per mode, embedder and concurrency;
    sequential and parallel (batch 1) as horizontal reference levels. One panel per profile."""
    plt = _plt()
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
                ax.axhline(y, color=color, linestyle=":" if conc == 1 else "-.", linewidth=1,
                           label=f"{mode} · {embedder} · c{conc} (level)")
            else:
                ax.plot([r.batch_size for r in group], [r.throughput_ops_s for r in group],
                        style, marker=marker, color=color, label=f"{mode} · {embedder} · c{conc}")
        ax.axhline(10_000, color="black", linewidth=0.8, alpha=0.4)
        ax.text(1, 10_000, " seed goal 10,000 ops/s", va="bottom", fontsize=8, alpha=0.6)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("batch size (items per add call)")
        ax.set_ylabel("throughput (acknowledged items / s)")
        ax.set_title(f"throughput, {profile} profile")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))  # outside: never over data
    fig.tight_layout()
    return fig


def latency_figure(results: Sequence[Result]) -> Any:
    """p50, p95 and p99 latency per call and per item against batch size (concurrency 1)."""
    plt = _plt()
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.8))
    rs = [r for r in baseline(results) if r.concurrency == 1]
    series: dict[tuple[str, str, str], list[Result]] = {}
    for r in rs:
        series.setdefault((r.profile, r.mode, r.embedder), []).append(r)
    for ax, field_name, title in ((axes[0], "latency_ms", "per call"),
                                  (axes[1], "item_latency_ms", "per item (call / items)")):
        for (profile, mode, embedder), group in sorted(series.items()):
            group.sort(key=lambda r: r.batch_size)
            xs = [r.batch_size for r in group]
            color = MODE_COLORS.get(mode)
            style = "-" if profile == "real" else ":"
            label = f"{mode} · {embedder}" + ("" if embedder == profile else f" · {profile}")
            ax.plot(xs, [getattr(r, field_name)["p50"] for r in group], style, marker="o",
                    color=color, label=label)
            ax.fill_between(xs, [getattr(r, field_name)["p50"] for r in group],
                            [getattr(r, field_name)["p99"] for r in group], color=color, alpha=0.12)
            ax.plot(xs, [getattr(r, field_name)["p95"] for r in group], style, marker="^",
                    color=color, alpha=0.5, markersize=4)
            ax.plot(xs, [getattr(r, field_name)["p99"] for r in group], style, marker="v",
                    color=color, alpha=0.5, markersize=4)
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
    plt = _plt()
    rs = [r for r in baseline(results) if r.concurrency == 1]
    profiles = sorted({r.profile for r in rs}) or ["real"]
    fig, axes = plt.subplots(len(profiles), 1, figsize=(13, 3.6 * len(profiles)), squeeze=False)
    colors = {"embed": "#2ca02c", "core": "#ff7f0e", "vector": "#1f77b4", "history": "#8c564b"}
    for ax, profile in zip(axes[:, 0], profiles):
        group = [r for r in rs if r.profile == profile]
        labels = [f"{r.mode}\nb{r.batch_size}\n{r.embedder}" for r in group]
        width = 0.2
        for k, stage in enumerate(("embed", "core", "vector", "history")):
            ax.bar([i + (k - 1.5) * width for i in range(len(group))],
                   [r.stages_ms[stage] for r in group], width, label=stage, color=colors[stage])
        ax.plot(range(len(group)), [r.latency_ms["mean"] for r in group], "k_", markersize=14,
                label="call (mean)")
        ax.set_xticks(range(len(group)))
        ax.set_xticklabels(labels, fontsize=6)
        ax.set_yscale("log")
        ax.set_ylabel("ms per call")
        ax.set_title(f"stage spans per call, {profile} profile (stages overlap in concurrent modes)")
        ax.legend(fontsize=7, ncol=5, loc="upper center", bbox_to_anchor=(0.5, -0.3))
        ax.grid(True, axis="y", alpha=0.3)
    fig.tight_layout()
    return fig


def _settings_tag(r: Result) -> str:
    st = r.settings.get("stores", {})
    return (f"{st.get('usearch_dtype', '?')} M{st.get('hnsw_connectivity', '?')} "
            f"ea{st.get('hnsw_expansion_add', '?')}")


def _frontier_results(results: Sequence[Result]) -> list[Result]:
    """bulk-1000, concurrency 1, real profile, hash embedder, usearch: the index-settings
    comparison."""
    return [r for r in _side_by_side(results, "bulk", 1000) if _backend(r) == "usearch"]


def _backend(r: Result) -> str:
    return str(r.settings.get("stores", {}).get("vector_store", "usearch"))


def _side_by_side(results: Sequence[Result], mode: str, batch: int) -> list[Result]:
    """AgentMem's one-process real runs of one mode and batch size, concurrency 1, hash
    embedder, with search."""
    return [r for r in results if r.profile == "real" and r.mode == mode and r.batch_size == batch
            and r.concurrency == 1 and r.embedder == "hash" and r.search
            and r.system == "agentmem" and r.shards == 1]


def frontier_figure(results: Sequence[Result]) -> Any:
    """Write throughput against search recall@10 for each index setting measured
    (bulk-1000, hash, concurrency 1); the default setting starred."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7.5, 4.8))
    dtype_colors = {"f32": "#1f77b4", "f16": "#2ca02c", "bf16": "#9467bd", "i8": "#d62728"}
    for r in _frontier_results(results):
        assert r.search is not None
        default = has_default_stores(r)
        dtype = r.settings.get("stores", {}).get("usearch_dtype", "?")
        ax.scatter(r.search["recall_at_10"], r.throughput_ops_s, s=160 if default else 50,
                   marker="*" if default else "o", color=dtype_colors.get(dtype, "gray"))
        ax.annotate(_settings_tag(r) + (" (default)" if default else ""),
                    (r.search["recall_at_10"], r.throughput_ops_s), fontsize=7,
                    xytext=(4, 4), textcoords="offset points")
    ax.set_xlabel("search recall@10 (tie-aware, against exact search)")
    ax.set_ylabel("write throughput, bulk-1000 (ops/s)")
    ax.set_title("index settings: write speed against recall")
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    return fig


def index_settings_table(results: Sequence[Result]) -> Any:
    """Each index setting measured (bulk-1000, hash, concurrency 1), fastest first."""
    import pandas as pd

    rows = []
    for r in sorted(_frontier_results(results), key=lambda r: -r.throughput_ops_s):
        assert r.search is not None
        st = r.settings.get("stores", {})
        rows.append({"setting": _settings_tag(r) + (" (default)" if has_default_stores(r) else ""),
                     "dtype": st.get("usearch_dtype"), "connectivity": st.get("hnsw_connectivity"),
                     "expansion_add": st.get("hnsw_expansion_add"),
                     "expansion_search": st.get("hnsw_expansion_search"),
                     "items": r.items, "throughput ops/s": round(r.throughput_ops_s, 1),
                     "recall@10": round(r.search["recall_at_10"], 4),
                     "self-recall@1": r.integrity["self_recall_at_1"],
                     "search p50 ms": round(r.search["p50_ms"], 4)})
    return pd.DataFrame(rows)


def index_settings_note(results: Sequence[Result], min_recall: float = 0.99) -> str:
    """The defaults beside the alternatives, in this run's figures only (escaped)."""
    rs = _frontier_results(results)
    default = [r for r in rs if has_default_stores(r)]
    if not default:
        return "<p>No bulk-1000 measurement with the default index settings.</p>"

    def describe(r: Result) -> str:
        assert r.search is not None
        return (f"{_settings_tag(r)}: {r.throughput_ops_s:,.0f} ops/s, recall@10 "
                f"{r.search['recall_at_10']:.3f}, self-recall {r.integrity['self_recall_at_1']:.3f}")

    d = default[0]
    text = f"The defaults, {describe(d)}. "
    faster = sorted((r for r in rs if r.throughput_ops_s > d.throughput_ops_s),
                    key=lambda r: -r.throughput_ops_s)
    if faster:
        text += "Faster in this run: " + "; ".join(describe(r) for r in faster) + ". "
    else:
        text += "No other setting was faster in this run. "
    text += (f"The defaults favour recall (recall@10 and self-recall near 1) over the last "
             f"part of write speed; a setting below recall@10 {min_recall} trades away more "
             "than a run-to-run difference (10-20 % on a shared machine) is worth.")
    return f"<p>{html.escape(text)}</p>"


def _sharded_family(results: Sequence[Result]) -> list[Result]:
    """AgentMem's real runs at concurrency 1 whose configuration was also run sharded:
    the same mode, batch size and embedder at every shard count measured."""
    real = [r for r in results if r.system == "agentmem" and r.profile == "real"
            and r.concurrency == 1 and has_default_stores(r)]
    keys = {(r.mode, r.batch_size, r.embedder) for r in real if r.shards != 1}
    return [r for r in real if (r.mode, r.batch_size, r.embedder) in keys]


def shards_table(results: Sequence[Result]) -> Any:
    """Each sharded configuration beside the same one in one process: throughput, its
    ratio to one shard, and the cores the run kept busy."""
    import pandas as pd

    family = _sharded_family(results)
    one = {(r.mode, r.batch_size, r.embedder): r.throughput_ops_s for r in family
           if r.shards == 1}
    rows = []
    for r in sorted(family, key=lambda r: (r.mode, r.batch_size, r.embedder, r.shards)):
        base = one.get((r.mode, r.batch_size, r.embedder))
        rows.append({"configuration": f"{r.mode}-{r.batch_size}", "embedder": r.embedder,
                     "shards": r.shards, "items": r.items,
                     "throughput ops/s": round(r.throughput_ops_s, 1),
                     "x one shard": None if not base else round(r.throughput_ops_s / base, 2),
                     "cores busy": None if r.cores_busy is None else round(r.cores_busy, 2),
                     "cores": r.environment.get("cpu_count"),
                     "call p50 ms": round(r.latency_ms["p50"], 3),
                     "lost": r.integrity["lost"], "orphans": r.integrity["orphans"],
                     "recall@10": None if not r.search else round(r.search["recall_at_10"], 4)})
    return pd.DataFrame(rows)


def shards_figure(results: Sequence[Result]) -> Any:
    """Throughput against shards, one line per sharded configuration, cores busy marked."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7.5, 4.2))
    family = _sharded_family(results)
    for key in sorted({(r.mode, r.batch_size, r.embedder) for r in family}):
        line = sorted((r for r in family if (r.mode, r.batch_size, r.embedder) == key),
                      key=lambda r: r.shards)
        ax.plot([r.shards for r in line], [r.throughput_ops_s for r in line], "o-",
                label=f"{key[0]}-{key[1]} {key[2]}")
        for r in line:
            if r.cores_busy is not None:
                ax.annotate(f"{r.cores_busy:.1f} cores", (r.shards, r.throughput_ops_s),
                            fontsize=7, xytext=(4, -10), textcoords="offset points")
    ax.set_xlabel("shards (worker processes, items partitioned by user)")
    ax.set_ylabel("throughput (ops/s)")
    ax.set_yscale("log")
    ax.set_title("every core: throughput against shards" if family else "no sharded run")
    ax.grid(True, alpha=0.3, which="both")
    if family:
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.tight_layout()
    return fig


def _worker(r: Result) -> str | None:
    w = r.environment.get("worker")
    return str(w) if w else None


def machines_table(results: Sequence[Result]) -> Any:
    """With results from several workers (``sweep --cluster ... --on-every-worker``): each
    configuration's throughput on each worker (the address, shown with its hostname), and
    each worker's CPU model and cores. Empty when one worker (or none) measured all."""
    import pandas as pd

    workers = sorted({w for r in results if (w := _worker(r))})
    if len(workers) < 2:
        return pd.DataFrame()
    by: dict[str, dict[str, Any]] = {}
    for r in results:
        w = _worker(r)
        if w is None:
            continue
        row = by.setdefault(r.name.split("@", 1)[0], {"configuration": r.name.split("@", 1)[0]})
        row[f"{w} ops/s"] = round(r.throughput_ops_s, 1)
    described = {w: next(r.environment for r in results if _worker(r) == w) for w in workers}
    rows = [{"configuration": "(machine)", **{
        f"{w} ops/s": f"{described[w].get('cpu_model')}, {described[w].get('cpu_count')} cores"
        for w in workers}}]
    return pd.DataFrame(rows + [by[k] for k in sorted(by)])


def machines_figure(results: Sequence[Result]) -> Any:
    """Each configuration's throughput per worker, side by side (log scale)."""
    plt = _plt()
    workers = sorted({w for r in results if (w := _worker(r))})
    names = sorted({r.name.split("@", 1)[0] for r in results if _worker(r)})
    fig, ax = plt.subplots(figsize=(max(6, 0.5 * len(names) + 2), 4))
    width = 0.8 / max(1, len(workers))
    for k, w in enumerate(workers):
        tput = {r.name.split("@", 1)[0]: r.throughput_ops_s for r in results if _worker(r) == w}
        ax.bar([i + k * width for i in range(len(names))], [tput.get(n, 0.0) for n in names],
               width, label=w)
    ax.set_xticks([i + width * (len(workers) - 1) / 2 for i in range(len(names))])
    ax.set_xticklabels(names, rotation=60, ha="right", fontsize=6)
    ax.set_yscale("log")
    ax.set_ylabel("throughput (ops/s)")
    ax.set_title("the same grid on every worker" if len(workers) > 1 else "one worker")
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.tight_layout()
    return fig


#: The configurations of the side-by-side section.
SIDE_BY_SIDE = (("bulk", 1000), ("parallel", 1))


def _only_backend_differs(r: Result) -> bool:
    """Default store settings but (perhaps) the vector store: the side-by-side runs."""
    from .stores import StoreSettings

    st = dict(r.settings.get("stores", {}))
    st["vector_store"] = StoreSettings().vector_store
    return bool(st == StoreSettings().to_dict())


def vector_stores_table(results: Sequence[Result]) -> Any:
    """Every vector store measured in bulk-1000 and parallel-1 (hash embedder, concurrency
    1, default settings otherwise): write throughput, the load split, search and recall,
    the integrity check, and each backend's durability class and version."""
    import pandas as pd

    rows = []
    for mode, batch in SIDE_BY_SIDE:
        for r in sorted((r for r in _side_by_side(results, mode, batch)
                         if _only_backend_differs(r)), key=lambda r: -r.throughput_ops_s):
            assert r.search is not None
            v = r.vector_load or {}
            details = r.settings.get("store_details", {}).get("vector", {})
            i = r.integrity
            rows.append({
                "vector store": _backend(r), "version": details.get("version"),
                "configuration": f"{mode}-{batch}", "items": r.items,
                "throughput ops/s": round(r.throughput_ops_s, 1),
                "insert s": _round(v.get("insert_s"), 3),
                "optimize s": _round(v.get("optimize_s"), 3),
                "load s": _round(v.get("load_s"), 3),
                "dup check s": _round(v.get("check_s"), 3),
                "vectors/s inserted": _round(v.get("insert_vectors_per_s"), 0),
                "search": details.get("search"),
                "search p50 ms": round(r.search["p50_ms"], 3),
                "search p99 ms": round(r.search["p99_ms"], 3),
                "recall@10": round(r.search["recall_at_10"], 4),
                "self-recall@1": i["self_recall_at_1"],
                "lost": i["lost"], "orphans": i["orphans"],
                "durable": details.get("durability"),
            })
    return pd.DataFrame(rows)


def _round(x: Any, digits: int) -> Any:
    return None if x is None else round(float(x), digits)


def vector_stores_figure(results: Sequence[Result]) -> Any:
    """Write throughput against recall@10, one point per vector store, bulk-1000 and
    parallel-1 side by side."""
    plt = _plt()
    fig, axes = plt.subplots(1, len(SIDE_BY_SIDE), figsize=(12, 4.6))
    for ax, (mode, batch) in zip(axes, SIDE_BY_SIDE):
        shown = [r for r in _side_by_side(results, mode, batch) if _only_backend_differs(r)]
        for r in shown:
            assert r.search is not None
            exact = r.settings.get("store_details", {}).get("vector", {}).get("search") == "exact"
            ax.scatter(r.search["recall_at_10"], r.throughput_ops_s, s=70,
                       marker="s" if exact else "o", color="#d62728" if exact else "#1f77b4")
            ax.annotate(_backend(r), (r.search["recall_at_10"], r.throughput_ops_s), fontsize=8,
                        xytext=(4, 4), textcoords="offset points")
        ax.set_yscale("log")
        ax.set_xlabel("search recall@10 (tie-aware, against exact search)")
        ax.set_ylabel(f"write throughput, {mode}-{batch} (ops/s)")
        ax.set_title(f"{mode}-{batch}: squares search exactly, circles by HNSW"
                     if shown else f"{mode}-{batch}: not measured")
        ax.grid(True, alpha=0.3, which="both")
    fig.tight_layout()
    return fig


#: The peers section: batch sizes, and AgentMem's modes shown beside each peer.
PEER_BATCHES = (1, 10, 100)
PEER_CLAIM_OPS_S = 10_000.0  # attributed to mem0 by AgentMem's documents ("Mem0 target")


def _peer_rows(results: Sequence[Result]) -> list[Result]:
    """Peers' runs and AgentMem's default-store runs at the peers' batch sizes, both on the
    real profile at concurrency 1, for the embedders the peers were measured with."""
    peers = [r for r in results if r.system != "agentmem" and r.profile == "real"
             and r.concurrency == 1]
    embedders = {r.embedder for r in peers}
    ours = [r for r in baseline(results) if r.profile == "real" and r.concurrency == 1
            and r.embedder in embedders and r.batch_size in PEER_BATCHES]
    return peers + ours


def peers_table(results: Sequence[Result]) -> Any:
    """Each peer's add path beside the seed's modes and our bulk mode, same embedder and
    machine: throughput, call and item latency, recall@10, integrity."""
    import pandas as pd

    rows = []
    for r in sorted(_peer_rows(results), key=lambda r: (r.embedder, r.batch_size,
                                                        r.system == "agentmem", r.mode)):
        i, s = r.integrity, r.search or {}
        version = r.settings.get("store_details", {}).get("version") if r.system != "agentmem" \
            else None
        rows.append({
            "system": r.system + (f" {version}" if version else ""),
            "mode": "add(infer=False)" if r.system == "mem0" else r.mode,
            "embedder": r.embedder, "batch": r.batch_size, "items": r.items,
            "throughput ops/s": round(r.throughput_ops_s, 1),
            "call p50 ms": round(r.latency_ms["p50"], 3), "call p99 ms": round(r.latency_ms["p99"], 3),
            "item p50 ms": round(r.item_latency_ms["p50"], 4),
            "item p99 ms": round(r.item_latency_ms["p99"], 4),
            "recall@10": s.get("recall_at_10"), "lost": i["lost"], "orphans": i["orphans"],
        })
    return pd.DataFrame(rows)


def peers_note(results: Sequence[Result]) -> str:
    """How far each peer is from the 10,000 ops/s attributed to it, and how far the
    seed's design is from the peer, from this run's figures only (escaped)."""
    rows = _peer_rows(results)
    peers = [r for r in rows if r.system != "agentmem"]
    if not peers:
        return "<p>No peer system was measured in this run.</p>"
    parts = []
    for embedder in sorted({r.embedder for r in peers}):
        best = max((r for r in peers if r.embedder == embedder), key=lambda r: r.throughput_ops_s)
        text = (f"With the {embedder} embedder, {best.system}'s add(infer=False) measured at "
                f"best {best.throughput_ops_s:,.0f} ops/s (batch {best.batch_size}): "
                f"{PEER_CLAIM_OPS_S / max(best.throughput_ops_s, 1e-9):,.1f}x below the "
                f"{PEER_CLAIM_OPS_S:,.0f} ops/s attributed to it.")
        for mode in ("sequential", "parallel", "batch", "bulk"):
            same = [r for r in rows if r.system == "agentmem" and r.embedder == embedder
                    and r.mode == mode and r.batch_size == best.batch_size]
            if same:
                ours = same[0]
                text += (f" The seed's design in {mode} mode at the same batch size: "
                         f"{ours.throughput_ops_s:,.0f} ops/s, "
                         f"{ours.throughput_ops_s / max(best.throughput_ops_s, 1e-9):,.1f}x "
                         f"{best.system}.")
        parts.append(text)
    return "".join(f"<p>{html.escape(p)}</p>" for p in parts)


def results_table(results: Sequence[Result]) -> Any:
    """One row per configuration: throughput, latency, integrity, search."""
    import pandas as pd

    rows = []
    for r in results:
        i, s = r.integrity, r.search or {}
        rows.append({
            "configuration": r.name, "profile": r.profile, "embedder": r.embedder,
            "mode": r.mode, "batch": r.batch_size, "concurrency": r.concurrency,
            "items": r.items, "throughput ops/s": round(r.throughput_ops_s, 1),
            "call p50 ms": round(r.latency_ms["p50"], 3), "call p99 ms": round(r.latency_ms["p99"], 3),
            "item p50 ms": round(r.item_latency_ms["p50"], 4),
            "acknowledged": i["acknowledged"], "failed": i["failed"], "lost": i["lost"],
            "orphans": i["orphans"], "self-recall@1": i["self_recall_at_1"],
            "search p50 ms": s.get("p50_ms"), "search p99 ms": s.get("p99_ms"),
            "recall@10": s.get("recall_at_10"),
            "worker": _worker(r),
            "shards": r.shards,
            "cores busy": None if r.cores_busy is None else round(r.cores_busy, 2),
            "harness µs/call": None if not r.harness else round(r.harness["per_call_us"]["p50"], 1),
            "harness share": None if not r.harness else f"{r.harness['share_of_call_p50']:.1%}",
        })
    return pd.DataFrame(rows)


def speedup_table(results: Sequence[Result]) -> Any:
    """Throughput over sequential batch 1 of the same profile, embedder and concurrency."""
    import pandas as pd

    results = baseline(results)
    base = {(r.profile, r.embedder, r.concurrency): r.throughput_ops_s
            for r in results if r.mode == "sequential" and r.batch_size == 1}
    rows = []
    for r in results:
        b = base.get((r.profile, r.embedder, r.concurrency))
        rows.append({"configuration": r.name, "throughput ops/s": round(r.throughput_ops_s, 1),
                     "sequential-1 ops/s": None if b is None else round(b, 1),
                     "speedup": None if not b else round(r.throughput_ops_s / b, 2)})
    return pd.DataFrame(rows)


def target_table(catalogue: targets_mod.Catalogue, results: Sequence[Result]) -> Any:
    """The phase-target table: each claim beside (a) the seed's model computed, with the
    verdict on the claim, (b) the same model measured under the simulated profile and the
    harness overhead (measured minus computed) with the calibration status, and (c) each
    real measurement, met or missed, with measured / target."""
    import pandas as pd

    checks = {c.target.id: c for c in targets_mod.model_checks(catalogue, results)}
    verdicts = targets_mod.evaluate(catalogue, results)
    groups = targets_mod.groups(results)
    by = {(v.target.id, v.group): v for v in verdicts}
    rows = []
    for t in catalogue.targets:
        c = checks[t.id]
        p = c.prediction
        unit = "ms" if t.metric == "latency_p50_ms" else "ops/s"
        row: dict[str, Any] = {"target": t.id, "claim (seed, predicted)": t.claim,
                               "seed line": t.seed_line,
                               "metric": ("throughput ops/s" if t.metric == "throughput_ops_s"
                                          else "call p50 ms"),
                               "target value": t.target, "gate": "yes" if t.gate else ""}
        row["seed model, computed"] = (f"{c.computed:,.1f} {unit} ({p.mode}-{p.batch_size}, "
                                       f"c{p.concurrency})")
        row["claim vs its model"] = c.status
        if c.measured is None:
            row["seed model, simulated"] = "not simulated"
            row["harness overhead"] = ""
        else:
            run = c.for_run
            assert c.overhead is not None and c.calibration_error is not None and run is not None
            row["seed model, simulated"] = f"{c.measured:,.1f} {unit}"
            row["harness overhead"] = (f"{c.overhead:+,.1f} {unit}; fastest call "
                                       f"{c.calibration_error:+.1%}")
            if run.clients_busy < p.concurrency:
                row["harness overhead"] += (f" (against the model for this run, "
                                            f"{run.metric(t.metric):,.1f} {unit}: its calls keep "
                                            f"{run.clients_busy:.1f} of {p.concurrency} clients busy)")
        row["calibration"] = c.calibration
        for g in groups:
            v = by.get((t.id, g))
            label = f"measured {g}"
            if v is None or v.measured is None:
                row[label] = "no measurement"
            else:
                row[label] = f"{v.measured:,.1f} ({v.ratio:.2f}x) {v.status}"
        rows.append(row)
    return pd.DataFrame(rows)


def seed_consistency_table(catalogue: targets_mod.Catalogue) -> Any:
    """The seed's own table: claimed throughput beside what its own latency implies."""
    import pandas as pd

    return pd.DataFrame([{
        "seed row": c.row, "items": c.items, "latency ms (claimed)": c.latency_ms,
        "throughput ops/s (claimed)": c.throughput_ops_s,
        "items / latency (implied)": round(c.implied_ops_s, 1),
        "consistent": "yes" if c.consistent else
        f"NO: claims {c.throughput_ops_s / c.implied_ops_s:.1f}x what its latency implies",
    } for c in catalogue.seed_claims])


def environment_table(results: Sequence[Result]) -> Any:
    """The machines and settings the results were measured with (distinct values)."""
    import pandas as pd

    rows: dict[str, set[str]] = {}
    for r in results:
        env = dict(r.environment)
        packages = env.pop("packages", {})
        for k, v in env.items():
            rows.setdefault(k, set()).add(str(v))
        for k, v in packages.items():
            rows.setdefault(f"package {k}", set()).add(str(v))
        for k, v in r.settings.get("stores", {}).items():
            rows.setdefault(f"setting {k}", set()).add(str(v))
        emb = r.settings.get("embedder", {})
        rows.setdefault(f"embedder {r.embedder}", set()).add(
            ", ".join(f"{k}={v}" for k, v in emb.items() if k not in ("name",)))
        rows.setdefault("repeats / warmup / seed", set()).add(f"{r.repeats} / {r.warmup} / {r.seed}")
    return pd.DataFrame([{"what": k, "value": "; ".join(sorted(v))} for k, v in sorted(rows.items())])


def failures_table(sweep: SweepResults) -> Any:
    import pandas as pd

    rows = [{"configuration": f.get("name", "?"), "error": f.get("error", "?"),
             "notebook": f.get("notebook", "")} for f in sweep.failures]
    rows += [{"configuration": "(unreadable result)", "error": b, "notebook": ""}
             for b in sweep.bad_files]
    return pd.DataFrame(rows, columns=["configuration", "error", "notebook"])


def header_html(sweep: SweepResults) -> str:
    """What the report shows and where it comes from, escaped."""
    from datetime import datetime, timezone

    configs = len(sweep.results)
    source = ("a small sample measured just now (no sweep folder was given and reports/latest "
              "does not exist): run `make report` for the full sweep" if sweep.sample
              else f"the results in {sweep.directory}")
    failed = len(sweep.failures) + len(sweep.bad_files)
    status = (f'<p style="color:#b00"><b>{failed} configuration(s) failed</b>: see the '
              "section Failed configurations below.</p>" if failed
              else "<p>Every configuration completed.</p>")
    return (f"<p>Report generated {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC from "
            f"{html.escape(source)}: {configs} configuration(s).</p>{status}"
            f"{PAGE_CSS}<p>Every figure below is <b>measured</b> by agentmem-lab in the runs shown. The "
            "seed's figures are <b>predictions</b> (\"theoretical performance analysis\") and are "
            "labelled so. The <i>simulated</i> profile measures the seed's own latency model "
            "(sleeps of its assumed latencies); the <i>real</i> profile measures real stores.</p>")


def answers_html(catalogue: targets_mod.Catalogue, results: Sequence[Result]) -> str:
    """The answers first: a few sentences computed from this run's figures (escaped)."""
    goal = next((t for t in catalogue.targets if t.gate), None)
    base = [r for r in baseline(results) if r.profile == "real"]
    out: list[str] = []
    if goal is not None:
        def best(rs: Sequence[Result]) -> Result | None:
            return max(rs, key=lambda r: r.throughput_ops_s, default=None)

        parts = []
        for label, rs in (("with a real model (minilm)", [r for r in base if r.embedder == "minilm"]),
                          ("without one (the hash embedder)", [r for r in base if r.embedder == "hash"]),
                          ("with the seed's own design (batch mode, hash)",
                           [r for r in base if r.embedder == "hash" and r.mode == "batch"])):
            r = best(rs)
            if r is not None:
                verdict = "met" if goal.met(r.throughput_ops_s) else "missed"
                parts.append(f"{label}, {verdict}: {r.throughput_ops_s:,.0f} ops/s at best "
                             f"({r.name}, {r.throughput_ops_s / goal.target:.2f}x the goal)")
        if parts:
            out.append(f"The seed's Phase 1 goal, {goal.target:,.0f} ops/s: " + "; ".join(parts)
                       + ".")
    checks = targets_mod.model_checks(catalogue, results)
    contra = [c for c in checks if c.status == "contradicts its own model"]
    if checks:
        text = (f"Of the seed's {len(checks)} claims, {len(contra)} contradict its own latency "
                "model computed")
        if contra:
            c = contra[0]
            text += (f" (e.g. {c.target.claim}: {c.target.target:,.0f} where its model gives "
                     f"{c.computed:,.0f})")
        out.append(text + ".")
    bulk = [r for r in _side_by_side(results, "bulk", 1000) if _only_backend_differs(r)]
    if len({_backend(r) for r in bulk}) > 1:
        fast = max(bulk, key=lambda r: r.throughput_ops_s)
        search = min(bulk, key=lambda r: r.search["p50_ms"] if r.search else math.inf)
        out.append(f"Vector stores in bulk-1000: {_backend(fast)} wrote fastest "
                   f"({fast.throughput_ops_s:,.0f} ops/s), {_backend(search)} searched fastest "
                   f"(p50 {search.search['p50_ms'] if search.search else math.nan:.3f} ms); "
                   f"see 'Vector stores side by side'.")
    peers = [r for r in results if r.system != "agentmem" and r.profile == "real"]
    if peers:
        p = max(peers, key=lambda r: r.throughput_ops_s)
        ours = max(base, key=lambda r: r.throughput_ops_s, default=None)
        text = (f"Peers: {p.system}'s add(infer=False) measured {p.throughput_ops_s:,.0f} ops/s "
                f"at best ({p.name}), {10_000 / max(p.throughput_ops_s, 1e-9):.1f}x below the "
                "10,000 ops/s attributed to it")
        if ours is not None:
            text += (f"; the seed's design at best {ours.throughput_ops_s:,.0f} ops/s "
                     f"({ours.name})")
        out.append(text + ".")
    sharded = [r for r in _sharded_family(results) if r.shards > 1]
    if sharded:
        r = max(sharded, key=lambda r: r.throughput_ops_s)
        one = next((x for x in _sharded_family(results) if x.shards == 1 and
                    (x.mode, x.batch_size, x.embedder) == (r.mode, r.batch_size, r.embedder)), None)
        text = f"Every core: {r.name} measured {r.throughput_ops_s:,.0f} ops/s"
        if one is not None:
            text += f", {r.throughput_ops_s / one.throughput_ops_s:.2f}x one process"
        if r.cores_busy is not None:
            text += f", {r.cores_busy:.2f} cores busy"
        out.append(text + ".")
    if not out:
        return ""
    return ('<div class="am-answers"><h2>The answers</h2><ul>'
            + "".join(f"<li>{html.escape(t)}</li>" for t in out) + "</ul></div>")


#: Tables scroll inside their section instead of running off the page; every figure scales
#: to the page width.
PAGE_CSS = """<style>
.jp-RenderedHTMLCommon table.am-table, table.am-table { display: block; max-width: 100%;
  overflow-x: auto; font-size: 12px; border-collapse: collapse; }
table.am-table td, table.am-table th { white-space: nowrap; padding: 2px 6px; }
.jp-RenderedImage img, .jp-OutputArea-output img { max-width: 100%; height: auto; }
.am-answers { border-left: 4px solid #1f77b4; padding: 4px 12px; background: #f5f8fc; }
</style>"""


def notebook_links_html(sweep: SweepResults) -> str:
    """Links to each configuration's executed notebook (HTML export), relative to index.html."""
    items = []
    for p in sorted(sweep.directory.glob("configs/*/benchmark.html")):
        rel = p.relative_to(sweep.directory).as_posix()
        items.append(f'<li><a href="{html.escape(rel, quote=True)}">'
                     f"{html.escape(p.parent.name)}</a></li>")
    if not items:
        return "<p>No executed configuration notebooks found.</p>"
    return "<ul>" + "".join(items) + "</ul>"


def table_html(df: Any) -> str:
    """A DataFrame as an HTML table, every cell escaped."""
    out: str = df.to_html(index=False, escape=True, na_rep="", border=0, classes="am-table")
    return out
