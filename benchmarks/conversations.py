"""Real conversations at their own scale and timing: the chat dataset's three goals.

1. **The whole dataset in one run**: every message of the chat dataset (258,112 non-empty,
   no warm-up) through bulk-1000 with the hash embedder, in a child process.
   Goal: peak RSS (the child's ``ru_maxrss``) under 1.5 GB, lost 0 and orphans 0.
2. **The trace keeps its schedule**: the dataset's messages offered at their own times,
   sped up so that the mean offer is 1,000 messages/s (``--speedup`` computed from the
   trace's mean at x1, the same plan a sweep makes), one message a call. Goal: p99 of the
   calls' start delay (intended start to actual start) under 1 ms on 2 cores, measured on
   the generator alone (a do-nothing embedder and stores, as offered_load.py measures the
   uniform schedule): the schedule's own error. Then the same offer in front of the real
   write path (parallel-1, hash, usearch), where a start delay is a call waiting for one
   of the ``--max-in-flight`` slots: what limits it there is the write path's capacity,
   printed beside (achieved rate, service p99, late calls).
3. **Per-user reads at 100,000 stored messages**: parallel-1 at 2 clients with
   ``--read-per-message 1`` on usearch, the first 100,000 messages. Goals: per-user search
   p99 under 10 ms, and recall@10 within the user at least 0.99.

``--items-trace`` and ``--items-reads`` shrink runs 2 and 3 for a quick look.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
from pathlib import Path
from typing import Any

from _common import goal, lab_run, print_environment

from agentmem_lab.core import histogram
from agentmem_lab.core.loops import run_in_own_loop
from agentmem_lab.corpus import make_items
from agentmem_lab.corpus.datasets import dataset_folder, manifest
from agentmem_lab.embedders import NullEmbedder
from agentmem_lab.measuring.resolve import RunConfig
from agentmem_lab.measuring.runner import trace_mean_rate
from agentmem_lab.stores import null_stores
from agentmem_lab.workload import open_loop
from agentmem_lab.workload.closed_loop import chunks
from agentmem_lab.workload.modes import SequentialMode

DATASET = ("--dataset", "chitchat")


def run(out: Path, *options: str) -> tuple[dict[str, Any], float]:
    """A run on the chat dataset in a child process: its result and wall seconds."""
    return lab_run(out, *DATASET, *options)


def whole_dataset(tmp: Path) -> bool:
    folder = dataset_folder("chitchat")
    assert folder is not None
    messages = int(manifest(folder)["messages"])
    r, wall = run(
        tmp / "whole",
        *("--mode", "bulk", "--batch-size", "1000", "--warmup", "0", "--items", str(messages)),
        *("--windows", "0", "--search-queries", "100", "--self-recall-sample", "1000"),
    )
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    i = r["integrity"]
    print(
        f"whole dataset: {r['items']:,} messages in {wall:.0f} s, "
        f"{r['throughput_ops_s']:,.0f} ops/s, lost {i['lost']} orphans {i['orphans']}, "
        f"recall@10 {r['search']['recall_at_10']:.3f}, peak RSS {peak / 1e9:.2f} GB",
        flush=True,
    )
    ok = goal("whole chat dataset through bulk-1000: peak RSS", peak / 1e9, 1.5, False, " GB")
    return goal("whole chat dataset: lost + orphans", i["lost"] + i["orphans"], 1, False) and ok


async def generator_only(items: int, speedup: float) -> dict[str, float]:
    """Start delays (ms summary) of the trace offered to a do-nothing write path."""
    folder = dataset_folder("chitchat")
    batches = chunks(make_items(items, dataset=folder), 1)
    mode = SequentialMode(NullEmbedder(384), null_stores())
    records, _ = await open_loop.drive_open(mode, batches, None, "trace", speedup=speedup)
    return histogram.summary_ms(histogram.of_seconds(r.start_delay_s for r in records))


def trace(tmp: Path, items: int) -> bool:
    base = dict(mode="parallel", batch_size=1, items=items, dataset="chitchat")
    at_one = trace_mean_rate(RunConfig(**base, arrivals="trace", speedup=1.0))
    speedup = round(1000.0 / at_one, 1)
    alone = run_in_own_loop(generator_only(items, speedup), "uvloop")
    print(
        f"trace x{speedup:g} ({items:,} messages, 1,000/s on average) offered to a "
        f"do-nothing write path: start delay p50 {alone['p50']:.3f} ms p99 "
        f"{alone['p99']:.3f} ms max {alone['max']:.3f} ms",
        flush=True,
    )
    ok = goal(
        "trace at 1,000 messages/s: the generator's start delay p99",
        alone["p99"],
        1.0,
        False,
        " ms",
    )
    r, _ = run(
        tmp / "trace",
        *("--mode", "parallel", "--batch-size", "1", "--items", str(items)),
        *("--arrivals", "trace", "--speedup", str(speedup), "--windows", "0"),
        *("--search-queries", "20", "--self-recall-sample", "200"),
    )
    o = r["offered"]
    print(
        f"trace x{speedup:g}: offered {o['offered_ops_s']:,.0f}/s on average (peak "
        f"{o['offered_peak_ops_s']:,.0f} in a second), achieved {o['achieved_ops_s']:,.0f}/s; "
        f"start delay p50 {o['start_delay_ms']['p50']:.3f} ms p99 "
        f"{o['start_delay_ms']['p99']:.3f} ms; response p99 {o['response_ms']['p99']:.2f} ms, "
        f"service p99 {o['service_ms']['p99']:.2f} ms, late {o['late']}/{o['calls']} "
        f"(in front of the real write path, a late call waits for one of the in-flight slots)",
        flush=True,
    )
    return ok


def reads(tmp: Path, items: int) -> bool:
    r, wall = run(
        tmp / "reads",
        *("--mode", "parallel", "--batch-size", "1", "--concurrency", "2"),
        *("--items", str(items), "--read-per-message", "1", "--windows", "0"),
        *("--search-queries", "20", "--self-recall-sample", "200"),
    )
    u = r["user_reads"]
    print(
        f"reads per user at {items:,} messages ({wall:.0f} s): {u['reads']:,} reads, "
        f"{u['method']}, search p50 {u['search_ms']['p50']:.3f} ms p99 "
        f"{u['search_ms']['p99']:.3f} ms; recall@10 within the user "
        f"{u['recall']['recall_at_10']:.4f} ({u['recall']['below_1']} of "
        f"{u['recall']['checked']} reads below 1); largest user "
        f"{u['top_user_share']:.1%} of the messages, {u['user_memories']['max']:,} memories; "
        f"{r['throughput_ops_s']:,.0f} ops/s with the reads",
        flush=True,
    )
    ok = goal("per-user search p99 at 100,000 messages", u["search_ms"]["p99"], 10.0, False, " ms")
    return goal("recall@10 within the user", u["recall"]["recall_at_10"], 0.99) and ok


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--items-trace", type=int, default=20_000)
    p.add_argument("--items-reads", type=int, default=100_000)
    p.add_argument("--skip-whole", action="store_true", help="leave out the whole-dataset run")
    args = p.parse_args(argv)
    print_environment()
    with tempfile.TemporaryDirectory(prefix="conversations-") as tmp:
        ok = True
        if not args.skip_whole:
            ok = whole_dataset(Path(tmp)) and ok
        ok = trace(Path(tmp), args.items_trace) and ok
        ok = reads(Path(tmp), args.items_reads) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
