"""The rate a configuration sustains: the highest offered rate achieved within a tolerance
with response-time p99 under a service-level objective.

``find_capacity`` measures the configuration closed loop first (its throughput ``X``),
then offers load, each probe a fresh run of its own: the configuration's items (at least
``min_calls`` calls of them) into fresh stores, at the offered rate. Every probe writes the
same items, so a store whose calls slow down as it grows (an HNSW graph does) grows
alike in every probe and in the closed-loop run: the rate is the only difference.

1. **step up** from ``START`` x X by ``STEP`` x until a probe fails (or down by half until
   one passes, when the first fails);
2. **bisect** between the best pass and the first failure until they are within
   ``RESOLUTION`` of each other, or ``max_probes`` have run.

A probe passes when its achieved rate is at least ``1 - tolerance`` of the offer, its
response p99 (from each call's intended start) is at most the objective, and nothing was
lost. Every probe is recorded (``capacity.json``): the curve of latency against offered
load, with the knee at the capacity. The probes' own results are kept beside it as
``probe-NN/probe-result.json`` (not ``result.json``: they are not configurations of a
sweep), their stores removed.
"""

from __future__ import annotations

import json
import math
import shutil
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from agentmem_lab.core.errors import ConfigError
from agentmem_lab.core.folderlock import FolderLock
from agentmem_lab.core.paths import write_json_atomic
from agentmem_lab.measuring.folder import SERVER_DIR
from agentmem_lab.measuring.resolve import RunConfig
from agentmem_lab.measuring.runner import run
from agentmem_lab.schema.result import CAPACITY_FILE, Result

#: Version of capacity.json; bumped, with a comment, when its shape changes.
CAPACITY_VERSION = 1
START = 0.5
STEP = 1.5
RESOLUTION = 0.05
MIN_CALLS = 20
SLO_P99_MS = 100.0
TOLERANCE = 0.01
MAX_PROBES = 9

METHOD = (
    f"closed-loop throughput X first; probes offered from {START:g} x X, stepped up by "
    f"{STEP:g} x until one fails (halved while the first ones fail, unless the calls' own "
    "service p99 is over the objective: then no rate can meet it), then bisected to "
    f"within {RESOLUTION:.0%}; each probe a "
    "fresh run of the same items; a probe passes when achieved >= (1 - tolerance) x "
    "offered, response p99 "
    "<= the objective and lost 0"
)


def probe_items(config: RunConfig, min_calls: int = MIN_CALLS) -> int:
    """Items of a probe: the configuration's, at least ``min_calls`` calls, whole calls."""
    calls = max(min_calls, math.ceil(config.items / config.batch_size))
    return calls * config.batch_size


def judge(result: Result, slo_p99_ms: float, tolerance: float) -> tuple[bool, str]:
    """Whether a probe's run sustained its offer, and why not."""
    o = result.offered
    assert o is not None
    why = []
    if o.achieved_share < 1 - tolerance:
        why.append(f"achieved {o.achieved_share:.1%} of the offer")
    if o.response_ms["p99"] > slo_p99_ms:
        why.append(f"response p99 {o.response_ms['p99']:,.1f} ms > {slo_p99_ms:g} ms")
    if result.integrity.lost:
        why.append(f"lost {result.integrity.lost}")
    return not why, "; ".join(why) or "sustained"


def find_capacity(
    config: RunConfig,
    out: str | Path,
    slo_p99_ms: float = SLO_P99_MS,
    tolerance: float = TOLERANCE,
    max_probes: int = MAX_PROBES,
    progress: Callable[[str], None] | None = None,
    min_calls: int = MIN_CALLS,
    record: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Search the configuration's maximum sustainable throughput; writes and returns
    ``out/capacity.json`` (with ``record``: what the caller keeps beside, say a sweep's
    parameters)."""
    if config.arrivals == "trace":
        raise ConfigError(
            "--arrivals",
            "a capacity search scales a uniform or poisson offer; a trace "
            "offers its own rate (--speedup scales it)",
        )
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    with FolderLock(out_dir, "capacity search"):  # one search per folder, or one line
        return _search(
            config, out_dir, slo_p99_ms, tolerance, max_probes, progress, min_calls, record
        )


def _search(
    config: RunConfig,
    out_dir: Path,
    slo_p99_ms: float,
    tolerance: float,
    max_probes: int,
    progress: Callable[[str], None] | None,
    min_calls: int,
    record: dict[str, Any] | None,
) -> dict[str, Any]:
    say = progress or (lambda line: None)
    items = probe_items(config, min_calls)
    closed_cfg = replace(config, rate=None, search_rate=None, items=items)
    closed = _measured(closed_cfg, out_dir / "closed-loop")
    x = closed.throughput_ops_s
    say(f"closed loop: {x:,.0f} ops/s")
    probes: list[dict[str, Any]] = []

    def probe(rate: float) -> bool:
        n = len(probes)
        cfg = replace(
            config,
            rate=rate,
            items=items,
            repeats=1,
            search_rate=None,
            label=f"{config.label or 'probe'}-r{rate:.0f}",
        )
        r = _measured(cfg, out_dir / f"probe-{n:02d}")
        passed, why = judge(r, slo_p99_ms, tolerance)
        o = r.offered
        assert o is not None
        probes.append(
            {
                "offered_ops_s": rate,
                "achieved_ops_s": o.achieved_ops_s,
                "achieved_share": o.achieved_share,
                "items": cfg.items,
                "calls": o.calls,
                "late": o.late,
                "response_ms": o.response_ms,
                "service_ms": o.service_ms,
                "lost": r.integrity.lost,
                "orphans": r.integrity.orphans,
                "passed": passed,
                "why": why,
            }
        )
        say(
            f"probe {n}: offered {rate:,.0f} ops/s achieved {o.achieved_ops_s:,.0f}, "
            f"response p99 {o.response_ms['p99']:,.2f} ms: {why}"
        )
        return passed

    lo: float | None = None
    hi: float | None = None
    rate = START * x
    while len(probes) < max_probes:  # step: up while passing, down while failing
        if probe(rate):
            lo = rate
            if hi is not None:
                break
            rate *= STEP
        else:
            hi = rate
            if lo is not None or probes[-1]["service_ms"]["p99"] > slo_p99_ms:
                # The calls alone (from their actual start) took longer than the objective:
                # a lower rate removes queueing, not service time, and each halving doubles
                # a probe's duration (its items / rate).
                break
            rate /= 2
    while (
        lo is not None and hi is not None and hi / lo > 1 + RESOLUTION and len(probes) < max_probes
    ):
        mid = (lo + hi) / 2
        if probe(mid):
            lo = mid
        else:
            hi = mid
    doc = {
        "capacity_version": CAPACITY_VERSION,
        "name": closed.name,
        "mode": config.mode,
        "batch_size": config.batch_size,
        "embedder": config.embedder_label,
        "system": config.system,
        "vector_store": config.stores.vector_store,
        "profile": config.profile,
        "arrivals": config.arrivals,
        "max_in_flight": config.max_in_flight,
        "slo_p99_ms": slo_p99_ms,
        "tolerance": tolerance,
        "items": items,
        "min_calls": min_calls,
        "closed_loop_ops_s": x,
        "closed_loop_latency_ms": closed.latency_ms,
        "max_sustainable_ops_s": lo,
        "ratio_to_closed_loop": (lo / x) if lo is not None and x > 0 else None,
        "first_failure_ops_s": hi,
        "probes": probes,
        "method": METHOD,
        "environment": closed.environment,  # the closed-loop run's: the same system
        **(record or {}),
    }
    write_json_atomic(out_dir / CAPACITY_FILE, doc)
    return doc


def _measured(config: RunConfig, folder: Path) -> Result:
    """One run in ``folder``, its result kept as ``probe-result.json``, its stores removed."""
    result = run(config, folder)
    (folder / "result.json").replace(folder / "probe-result.json")
    shutil.rmtree(folder / "stores", ignore_errors=True)
    shutil.rmtree(folder / SERVER_DIR, ignore_errors=True)
    return result


def summary_line(doc: dict[str, Any]) -> str:
    cap = doc["max_sustainable_ops_s"]
    if cap is None:
        return (
            f"{doc['name']}: no probe sustained its offer with response p99 <= "
            f"{doc['slo_p99_ms']:g} ms ({len(doc['probes'])} probes); closed loop "
            f"{doc['closed_loop_ops_s']:,.0f} ops/s"
        )
    return (
        f"{doc['name']}: maximum sustainable throughput {cap:,.0f} ops/s at response p99 "
        f"<= {doc['slo_p99_ms']:g} ms ({doc['ratio_to_closed_loop']:.2f} x closed loop "
        f"{doc['closed_loop_ops_s']:,.0f} ops/s; {len(doc['probes'])} probes)"
    )


def load(path: str | Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(Path(path).read_text(encoding="utf-8"))
    return data


__all__ = [
    "CAPACITY_FILE",
    "METHOD",
    "find_capacity",
    "judge",
    "load",
    "probe_items",
    "summary_line",
]
