"""Waits that end on time: the clock of the simulated profile.

The simulated profile stands in for the seed's latency model, so its waits must last what
the model says and no more. ``asyncio.sleep`` does not: the selector rounds its timeout up
to whole milliseconds and the machine wakes a thread 0.1-0.3 ms late, so each wait
overshoots by a few hundred microseconds (measured on a 2-core VM: 5 ms sleeps ended
0.24 ms late at the median, and a batch of 1,000 items paid 4,000 tasks and timers).

``DeadlineTimer`` fixes both:

- a wait ends on an absolute deadline (``time.monotonic``): the loop is asked to wake
  ``EARLY_S`` before it, then the timer yields to the loop (``call_soon``, so every other
  task keeps running) until the deadline has passed;
- concurrent waits share one timer: deadlines are rounded *up* to a ``GRAIN_S`` bucket,
  and every wait of a bucket is the same future. A simulated store is a server whose
  concurrent requests each take its latency: 3,000 writes of one batch call cost one
  future and one wake-up per bucket, not 3,000 timer handles.

No wait ever ends before its deadline; it ends at most one bucket (50 µs) plus one loop
iteration after it. The price is CPU: during the last ``EARLY_S`` of a wait the loop runs
without sleeping (other tasks run in between). That is the simulated profile's own cost;
real runs never use this timer.
"""

from __future__ import annotations

import asyncio
import heapq
import time
import weakref

#: Bucket width: waits whose deadlines fall in the same bucket share one future.
GRAIN_S = 50e-6
#: How long before a deadline the loop is asked to wake; the rest is spent yielding to the
#: loop. It covers the selector rounding a timeout up to whole milliseconds twice (Python's
#: ``math.ceil`` then epoll's own: 8.7 ms becomes 10 ms) and a wake-up 0.1-0.3 ms late.
EARLY_S = 2.5e-3

_GRAIN_NS = int(GRAIN_S * 1e9)
_TIMERS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, DeadlineTimer] = (
    weakref.WeakKeyDictionary()
)
_LAST: DeadlineTimer | None = None


class DeadlineTimer:
    """Futures that complete when a monotonic deadline has passed (one timer per loop)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self._heap: list[int] = []  # bucket deadlines, ns
        self._buckets: dict[int, asyncio.Future[None]] = {}
        self._handle: asyncio.Handle | None = None
        self._armed_ns: int | None = None
        self.wakeups = 0  # loop iterations the timer ran in (its own cost, for tests)

    @classmethod
    def current(cls) -> DeadlineTimer:
        """The timer of the running loop (the last one found is kept at hand: a weak
        dictionary look-up per wait cost 2.5 µs, 7 ms per batch-1000 call)."""
        global _LAST
        loop = asyncio.get_running_loop()
        if _LAST is not None and _LAST.loop is loop:
            return _LAST
        timer = _TIMERS.get(loop)
        if timer is None:
            timer = _TIMERS[loop] = cls(loop)
        _LAST = timer
        return timer

    def after(self, seconds: float) -> asyncio.Future[None]:
        """A future that completes ``seconds`` from now, not before. Waits in the same
        bucket share the future: await it, never cancel it."""
        deadline = time.monotonic_ns() + int(seconds * 1e9)
        key = -(-deadline // _GRAIN_NS) * _GRAIN_NS  # rounded up: never early
        fut = self._buckets.get(key)
        if fut is None:
            fut = self._buckets[key] = self.loop.create_future()
            heapq.heappush(self._heap, key)
            if self._armed_ns is None or key < self._armed_ns:
                self._arm(key)
        return fut

    def _arm(self, key: int) -> None:
        if self._handle is not None:
            self._handle.cancel()
        self._armed_ns = key
        wake = self.loop.time() + (key - time.monotonic_ns()) / 1e9 - EARLY_S
        self._handle = self.loop.call_at(wake, self._tick)

    def _tick(self) -> None:
        self._handle, self._armed_ns = None, None
        self.wakeups += 1
        now = time.monotonic_ns()
        heap, buckets = self._heap, self._buckets
        while heap and heap[0] <= now:
            fut = buckets.pop(heapq.heappop(heap))
            if not fut.done():
                fut.set_result(None)
        if not heap:
            return
        if heap[0] - now <= EARLY_S * 1e9:
            # Close to the next deadline: yield one loop iteration and look again.
            self._armed_ns = heap[0]
            self._handle = self.loop.call_soon(self._tick)
        else:
            self._arm(heap[0])


def after(seconds: float) -> asyncio.Future[None]:
    """``DeadlineTimer.current().after(seconds)``: a wait of the running loop that ends on time."""
    return DeadlineTimer.current().after(seconds)


async def sleep(seconds: float) -> None:
    """Like ``asyncio.sleep``, ending on the deadline instead of up to a millisecond late."""
    await after(seconds)


__all__ = ["EARLY_S", "GRAIN_S", "DeadlineTimer", "after", "sleep"]
