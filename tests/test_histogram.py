from agentmem_lab.core import histogram


def test_percentiles_are_within_the_histograms_precision() -> None:
    values = [i / 1e6 for i in range(1, 100_001)]  # 1 us .. 100 ms
    h = histogram.of_seconds(values)
    s = histogram.summary_ms(h)
    assert abs(s["p50"] - 50.0) / 50.0 < 1e-3 and abs(s["p99"] - 99.0) / 99.0 < 1e-3
    assert abs(s["max"] - 100.0) / 100.0 < 1e-3 and s["n"] == 100_000


def test_an_encoded_histogram_decodes_and_adds_up() -> None:
    a = histogram.of_seconds([0.001] * 10)
    b = histogram.decode(histogram.encode(histogram.of_seconds([0.002] * 30)))
    a.add(b)
    s = histogram.summary_ms(a)
    assert s["n"] == 40 and abs(s["p50"] - 2.0) < 0.01
    assert len(histogram.encode(a)) < 200


def test_values_outside_the_range_are_clamped_not_lost() -> None:
    s = histogram.summary_ms(histogram.of_seconds([0.0, 1e-9, 10_000.0]))
    assert s["n"] == 3 and s["max"] <= histogram.HIGHEST_US / 1000.0 * 1.001
