"""Known results for tests of the report, the targets and check (no measuring)."""

from __future__ import annotations

from typing import Any

from agentmem_lab.schema.result import Result, config_name
from agentmem_lab.stores import StoreSettings


def known_result(
    mode: str = "bulk",
    batch_size: int = 1000,
    concurrency: int = 1,
    embedder: str = "hash",
    profile: str = "real",
    throughput: float = 1000.0,
    p50: float = 10.0,
    **extra: Any,
) -> Result:
    label = "simulated" if profile == "simulated" else embedder
    d: dict[str, Any] = dict(
        mode=mode,
        batch_size=batch_size,
        items=batch_size * 2,
        concurrency=concurrency,
        repeats=1,
        warmup=1,
        seed=0,
        embedder=label,
        profile=profile,
        settings={"stores": {"usearch_dtype": "f16"}, "embedder": {"name": label}},
        environment={"cpu_model": "test cpu", "cpu_count": 2, "packages": {"usearch": "x"}},
        started_at="2026-11-24T00:00:00+00:00",
        wall_s=1.0,
        throughput_ops_s=throughput,
        latency_ms={"p50": p50, "p95": p50 * 1.5, "p99": p50 * 2, "mean": p50 * 1.1},
        item_latency_ms={"p50": p50 / batch_size, "p95": 1.0, "p99": 1.0, "mean": 1.0},
        stages_ms={"embed": 1.0, "core": 2.0, "vector": 3.0, "history": 1.0},
        integrity={
            "acknowledged": batch_size * 2,
            "failed": 0,
            "core": batch_size * 2,
            "vector": batch_size * 2,
            "history": batch_size * 2,
            "lost": 0,
            "orphans": 0,
            "self_recall_at_1": 1.0,
        },
        samples_ms=[p50, p50, p50 * 2],
        search={"queries": 10, "k": 10, "p50_ms": 0.1, "p99_ms": 0.2, "recall_at_10": 0.99},
        label=config_name(mode, batch_size, concurrency, label, profile),
    )
    d.update(extra)
    return Result(**d)


def offered_section(**given: Any) -> dict[str, Any]:
    """A whole ``offered`` section (every key a result holds), ``given`` over the defaults."""
    response = given.get("response_ms", {"p50": 1.0, "p99": 2.0})
    return {
        "offered_ops_s": 100.0,
        "achieved_ops_s": 100.0,
        "achieved_share": 1.0,
        "arrivals": "uniform",
        "max_in_flight": None,
        "schedule_waits": "timer",
        "calls": 10,
        "late": 0,
        "late_share": 0.0,
        "late_after_ms": 10.0,
        "response_ms": response,
        "service_ms": response,
        "start_delay_ms": {"p50": 0.0, "p99": 0.0},
        "response_samples_ms": [response["p50"]],
        "histograms_us": {},
        **given,
    }


def reads_section(**given: Any) -> dict[str, Any]:
    """A whole ``reads`` section, ``given`` over the defaults."""
    return {
        "search_rate": 50.0,
        "searches": 10,
        "k": 10,
        "definition": "searches during the writes",
        "freshness": {"probed": 0, "found": 0, "not_found": 0},
        **given,
    }


def vector_load_section(**given: Any) -> dict[str, Any]:
    """A whole ``vector_load`` section, ``given`` over the defaults."""
    return {
        "backend": "usearch",
        "insert_s": 1.0,
        "check_s": 0.0,
        "optimize_s": 0.0,
        "load_s": 1.0,
        "vectors": 10,
        "insert_vectors_per_s": 10.0,
        "durability": "save",
        "search": "hnsw",
        **given,
    }


def growth_section(**given: Any) -> dict[str, Any]:
    """A whole ``growth`` section, ``given`` over the defaults."""
    return {
        "windows": [],
        "windows_wanted": 2,
        "no_windows": None,
        "probe_queries": 10,
        "segment_items": 1000,
        "pause_s": 0.0,
        "pause_share": 0.0,
        "items_made_s": 0.0,
        "exact_reference": "numpy",
        "stopped": None,
        "method": "growth windows",
        **given,
    }


def processes_section(**given: Any) -> dict[str, Any]:
    """A whole ``processes`` section, ``given`` over the defaults."""
    return {
        "count": 2,
        "throughput_ops_s": [1000.0, 1000.0],
        "latency_p50_ms": [1.0, 1.0],
        "latency_p99_ms": [2.0, 2.0],
        "wall_s": [1.0, 1.0],
        "pids": [1, 2],
        "median_throughput_ops_s": 1000.0,
        "throughput_ci95": [1000.0, 1000.0],
        "median_latency_p50_ms": 1.0,
        "latency_p50_ci95": [1.0, 1.0],
        "integrity": {"lost": [0, 0], "orphans": [0, 0]},
        "method": "fresh processes",
        **given,
    }


def kill_run_once_logged(out: Any, options: list[str], log_bytes: int) -> Any:
    """Start ``agentmem-lab run OPTIONS --out OUT``, SIGKILL it once its acknowledgement
    log holds ``log_bytes`` (or after 120 s), and return the ended process."""
    import os
    import signal
    import subprocess
    import sys
    import time

    proc = subprocess.Popen(
        [sys.executable, "-m", "agentmem_lab.cli", "run", *options, "--out", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    log = out / "stores" / "acked.log"
    deadline = time.time() + 120
    while time.time() < deadline and (not log.exists() or log.stat().st_size < log_bytes):
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    return proc


def grown_result(
    store: str,
    rates: list[float],
    step: int,
    embedder: str = "hash",
    dataset: str | None = None,
    replayed: bool = False,
    windows_extra: dict[str, Any] | None = None,
    **extra: Any,
) -> Result:
    """A bulk-1000 run with one growth window per rate, ``step`` items apart, on
    ``store`` (a dataset's, and its vectors replayed, where given)."""
    windows = [
        {
            "items": step * (n + 1),
            "window_items": step,
            "calls": step // 1000,
            "seconds": step / rate,
            "throughput_ops_s": rate,
            "latency_ms": {"p50": 10.0 + n, "p99": 20.0 + n},
            "response_ms": None,
            "recall_at_10": 1.0 - n / 100,
            "search_ms": {"p50": 0.1, "p99": 0.2 * (n + 1)},
            "rss_bytes": 2**20 * (100 + n),
            "peak_rss_bytes": 2**20 * (110 + n),
            "disk_bytes": 900 * step * (n + 1),
            "pause_s": 0.01,
            **(windows_extra or {}),
        }
        for n, rate in enumerate(rates)
    ]
    items = step * len(rates)
    stores = dict(StoreSettings().to_dict(), vector_store=store)
    settings: dict[str, Any] = {"stores": stores, "embedder": {"name": embedder}}
    if dataset:
        settings["dataset"] = dataset
    if replayed:
        settings["embedder"]["embed"] = "replayed"
    return known_result(
        "bulk",
        1000,
        embedder=embedder,
        throughput=sum(rates) / len(rates),
        items=items,
        integrity={
            "acknowledged": items,
            "failed": 0,
            "core": items,
            "vector": items,
            "history": items,
            "lost": 0,
            "orphans": 0,
            "self_recall_at_1": 1.0,
        },
        settings=settings,
        label=f"bulk-b1000-c1-{embedder}-{store}" + (f"-{dataset}" if dataset else ""),
        growth=growth_section(
            **{"windows": windows, "pause_share": 0.02, "stopped": None, **extra}
        ),
    )
