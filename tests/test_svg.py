"""The notebooks' small SVG figures (agentmem_lab.report.svg): well formed, their marks
where the values put them, and any input drawn without an error."""

import xml.etree.ElementTree as ET

import pytest

from agentmem_lab.report.svg import bars_figure, latency_figure, nice_ticks

NS = "{http://www.w3.org/2000/svg}"


def test_ticks_are_round_and_cover_the_range():
    assert nice_ticks(0.0, 10.0) == [0.0, 2.0, 4.0, 6.0, 8.0, 10.0]
    # from at or below the low end to at or above the high end: an axis's top is a tick
    assert nice_ticks(0.0, 0.9) == pytest.approx([0.0, 0.2, 0.4, 0.6, 0.8, 1.0])
    assert nice_ticks(2.53, 13.0, 4) == [0.0, 5.0, 10.0, 15.0]
    assert len(nice_ticks(3.0, 3.0)) >= 2  # an empty range still gets an axis


def test_the_histogram_counts_every_call_and_marks_the_percentiles():
    samples = [1.0] * 10 + [2.0] * 30 + [4.0] * 10
    svg = ET.fromstring(latency_figure(samples, [("p50", 2.0), ("p99", 4.0)], "x").text)
    heights = [float(r.get("height")) for r in svg.iter(f"{NS}rect") if r.get("fill") == "#1f77b4"]
    assert len(heights) == 3 and heights[1] == pytest.approx(3 * heights[0])
    texts = [t.text for t in svg.iter(f"{NS}text")]
    assert "x: 50 calls" in texts and "p50 2.000 ms" in texts and "p99 4.000 ms" in texts
    # the distribution ends at every call
    line = next(svg.iter(f"{NS}polyline")).get("points").split()
    assert float(line[-1].split(",")[1]) == pytest.approx(30.0)  # share 1.0: the panel top


@pytest.mark.parametrize("samples", [[], [5.0], [0.0, 0.0], [0.001, 1e4]])
def test_any_samples_draw(samples):
    ET.fromstring(latency_figure(samples, [("p50", 1.0)], "edge").text)


def test_bars_are_proportional_and_the_line_is_marked():
    svg = ET.fromstring(bars_figure(["a", "b"], [1.0, 3.0], ("call", 4.0), "ms").text)
    widths = [float(r.get("width")) for r in svg.iter(f"{NS}rect") if r.get("fill") == "#ff7f0e"]
    assert widths[1] == pytest.approx(3 * widths[0])
    assert "- - call 4.000 ms" in [t.text for t in svg.iter(f"{NS}text")]
