"""The report's tables and notes on the runs themselves: every configuration, the machines, the
environment, failures, offered load and the sustained rates. Each returns a pandas DataFrame
or a line of text.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from agentmem_lab.report.load import (
    SweepResults,
    backend,
    offered_results,
    worker,
)
from agentmem_lab.schema.result import Result


def rounded(x: Any, digits: int) -> Any:
    return None if x is None else round(float(x), digits)


def _interval(interval: list[float] | None, digits: int) -> str | None:
    if not interval:
        return None
    lo, hi = interval
    return f"[{lo:,.{digits}f}, {hi:,.{digits}f}]"


def results_table(results: Sequence[Result]) -> Any:
    """One row per configuration: throughput, latency, integrity, search."""
    import pandas as pd

    return pd.DataFrame([result_row(r) for r in results])


def result_row(r: Result) -> dict[str, Any]:
    """A configuration's row of ``results_table``, as a dict (shown without pandas by a
    configuration's notebook)."""
    i, s, spread = r.integrity, r.search, r.processes
    return {
        "configuration": r.name,
        "profile": r.profile,
        "embedder": r.embedder,
        "mode": r.mode,
        "batch": r.batch_size,
        "concurrency": r.concurrency,
        "items": r.items_written,
        "throughput ops/s": round(r.throughput_ops_s, 1),
        # the spread over independent samples (--processes): the median's 95 % interval
        "processes": spread.count if spread else 1,
        "throughput 95% interval": _interval(spread.throughput_ci95 if spread else None, 1),
        "call p50 ms": round(r.latency_ms["p50"], 3),
        "call p99 ms": round(r.latency_ms["p99"], 3),
        "call p50 95% interval": _interval(spread.latency_p50_ci95 if spread else None, 3),
        "item p50 ms": round(r.item_latency_ms["p50"], 4),
        "acknowledged": i.acknowledged,
        "failed": i.failed,
        "lost": i.lost,
        "orphans": i.orphans,
        "self-recall@1": i.self_recall_at_1,
        "search p50 ms": s.p50_ms if s else None,
        "search p99 ms": s.p99_ms if s else None,
        "recall@10": s.recall_at_10 if s else None,
        "worker": worker(r),
        "shards": r.shards,
        "cores busy": None if r.cores_busy is None else round(r.cores_busy, 2),
        "harness µs/call": None if not r.harness else round(r.harness.per_call_us["p50"], 1),
        "harness share": None if not r.harness else f"{r.harness.share_of_call_p50:.1%}",
    }


def machines_table(results: Sequence[Result]) -> Any:
    """With results from several workers (``sweep --cluster ... --on-every-worker``): each
    configuration's throughput on each worker (the address, shown with its hostname), and
    each worker's CPU model and cores. Empty when one worker (or none) measured all."""
    import pandas as pd

    workers = sorted({w for r in results if (w := worker(r))})
    if len(workers) < 2:
        return pd.DataFrame()
    by: dict[str, dict[str, Any]] = {}
    for r in results:
        w = worker(r)
        if w is None:
            continue
        row = by.setdefault(r.name.split("@", 1)[0], {"configuration": r.name.split("@", 1)[0]})
        row[f"{w} ops/s"] = round(r.throughput_ops_s, 1)
    described = {w: next(r.environment for r in results if worker(r) == w) for w in workers}
    rows = [
        {
            "configuration": "(machine)",
            **{
                f"{w} ops/s": (
                    f"{described[w].get('cpu_model')}, {described[w].get('cpu_count')} cores"
                )
                for w in workers
            },
        }
    ]
    return pd.DataFrame(rows + [by[k] for k in sorted(by)])


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
            ", ".join(f"{k}={v}" for k, v in emb.items() if k not in ("name",))
        )
        rows.setdefault("repeats / warmup / seed", set()).add(
            f"{r.repeats} / {r.warmup} / {r.seed}"
        )
    return pd.DataFrame(
        [{"what": k, "value": "; ".join(sorted(v))} for k, v in sorted(rows.items())]
    )


def failures_table(sweep: SweepResults) -> Any:
    import pandas as pd

    rows = [
        {
            "configuration": f.get("name", "?"),
            "error": f.get("error", "?"),
            "notebook": f.get("notebook", ""),
        }
        for f in sweep.failures
    ]
    rows += [
        {"configuration": "(unreadable result)", "error": b, "notebook": ""}
        for b in sweep.bad_files
    ]
    return pd.DataFrame(rows, columns=["configuration", "error", "notebook"])


def sustained_table(capacities: Sequence[dict[str, Any]]) -> Any:
    """Each capacity search: its maximum sustainable throughput beside its closed-loop
    throughput, the objective, the probes and the first rate that failed (and why)."""
    import pandas as pd

    rows = []
    for c in capacities:
        fail = next(
            (p for p in c["probes"] if p["offered_ops_s"] == c["first_failure_ops_s"]), None
        )
        cap = c["max_sustainable_ops_s"]
        rows.append(
            {
                "configuration": c["name"],
                "max sustainable ops/s": None if cap is None else round(cap, 1),
                "objective": f"p99 <= {c['slo_p99_ms']:g} ms",
                "closed loop ops/s": round(c["closed_loop_ops_s"], 1),
                "closed-loop call p99 ms": round(c["closed_loop_latency_ms"]["p99"], 2),
                "of closed loop": None
                if c["ratio_to_closed_loop"] is None
                else round(c["ratio_to_closed_loop"], 2),
                "first failing rate": None
                if fail is None
                else f"{fail['offered_ops_s']:,.0f} ops/s: {fail['why']}",
                "probes": len(c["probes"]),
                "calls per probe (min)": c.get("min_calls"),
                "max in flight": c["max_in_flight"],
            }
        )
    return pd.DataFrame(rows)


def offered_table(results: Sequence[Result]) -> Any:
    """The sweep's runs at an offered rate or with searches during their writes: offered
    against achieved, response beside service time, late calls; searches under writes
    beside the idle store's, and freshness."""
    import pandas as pd

    rows = []
    for r in offered_results(results):
        o, rd = r.offered, r.reads
        row: dict[str, Any] = {"configuration": r.name, "vector store": backend(r)}
        if o is not None:
            row.update(
                {
                    "offered ops/s": round(o.offered_ops_s, 1),
                    "achieved ops/s": round(o.achieved_ops_s, 1),
                    "response p50 / p99 ms": f"{o.response_ms['p50']:.2f} / "
                    f"{o.response_ms['p99']:.2f}",
                    "service p50 / p99 ms": f"{o.service_ms['p50']:.2f} / "
                    f"{o.service_ms['p99']:.2f}",
                    "late calls": f"{o.late}/{o.calls}",
                }
            )
        else:
            row["offered ops/s"] = "closed loop"
        if rd is not None and rd.response_ms is not None:
            row["search under writes p50 / p99 ms"] = (
                f"{rd.response_ms['p50']:.2f} / {rd.response_ms['p99']:.2f}"
            )
        if r.search is not None:
            row["idle search p50 / p99 ms"] = f"{r.search.p50_ms:.2f} / {r.search.p99_ms:.2f}"
        if rd is not None:
            f = rd.freshness
            if "searchable_after_ms" in f:
                row["searchable after p50 / p99 ms"] = (
                    f"{f['searchable_after_ms']['p50']:.2f} / {f['searchable_after_ms']['p99']:.2f}"
                )
            row["fresh probes found"] = f"{f['found']}/{f['probed']}"
            if f.get("verdict"):
                row["searchable after p50 / p99 ms"] = f["verdict"]
        rows.append(row)
    return pd.DataFrame(rows)


def sustained_note(capacities: Sequence[dict[str, Any]]) -> str:
    """What the capacity searches measured, in a sentence (escaped HTML)."""
    if not capacities:
        return (
            "<p>No capacity search in this sweep (<code>agentmem-lab capacity</code> runs "
            "one; a grid's <code>[[capacity]]</code> tables run them in a sweep).</p>"
        )
    parts = []
    for c in capacities:
        cap = c["max_sustainable_ops_s"]
        if cap is None:
            parts.append(
                f"{c['name']}: no offered rate kept response p99 <= {c['slo_p99_ms']:g} ms"
            )
        else:
            parts.append(
                f"{c['name']} sustains {cap:,.0f} ops/s "
                f"({c['ratio_to_closed_loop']:.2f}x its closed-loop "
                f"{c['closed_loop_ops_s']:,.0f} ops/s)"
            )
    text = "; ".join(parts) + "."
    if any((c["ratio_to_closed_loop"] or 0) > 1 for c in capacities):
        text += (
            " A sustained rate above the closed-loop one is no error: the closed loop ran "
            "its configuration's clients (one, here) back to back, while an offer keeps "
            "up to max-in-flight calls at once, as many users would."
        )
    return "<p>" + html.escape(text) + "</p>"
