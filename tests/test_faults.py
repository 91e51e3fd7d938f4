import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agentmem_lab.core.errors import ConfigError, InjectedFault
from agentmem_lab.corpus import make_items
from agentmem_lab.measuring.runner import RunConfig, run
from agentmem_lab.stores import SimulatedStore, simulated_stores
from agentmem_lab.workload.faults import FaultyStore, unwrap, with_faults
from conftest import arun


def test_failures_are_decided_per_key_whatever_the_order():
    items = make_items(2000, seed=3)
    a = FaultyStore(SimulatedStore("core"), 0.1, seed=1)
    b = FaultyStore(SimulatedStore("core"), 0.1, seed=1)
    fa = {i.key for i in items if a.fails(i.key)}
    fb = {i.key for i in reversed(items) if b.fails(i.key)}
    assert fa == fb and 150 < len(fa) < 250  # ~10 % of 2,000
    assert not any(FaultyStore(SimulatedStore("core"), 0.0, 1).fails(i.key) for i in items)
    assert all(FaultyStore(SimulatedStore("core"), 1.0, 1).fails(i.key) for i in items)
    other_store = FaultyStore(SimulatedStore("vector"), 0.1, seed=1)
    assert {i.key for i in items if other_store.fails(i.key)} != fa


def test_bulk_write_reports_failed_keys_and_stores_the_rest():
    items = make_items(200, seed=4)
    store = FaultyStore(SimulatedStore("history"), 0.3, seed=2)
    failed = arun(store.write_many(items, np.zeros((200, 384), dtype=np.float32)))
    stored = arun(store.keys())
    assert failed and stored == {i.key for i in items} - failed
    bad = next(i for i in items if store.fails(i.key))
    with pytest.raises(InjectedFault):
        arun(store.write(bad, np.zeros(384)))


def test_wrapping_and_unwrapping():
    stores = with_faults(simulated_stores(), {"core": 0.5, "vector": 0.0}, seed=0)
    assert isinstance(stores.core, FaultyStore) and not isinstance(stores.vector, FaultyStore)
    assert unwrap(stores.core).name == "core"
    with pytest.raises(ConfigError, match="from 0 to 1"):
        FaultyStore(SimulatedStore("core"), 1.5, 0)


@pytest.mark.parametrize(
    "kwargs, option",
    [(dict(fail_rate=-0.1), "--fail-rate"), (dict(fail_rate_vector=2.0), "--fail-rate-vector")],
)
def test_rates_are_checked(kwargs, option):
    with pytest.raises(ConfigError) as info:
        RunConfig(mode="bulk", batch_size=1, items=1, **kwargs)
    assert info.value.option == option


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    mode=st.sampled_from(["sequential", "parallel", "batch", "bulk"]),
    batch=st.sampled_from([1, 3, 10, 50]),
    concurrency=st.integers(1, 4),
    rates=st.tuples(*(st.sampled_from([0.0, 0.01, 0.1, 0.5, 1.0]) for _ in range(3))),
    seed=st.integers(0, 1000),
)
@pytest.mark.slow
def test_acknowledged_equals_stored_under_random_faults(
    tmp_path_factory, mode, batch, concurrency, rates, seed
):
    out = tmp_path_factory.mktemp("faults")
    items = batch * 4
    r = run(
        RunConfig(
            mode=mode,
            batch_size=batch,
            items=items,
            concurrency=concurrency,
            seed=seed,
            fail_rate_core=rates[0],
            fail_rate_vector=rates[1],
            fail_rate_history=rates[2],
            search_queries=0,
        ),
        out,
    )
    i = r.integrity
    assert i.acknowledged == i.core == i.vector == i.history
    assert i.lost == 0 and i.orphans == 0
    assert i.acknowledged + i.failed == items
    if max(rates) == 1.0:
        assert i.acknowledged == 0
    if rates == (0.0, 0.0, 0.0):
        assert i.failed == 0
    assert r.settings["fail_rates"] == {"core": rates[0], "vector": rates[1], "history": rates[2]}


def test_faults_on_postgres_stores_leave_nothing_half_written(tmp_path, pg_dsn):
    # Every store on the server (the session's): a failed write is undone there too.
    from agentmem_lab.stores import StoreSettings

    stores = StoreSettings(
        core_store="postgres",
        history_store="postgres",
        vector_store="pgvector",
        postgres_dsn=pg_dsn,
    )
    for mode, batch in (("bulk", 10), ("parallel", 1), ("batch", 10)):
        r = run(
            RunConfig(
                mode=mode,
                batch_size=batch,
                items=60,
                fail_rate=0.1,
                seed=5,
                search_queries=5,
                stores=stores,
            ),
            tmp_path / mode,
        )
        i = r.integrity
        assert i.failed > 0 and i.lost == 0 and i.orphans == 0, (mode, i)
        assert i.acknowledged == i.core == i.vector == i.history == 60 - i.failed
    assert r.settings["server"] == {"started_by": "the user (--postgres-dsn)"}
