"""Known results for tests of the report, the targets and check (no measuring)."""

from __future__ import annotations

from typing import Any

from agentmem_lab.schema.result import Result, config_name


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
        settings={"stores": {"usearch_dtype": "i8"}, "embedder": {"name": label}},
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
