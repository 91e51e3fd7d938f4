"""The findings on the runs themselves, one sentence each, from this run's figures: the
fastest configurations, one item's latency, where the time goes, shards. Each returns plain
text, or None when the sweep measured nothing on its subject."""

from __future__ import annotations

from collections.abc import Sequence

from agentmem_lab.report.load import (
    sharded_family,
)
from agentmem_lab.schema.result import Result, baseline


def throughput_sentence(results: Sequence[Result]) -> str | None:
    """The fastest configuration per embedder, and sequential-1 beside it."""
    base = [r for r in baseline(results) if r.profile == "real" and r.system == "agentmem"]
    parts = []
    for embedder in sorted({r.embedder for r in base}):
        own = [r for r in base if r.embedder == embedder]
        top = max(own, key=lambda r: r.throughput_ops_s)
        seq = next((r for r in own if (r.mode, r.batch_size) == ("sequential", 1)), None)
        text = f"with {embedder}, {top.name} wrote fastest at {top.throughput_ops_s:,.0f} ops/s"
        if seq is not None and seq.throughput_ops_s > 0:
            text += f", {top.throughput_ops_s / seq.throughput_ops_s:.1f}x sequential-1"
        parts.append(text)
    if not parts:
        return None
    return "The fastest configurations: " + "; ".join(parts) + "."


def latency_sentence(results: Sequence[Result]) -> str | None:
    """Sequential-1's call p50 per profile and embedder, beside the seed's 30 ms."""
    seq = [
        r
        for r in baseline(results)
        if (r.mode, r.batch_size, r.concurrency) == ("sequential", 1, 1) and r.system == "agentmem"
    ]
    if not seq:
        return None
    parts = [
        f"{r.embedder if r.profile == 'real' else 'the seed model, simulated,'} p50 "
        f"{float(r.latency_ms['p50']):,.2f} ms "
        f"(p99 {float(r.latency_ms['p99']):,.2f})"
        for r in sorted(seq, key=lambda r: (r.profile, r.embedder))
    ]
    return "One item's write, sequential-1: " + "; ".join(parts) + ", beside the seed's 30 ms."


def time_sentence(results: Sequence[Result]) -> str | None:
    """Where a call's time goes: the embedder's share of the stage spans in each embedder's
    fastest real configuration at concurrency 1."""
    runs = [
        r
        for r in baseline(results)
        if r.profile == "real" and r.concurrency == 1 and r.system == "agentmem"
    ]
    parts = []
    for embedder in sorted({r.embedder for r in runs}):
        r = max((x for x in runs if x.embedder == embedder), key=lambda x: x.throughput_ops_s)
        total = sum(r.stages_ms.values())
        if total > 0:
            parts.append(
                f"embedding is {r.stages_ms['embed'] / total:.0%} of the stage time in "
                f"{r.name}, the fastest with {embedder}"
            )
    if not parts:
        return None
    return "Where the time goes: " + "; ".join(parts) + "."


def shards_sentence(results: Sequence[Result]) -> str | None:
    """The best sharded run against the same configuration in one process."""
    sharded = [r for r in sharded_family(results) if r.shards > 1]
    if not sharded:
        return None
    r = max(sharded, key=lambda r: r.throughput_ops_s)
    one = next(
        (
            x
            for x in sharded_family(results)
            if x.shards == 1
            and (x.mode, x.batch_size, x.embedder) == (r.mode, r.batch_size, r.embedder)
        ),
        None,
    )
    text = f"Every core: {r.name} measured {r.throughput_ops_s:,.0f} ops/s"
    if one is not None:
        text += f", {r.throughput_ops_s / one.throughput_ops_s:.2f}x one process"
    if r.cores_busy is not None:
        text += f", {r.cores_busy:.2f} cores busy"
    return text + "."


__all__ = ["latency_sentence", "shards_sentence", "throughput_sentence", "time_sentence"]
