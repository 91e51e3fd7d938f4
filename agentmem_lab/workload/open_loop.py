"""Offered load: calls at a rate, each timed from when it should have started.

A closed-loop client that meets a slow call waits, so the queueing an application would
see never reaches the figures (coordinated omission). Here the calls arrive on a schedule
fixed before the run, whatever the system does:

- **schedule**: call *i* of *n* items is due ``n / rate`` seconds after call *i-1* was due
  (``uniform``), or after an exponential gap of that mean (``poisson``, seeded); or, for a
  dataset's messages (``trace``), when its last message was written, in the dataset's own
  time (``trace_times``: gaps cut at ``max_gap_s``, then divided by ``speedup``);
- **in flight**: at most ``max_in_flight`` calls run at once. A call whose slot is not
  free, or that the event loop could not start on time, starts late; it is never dropped;
- **times**: each call's service time runs from its actual start, its response time from
  its intended start (``CallRecord.start_delay_s`` is the difference). A call that starts
  more than ``LATE_S`` after it was due counts as late;
- **the window**: the drive lasts until the schedule's end (the last call's slot) or the
  last return, whichever is later; the achieved rate is acknowledged items over it. A
  system that keeps up returns its last call within that call's slot and achieves the
  offer exactly; one whose last call outlasts its slot by *d* seconds is charged *d*, a
  share *d / window* that a probe long against its calls' service time keeps small (a
  least-squares rate of the returns was tried: it charged a store whose calls slow as its
  index grows, 44 ms to 150 ms over 40 bulk-1000 calls at 8,000 ops/s, 1.8 % though
  every call started on time and returned within its slot).

How the generator waits for a call's intended start (``waits``, the ``--schedule-waits``
setting) is a trade-off, measured by ``benchmarks/offered_load.py``:

- ``timer`` (the default): the event loop's own timers, checked again on waking so that no
  call starts early. No CPU; a call starts up to about a millisecond late (the loop's timers
  have millisecond resolution);
- ``spin``: on the deadline (``simclock``: the loop is woken 2.5 ms early, then yields to it
  without sleeping until the deadline has passed): calls start within a fraction of a
  millisecond, but the spinning loop holds the interpreter lock that the stores' threads
  need to return, and their calls slow down (sequential-1 at 500 calls/s: service p99
  27-32 ms spinning against 11-14 ms with timers, on the same noisy 2-core VM).

Either way each call's lateness is measured (``start_delay_s``) and is part of its
response time, never hidden.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable, Sequence

from agentmem_lab.core import simclock
from agentmem_lab.items import MemoryItem
from agentmem_lab.workload.closed_loop import CallRecord, record_of
from agentmem_lab.workload.modes import Adder

#: A call that starts later than this after its intended start is late.
LATE_S = 1e-3
#: The first call is due this long after the drive begins (the loop is ready by then).
LEAD_S = 1e-3


def schedule(
    sizes: Sequence[int], rate: float, arrivals: str, seed: int
) -> tuple[list[float], float]:
    """Intended start offsets (seconds from the start) of calls of ``sizes`` items, and the
    schedule's end: the sum of every call's gap (``uniform``: n / rate; ``poisson``:
    exponential with that mean, seeded)."""
    if rate <= 0:
        raise ValueError("rate must be positive")
    rng = random.Random(seed)
    offsets: list[float] = []
    t = 0.0
    for n in sizes:
        offsets.append(t)
        mean = n / rate
        t += rng.expovariate(1.0 / mean) if arrivals == "poisson" else mean
    return offsets, t


def trace_times(stamps: Sequence[float], speedup: float, max_gap_s: float) -> list[float]:
    """Each message's replay time, in seconds from the first message, from its timestamp
    (seconds since 1970, in time order):

    - a timestamp given to the whole second stands for that second: the *k* messages that
      share one are spread evenly across it (at 0, 1/k, ... of it), not offered at once;
    - a gap longer than ``max_gap_s`` (the dataset's own seconds) is cut to it;
    - then the whole is divided by ``speedup``.
    """
    if speedup <= 0 or max_gap_s < 0:
        raise ValueError("speedup must be positive and max_gap_s not negative")
    spread = [float(s) for s in stamps]
    i, n = 0, len(spread)
    while i < n:
        j = i + 1
        while j < n and spread[j] == spread[i]:
            j += 1
        if j - i > 1 and spread[i].is_integer():
            k = j - i
            for m in range(1, k):
                spread[i + m] += m / k
        i = j
    out, t = [], 0.0
    for i, s in enumerate(spread):
        if i:
            gap = s - spread[i - 1]
            if gap < 0:
                raise ValueError(f"message {i} is earlier than the one before it")
            t += min(gap, max_gap_s) / speedup
        out.append(t)
    return out


def trace_schedule(
    calls: Sequence[Sequence[MemoryItem]], speedup: float, max_gap_s: float
) -> tuple[list[float], float]:
    """Intended start offsets of calls of a dataset's messages, each call due when its last
    message was written (``trace_times`` of the items' ``created_at``), and the schedule's
    end: the last call's offset plus the mean gap between calls."""
    times = trace_times([it.created_at for call in calls for it in call], speedup, max_gap_s)
    offsets, i = [], 0
    for call in calls:
        i += len(call)
        offsets.append(times[i - 1])
    return offsets, trace_end(offsets[0], offsets[-1], len(offsets)) if offsets else 0.0


def trace_end(first: float, last: float, calls: float) -> float:
    """A trace schedule's end: its last call's offset plus the mean gap between its calls."""
    return last + (last - first) / (calls - 1) if calls > 1 else last


async def timer_wait(seconds: float) -> None:
    """Wait on the loop's own timers, never ending early (a millisecond timer may fire
    before a sub-millisecond deadline: wait again for the rest)."""
    due = time.perf_counter() + seconds
    while True:
        left = due - time.perf_counter()
        if left <= 0:
            return
        await asyncio.sleep(left)


#: How the generator waits, by ``--schedule-waits`` name.
WAITS: dict[str, Callable[[float], Awaitable[None]]] = {"timer": timer_wait, "spin": simclock.sleep}


async def drive_open(
    mode: Adder,
    calls: Sequence[Sequence[MemoryItem]],
    rate: float | None,
    arrivals: str = "uniform",
    max_in_flight: int = 16,
    seed: int = 0,
    on_call: Callable[[CallRecord], None] | None = None,
    waits: str = "timer",
    speedup: float = 1.0,
    max_gap_s: float = 60.0,
) -> tuple[list[CallRecord], float]:
    """Offer the calls at ``rate`` items per second (``trace``: at their messages' own
    times, ``rate`` unused); returns the records (in order of return, each with its
    intended start) and the wall seconds of the window (see the module). The first error a
    call raises stops the offer and is raised once every started call has returned."""
    if arrivals == "trace":
        offsets, end = trace_schedule(calls, speedup, max_gap_s)
    elif rate is None:
        raise ValueError("an offer needs a rate, or arrivals='trace'")
    else:
        offsets, end = schedule([len(c) for c in calls], rate, arrivals, seed)
    clock = time.perf_counter
    loop = asyncio.get_running_loop()
    slots = asyncio.Semaphore(max_in_flight)
    records: list[CallRecord] = []
    running: set[asyncio.Task[None]] = set()
    errors: list[BaseException] = []
    add, append = mode.add, records.append
    wait_for = WAITS[waits]

    async def one(batch: Sequence[MemoryItem], due: float) -> None:
        t0 = clock()
        try:
            try:
                outcome = await add(batch)
            finally:
                slots.release()
            record = record_of(clock() - t0, batch, outcome, t0 - due, due - start)
            append(record)
            if on_call is not None:
                on_call(record)  # the acknowledgement log: its failure stops the run too
        except BaseException as exc:
            errors.append(exc)
            raise

    start = clock() + LEAD_S
    try:
        for batch, offset in zip(calls, offsets):
            if errors:
                break
            due = start + offset
            wait = due - clock()
            if wait > 0:
                await wait_for(wait)  # never early
            await slots.acquire()
            task = loop.create_task(one(batch, due))
            running.add(task)
            task.add_done_callback(running.discard)
        if running:
            await asyncio.gather(*running, return_exceptions=True)
    except BaseException:
        for task in running:
            task.cancel()
        if running:
            await asyncio.gather(*running, return_exceptions=True)
        raise
    if errors:
        raise errors[0]
    rest = start + end - clock()
    if rest > 0:
        await timer_wait(rest)  # the window covers the last call's slot
    return records, clock() - start


__all__ = [
    "LATE_S",
    "LEAD_S",
    "WAITS",
    "drive_open",
    "schedule",
    "timer_wait",
    "trace_end",
    "trace_schedule",
    "trace_times",
]
