import numpy as np
import pytest

from agentmem_lab.core.stats import percentile, summarize

SAMPLES = [
    [1.0],
    [3.0, 1.0, 2.0],
    [0.5, 0.5, 0.5, 10.0],
    list(np.random.default_rng(1).lognormal(size=997)),
    list(range(100)),
]


@pytest.mark.parametrize("xs", SAMPLES)
def test_summary_matches_numpy(xs):
    s = summarize(xs)
    for q in (50, 95, 99):
        assert s[f"p{q}"] == pytest.approx(float(np.percentile(xs, q)), rel=1e-12)
    assert s["mean"] == pytest.approx(float(np.mean(xs)), rel=1e-12)
    assert s["min"] == min(xs) and s["max"] == max(xs) and s["n"] == len(xs)


def test_outliers_are_kept():
    s = summarize([1.0] * 99 + [1000.0])
    assert s["max"] == 1000.0 and s["mean"] > 10


def test_errors():
    with pytest.raises(ValueError):
        summarize([])
    with pytest.raises(ValueError):
        percentile([1.0], 101)
