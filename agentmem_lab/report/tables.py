"""The report's tables and notes: each returns a pandas DataFrame or a line of text."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from agentmem_lab import claims
from agentmem_lab.report.load import (
    PEER_CALLS,
    PEER_CLAIM_OPS_S,
    SIDE_BY_SIDE,
    SweepResults,
    backend,
    fastest_peer,
    frontier_results,
    growth_label,
    growth_runs,
    offered_results,
    only_backend_differs,
    peer_label,
    peer_rows,
    peer_store,
    peer_version,
    ratio_caveat,
    server_ratios,
    settings_tag,
    sharded_family,
    side_by_side,
    worker,
)
from agentmem_lab.schema.result import Result, baseline, has_default_stores


def _round(x: Any, digits: int) -> Any:
    return None if x is None else round(float(x), digits)


def index_settings_table(results: Sequence[Result]) -> Any:
    """Each index setting measured (bulk-1000, hash, concurrency 1), fastest first."""
    import pandas as pd

    rows = []
    for r in sorted(frontier_results(results), key=lambda r: -r.throughput_ops_s):
        assert r.search is not None
        st = r.settings.get("stores", {})
        rows.append(
            {
                "setting": settings_tag(r) + (" (default)" if has_default_stores(r) else ""),
                "dtype": st.get("usearch_dtype"),
                "connectivity": st.get("hnsw_connectivity"),
                "expansion_add": st.get("hnsw_expansion_add"),
                "expansion_search": st.get("hnsw_expansion_search"),
                "items": r.items,
                "throughput ops/s": round(r.throughput_ops_s, 1),
                "recall@10": round(r.search["recall_at_10"], 4),
                "self-recall@1": r.integrity["self_recall_at_1"],
                "search p50 ms": round(r.search["p50_ms"], 4),
            }
        )
    return pd.DataFrame(rows)


def index_settings_note(results: Sequence[Result], min_recall: float = 0.99) -> str:
    """The defaults beside the alternatives, in this run's figures only (escaped)."""
    rs = frontier_results(results)
    default = [r for r in rs if has_default_stores(r)]
    if not default:
        return "<p>No bulk-1000 measurement with the default index settings.</p>"

    def describe(r: Result) -> str:
        assert r.search is not None
        return (
            f"{settings_tag(r)}: {r.throughput_ops_s:,.0f} ops/s, recall@10 "
            f"{r.search['recall_at_10']:.3f}, self-recall {r.integrity['self_recall_at_1']:.3f}"
        )

    d = default[0]
    text = f"The defaults, {describe(d)}. "
    faster = sorted(
        (r for r in rs if r.throughput_ops_s > d.throughput_ops_s),
        key=lambda r: -r.throughput_ops_s,
    )
    if faster:
        text += "Faster in this run: " + "; ".join(describe(r) for r in faster) + ". "
    else:
        text += "No other setting was faster in this run. "
    text += (
        f"The defaults favour recall (recall@10 and self-recall near 1) over the last "
        f"part of write speed; a setting below recall@10 {min_recall} trades away more "
        "than a run-to-run difference (10-20 % on a shared machine) is worth."
    )
    return f"<p>{html.escape(text)}</p>"


def shards_table(results: Sequence[Result]) -> Any:
    """Each sharded configuration beside the same one in one process: throughput, its
    ratio to one shard, and the cores the run kept busy."""
    import pandas as pd

    family = sharded_family(results)
    one = {(r.mode, r.batch_size, r.embedder): r.throughput_ops_s for r in family if r.shards == 1}
    rows = []
    for r in sorted(family, key=lambda r: (r.mode, r.batch_size, r.embedder, r.shards)):
        base = one.get((r.mode, r.batch_size, r.embedder))
        rows.append(
            {
                "configuration": f"{r.mode}-{r.batch_size}",
                "embedder": r.embedder,
                "shards": r.shards,
                "items": r.items,
                "throughput ops/s": round(r.throughput_ops_s, 1),
                "x one shard": None if not base else round(r.throughput_ops_s / base, 2),
                "cores busy": None if r.cores_busy is None else round(r.cores_busy, 2),
                "cores": r.environment.get("cpu_count"),
                "call p50 ms": round(r.latency_ms["p50"], 3),
                "lost": r.integrity["lost"],
                "orphans": r.integrity["orphans"],
                "recall@10": None if not r.search else round(r.search["recall_at_10"], 4),
            }
        )
    return pd.DataFrame(rows)


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


def vector_stores_table(results: Sequence[Result]) -> Any:
    """Every vector store measured in bulk-1000 and parallel-1 (hash embedder, concurrency
    1, default settings otherwise): write throughput, the load split, search and recall,
    the integrity check, and each backend's durability class and version."""
    import pandas as pd

    rows = []
    for mode, batch in SIDE_BY_SIDE:
        for r in sorted(
            (r for r in side_by_side(results, mode, batch) if only_backend_differs(r)),
            key=lambda r: -r.throughput_ops_s,
        ):
            assert r.search is not None
            v = r.vector_load or {}
            details = r.settings.get("store_details", {}).get("vector", {})
            i = r.integrity
            rows.append(
                {
                    "vector store": backend(r),
                    "version": details.get("version"),
                    "configuration": f"{mode}-{batch}",
                    "items": r.items,
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
                    "lost": i["lost"],
                    "orphans": i["orphans"],
                    "durable": details.get("durability"),
                }
            )
    return pd.DataFrame(rows)


def peers_table(results: Sequence[Result]) -> Any:
    """Each peer's write call beside the seed's modes and our bulk mode, same embedder and
    machine: throughput, call and item latency, how a call's time splits between
    embedding and the writes, recall@10, integrity."""
    import pandas as pd

    rows = []
    for r in sorted(
        peer_rows(results),
        key=lambda r: (
            r.embedder,
            r.batch_size,
            r.system == "agentmem",
            r.system,
            peer_store(r),
            r.mode,
        ),
    ):
        i, s = r.integrity, r.search or {}
        version = peer_version(r) if r.system != "agentmem" else None
        stages = r.stages_ms or {}
        writes = sum(stages.get(k, 0.0) for k in ("core", "vector", "history"))
        rows.append(
            {
                "system": r.system + (f" {version}" if version else ""),
                "store": peer_store(r) if r.system != "agentmem" else "SQLite + " + backend(r),
                "mode": PEER_CALLS.get(r.system, r.system) if r.system != "agentmem" else r.mode,
                "embedder": r.embedder,
                "batch": r.batch_size,
                "items": r.items,
                "throughput ops/s": round(r.throughput_ops_s, 1),
                "call p50 ms": round(r.latency_ms["p50"], 3),
                "call p99 ms": round(r.latency_ms["p99"], 3),
                "item p50 ms": round(r.item_latency_ms["p50"], 4),
                "item p99 ms": round(r.item_latency_ms["p99"], 4),
                "embed ms/call": round(stages.get("embed", 0.0), 3),
                "writes ms/call (sum of stages)": round(writes, 3),
                "recall@10": s.get("recall_at_10"),
                "lost": i["lost"],
                "orphans": i["orphans"],
                # what a crash keeps: agentmem commits its rows per call and saves its index at
                # the end; InMemoryStore keeps nothing (it is read beside the figures)
                "vectors durable": (r.vector_load or {}).get("durability"),
            }
        )
    return pd.DataFrame(rows)


def peers_note(results: Sequence[Result]) -> str:
    """Per embedder: the fastest peer and its ratio to our bulk mode at the same batch
    size; how far mem0 is from the 10,000 ops/s attributed to it and the seed's modes from
    mem0; every other peer's best. From this run's figures only (escaped)."""
    rows = peer_rows(results)
    peers = [r for r in rows if r.system != "agentmem"]
    if not peers:
        return "<p>No peer system was measured in this run.</p>"
    parts = []
    for embedder in sorted({r.embedder for r in peers}):
        found = fastest_peer(results, embedder)
        if found is not None:
            best, bulk = found
            text = (
                f"With the {embedder} embedder, the fastest peer was {peer_label(best)}: "
                f"{best.throughput_ops_s:,.0f} ops/s at batch {best.batch_size}"
            )
            if bulk is not None:
                text += (
                    f"; the seed's design in bulk mode at the same batch size measured "
                    f"{bulk.throughput_ops_s:,.0f} ops/s, "
                    f"{bulk.throughput_ops_s / max(best.throughput_ops_s, 1e-9):,.1f}x it"
                    + ratio_caveat(best, bulk)
                )
            parts.append(text + ".")
        for system in sorted({r.system for r in peers if r.embedder == embedder}):
            own = [r for r in peers if r.embedder == embedder and r.system == system]
            top = max(own, key=lambda r: r.throughput_ops_s)
            if system != "mem0":
                parts.append(
                    f"{system} at best ({embedder}): {top.throughput_ops_s:,.0f} ops/s "
                    f"({peer_label(top)}, batch {top.batch_size}), "
                    + ", ".join(
                        f"{peer_store(r)} {r.throughput_ops_s:,.0f}"
                        for r in sorted(own, key=lambda r: (peer_store(r), r.batch_size))
                        if r.batch_size == top.batch_size
                    )
                    + " at that batch size."
                )
                continue
            text = (
                f"With the {embedder} embedder, mem0's add(infer=False) measured at "
                f"best {top.throughput_ops_s:,.0f} ops/s (batch {top.batch_size}): "
                f"{PEER_CLAIM_OPS_S / max(top.throughput_ops_s, 1e-9):,.1f}x below the "
                f"{PEER_CLAIM_OPS_S:,.0f} ops/s attributed to it."
            )
            for mode in ("sequential", "parallel", "batch", "bulk"):
                same = [
                    r
                    for r in rows
                    if r.system == "agentmem"
                    and r.embedder == embedder
                    and r.mode == mode
                    and r.batch_size == top.batch_size
                ]
                if same:
                    ours = same[0]
                    text += (
                        f" The seed's design in {mode} mode at the same batch size: "
                        f"{ours.throughput_ops_s:,.0f} ops/s, "
                        f"{ours.throughput_ops_s / max(top.throughput_ops_s, 1e-9):,.1f}x "
                        f"mem0."
                    )
            parts.append(text)
    return "".join(f"<p>{html.escape(p)}</p>" for p in parts)


def _interval(processes: dict[str, Any] | None, key: str, digits: int) -> str | None:
    if not processes or key not in processes:
        return None
    lo, hi = processes[key]
    return f"[{lo:,.{digits}f}, {hi:,.{digits}f}]"


def results_table(results: Sequence[Result]) -> Any:
    """One row per configuration: throughput, latency, integrity, search."""
    import pandas as pd

    return pd.DataFrame([result_row(r) for r in results])


def result_row(r: Result) -> dict[str, Any]:
    """A configuration's row of ``results_table``, as a dict (shown without pandas by a
    configuration's notebook)."""
    i, s = r.integrity, r.search or {}
    return {
        "configuration": r.name,
        "profile": r.profile,
        "embedder": r.embedder,
        "mode": r.mode,
        "batch": r.batch_size,
        "concurrency": r.concurrency,
        "items": r.items,
        "throughput ops/s": round(r.throughput_ops_s, 1),
        # the spread over independent samples (--processes): the median's 95 % interval
        "processes": r.processes["count"] if r.processes else 1,
        "throughput 95% interval": _interval(r.processes, "throughput_ci95", 1),
        "call p50 ms": round(r.latency_ms["p50"], 3),
        "call p99 ms": round(r.latency_ms["p99"], 3),
        "call p50 95% interval": _interval(r.processes, "latency_p50_ci95", 3),
        "item p50 ms": round(r.item_latency_ms["p50"], 4),
        "acknowledged": i["acknowledged"],
        "failed": i["failed"],
        "lost": i["lost"],
        "orphans": i["orphans"],
        "self-recall@1": i["self_recall_at_1"],
        "search p50 ms": s.get("p50_ms"),
        "search p99 ms": s.get("p99_ms"),
        "recall@10": s.get("recall_at_10"),
        "worker": worker(r),
        "shards": r.shards,
        "cores busy": None if r.cores_busy is None else round(r.cores_busy, 2),
        "harness µs/call": None if not r.harness else round(r.harness["per_call_us"]["p50"], 1),
        "harness share": None if not r.harness else f"{r.harness['share_of_call_p50']:.1%}",
    }


def speedup_table(results: Sequence[Result]) -> Any:
    """Throughput over sequential batch 1 of the same profile, embedder and concurrency."""
    import pandas as pd

    results = baseline(results)
    base = {
        (r.profile, r.embedder, r.concurrency): r.throughput_ops_s
        for r in results
        if r.mode == "sequential" and r.batch_size == 1
    }
    rows = []
    for r in results:
        b = base.get((r.profile, r.embedder, r.concurrency))
        rows.append(
            {
                "configuration": r.name,
                "throughput ops/s": round(r.throughput_ops_s, 1),
                "sequential-1 ops/s": None if b is None else round(b, 1),
                "speedup": None if not b else round(r.throughput_ops_s / b, 2),
            }
        )
    return pd.DataFrame(rows)


def target_table(
    catalogue: claims.Catalogue,
    results: Sequence[Result],
    stages: dict[str, Any] | None = None,
    capacities: Sequence[dict[str, Any]] = (),
) -> Any:
    """The phase-target table: each claim (absolute, ratio, stage or prediction) beside
    (a) the seed's model computed, with the verdict on the claim, (b) the same model
    measured under the simulated profile and the harness overhead (measured minus computed)
    with the calibration status, and (c) each real measurement, met or missed, with
    measured / target (a prediction: the figure that bears on it, no verdict)."""
    import pandas as pd

    checks = {c.target.id: c for c in claims.model_checks(catalogue, results)}
    verdicts = claims.evaluate(catalogue, results, stages, capacities=capacities)
    groups = claims.groups(results)
    by = {(v.target.id, v.group): v for v in verdicts}
    rows = []
    for t in catalogue.targets:
        c = checks[t.id]
        unit = t.unit
        row: dict[str, Any] = {
            "target": t.id,
            "kind": t.kind,
            "claim (seed, predicted)": t.claim,
            "seed line": t.seed_line,
            "claimed": t.claimed(),
            "reading": t.reading or t.bears_on,
            "gate": "yes" if t.gate else "",
        }
        digits = 1 if t.kind == "absolute" else 2
        row["seed model, computed"] = (
            "-" if c.computed is None else f"{c.computed:,.{digits}f} {unit} ({c.where})"
        )
        row["claim vs its model"] = c.status
        p = c.prediction
        if c.measured is None:
            row["seed model, simulated"] = "not simulated"
            row["harness overhead"] = ""
        elif t.kind == "ratio":
            row["seed model, simulated"] = f"{c.measured:,.2f}x"
            row["harness overhead"] = ""
        else:
            run = c.for_run
            assert c.overhead is not None and c.calibration_error is not None
            assert run is not None and p is not None
            row["seed model, simulated"] = f"{c.measured:,.1f} {unit}"
            row["harness overhead"] = (
                f"{c.overhead:+,.1f} {unit}; fastest call {c.calibration_error:+.1%}"
            )
            if run.clients_busy < p.concurrency:
                row["harness overhead"] += (
                    f" (against the model for this run, "
                    f"{run.metric(t.metric):,.1f} {unit}: its calls keep "
                    f"{run.clients_busy:.1f} of {p.concurrency} clients busy)"
                )
        row["calibration"] = c.calibration
        for g in groups:
            v = by.get((t.id, g))
            label = f"measured {g}"
            if v is None or v.measured is None:
                row[label] = "no measurement"
            elif t.kind == "prediction":
                row[label] = f"best {v.measured:,.0f} ops/s ({v.configurations}); no verdict"
            elif t.kind == "absolute":
                row[label] = f"{v.measured:,.1f} ({v.ratio:.2f}x) {v.status}"
            else:
                assert v.ratio is not None
                row[label] = (
                    f"{v.measured:,.2f} {unit} ({v.ratio:.2f}x the claim) {v.status}"
                    f"; {v.configurations}"
                )
        rows.append(row)
    return pd.DataFrame(rows)


def seed_consistency_table(catalogue: claims.Catalogue) -> Any:
    """The seed's own table: claimed throughput beside what its own latency implies."""
    import pandas as pd

    return pd.DataFrame(
        [
            {
                "seed row": c.row,
                "items": c.items,
                "latency ms (claimed)": c.latency_ms,
                "throughput ops/s (claimed)": c.throughput_ops_s,
                "items / latency (implied)": round(c.implied_ops_s, 1),
                "consistent": "yes"
                if c.consistent
                else f"NO: claims {c.throughput_ops_s / c.implied_ops_s:.1f}x what its "
                f"latency implies",
            }
            for c in catalogue.seed_claims
        ]
    )


def improvement_table(catalogue: claims.Catalogue) -> Any:
    """The seed's improvement column (提升), checked against its own table: each row's
    per-item latency against the sequential row's and the parallel row's, and its claimed
    throughput against the baseline's 33 ops/s; which baseline the printed value matches."""
    import pandas as pd

    claims = list(catalogue.seed_claims)
    if not claims:
        return pd.DataFrame()
    seq = claims[0]
    par = next((c for c in claims if c.items == 1 and c is not seq), seq)
    rows = []
    for c in claims:
        vs = {
            "sequential (per-item latency)": seq.item_latency_ms / c.item_latency_ms,
            "parallel (per-item latency)": par.item_latency_ms / c.item_latency_ms,
            f"{seq.throughput_ops_s:,.0f} ops/s (claimed throughputs)": c.throughput_ops_s
            / seq.throughput_ops_s,
        }
        matches = [
            k.split(" (")[0]
            for k, v in vs.items()
            if c.improvement and abs(v / c.improvement - 1) <= 0.05
        ]
        row: dict[str, Any] = {
            "seed row": c.row,
            "items": c.items,
            "improvement (claimed)": f"{c.improvement:g}x",
        }
        row.update({f"vs {k}": f"{v:,.1f}x" for k, v in vs.items()})
        row["the claimed value is against"] = ", ".join(matches) if matches else "none of these"
        rows.append(row)
    return pd.DataFrame(rows)


def improvement_note(catalogue: claims.Catalogue) -> str:
    """Where the improvement column's baselines change, in one paragraph (escaped)."""
    df = improvement_table(catalogue)
    if not len(df):
        return ""
    against = list(df["the claimed value is against"])
    changes = [
        f"{r} ({a})"
        for r, a in zip((f"{row} {n}" for row, n in zip(df["seed row"], df["items"])), against)
    ]
    par = df.iloc[-1]["vs parallel (per-item latency)"]
    return (
        "<p>The improvement column mixes baselines: "
        + html.escape("; ".join(changes))
        + f". By the rule of the rows above it (against parallel adds of the same items) "
        f"the last row would be {html.escape(str(par))}; against the 33 ops/s baseline "
        "the column's own throughputs give "
        + html.escape(", ".join(df[next(c for c in df.columns if "claimed throughputs" in c)]))
        + ".</p>"
    )


def stages_table(stages: dict[str, Any] | None) -> Any:
    """The stages measured alone: batch embedding against single embeds per embedder and
    batch size, and parallel against sequential writes with the embedding taken out, beside
    the seed's figures."""
    import pandas as pd

    from agentmem_lab.core import seedmodel

    if not stages:
        return pd.DataFrame()
    rows = []
    seed_embed = {10: "5x", 100: "10x", 1000: "5-10x"}
    for name, points in (stages.get("embed") or {}).items():
        for n, p in points.items():
            model = int(n) * seedmodel.embed_latency_ms(1) / seedmodel.embed_latency_ms(int(n))
            rows.append(
                {
                    "stage": f"embed_batch, {name}",
                    "size": f"{n} texts",
                    "alone (one at a time)": f"{p['single_ms']:.3f} ms per text",
                    "together": f"{p['batch_ms']:.2f} ms per batch",
                    "speed-up measured": f"{p['speedup']:.2f}x",
                    "the seed claims": seed_embed.get(int(n), ""),
                    "the seed's model": f"{model:.2f}x",
                }
            )
    w = stages.get("writes")
    writes = seedmodel.STORE_LATENCY_MS.values()
    if w:
        rows.append(
            {
                "stage": "store writes (embedding out)",
                "size": f"{w['items']} items",
                "alone (one at a time)": f"sequential {w['sequential_ops_s']:,.0f} ops/s",
                "together": f"parallel {w['parallel_ops_s']:,.0f} ops/s",
                "speed-up measured": f"{w['speedup']:.2f}x",
                "the seed claims": "2-3x",
                "the seed's model": f"{sum(writes) / max(writes):.2f}x",
            }
        )
    if stages.get("error"):
        rows.append({"stage": "not measured", "size": "", "alone (one at a time)": stages["error"]})
    return pd.DataFrame(rows)


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


# -- sustained load -------------------------------------------------------------------------


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
                "objective": f"p99 <= {c['slo_p99_ms']:g} ms",
                "closed loop ops/s": round(c["closed_loop_ops_s"], 1),
                "closed-loop call p99 ms": round(c["closed_loop_latency_ms"]["p99"], 2),
                "max sustainable ops/s": None if cap is None else round(cap, 1),
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
                    "offered ops/s": round(o["offered_ops_s"], 1),
                    "achieved ops/s": round(o["achieved_ops_s"], 1),
                    "response p50 / p99 ms": f"{o['response_ms']['p50']:.2f} / "
                    f"{o['response_ms']['p99']:.2f}",
                    "service p50 / p99 ms": f"{o['service_ms']['p50']:.2f} / "
                    f"{o['service_ms']['p99']:.2f}",
                    "late calls": f"{o['late']}/{o['calls']}",
                }
            )
        else:
            row["offered ops/s"] = "closed loop"
        if rd is not None and "response_ms" in rd:
            row["search under writes p50 / p99 ms"] = (
                f"{rd['response_ms']['p50']:.2f} / {rd['response_ms']['p99']:.2f}"
            )
        if r.search is not None:
            row["idle search p50 / p99 ms"] = f"{r.search['p50_ms']:.2f} / {r.search['p99_ms']:.2f}"
        if rd is not None:
            f = rd["freshness"]
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


def growth_table(results: Sequence[Result]) -> Any:
    """Each growth curve: how far it got, its first and last window (write rate, call p99,
    probe recall@10, search p99), peak RSS and disk per item, the windows' own cost, and
    where and why it stopped."""
    import pandas as pd

    rows = []
    for r in growth_runs(results):
        g = r.growth or {}
        first, last = g["windows"][0], g["windows"][-1]
        stored = max(last["items"], 1)
        stop = g.get("stopped")

        def p99(w: dict[str, Any], key: str) -> Any:
            return _round((w.get(key) or {}).get("p99"), 3)

        rows.append(
            {
                "run": growth_label(r),
                "items stored": last["items"],
                "ops/s first window": _round(first["throughput_ops_s"], 0),
                "ops/s last window": _round(last["throughput_ops_s"], 0),
                "call p99 ms first": p99(first, "latency_ms"),
                "call p99 ms last": p99(last, "latency_ms"),
                "recall@10 first": _round(first["recall_at_10"], 3),
                "recall@10 last": _round(last["recall_at_10"], 3),
                "search p99 ms last": p99(last, "search_ms"),
                "peak RSS MiB": round(last["peak_rss_bytes"] / 2**20, 1),
                "disk bytes/item": round(last["disk_bytes"] / stored),
                "windows' cost share": _round(g.get("pause_share"), 3),
                "stopped": (
                    f"{stop['reason']} (limit {stop['limit']:g})"
                    if stop
                    else "no: every item written"
                ),
            }
        )
    return pd.DataFrame(rows)


def server_table(results: Sequence[Result]) -> Any:
    """The seed's modes with their stores on PostgreSQL beside the same modes on the
    embedded stores: throughput, call p50/p99, each mode's speed-up over sequential-1 of
    the same stores (throughput, and call latency) with the seed's claim, the vector
    store's load, search and the integrity check."""
    import pandas as pd

    rows = []
    for row in server_ratios(results):
        r = row["result"]
        v = r.vector_load or {}
        rows.append(
            {
                "stores": row["stores"],
                "configuration": f"{row['mode']}-{row['batch_size']}",
                "clients": row["concurrency"],
                "embedder": row["embedder"],
                "items": r.items,
                "throughput ops/s": round(r.throughput_ops_s, 1),
                "call p50 ms": round(float(r.latency_ms["p50"]), 3),
                "call p99 ms": round(float(r.latency_ms["p99"]), 3),
                "x sequential-1 (throughput)": _round(row["throughput_over_sequential"], 2),
                "x sequential-1 (call p50)": _round(row["p50_over_sequential"], 2),
                "seed's claim": (f"{row['claim']:g}x" if row["claim"] else ""),
                "vector insert s": _round(v.get("insert_s"), 3),
                "search p50 ms": round(r.search["p50_ms"], 3) if r.search else None,
                "recall@10": round(r.search["recall_at_10"], 4) if r.search else None,
                "lost": r.integrity["lost"],
                "orphans": r.integrity["orphans"],
            }
        )
    return pd.DataFrame(rows)


def server_costs_table(stages: dict[str, Any] | None) -> Any:
    """Where one write's time goes on the server (stages.json's ``server_costs``), and the
    parallel/sequential writes with the embedding taken out, on the server and embedded."""
    import pandas as pd

    costs = (stages or {}).get("server_costs")
    rows: list[dict[str, Any]] = []
    if costs:
        for part, key, note in (
            ("round trip", "round_trip_ms", "SELECT 1 on a pooled connection"),
            (
                "statement",
                "statement_ms",
                "a core row, synchronous_commit off, less the round trip",
            ),
            ("WAL flush", "wal_flush_ms", "the row with synchronous_commit on, less off"),
            (
                "HNSW index",
                "hnsw_index_ms",
                "a vector into pgvector's HNSW index, less into no index",
            ),
            ("a core or history row", "row_write_ms", "the whole write, synchronous_commit on"),
            ("a vector", "vector_write_ms", "the whole write into pgvector (HNSW)"),
        ):
            rows.append({"part": part, "ms": round(costs[key], 3), "how": note})
        rows.append(
            {
                "part": "the bench: pool checkout",
                "ms": round(costs["bench_checkout_us"] / 1000.0, 4),
                "how": "taken and given back, no "
                "statement (the client's own cost per call, inside the round trip's figure)",
            }
        )
        rows.append(
            {
                "part": "the bench: vector encoding",
                "ms": round(costs["bench_encode_us"] / 1000.0, 4),
                "how": "384 floats to pgvector's binary format, in this process",
            }
        )
    for key, where in (("writes", "embedded"), ("writes_server", "PostgreSQL")):
        w = (stages or {}).get(key)
        if w and w.get("speedup") is not None:
            rows.append(
                {
                    "part": f"parallel over sequential writes, {where}",
                    "ms": None,
                    "how": f"x{w['speedup']:.2f} ({w['parallel_ops_s']:,.0f} "
                    f"against {w['sequential_ops_s']:,.0f} ops/s, embedding taken out, "
                    f"{w['items']} items, median of {w['rounds']})",
                }
            )
    return pd.DataFrame(rows)
