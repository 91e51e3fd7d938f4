"""The answers at a glance: one row per family of the seed's claims, with what the seed
says, what was measured with a real model, without one and with the seed's own design, the
ratio, and one verdict word. The report shows it as an HTML table and ``agentmem-lab check``
prints it as text (``verdict_table``); both read the same ``VerdictRow``s.

Every figure is computed here from the results, stages and capacity searches given: change
a result and its row changes. A family this version cannot measure says "missing".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from agentmem_lab import claims
from agentmem_lab.report.conversations import synthetic_runs
from agentmem_lab.report.load import (
    GROWTH_SIZES,
    PEER_CLAIM_OPS_S,
    best_peer_run,
    growth_label,
    growth_runs,
    peer_label,
    server_ratios,
    window_at,
)
from agentmem_lab.schema.result import Result

MET, MISSED, PARTLY = "met", "missed", "partly met"
CONTRADICTS, PREDICTION = "contradicts its own model", "prediction"
NOT_MEASURED, MISSING, NOT_APPLICABLE = "not measured", "missing", "n/a"
#: The report's sections (their anchors) that hold each row's evidence.
SECTIONS = {
    "phase1-sustained": "am-sustained",
    "embedding": "am-stages",
    "stages": "am-stages",
    "consistency": "am-consistency",
    "peers": "am-peers",
    "server": "am-server",
    "scale": "am-growth",
    "conversations": "am-conversations",
}
REAL_MODEL, HASH = "real:minilm", "real:hash"


@dataclass(frozen=True)
class Cell:
    """One measured cell: its figure (or why there is none), its verdict, what it is."""

    text: str
    verdict: str
    detail: str = ""
    ratio: float | None = None  # measured / claimed


@dataclass(frozen=True)
class VerdictRow:
    """One family of claims: what the seed says, three measured cells and one verdict."""

    family: str
    title: str
    seed_says: str
    real_model: Cell
    hash: Cell
    seed_design: Cell
    verdict: str
    section: str
    claims: tuple[str, ...] = ()

    @property
    def cells(self) -> tuple[Cell, Cell, Cell]:
        return (self.real_model, self.hash, self.seed_design)

    @property
    def ratio(self) -> float | None:
        """The best measured / claimed of the row's cells."""
        found = [c.ratio for c in self.cells if c.ratio is not None]
        return max(found) if found else None


def overall(cells: Sequence[Cell]) -> str:
    """The row's word from its cells: met or missed when they agree, partly met when not."""
    words = {c.verdict for c in cells} - {NOT_MEASURED, NOT_APPLICABLE, MISSING}
    if not words:
        return MISSING if any(c.verdict == MISSING for c in cells) else NOT_MEASURED
    if words <= {MET}:
        return MET
    if words <= {MISSED}:
        return MISSED
    if words <= {PREDICTION}:
        return PREDICTION
    return PARTLY


def figure(value: float, unit: str) -> str:
    if unit == "x":
        return f"{value:,.2f}x"
    return f"{value:,.0f} {unit}" if value >= 100 else f"{value:,.1f} {unit}"


def _claims_cell(
    family: Sequence[claims.Claim], verdicts: Sequence[claims.Verdict], group: str
) -> Cell:
    """The headline claim's figure in one group, with how many of the family's claims the
    group meets."""
    by = {v.target.id: v for v in verdicts if v.group == group}
    v = by.get(family[0].id)
    if v is None:
        return Cell("no run", NOT_MEASURED)
    t = v.target
    judged = [by[c.id] for c in family if c.id in by and by[c.id].met is not None]
    count = (
        f"{sum(x.met is True for x in judged)} of {len(judged)} claims met"
        if len(judged) > 1
        else ""
    )
    detail = "; ".join(x for x in (v.configurations if v.measured is not None else "", count) if x)
    if v.measured is None:
        return Cell("not measured", NOT_MEASURED, detail)
    if t.kind == "prediction":
        return Cell(f"best {figure(v.measured, 'ops/s')}", PREDICTION, detail)
    verdict = MET if v.met else MISSED
    return Cell(figure(v.measured, t.unit), verdict, detail, v.ratio)


def _claim_rows(
    catalogue: claims.Catalogue,
    results: Sequence[Result],
    stages: dict[str, Any] | None,
    capacities: Sequence[dict[str, Any]],
) -> list[VerdictRow]:
    everything = claims.evaluate(catalogue, results, stages, capacities=capacities)
    seeds = claims.evaluate(catalogue, results, stages, claims.SEED_MODES, capacities)
    checks = {c.target.id: c for c in claims.model_checks(catalogue, results)}
    rows = []
    for key, title in claims.FAMILIES:
        family = catalogue.family(key)
        if not family:
            continue
        head = family[0]
        says = f"{head.claim} [{head.id}]"
        check = checks.get(head.id)
        if check is not None and check.status == CONTRADICTS and check.computed is not None:
            says += f"; its own model gives {figure(check.computed, head.unit)}"
        minilm = _claims_cell(family, everything, REAL_MODEL)
        hashed = _claims_cell(family, everything, HASH)
        if head.kind == "stage":
            seed = Cell("the stage alone", NOT_APPLICABLE)
        else:
            seed = _claims_cell(family, seeds, HASH)
        cells = (minilm, hashed, seed)
        rows.append(
            VerdictRow(
                key,
                title,
                says,
                *cells,
                verdict=overall(cells),
                section=SECTIONS.get(key, "am-claims"),
                claims=tuple(t.id for t in family),
            )
        )
    return rows


def _consistency_row(catalogue: claims.Catalogue, results: Sequence[Result]) -> VerdictRow:
    checks = claims.model_checks(catalogue, results)
    contra = [c for c in checks if c.status == CONTRADICTS and c.computed is not None]
    n = claims.counts(checks, [])
    says = (
        f"{n['claims']} numeric claims, {n['reproduced']} of them reproduced by its own "
        "latency model (10 ms core memory, 10 ms vectors, 5 ms history, 20 ms embedding)"
    )
    off = Cell("a check of the seed's text", NOT_APPLICABLE)
    if contra:
        worst = min(contra, key=lambda c: (c.computed or 0.0) / c.target.target)
        assert worst.computed is not None
        model = Cell(
            f"{len(contra)} of {n['claims']} contradict it",
            CONTRADICTS,
            f"{worst.target.claim}: its model gives {figure(worst.computed, worst.target.unit)}",
            worst.computed / worst.target.target,
        )
        verdict = CONTRADICTS
    else:
        model = Cell("none contradicts it", MET)
        verdict = MET
    return VerdictRow(
        "consistency",
        "The seed's own consistency",
        says,
        off,
        off,
        model,
        verdict,
        SECTIONS["consistency"],
    )


def _peers_row(results: Sequence[Result]) -> VerdictRow:
    def cell(embedder: str) -> Cell:
        top = best_peer_run(results, "mem0", embedder)
        if top is None:
            return Cell("no run", NOT_MEASURED)
        ratio = top.throughput_ops_s / PEER_CLAIM_OPS_S
        return Cell(
            figure(top.throughput_ops_s, "ops/s"),
            MET if ratio >= 1 else MISSED,
            f"{peer_label(top)}, {top.name}",
            ratio,
        )

    cells = (cell("minilm"), cell("hash"), Cell("mem0's own write path", NOT_APPLICABLE))
    return VerdictRow(
        "peers",
        "Peers: mem0",
        f'"Mem0 target: 10,000 ops/s, infer=False" ({PEER_CLAIM_OPS_S:,.0f} ops/s, never '
        "measured there)",
        *cells,
        verdict=overall(cells),
        section=SECTIONS["peers"],
    )


def _server_row(results: Sequence[Result]) -> VerdictRow:
    rows = [
        r
        for r in server_ratios(results)
        if r["stores"].startswith("PostgreSQL")
        and (r["mode"], r["batch_size"], r["concurrency"]) == ("parallel", 1, 1)
        and r["p50_over_sequential"] is not None
    ]

    def cell(embedder: str) -> Cell:
        found = [r for r in rows if r["embedder"] == embedder]
        if not found:
            return Cell("no run", NOT_MEASURED)
        value = float(found[0]["p50_over_sequential"])
        return Cell(
            figure(value, "x"),
            MET if value >= 2.0 else MISSED,
            f"{found[0]['result'].name}: call p50 over sequential-1's",
            value / 2.0,
        )

    cells = (cell("minilm"), cell("hash"), Cell("the seed's modes", NOT_APPLICABLE))
    return VerdictRow(
        "server",
        "Task 1.1 on a database server",
        "parallel writes: latency 30 ms -> 15 ms (2x), on PostgreSQL + pgvector",
        *cells,
        verdict=overall(cells),
        section=SECTIONS["server"],
    )


def _scale_row(results: Sequence[Result], goal: float) -> VerdictRow:
    size = GROWTH_SIZES[-1]
    runs = [r for r in growth_runs(results) if r.mode == "bulk" and r.batch_size == 1000]

    def cell(embedder: str) -> Cell:
        at = [
            (r, w)
            for r in runs
            if r.embedder == embedder
            and not r.replayed  # the stores alone: never judged against the claim
            and (w := window_at(r, size)) is not None
            and w["throughput_ops_s"] is not None
        ]
        if not at:
            return Cell(
                "not measured",
                NOT_MEASURED,
                f"no bulk-1000 curve near {size:,} items in this sweep: agentmem-lab sweep "
                "--grid scale writes every store towards it",
            )
        r, w = max(at, key=lambda rw: rw[1]["throughput_ops_s"])
        value = float(w["throughput_ops_s"])
        return Cell(
            figure(value, "ops/s"),
            MET if value >= goal else MISSED,
            f"{growth_label(r)}, its window at {w['items']:,} items",
            value / goal,
        )

    cells = (cell("minilm"), cell("hash"), Cell("bulk-1000 curves", NOT_APPLICABLE))
    return VerdictRow(
        "scale",
        f"At scale: {size:,} items stored",
        f"{goal:,.0f}+ ops/s, at no stated store size (bulk-1000 as the store grows)",
        *cells,
        verdict=overall(cells),
        section=SECTIONS["scale"],
    )


def _conversations_row(results: Sequence[Result], goal: float) -> VerdictRow:
    """The Phase 1 goal on real conversations: the best closed-loop throughput of the runs
    on a dataset of real messages, per embedder and with the seed's modes alone."""
    runs = [
        r
        for r in results
        if r.dataset != "synthetic"
        and r.system == "agentmem"
        and r.profile == "real"
        and r.shards == 1
        and r.offered is None
        and r.user_reads is None  # reads inside the calls: not the write path alone
        and not r.replayed  # the stores alone: never judged against a claim with embedding
    ]

    def cell(embedder: str, modes: Sequence[str] | None = None) -> Cell:
        own = [r for r in runs if r.embedder == embedder and (modes is None or r.mode in modes)]
        if not own:
            return Cell("no run", NOT_MEASURED, "agentmem-lab run --dataset chitchat ...")
        top = max(own, key=lambda r: r.throughput_ops_s)
        value = top.throughput_ops_s
        return Cell(
            figure(value, "ops/s"), MET if value >= goal else MISSED, top.name, value / goal
        )

    cells = (cell("minilm"), cell("hash"), cell("hash", claims.SEED_MODES))
    return VerdictRow(
        "conversations",
        "Real conversations",
        f"{goal:,.0f}+ ops/s for any agent's memories (the seed names no workload): here real "
        "chat messages, each one memory of its sender",
        *cells,
        verdict=overall(cells),
        section=SECTIONS["conversations"],
    )


def verdict_rows(
    catalogue: claims.Catalogue,
    results: Sequence[Result],
    stages: dict[str, Any] | None = None,
    capacities: Sequence[dict[str, Any]] = (),
) -> list[VerdictRow]:
    """Every row of the verdict table, the seed's claim families first, then its own
    consistency, peers, the server, real conversations and scale."""
    synthetic = synthetic_runs(results)  # a dataset's runs answer their own row alone
    rows = _claim_rows(catalogue, synthetic, stages, capacities)
    goal = next((t.target for t in catalogue.claims if t.gate), 10_000.0)
    return [
        *rows,
        _consistency_row(catalogue, synthetic),
        _peers_row(synthetic),
        _server_row(synthetic),
        _conversations_row(results, goal),
        _scale_row(synthetic, goal),
    ]


__all__ = [
    "CONTRADICTS",
    "MET",
    "MISSED",
    "MISSING",
    "NOT_MEASURED",
    "PARTLY",
    "PREDICTION",
    "Cell",
    "VerdictRow",
    "overall",
    "verdict_rows",
]
