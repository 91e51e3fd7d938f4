"""The report's headline figure: each of the seed's throughput claims beside what this sweep
measured with a real model, without one (hash) and with the seed's own latency model
(simulated), on one log axis. Plain SVG (``report.svg``), readable without the text."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from agentmem_lab import claims
from agentmem_lab.report.load import PEER_CLAIM_OPS_S, best_peer_run
from agentmem_lab.report.svg import GRID, Panel, Svg, axes, document, label, svg_text
from agentmem_lab.schema.result import Result

#: Each series: its name in the legend, its colour and its marker.
SERIES = (
    ("measured, real model (MiniLM)", "#1f77b4", "circle"),
    ("measured, no model (hash)", "#ff7f0e", "square"),
    ("the seed's model, run by the bench (simulated)", "#555555", "triangle"),
)


@dataclass(frozen=True)
class HeadlinePoint:
    """One claim: its label, the claimed value (a range's low and high end) and the three
    measured figures (None where this sweep has none)."""

    label: str
    low: float
    high: float
    measured: tuple[float | None, float | None, float | None]


def headline_points(
    catalogue: claims.Catalogue,
    results: Sequence[Result],
    capacities: Sequence[dict[str, Any]] = (),
) -> list[HeadlinePoint]:
    """The seed's throughput claims (absolute and sustained) and mem0's attributed 10,000
    ops/s, each with this sweep's figures."""
    verdicts = claims.evaluate(catalogue, results, capacities=capacities)
    by = {(v.target.id, v.group): v.measured for v in verdicts}
    checks = {c.target.id: c for c in claims.model_checks(catalogue, results)}
    points = []
    for t in catalogue.claims:
        if t.metric != "throughput_ops_s" or t.kind not in ("absolute", "sustained"):
            continue
        check = checks.get(t.id)
        simulated = None if check is None else check.measured
        points.append(
            HeadlinePoint(
                t.claim,
                t.target,
                t.high if t.high is not None else t.target,
                (by.get((t.id, "real:minilm")), by.get((t.id, "real:hash")), simulated),
            )
        )

    def best(embedder: str) -> float | None:
        run = best_peer_run(results, "mem0", embedder)
        return None if run is None else run.throughput_ops_s

    points.append(
        HeadlinePoint(
            "mem0 add(infer=False): 10,000 ops/s (attributed)",
            PEER_CLAIM_OPS_S,
            PEER_CLAIM_OPS_S,
            (best("minilm"), best("hash"), None),
        )
    )
    return points


def _marker(kind: str, x: float, y: float, colour: str) -> str:
    if kind == "circle":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4.5" fill="{colour}"/>'
    if kind == "square":
        return (
            f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="{colour}" '
            'fill-opacity="0.85"/>'
        )
    return (
        f'<polygon points="{x:.1f},{y - 5:.1f} {x - 5:.1f},{y + 4:.1f} {x + 5:.1f},{y + 4:.1f}" '
        f'fill="none" stroke="{colour}" stroke-width="1.5"/>'
    )


def headline_figure(points: Sequence[HeadlinePoint]) -> Svg:
    """Claimed (black bar: the claim, or its range) against measured, one row per claim,
    throughput on a log axis; the legend says which marker is which."""
    if not points:
        return document(760, 40, [svg_text(380, 24, "No throughput claim to draw.")])
    values = [v for p in points for v in (p.low, p.high, *p.measured) if v is not None and v > 0]
    lo = 10 ** math.floor(math.log10(min(values)))
    hi = 10 ** math.ceil(math.log10(max(values)))
    panel = Panel(300, 68, 440, 22 * len(points) + 8)

    def px(v: float) -> float:
        v = min(max(v, lo), hi)
        return panel.x + (math.log10(v) - math.log10(lo)) / math.log10(hi / lo) * panel.w

    body: list[str] = [
        svg_text(
            380,
            16,
            "The seed's throughput claims (black) against this sweep's measurements, ops/s",
            size=13,
        )
    ]
    lx, ly = 20.0, 34.0
    for name, colour, kind in (("claimed by the seed", "#000000", "bar"), *SERIES):
        width = 10 + 5.6 * len(name) + 18
        if lx + width > 750:  # the legend wraps rather than runs off the figure
            lx, ly = 20.0, ly + 16
        if kind == "bar":
            body.append(f'<rect x="{lx:.1f}" y="{ly - 6:.1f}" width="3" height="12"/>')
        else:
            body.append(_marker(kind, lx + 2, ly, colour))
        body.append(svg_text(lx + 10, ly + 4, name, anchor="start", size=10))
        lx += width
    decades = range(round(math.log10(lo)), round(math.log10(hi)) + 1)
    for d in decades:
        x = px(10.0**d)
        body.append(
            f'<line x1="{x:.1f}" y1="{panel.y:.1f}" x2="{x:.1f}" y2="{panel.y + panel.h:.1f}" '
            f'stroke="{GRID}"/>'
        )
    yticks = []
    for i, p in enumerate(points):
        y = panel.y + 15 + 22 * i
        yticks.append((y, p.label if len(p.label) <= 46 else p.label[:45] + "…"))
        if p.high > p.low:  # a claimed range: its span outlined, its ends marked
            body.append(
                f'<rect x="{px(p.low):.1f}" y="{y - 6:.1f}" width="{px(p.high) - px(p.low):.1f}" '
                'height="12" fill="none" stroke="#000000"/>'
            )
        for end in {p.low, p.high}:
            body.append(f'<rect x="{px(end) - 1.5:.1f}" y="{y - 9:.1f}" width="3" height="18"/>')
        for value, (_, colour, kind) in zip(p.measured, SERIES):
            if value is not None and value > 0:
                body.append(_marker(kind, px(value), y, colour))
    body += axes(
        panel,
        [(px(10.0**d), label(10.0**d)) for d in decades],
        yticks,
        "operations per second (log scale)",
        "",
    )
    return document(760, int(panel.y + panel.h + 44), body)


__all__ = ["SERIES", "HeadlinePoint", "headline_figure", "headline_points"]
