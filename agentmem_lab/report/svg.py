"""Small figures drawn as SVG, without matplotlib: the ones each configuration's notebook
shows (a run's latency histogram and distribution, its stage spans).

A sweep runs that notebook once per configuration, each in a fresh kernel: drawing these
with matplotlib and the summary with pandas cost each kernel their imports, 79 s of a
70-configuration sweep's 443 s of notebooks on the 2-core VM. These are plain SVG text.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

FONT = "font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif"
BLUE, ORANGE, GRID = "#1f77b4", "#ff7f0e", "#dddddd"


@dataclass(frozen=True)
class Svg:
    """An SVG figure: shown by Jupyter (``_repr_svg_``), written by ``save``."""

    text: str

    def _repr_svg_(self) -> str:
        return self.text

    def save(self, path: str) -> None:
        with open(path, "w", encoding="utf-8") as f:
            f.write(self.text)


@dataclass(frozen=True)
class Panel:
    """A plot area inside the figure, in pixels."""

    x: float
    y: float
    w: float
    h: float


def nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    """Round tick values, about ``n`` of them, from the last at or below ``lo`` to the
    first at or above ``hi``."""
    if not hi > lo:
        hi = lo + 1.0
    raw = (hi - lo) / n
    mag = 10 ** math.floor(math.log10(raw))
    step = min((s * mag for s in (1, 2, 2.5, 5, 10) if s * mag >= raw), default=10 * mag)
    first, last = math.floor(lo / step + 1e-9), math.ceil(hi / step - 1e-9)
    return [round(k * step, 12) for k in range(first, last + 1)]


def label(v: float) -> str:
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:.3g}"


def svg_text(
    x: float, y: float, s: str, anchor: str = "middle", size: int = 11, rotate: bool = False
) -> str:
    turn = f' transform="rotate(-90 {x:.1f} {y:.1f})"' if rotate else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}"'
        f"{turn}>{html.escape(s)}</text>"
    )


def axes(
    p: Panel,
    xticks: Sequence[tuple[float, str]],
    yticks: Sequence[tuple[float, str]],
    xlabel: str,
    ylabel: str,
    title: str = "",
) -> list[str]:
    """Axes, ticks (positions in pixels) and labels of a panel."""
    out = [
        f'<rect x="{p.x:.1f}" y="{p.y:.1f}" width="{p.w:.1f}" height="{p.h:.1f}" '
        f'fill="none" stroke="#333"/>'
    ]
    for px, s in xticks:
        out.append(
            f'<line x1="{px:.1f}" y1="{p.y + p.h:.1f}" x2="{px:.1f}" '
            f'y2="{p.y + p.h + 4:.1f}" stroke="#333"/>'
        )
        out.append(svg_text(px, p.y + p.h + 16, s, size=10))
    for py, s in yticks:
        out.append(
            f'<line x1="{p.x - 4:.1f}" y1="{py:.1f}" x2="{p.x:.1f}" y2="{py:.1f}" stroke="#333"/>'
        )
        out.append(svg_text(p.x - 6, py + 3.5, s, anchor="end", size=10))
    out.append(svg_text(p.x + p.w / 2, p.y + p.h + 32, xlabel))
    out.append(svg_text(p.x - 44, p.y + p.h / 2, ylabel, rotate=True))
    if title:
        out.append(svg_text(p.x + p.w / 2, p.y - 8, title, size=12))
    return out


def document(width: int, height: int, body: list[str]) -> Svg:
    return Svg(
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" style="{FONT}">'
        f'<rect width="{width}" height="{height}" fill="white"/>' + "".join(body) + "</svg>"
    )


def latency_figure(
    samples_ms: Sequence[float], marks: Sequence[tuple[str, float]], title: str
) -> Svg:
    """Left, a histogram of the calls' latencies with ``marks`` (name, ms) as vertical
    lines; right, the share of calls at or below each latency, on a log axis."""
    xs = np.sort(np.asarray(samples_ms, dtype=float))
    if len(xs) == 0:
        return document(900, 60, [svg_text(450, 30, f"{title}: no calls")])
    left, right = Panel(60, 30, 360, 210), Panel(520, 30, 360, 210)
    lo, hi = float(xs[0]), float(xs[-1])
    if not hi > lo:
        lo, hi = lo * 0.9, lo * 1.1 + 1e-9
    counts, edges = np.histogram(xs, bins=min(60, max(5, len(xs) // 5)), range=(lo, hi))
    ymax = nice_ticks(0.0, float(counts.max()) or 1.0)[-1]

    def hx(v: float) -> float:
        return left.x + (v - lo) / (hi - lo) * left.w

    def hy(c: float) -> float:
        return left.y + left.h - c / ymax * left.h

    body: list[str] = []
    for c, a, b in zip(counts, edges[:-1], edges[1:]):
        if c:
            body.append(
                f'<rect x="{hx(a):.1f}" y="{hy(c):.1f}" width="{max(hx(b) - hx(a), 0.5):.1f}" '
                f'height="{left.y + left.h - hy(c):.1f}" fill="{BLUE}"/>'
            )
    dashes = ("", ' stroke-dasharray="5,3"', ' stroke-dasharray="1.5,2.5"')
    legend = []
    for i, (name, v) in enumerate(marks):
        if lo <= v <= hi:
            body.append(
                f'<line x1="{hx(v):.1f}" y1="{left.y:.1f}" x2="{hx(v):.1f}" '
                f'y2="{left.y + left.h:.1f}" stroke="black"{dashes[i % 3]}/>'
            )
        lx, ly = left.x + 130 * i, left.y + left.h + 50  # a line under the x label
        legend.append(
            f'<line x1="{lx:.1f}" y1="{ly - 4:.1f}" x2="{lx + 22:.1f}" '
            f'y2="{ly - 4:.1f}" stroke="black"{dashes[i % 3]}/>'
        )
        legend.append(svg_text(lx + 26, ly, f"{name} {v:.3f} ms", anchor="start", size=10))
    body += legend
    body += axes(
        left,
        [(hx(t), label(t)) for t in nice_ticks(lo, hi) if lo <= t <= hi],
        [(hy(t), label(t)) for t in nice_ticks(0.0, ymax) if t <= ymax],
        "call latency (ms)",
        "calls",
        f"{title}: {len(xs)} calls",
    )
    # the distribution on a log axis: decades, or the data's own range inside one decade
    positive = xs[xs > 0]
    if len(positive):
        llo, lhi = math.log10(float(positive[0])), math.log10(float(positive[-1]))
        if not lhi > llo:
            llo, lhi = llo - 0.05, lhi + 0.05

        def cx(v: float) -> float:
            return right.x + (math.log10(v) - llo) / (lhi - llo) * right.w

        def cy(share: float) -> float:
            return right.y + right.h - share * right.h

        n = len(positive)
        step = max(1, n // 600)  # at most about 600 steps drawn
        points = [f"{cx(float(positive[0])):.1f},{cy(0.0):.1f}"]
        for i in range(0, n, step):
            j = min(n - 1, i + step - 1)
            points.append(f"{cx(float(positive[i])):.1f},{cy(i / n):.1f}")
            points.append(f"{cx(float(positive[i])):.1f},{cy((j + 1) / n):.1f}")
        body.append(
            f'<polyline points="{" ".join(points)}" fill="none" stroke="{BLUE}" '
            f'stroke-width="1.5"/>'
        )
        decades = range(math.ceil(llo), math.floor(lhi) + 1)
        xticks = [(cx(10.0**d), label(10.0**d)) for d in decades]
        if len(xticks) < 2:  # within about a decade: round values, placed on the log axis
            vlo, vhi = 10.0**llo, 10.0**lhi
            xticks = [
                (cx(t), label(t)) for t in nice_ticks(vlo, vhi, 4) if vlo <= t <= vhi and t > 0
            ]
        for px, _ in xticks:
            body.append(
                f'<line x1="{px:.1f}" y1="{right.y:.1f}" x2="{px:.1f}" '
                f'y2="{right.y + right.h:.1f}" stroke="{GRID}"/>'
            )
        body += axes(
            right,
            xticks,
            [(cy(t), f"{t:.1f}") for t in (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)],
            "call latency (ms, log scale)",
            "share of calls at or below",
        )
    return document(900, 300, body)


def bars_figure(
    names: Sequence[str], values: Sequence[float], line: tuple[str, float], xlabel: str
) -> Svg:
    """Horizontal bars, one per name, with ``line`` (its name, value) as a dashed mark."""
    p = Panel(80, 14, 480, 26 * len(names) + 10)
    top = max([*values, line[1], 1e-9])
    ticks = nice_ticks(0.0, top)
    xmax = ticks[-1]

    def bx(v: float) -> float:
        return p.x + v / xmax * p.w

    body: list[str] = []
    yticks = []
    for i, (name, v) in enumerate(zip(names, values)):
        y = p.y + 8 + 26 * i
        body.append(
            f'<rect x="{p.x:.1f}" y="{y:.1f}" width="{bx(max(v, 0.0)) - p.x:.1f}" '
            f'height="18" fill="{ORANGE}"/>'
        )
        yticks.append((y + 9, name))
    body.append(
        f'<line x1="{bx(line[1]):.1f}" y1="{p.y:.1f}" x2="{bx(line[1]):.1f}" '
        f'y2="{p.y + p.h:.1f}" stroke="black" stroke-dasharray="5,3"/>'
    )
    body.append(
        svg_text(
            p.x + p.w + 8, p.y + 14, f"- - {line[0]} {line[1]:.3f} ms", anchor="start", size=10
        )
    )
    drawn = axes(p, [(bx(t), label(t)) for t in ticks if t <= xmax], yticks, xlabel, "")
    return document(760, int(p.y + p.h + 44), body + drawn)


__all__ = [
    "Panel",
    "Svg",
    "axes",
    "bars_figure",
    "document",
    "label",
    "latency_figure",
    "nice_ticks",
    "svg_text",
]
