"""Searches during writes and freshness, on real vector stores."""

from __future__ import annotations

import pytest

from agentmem_lab.errors import ConfigError
from agentmem_lab.reads import sampled
from agentmem_lab.runner import RunConfig, run
from agentmem_lab.stores import StoreSettings


def test_the_freshness_sample_is_fixed_by_key_and_near_its_share() -> None:
    keys = range(1, 200_001)
    chosen = [k for k in keys if sampled(k, 0.02)]
    assert chosen == [k for k in keys if sampled(k, 0.02)]
    assert len(chosen) == pytest.approx(4000, rel=0.1)
    assert not any(sampled(k, 0.0) for k in range(1000))


@pytest.mark.parametrize("backend", ["usearch", "faiss-flat", "lancedb"])
def test_search_rate_reports_search_under_writes_and_searchable_after(tmp_path, backend) -> None:
    r = run(RunConfig(mode="bulk", batch_size=50, items=1000, rate=1000.0, search_rate=200.0,
                      freshness_sample=0.05, search_queries=10,
                      stores=StoreSettings(vector_store=backend)), tmp_path)
    assert r.integrity["lost"] == 0 and r.integrity["orphans"] == 0
    reads = r.reads
    assert reads is not None and reads["searches"] >= 5
    assert reads["response_ms"]["p99"] >= reads["service_ms"]["p50"] > 0
    fresh = reads["freshness"]
    assert fresh["probed"] >= 25
    assert fresh["found"] + fresh["not_found"] == fresh["probed"]
    assert fresh["found"] == fresh["probed"], fresh  # these stores search what they hold
    assert fresh["searchable_after_ms"]["p50"] > 0
    assert r.search is not None  # the idle store's search, beside


def test_search_rate_works_closed_loop_too(tmp_path) -> None:
    r = run(RunConfig(mode="parallel", batch_size=1, items=300, search_rate=100.0,
                      search_queries=0), tmp_path)
    assert r.reads is not None and r.offered is None and r.reads["freshness"]["probed"] > 0


def test_search_rate_with_shards_is_refused_in_one_line() -> None:
    with pytest.raises(ConfigError, match="--search-rate"):
        RunConfig(mode="bulk", batch_size=10, items=100, shards=2, search_rate=10.0)
