"""Offered load: the schedule, the in-flight bound, late calls, and response against
service time on the simulated profile, whose capacity the seed's model gives exactly."""

from __future__ import annotations

import asyncio
import statistics
from dataclasses import replace

import pytest

from agentmem_lab.core.errors import StorageError
from agentmem_lab.core.seedmodel import predict
from agentmem_lab.corpus import make_items
from agentmem_lab.measuring.folder import read_ack_log
from agentmem_lab.measuring.runner import RunConfig, run
from agentmem_lab.measuring.verify import verify
from agentmem_lab.workload.closed_loop import chunks
from agentmem_lab.workload.modes import CallOutcome
from agentmem_lab.workload.open_loop import (
    LATE_S,
    drive_open,
    schedule,
    trace_schedule,
    trace_times,
)
from helpers import kill_run_once_logged


def test_uniform_schedule_spaces_calls_by_their_items() -> None:
    offsets, end = schedule([10, 10, 5], rate=100.0, arrivals="uniform", seed=0)
    assert offsets == pytest.approx([0.0, 0.1, 0.2]) and end == pytest.approx(0.25)


def test_poisson_schedule_is_seeded_and_has_the_offered_mean() -> None:
    a = schedule([1] * 20000, 1000.0, "poisson", seed=3)
    assert a == schedule([1] * 20000, 1000.0, "poisson", seed=3)
    assert a != schedule([1] * 20000, 1000.0, "poisson", seed=4)
    gaps = [y - x for x, y in zip(a[0], a[0][1:])]
    assert statistics.mean(gaps) == pytest.approx(1e-3, rel=0.05)
    assert statistics.stdev(gaps) == pytest.approx(1e-3, rel=0.1)  # exponential: sd = mean


class Slow:
    """An adder whose calls take ``seconds`` each; it counts the calls in flight."""

    def __init__(self, seconds: float, fail_at: int | None = None) -> None:
        self.seconds, self.fail_at = seconds, fail_at
        self.now = self.most = self.calls = 0

    async def add(self, items):  # type: ignore[no-untyped-def]
        self.calls += 1
        if self.fail_at is not None and self.calls == self.fail_at:
            raise StorageError("core store", "/nowhere", "disk full")
        self.now += 1
        self.most = max(self.most, self.now)
        await asyncio.sleep(self.seconds)
        self.now -= 1
        return CallOutcome(acked=[i.key for i in items])


def test_at_most_max_in_flight_and_late_calls_are_run_not_dropped() -> None:
    slow = Slow(0.02)
    calls = chunks(make_items(40), 1)
    records, wall = asyncio.run(drive_open(slow, calls, rate=1000.0, max_in_flight=3))
    assert slow.most == 3 and len(records) == 40  # every call ran
    assert sum(len(r.acked) for r in records) == 40
    late = [r for r in records if r.start_delay_s > LATE_S]
    assert len(late) >= 30  # 1,000/s offered, about 150/s served: nearly all start late
    assert all(r.response_s == pytest.approx(r.latency_s + r.start_delay_s) for r in records)
    assert wall >= 40 / 3 * 0.02 * 0.9


def test_the_window_lasts_until_the_schedule_ends() -> None:
    records, wall = asyncio.run(drive_open(Slow(0.0), chunks(make_items(10), 1), rate=100.0))
    assert wall >= 0.1 and len(records) == 10  # 10 items at 100/s: 0.1 s offered


def test_a_failing_call_stops_the_offer_and_speaks() -> None:
    slow = Slow(0.001, fail_at=5)
    with pytest.raises(StorageError):
        asyncio.run(drive_open(slow, chunks(make_items(50), 1), rate=2000.0))
    assert slow.calls < 50


def test_a_failing_acknowledgement_log_stops_the_offer_and_speaks() -> None:
    def log(record):  # type: ignore[no-untyped-def]
        raise StorageError("acknowledgement log", "/nowhere", "disk full")

    with pytest.raises(StorageError, match="acknowledgement log"):
        asyncio.run(drive_open(Slow(0.0), chunks(make_items(20), 1), rate=2000.0, on_call=log))


def test_above_capacity_response_grows_with_the_run_while_service_stays_the_models(
    tmp_path,
) -> None:
    # sequential-1 in the seed's model: one call takes its 30 ms, so one call in flight
    # serves 33.3 items/s. Offered 50/s, call i is due at 20 i ms and starts at 30 i ms:
    # its response is 30 + 10 i ms while its service stays 30 ms.
    service_ms = predict("sequential", 1).latency_ms
    r = run(
        RunConfig(
            mode="sequential",
            batch_size=1,
            items=40,
            profile="simulated",
            rate=50.0,
            max_in_flight=1,
            warmup=0,
        ),
        tmp_path,
    )
    o = r.offered
    assert o is not None and r.integrity.lost == 0 and r.integrity.orphans == 0
    # the model's 30 ms, never less; timers wake late on a loaded machine (35 ms with three
    # busy processes on the two cores here), while the response below grows to 420 ms
    assert service_ms <= r.latency_ms["p50"] <= service_ms * 1.3
    assert service_ms <= o.service_ms["p50"] <= service_ms * 1.3
    response = o.response_samples_ms
    # the queue grows by the mean measured service less the 20 ms interval a call (420 ms at
    # the model's 30 ms)
    served = statistics.mean(r.samples_ms)
    expected = [served + i * (served - 20.0) for i in range(40)]
    assert response[-1] == pytest.approx(expected[-1], rel=0.1)
    assert statistics.mean(response[30:]) > 5 * statistics.mean(response[:5])
    assert o.response_ms["p99"] > 10 * o.service_ms["p99"] / 2
    assert o.late >= 35 and o.achieved_share < 0.8


@pytest.mark.slow
def test_below_capacity_response_and_service_agree(tmp_path) -> None:
    r = run(
        RunConfig(
            mode="sequential",
            batch_size=1,
            items=30,
            profile="simulated",
            rate=20.0,
            max_in_flight=1,
            warmup=0,
        ),
        tmp_path,
    )
    o = r.offered
    assert o is not None
    # below capacity a call starts on time: response is service plus the timer's lateness
    assert o.response_ms["p50"] == pytest.approx(o.service_ms["p50"], rel=0.1)
    assert o.achieved_share == pytest.approx(1.0, abs=0.02)
    assert o.offered_ops_s == 20.0 and o.calls == 30
    assert len(o.histograms_us["response"]) < 2000  # a few hundred bytes, any run size


@pytest.mark.parametrize("mode,batch", [("parallel", 1), ("batch", 10), ("bulk", 100)])
def test_every_mode_runs_open_loop_clean(tmp_path, mode: str, batch: int) -> None:
    r = run(
        RunConfig(
            mode=mode,
            batch_size=batch,
            items=batch * 20,
            rate=batch * 400.0,
            arrivals="poisson",
            search_queries=0,
            fail_rate=0.05,
        ),
        tmp_path,
    )
    i = r.integrity
    assert i.lost == 0 and i.orphans == 0 and i.failed > 0
    assert r.offered is not None and r.offered.arrivals == "poisson"


def test_sharded_open_loop_shares_the_rate(tmp_path) -> None:
    r = run(
        RunConfig(mode="bulk", batch_size=10, items=400, shards=2, rate=4000.0, search_queries=0),
        tmp_path,
    )
    assert r.integrity.lost == 0 and r.integrity.orphans == 0
    assert r.offered is not None and r.offered.calls in (40, 41)  # a short call per shard
    assert r.offered.achieved_share > 0.5


@pytest.mark.slow
def test_a_killed_open_loop_run_is_repaired_by_verify(tmp_path) -> None:
    out = tmp_path / "run"
    kill_run_once_logged(
        out,
        [
            "--mode",
            "parallel",
            "--batch-size",
            "1",
            "--items",
            "100000",
            "--rate",
            "3000",
            "--warmup",
            "0",
        ],
        10_000,
    )
    acked = read_ack_log(out / "stores" / "acked.log")
    assert len(acked) >= 300 and not (out / "result.json").exists()
    report = asyncio.run(verify(out))
    assert report["lost"] == 0 and report["orphans"] == 0
    assert report["core"] == report["vector"] == report["history"] >= len(acked)


def test_a_trace_spreads_each_seconds_messages_cuts_long_gaps_and_is_compressed() -> None:
    stamps = [100.0, 100.0, 100.0, 101.0, 401.0, 401.5, 401.5]
    times = trace_times(stamps, speedup=2.0, max_gap_s=60.0)
    # three in second 100 at thirds of it; the 300 s gap cut to 60; fractional stamps tie
    assert times == pytest.approx([0, 1 / 6, 1 / 3, 0.5, 30.5, 30.75, 30.75])
    with pytest.raises(ValueError, match="message 1 is earlier"):
        trace_times([5.0, 4.0], 1.0, 60.0)


def test_a_trace_offers_each_call_when_its_last_message_was_written() -> None:
    items = [
        replace(it, created_at=1_600_000_000.0 + t)
        for it, t in zip(make_items(6), [0, 1, 2, 3, 10, 11])
    ]
    offsets, end = trace_schedule(chunks(items, 2), speedup=10.0, max_gap_s=60.0)
    assert offsets == pytest.approx([0.1, 0.3, 1.1]) and end == pytest.approx(1.6)
    records, wall = asyncio.run(
        drive_open(Slow(0.0), chunks(items, 2), None, "trace", speedup=10.0)
    )
    assert sorted(r.due_s for r in records) == pytest.approx(offsets)
    assert wall >= 1.6 and all(r.response_s >= r.latency_s for r in records)
    with pytest.raises(ValueError, match="needs a rate"):
        asyncio.run(drive_open(Slow(0.0), chunks(items, 2), None, "uniform"))
