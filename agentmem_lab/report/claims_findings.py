"""The findings on the seed's claims, one sentence each, from this run's figures: every claim
counted, the Phase 1 goal closed loop and sustained, the seed's own table, the stages alone.
Each returns plain text, or None when the sweep measured nothing on its subject."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from agentmem_lab import claims
from agentmem_lab.schema.result import Result, baseline


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


def contradiction_sentence(
    catalogue: claims.Catalogue,
    results: Sequence[Result],
    stages: dict[str, Any] | None = None,
    capacities: Sequence[dict[str, Any]] = (),
) -> str | None:
    """Every claim counted (``claims_sentence``), with the first contradiction of the seed's
    own model named."""
    text = claims_sentence(catalogue, results, stages, capacities)
    if not text:
        return None
    contra = [
        c
        for c in claims.model_checks(catalogue, results)
        if c.status == "contradicts its own model" and c.computed is not None
    ]
    if contra:
        c = contra[0]
        assert c.computed is not None
        text = text[:-1] + (
            f" (a contradiction: {c.target.claim}, {c.target.claimed()} "
            f"where its model gives {c.computed:,.0f})."
        )
    return text


def closed_loop_sentence(catalogue: claims.Catalogue, results: Sequence[Result]) -> str | None:
    """The Phase 1 goal closed loop: the best throughput with a real model, without one and
    with the seed's own design (batch mode, hash), met or missed."""
    goal = next((t for t in catalogue.claims if t.gate), None)
    base = [r for r in baseline(results) if r.profile == "real"]
    if goal is None:
        return None
    parts = []
    for label, rs in (
        ("with a real model (minilm)", [r for r in base if r.embedder == "minilm"]),
        ("without one (the hash embedder)", [r for r in base if r.embedder == "hash"]),
        (
            "with the seed's own design (batch mode, hash)",
            [r for r in base if r.embedder == "hash" and r.mode == "batch"],
        ),
    ):
        r = max(rs, key=lambda r: r.throughput_ops_s, default=None)
        if r is not None:
            verdict = "met" if goal.met(r.throughput_ops_s) else "missed"
            parts.append(
                f"{label}, {verdict}: {r.throughput_ops_s:,.0f} ops/s at best "
                f"({r.name}, {r.throughput_ops_s / goal.target:.2f}x the goal)"
            )
    if not parts:
        return None
    return (
        f"The seed's Phase 1 goal, {goal.target:,.0f} ops/s closed loop (clients back to "
        "back, no latency bound): " + "; ".join(parts) + "."
    )


def sustained_sentence(
    catalogue: claims.Catalogue, results: Sequence[Result], capacities: Sequence[dict[str, Any]]
) -> str | None:
    """The sustained form of the Phase 1 goal, per embedder measured: the best maximum
    sustainable throughput of the capacity searches, met or missed."""
    goal = next((t for t in catalogue.claims if t.kind == "sustained"), None)
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


def consistency_sentence(catalogue: claims.Catalogue) -> str | None:
    """How many rows of the seed's own table state a throughput that its own latency column
    does not give (items over the row's latency)."""
    rows = catalogue.seed_claims
    if not rows:
        return None
    off = [c for c in rows if not c.consistent]
    if not off:
        return f"Each of the seed's {len(rows)} table rows follows from its own latency column."
    worst = max(off, key=lambda c: c.throughput_ops_s / c.implied_ops_s)
    return (
        f"{len(off)} of the seed's {len(rows)} table rows state a throughput that their own "
        f"latency does not give: {worst.row} claims {worst.throughput_ops_s:,.0f} ops/s where "
        f"{worst.items:,} items in {worst.latency_ms:,.0f} ms is {worst.implied_ops_s:,.0f}."
    )


def stages_sentence(stages: dict[str, Any] | None) -> str | None:
    """The stages alone: batch embedding per embedder and parallel store writes."""
    if not stages:
        return None
    parts = []
    for name, points in sorted((stages.get("embed") or {}).items()):
        n = "100" if "100" in points else next(reversed(points), None)
        at = points.get(n) if n is not None else None
        if at and at.get("speedup") is not None:
            parts.append(f"embed_batch of {n} texts is x{at['speedup']:.2f} single embeds ({name})")
    writes = (stages.get("writes") or {}).get("speedup")
    if writes is not None:
        parts.append(f"parallel store writes x{writes:.2f} sequential ones")
    if not parts:
        return None
    return (
        "Measured alone, "
        + "; ".join(parts)
        + ": the seed claims 10x at 100 texts and 2-3x for parallel writes."
    )


def embedding_sentence(stages: dict[str, Any] | None) -> str | None:
    """Batch embedding with a real model, on the embedder alone, against the seed's claims."""
    embed = ((stages or {}).get("embed") or {}).get("minilm")
    if not embed:
        return None
    got = ", ".join(f"x{p['speedup']:.2f} at {n}" for n, p in embed.items())
    return (
        f"Batch embedding with a real model (MiniLM, on the embedder alone): {got} "
        "against single embeds, beside the seed's 5x at 10 and 10x at 100."
    )


__all__ = [
    "claims_sentence",
    "closed_loop_sentence",
    "consistency_sentence",
    "contradiction_sentence",
    "embedding_sentence",
    "stages_sentence",
    "sustained_sentence",
]
