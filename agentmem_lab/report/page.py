"""The report page's HTML pieces: the header, the answers first, links and tables."""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from datetime import UTC
from typing import Any

from agentmem_lab import claims
from agentmem_lab.report.load import (
    GROWTH_SIZES,
    SweepResults,
    backend,
    fastest_peer,
    growth_label,
    growth_runs,
    offered_results,
    only_backend_differs,
    peer_label,
    ratio_caveat,
    server_ratios,
    sharded_family,
    side_by_side,
    window_at,
)
from agentmem_lab.schema.result import Result, baseline, plain_writes

#: Tables scroll inside their section instead of running off the page; every figure scales
#: to the page width.
#: The page's fonts, with CJK fallbacks named: the report quotes the seed's own lines, in
#: Chinese, and a stack without them leaves the choice (and empty boxes) to the browser.
FONT_STACK = (
    'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Noto Sans CJK SC", '
    '"Noto Sans SC", "Source Han Sans SC", "PingFang SC", "Hiragino Sans GB", '
    '"Microsoft YaHei", "WenQuanYi Micro Hei", sans-serif'
)

PAGE_CSS = (
    """<style>
body, .jp-RenderedHTMLCommon, table.am-table { font-family: """
    + FONT_STACK
    + """; }
.jp-RenderedHTMLCommon table.am-table, table.am-table { display: block; max-width: 100%;
  overflow-x: auto; font-size: 12px; border-collapse: collapse; }
table.am-table td, table.am-table th { white-space: nowrap; padding: 2px 6px; }
.jp-RenderedImage img, .jp-OutputArea-output img { max-width: 100%; height: auto; }
.am-answers { border-left: 4px solid #1f77b4; padding: 4px 12px; background: #f5f8fc; }
</style>"""
)


def header_html(sweep: SweepResults) -> str:
    """What the report shows and where it comes from, escaped."""
    from datetime import datetime

    configs = len(sweep.results)
    source = (
        "a small sample measured just now (no sweep folder was given and reports/latest "
        "does not exist): run `make report` for the full sweep"
        if sweep.sample
        else f"the results in {sweep.directory}"
    )
    failed = len(sweep.failures) + len(sweep.bad_files)
    status = (
        f'<p style="color:#b00"><b>{failed} configuration(s) failed</b>: see the '
        "section Failed configurations below.</p>"
        if failed
        else "<p>Every configuration completed.</p>"
    )
    return (
        f"<p>Report generated {datetime.now(UTC):%Y-%m-%d %H:%M} UTC from "
        f"{html.escape(source)}: {configs} configuration(s).</p>{status}"
        f"{PAGE_CSS}<p>Every figure below is <b>measured</b> by agentmem-lab in the runs "
        f"shown. The "
        'seed\'s figures are <b>predictions</b> ("theoretical performance analysis") and are '
        "labelled so. The <i>simulated</i> profile measures the seed's own latency model "
        "(sleeps of its assumed latencies); the <i>real</i> profile measures real stores.</p>"
    )


def claims_sentence(
    catalogue: claims.Catalogue,
    results: Sequence[Result],
    stages: dict[str, Any] | None = None,
    capacities: Sequence[dict[str, Any]] = (),
) -> str:
    """Every claim counted: what the seed's own model makes of them, and how many the
    measurements meet with a real model, without one, and with the seed's own design."""
    checks = claims.model_checks(catalogue, results)
    if not checks:
        return ""
    n = claims.counts(checks, [])
    text = (
        f"Of the seed's {n['claims']} numeric claims, {n['contradicts its own model']} "
        f"contradict its own latency model computed, {n['reproduced']} are reproduced by "
        f"it, {n['not from the model']} are not from the model (stated as measured or "
        f"expected), and {n['prediction of future work']} are predictions of future "
        "work, shown without a verdict"
    )
    parts = []
    for label, group, modes in (
        ("with a real model (minilm)", "real:minilm", None),
        ("without one (hash)", "real:hash", None),
        ("with the seed's own design (its modes alone, hash)", "real:hash", claims.SEED_MODES),
    ):
        verdicts = [
            v
            for v in claims.evaluate(catalogue, results, stages, modes, capacities)
            if v.group == group and v.target.kind != "prediction"
        ]
        if verdicts:
            met = sum(v.status == "met" for v in verdicts)
            unmeasured = sum(v.status == "no measurement" for v in verdicts)
            parts.append(
                f"{label} {met} of {len(verdicts)} met"
                + (f" ({unmeasured} not measured)" if unmeasured else "")
            )
    if parts:
        text += ". Measured: " + "; ".join(parts)
    return text + "."


def sustained_sentence(
    catalogue: claims.Catalogue, results: Sequence[Result], capacities: Sequence[dict[str, Any]]
) -> str | None:
    """The sustained form of the Phase 1 goal, per embedder measured: the best maximum
    sustainable throughput of the capacity searches, met or missed."""
    goal = next((t for t in catalogue.targets if t.kind == "sustained"), None)
    if goal is None:
        return None
    parts = []
    for label, group in (
        ("with a real model (minilm)", "real:minilm"),
        ("without one (the hash embedder)", "real:hash"),
    ):
        v = claims.judge(goal, [], group, capacities=capacities)
        if v.measured is None:
            continue
        verdict = "met" if v.met else "missed"
        parts.append(
            f"{label}, {verdict}: {v.measured:,.0f} ops/s sustained at best "
            f"({v.configurations}, {v.measured / goal.target:.2f}x the goal)"
        )
    if not parts:
        return (
            f"The Phase 1 goal as a sustained rate ({goal.claimed()}): not measured in "
            "this sweep (no capacity search)."
        )
    return (
        f"The Phase 1 goal as a sustained rate, {goal.claimed()} (the highest offered rate "
        "achieved within 1 % with response p99 at the objective): " + "; ".join(parts) + "."
    )


def reads_sentence(results: Sequence[Result]) -> str | None:
    """Searches during writes against the idle store's, and freshness, per vector store."""
    rs = [
        r
        for r in offered_results(results)
        if r.reads and r.reads.response_ms is not None and r.search
    ]
    if not rs:
        return None
    parts = []
    for r in rs:
        assert r.reads is not None and r.reads.response_ms is not None and r.search is not None
        f = r.reads.freshness
        fresh = (
            f"searchable after p50 {f['searchable_after_ms']['p50']:.1f} ms"
            if "searchable_after_ms" in f
            else "never searchable during the writes"
        )
        parts.append(
            f"{backend(r)} p99 {r.reads.response_ms['p99']:.1f} ms "
            f"(idle {r.search.p99_ms:.1f}), {fresh}"
        )
    return (
        "Searches during writes (search p99 under writes, idle in brackets): "
        + "; ".join(parts)
        + "."
    )


def growth_sentence(results: Sequence[Result]) -> str | None:
    """Which vector store (or peer) wrote fastest when the stores held about 20,000 and
    about 1,000,000 items (bulk-1000 curves; each curve's growth window nearest the size)."""
    runs = [r for r in growth_runs(results) if r.mode == "bulk" and r.batch_size == 1000]
    if not runs:
        return None
    parts = []
    for size in GROWTH_SIZES:
        at = [
            (r, w)
            for r in runs
            if (w := window_at(r, size)) is not None and w["throughput_ops_s"] is not None
        ]
        if not at:
            reached = max(r.integrity.acknowledged for r in runs)
            parts.append(
                f"no bulk-1000 curve came near {size:,} items here (the largest "
                f"stored {reached:,}; agentmem-lab sweep --grid scale writes every "
                "store towards 1,000,000)"
            )
            continue
        r, w = max(at, key=lambda rw: rw[1]["throughput_ops_s"])
        recall = w["recall_at_10"]
        search = (w.get("search_ms") or {}).get("p99")
        parts.append(
            f"near {size:,} items {growth_label(r)} led with "
            f"{w['throughput_ops_s']:,.0f} ops/s in its window at {w['items']:,} "
            f"(recall@10 {'n/a' if recall is None else format(recall, '.3f')}, "
            f"search p99 {'n/a' if search is None else format(search, ',.1f')} ms; "
            f"{len(at)} curve{'' if len(at) == 1 else 's'} near that size)"
        )
    return "Growth, write rate as the stores grow: " + "; ".join(parts) + "."


def server_sentence(results: Sequence[Result], stages: dict[str, Any] | None = None) -> str | None:
    """Whether Task 1.1 (parallel writes, 2x) pays off on a real database server: parallel-1
    over sequential-1 by call p50 on PostgreSQL and on the embedded stores, one client;
    bulk-1000 over sequential-1; and where a server write's time goes."""
    rows = [r for r in server_ratios(results) if r["concurrency"] == 1]
    server = [r for r in rows if r["stores"].startswith("PostgreSQL")]
    if not server:
        return None

    def ratio(kind: str, mode: str, batch: int, key: str) -> float | None:
        found = [
            r[key]
            for r in rows
            if r["stores"].startswith(kind)
            and r["mode"] == mode
            and r["batch_size"] == batch
            and r[key] is not None
        ]
        return found[0] if found else None

    parts = []
    par = ratio("PostgreSQL", "parallel", 1, "p50_over_sequential")
    if par is not None:
        verdict = "met" if par >= 2.0 else "missed"
        text = (
            f"parallel-1's call p50 is {par:.2f}x sequential-1's on PostgreSQL + pgvector "
            f"(Task 1.1 claims 2x: {verdict})"
        )
        local = ratio("embedded", "parallel", 1, "p50_over_sequential")
        if local is not None:
            text += f", against {local:.2f}x on SQLite + usearch"
        parts.append(text)
    bulk = ratio("PostgreSQL", "bulk", 1000, "throughput_over_sequential")
    if bulk is not None:
        text = f"bulk-1000 writes {bulk:.1f}x sequential-1's throughput there"
        local = ratio("embedded", "bulk", 1000, "throughput_over_sequential")
        if local is not None:
            text += f" ({local:.1f}x embedded)"
        parts.append(text + ", beside the seed's 50x (expected)")
    costs = (stages or {}).get("server_costs")
    if costs:
        parts.append(
            f"a vector's write took {costs['vector_write_ms']:.2f} ms, "
            f"{costs['hnsw_index_ms']:.2f} ms of it the HNSW index, a row's "
            f"{costs['row_write_ms']:.2f} ms ({costs['round_trip_ms']:.2f} ms round "
            f"trip, {costs['wal_flush_ms']:.2f} ms WAL flush): parallel writes wait "
            "for the slowest of the three"
        )
    first = server[0]["result"].settings
    version = (
        first.get("store_details", {})
        .get("core", {})
        .get("server_settings", {})
        .get("server_version", "")
    )
    who = first.get("server", {}).get("started_by", "agentmem-lab")
    return (
        f"On a real database server (PostgreSQL {version}, started by {who}; see "
        "'Database server'): " + "; ".join(parts) + "."
    )


def answers_html(
    catalogue: claims.Catalogue,
    results: Sequence[Result],
    stages: dict[str, Any] | None = None,
    capacities: Sequence[dict[str, Any]] = (),
) -> str:
    """The answers first: a few sentences computed from this run's figures (escaped); the
    sustained verdict on the Phase 1 goal leads."""
    goal = next((t for t in catalogue.targets if t.gate), None)
    base = [r for r in baseline(results) if r.profile == "real"]
    out: list[str] = []
    sustained = sustained_sentence(catalogue, results, capacities)
    if sustained is not None and (capacities or base):
        out.append(sustained)
    if goal is not None:

        def best(rs: Sequence[Result]) -> Result | None:
            return max(rs, key=lambda r: r.throughput_ops_s, default=None)

        parts = []
        for label, rs in (
            ("with a real model (minilm)", [r for r in base if r.embedder == "minilm"]),
            ("without one (the hash embedder)", [r for r in base if r.embedder == "hash"]),
            (
                "with the seed's own design (batch mode, hash)",
                [r for r in base if r.embedder == "hash" and r.mode == "batch"],
            ),
        ):
            r = best(rs)
            if r is not None:
                verdict = "met" if goal.met(r.throughput_ops_s) else "missed"
                parts.append(
                    f"{label}, {verdict}: {r.throughput_ops_s:,.0f} ops/s at best "
                    f"({r.name}, {r.throughput_ops_s / goal.target:.2f}x the goal)"
                )
        if parts:
            out.append(
                f"The seed's Phase 1 goal, {goal.target:,.0f} ops/s closed loop (clients "
                "back to back, no latency bound): " + "; ".join(parts) + "."
            )
    checks = claims.model_checks(catalogue, results)
    contra = [c for c in checks if c.status == "contradicts its own model"]
    if checks:
        text = claims_sentence(catalogue, results, stages, capacities)
        if contra:
            c = contra[0]
            assert c.computed is not None
            text = text[:-1] + (
                f" (a contradiction: {c.target.claim}, {c.target.claimed()} "
                f"where its model gives {c.computed:,.0f})."
            )
        out.append(text)
    embed = ((stages or {}).get("embed") or {}).get("minilm")
    if embed:
        got = ", ".join(f"x{p['speedup']:.2f} at {n}" for n, p in embed.items())
        out.append(
            f"Batch embedding with a real model (MiniLM, on the embedder alone): {got} "
            "against single embeds, beside the seed's 5x at 10 and 10x at 100."
        )
    bulk = [r for r in side_by_side(results, "bulk", 1000) if only_backend_differs(r)]
    if len({backend(r) for r in bulk}) > 1:
        fast = max(bulk, key=lambda r: r.throughput_ops_s)
        search = min(bulk, key=lambda r: r.search.p50_ms if r.search else math.inf)
        out.append(
            f"Vector stores in bulk-1000: {backend(fast)} wrote fastest "
            f"({fast.throughput_ops_s:,.0f} ops/s), {backend(search)} searched fastest "
            f"(p50 {search.search.p50_ms if search.search else math.nan:.3f} ms); "
            f"see 'Vector stores side by side'."
        )
    server = server_sentence(results, stages)
    if server is not None:
        out.append(server)
    reads = reads_sentence(results)
    if reads is not None:
        out.append(reads)
    growth = growth_sentence(results)
    if growth is not None:
        out.append(growth)
    peers = [
        r for r in results if r.system != "agentmem" and r.profile == "real" and plain_writes(r)
    ]
    mem0 = [r for r in peers if r.system == "mem0"]
    fastest = fastest_peer(results)
    if fastest is not None:
        fast, at_bulk = fastest
        durable = fast.vector_load.durability if fast.vector_load else None
        text = (
            f"Peers: the fastest was {peer_label(fast)}, {fast.throughput_ops_s:,.0f} "
            f"ops/s ({fast.name}" + (f"; vectors durable: {durable}" if durable else "") + ")"
        )
        if at_bulk is not None:
            text += (
                f"; the seed's design in bulk mode at the same batch size and embedder, "
                f"{at_bulk.throughput_ops_s:,.0f} ops/s, is "
                f"{at_bulk.throughput_ops_s / max(fast.throughput_ops_s, 1e-9):.1f}x it"
                + ratio_caveat(fast, at_bulk)
            )
        out.append(text + ".")
    if mem0:
        top = max(mem0, key=lambda r: r.throughput_ops_s)
        ours = max(base, key=lambda r: r.throughput_ops_s, default=None)
        text = (
            f"mem0's add(infer=False) measured {top.throughput_ops_s:,.0f} ops/s "
            f"at best ({top.name}), {10_000 / max(top.throughput_ops_s, 1e-9):.1f}x below the "
            "10,000 ops/s attributed to it"
        )
        if ours is not None:
            text += f"; the seed's design at best {ours.throughput_ops_s:,.0f} ops/s ({ours.name})"
        out.append(text + ".")
    sharded = [r for r in sharded_family(results) if r.shards > 1]
    if sharded:
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
        out.append(text + ".")
    if not out:
        return ""
    return (
        '<div class="am-answers"><h2>The answers</h2><ul>'
        + "".join(f"<li>{html.escape(t)}</li>" for t in out)
        + "</ul></div>"
    )


def notebook_links_html(sweep: SweepResults) -> str:
    """Links to each configuration's executed notebook (HTML export), relative to index.html."""
    items = []
    for p in sorted(sweep.directory.glob("configs/*/benchmark.html")):
        rel = p.relative_to(sweep.directory).as_posix()
        items.append(
            f'<li><a href="{html.escape(rel, quote=True)}">{html.escape(p.parent.name)}</a></li>'
        )
    if not items:
        return "<p>No executed configuration notebooks found.</p>"
    return "<ul>" + "".join(items) + "</ul>"


def table_html(df: Any) -> str:
    """A DataFrame as an HTML table, every cell escaped."""
    out: str = df.to_html(index=False, escape=True, na_rep="", border=0, classes="am-table")
    return out
