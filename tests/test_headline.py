"""The headline figure: each throughput claim against what was measured, on a log axis."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from agentmem_lab import claims
from agentmem_lab.report.headline import headline_figure, headline_points
from helpers import known_result

NS = "{http://www.w3.org/2000/svg}"


def test_points_are_the_throughput_claims_with_this_runs_figures():
    catalogue = claims.load()
    points = headline_points(catalogue, [known_result(throughput=12_000.0)])
    throughput = [
        t
        for t in catalogue.claims
        if t.metric == "throughput_ops_s" and t.kind in ("absolute", "sustained")
    ]
    assert [p.label for p in points[:-1]] == [t.claim for t in throughput]
    assert points[-1].label.startswith("mem0")
    goal = next(p for p in points if p.label.startswith("Phase 1 goal:"))
    assert goal.measured == (None, 12_000.0, None) and goal.low == 10_000.0


def test_the_figure_draws_a_marker_per_measured_figure():
    catalogue = claims.load()

    def squares(throughput: float) -> list[float]:
        svg = headline_figure(headline_points(catalogue, [known_result(throughput=throughput)]))
        root = ET.fromstring(svg.text)
        return [float(r.get("x", 0)) for r in root.iter(f"{NS}rect") if r.get("width") == "8"]

    low, high = squares(1_000.0), squares(100_000.0)
    assert len(low) == len(high) > 1  # the hash figures, and the legend's square
    assert max(high) > max(low)  # a larger figure sits further right on the axis
    empty = headline_figure([])
    assert "No throughput claim" in empty.text
