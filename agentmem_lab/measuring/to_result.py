"""A run's ``Result`` assembled from what it measured (``measure.Measured``).

Figures: a call's latency runs from the moment its client starts it until it returns.
Item latency is the call latency divided by the items in the call. Throughput is
acknowledged items divided by measured wall seconds. The harness's own cost is kept beside
them, with its share of the measured call.
"""

from __future__ import annotations

import os
import statistics
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from agentmem_lab.core import environment, histogram
from agentmem_lab.core.stats import median_interval, summarize
from agentmem_lab.items import STAGES
from agentmem_lab.measuring.phase import Measured
from agentmem_lab.measuring.resolve import ResolvedRun, RunConfig
from agentmem_lab.measuring.shards import shard_count
from agentmem_lab.schema.result import SAMPLES_CAP, Result
from agentmem_lab.schema.sections import (
    OfferedLoad,
    Processes,
    section_or_none,
)
from agentmem_lab.workload import overhead
from agentmem_lab.workload.closed_loop import CallRecord
from agentmem_lab.workload.open_loop import LATE_S, trace_end
from agentmem_lab.workload.profiles import Profile

#: What the recorded settings say of how each figure was taken.
DEFINITIONS = {
    "latency": "closed-loop clients; a call's latency runs from its start to its return",
    "item_latency": "call latency / items in the call",
    "stages": "mean per call of each stage's span (first start to last end); "
    "stages overlap in concurrent modes",
    "open_loop": "with --rate: calls offered on a schedule; latency_ms is each call's service "
    "time (from its actual start), offered.response_ms its response time (from its "
    "intended start); throughput_ops_s is acknowledged items over the offer's window "
    "(until the schedule's end or the last return, whichever is later)",
    "cores_busy": "CPU seconds of the measured calls (every thread; every shard's "
    "process) over their wall seconds",
}


def _summary(xs: list[float]) -> dict[str, float]:
    s = summarize(xs)
    return {k: s[k] for k in ("p50", "p95", "p99", "mean", "min", "max")}


def recorded_settings(
    config: RunConfig,
    profile: Profile,
    m: Measured,
    embedder_settings: dict[str, Any],
    server: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Every setting, what really ran (the profile's stores, the embedder, each store's own
    settings, the database server the run started or was given) and how the figures were
    taken."""
    settings = config.to_settings()
    settings.update(
        {
            "profile": profile.describe(config),
            "embedder": embedder_settings,
            "store_details": m.store_settings,
            **DEFINITIONS,
            "pid": os.getpid(),
            "harness": overhead.describe(profile.future_replies),
        }
    )
    if config.dataset_details is not None:
        settings["dataset_details"] = config.dataset_details
    if m.shard_layout is not None:
        settings["shard_layout"] = m.shard_layout
    if server is not None:
        settings["server"] = server
    return settings


def offered_load(
    config: RunConfig, records: list[CallRecord], wall_s: float, acknowledged: int
) -> dict[str, Any] | None:
    """An open-loop run's figures: offered and achieved rate, the offer over time (items
    due per second of the schedule: mean and peak), response and service time percentiles
    from HdrHistograms (kept encoded, to add up or compare), the schedule error (how late
    calls started) and the late calls; None for a closed-loop run."""
    if not config.open_loop:
        return None
    response = histogram.of_seconds(r.response_s for r in records)
    service = histogram.of_seconds(r.latency_s for r in records)
    delay = histogram.of_seconds(r.start_delay_s for r in records)
    late = sum(1 for r in records if r.start_delay_s > LATE_S)
    achieved = acknowledged / wall_s if wall_s > 0 else 0.0
    per_s = offer_per_second(records, config.repeats)
    offered = config.rate if config.rate is not None else trace_rate(records, config.repeats)
    return {
        "offered_ops_s": offered,
        "achieved_ops_s": achieved,
        "achieved_share": achieved / offered if offered else 0.0,
        "arrivals": config.arrivals,
        "max_in_flight": config.max_in_flight,
        "schedule_waits": config.schedule_waits,
        "calls": len(records),
        "late": late,
        "late_share": late / len(records) if records else 0.0,
        "late_after_ms": LATE_S * 1000.0,
        "dropped": 0,  # an offer never drops a call: a late one starts late, and is counted
        "offered_peak_ops_s": float(max(per_s, default=0.0)),
        "offered_per_s": _capped(per_s),
        "trace": {"speedup": config.speedup, "max_gap_s": config.max_gap}
        if config.arrivals == "trace"
        else None,
        "response_ms": histogram.summary_ms(response),
        "service_ms": histogram.summary_ms(service),
        "start_delay_ms": histogram.summary_ms(delay),
        "response_samples_ms": _capped([r.response_s * 1000.0 for r in records]),
        "histograms_us": {
            "response": histogram.encode(response),
            "service": histogram.encode(service),
            "digits": histogram.DIGITS,
        },
    }


def offer_per_second(records: list[CallRecord], passes: int) -> list[float]:
    """Items due in each second of the schedule (a call's items at its intended start),
    the mean over the passes (each pass starts its schedule at 0)."""
    if not records:
        return []
    bins = [0.0] * (int(max(r.due_s for r in records)) + 1)
    for r in records:
        bins[int(r.due_s)] += r.items
    return [b / max(passes, 1) for b in bins]


def trace_rate(records: list[CallRecord], passes: int) -> float:
    """A trace's mean offer: a pass's items over its schedule (``trace_schedule``: to the
    last call's start plus the mean gap between calls)."""
    if not records:
        return 0.0
    due = [r.due_s for r in records]
    end = trace_end(min(due), max(due), len(records) / max(passes, 1))
    items = sum(r.items for r in records) / max(passes, 1)
    return items / end if end > 0 else 0.0


def _capped(xs: list[float]) -> list[float]:
    """At most ``SAMPLES_CAP`` samples: every k-th when there are more."""
    if len(xs) <= SAMPLES_CAP:
        return xs
    step = -(-len(xs) // SAMPLES_CAP)
    return xs[::step]


def build_result(
    run: ResolvedRun,
    m: Measured,
    embedder_settings: dict[str, Any],
    started_at: str,
    server: dict[str, Any] | None = None,
) -> Result:
    """The run's ``Result``, built once from what it measured (nothing is added to it
    after: it is frozen)."""
    config, profile = run.config, run.profile
    records = m.phase.records
    wall = m.phase.wall_s
    call_ms = [r.latency_s * 1000.0 for r in records]
    item_ms = [r.latency_s * 1000.0 / r.items for r in records]
    stages_ms = {
        s: sum(r.stages_s[n] for r in records) * 1000.0 / len(records) for n, s in enumerate(STAGES)
    }
    # The harness's share of the measured call: how much of a figure is the harness, not
    # the work.
    own_cost = replace(
        m.harness,
        share_of_call_p50=m.harness.per_call_us["p50"]
        / 1000.0
        / max(statistics.median(call_ms), 1e-9),
    )
    return Result(
        mode=config.mode,
        batch_size=config.batch_size,
        items=config.items,
        concurrency=config.concurrency,
        repeats=config.repeats,
        warmup=config.warmup,
        seed=config.seed,
        embedder=config.embedder_label,
        profile=config.profile,
        corpus=config.corpus,
        label=config.label,
        settings=recorded_settings(config, profile, m, embedder_settings, server),
        environment=environment.capture(run.system.packages()),
        started_at=started_at,
        wall_s=wall,
        throughput_ops_s=m.acknowledged / wall if wall > 0 else 0.0,
        latency_ms=_summary(call_ms),
        item_latency_ms=_summary(item_ms),
        stages_ms=stages_ms,
        integrity=m.integrity,
        samples_ms=_capped(call_ms),
        repeat_throughput_ops_s=m.phase.repeat_throughput,
        search=m.search,
        harness=own_cost,
        vector_load=m.vector_load,
        system=config.system,
        shards=shard_count(config.shards),
        cores_busy=m.phase.cpu_s / wall if wall > 0 else None,
        offered=section_or_none(
            OfferedLoad, offered_load(config, records, wall, m.acknowledged), "offered"
        ),
        reads=m.reads,
        user_reads=m.user_reads,
        growth=m.growth,
    )


def combine_processes(
    results: Sequence[Result], processes: int, calibration: Result | None = None
) -> Result:
    """The result of one configuration measured in ``processes`` fresh processes: the
    process of median throughput, with its figures' spread across the processes beside
    (``processes``: each one's throughput and latency summary, their medians and
    bootstrap 95 % intervals), its throughput the median of theirs and its latency
    summaries those of every process's calls pooled. The calibration process is recorded,
    never counted."""
    tput = [r.throughput_ops_s for r in results]
    p50 = [float(r.latency_ms["p50"]) for r in results]
    middle = sorted(results, key=lambda r: r.throughput_ops_s)[(len(results) - 1) // 2]
    pooled = [x for r in results for x in r.samples_ms]
    settings = dict(middle.settings, processes=processes)
    figures: dict[str, Any] = {
        "count": len(results),
        "throughput_ops_s": tput,
        "latency_p50_ms": p50,
        "latency_p99_ms": [float(r.latency_ms["p99"]) for r in results],
        "wall_s": [r.wall_s for r in results],
        "pids": [r.settings.get("pid") for r in results],
        "median_throughput_ops_s": statistics.median(tput),
        "throughput_ci95": list(median_interval(tput)),
        "median_latency_p50_ms": statistics.median(p50),
        "latency_p50_ci95": list(median_interval(p50)),
        "integrity": {
            "lost": [r.integrity.lost for r in results],
            "orphans": [r.integrity.orphans for r in results],
        },
        "method": "each process fresh (its own interpreter, stores and event loop), one "
        "after another, after one uncounted calibration process; intervals are "
        "bootstrap 95 % intervals of the median over the processes; the top-level "
        "lost and orphans are summed over the processes, the rest of the "
        "integrity counts are the median process's",
    }
    if calibration is not None:
        figures["calibration"] = {
            "throughput_ops_s": calibration.throughput_ops_s,
            "latency_p50_ms": float(calibration.latency_ms["p50"]),
        }
    return replace(
        middle,
        settings=settings,
        throughput_ops_s=statistics.median(tput),
        latency_ms=_summary(pooled) if pooled else middle.latency_ms,
        samples_ms=_capped(pooled),
        processes=Processes.from_dict(figures, "processes"),
        integrity=replace(
            middle.integrity,
            lost=sum(r.integrity.lost for r in results),
            orphans=sum(r.integrity.orphans for r in results),
        ),
    )


__all__ = ["DEFINITIONS", "build_result", "combine_processes", "offered_load", "recorded_settings"]
