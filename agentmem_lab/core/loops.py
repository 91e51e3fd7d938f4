"""The event loops a run can be timed in, found by name (``--event-loop``).

- ``uvloop`` (the default): libuv's loop. A task and a thread hand-off cost less there,
  and they are the harness's tax (docs/modes.md, "The event loop", has the figures measured
  against asyncio's).
- ``asyncio``: the standard library's selector loop, for comparison and where uvloop is
  not available (Windows).

``run_in_own_loop`` runs a coroutine in a fresh loop of the named kind: every timed phase
(a run, a shard's worker, the checks after it) runs inside one loop, never one per call.
"""

from __future__ import annotations

import asyncio
import gc
import signal
import threading
import warnings
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from agentmem_lab.core.errors import MissingDependencyError
from agentmem_lab.core.registry import Registry

T = TypeVar("T")
LoopFactory = Callable[[], asyncio.AbstractEventLoop]
EVENT_LOOPS: Registry[Callable[[], LoopFactory]] = Registry("event loop", "--event-loop")


@EVENT_LOOPS.register("uvloop")
def _uvloop() -> LoopFactory:
    try:
        import uvloop
    except ImportError:
        raise MissingDependencyError(
            "uvloop", "pip install uvloop (or use --event-loop asyncio)"
        ) from None
    factory: LoopFactory = uvloop.new_event_loop
    return factory


@EVENT_LOOPS.register("asyncio")
def _asyncio() -> LoopFactory:
    return asyncio.new_event_loop


def loop_factory(name: str) -> LoopFactory:
    """A factory of new loops of the named kind (UnknownNameError for an unknown name)."""
    return EVENT_LOOPS.get(name)()


async def _cancelled_by_sigterm(coro: Coroutine[Any, Any, T]) -> T:
    """``coro``, cancelled at an await point by SIGTERM (as asyncio.run does on SIGINT):
    a signal that raised at whatever line runs would abandon tasks and coroutines."""
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    if task is None or threading.current_thread() is not threading.main_thread():
        return await coro
    before = signal.getsignal(signal.SIGTERM)
    loop.add_signal_handler(signal.SIGTERM, task.cancel)
    try:
        return await coro
    finally:
        loop.remove_signal_handler(signal.SIGTERM)
        signal.signal(signal.SIGTERM, before)


def _never_awaited(w: warnings.WarningMessage) -> bool:
    return issubclass(w.category, RuntimeWarning) and "was never awaited" in str(w.message)


def run_in_own_loop(coro: Coroutine[Any, Any, T], event_loop: str = "asyncio") -> T:
    """Run a coroutine in a fresh event loop of the named kind (``loops``). Inside a running
    loop (a Jupyter kernel), the fresh loop runs on its own thread: all timing still happens
    inside one loop. SIGINT (asyncio.Runner's own handling) and SIGTERM cancel it at an
    await point."""
    factory = loop_factory(event_loop)

    def go() -> T:
        # An interrupt cancels the writes in flight; a write whose task was cancelled before
        # it started is a coroutine never awaited, and Python warns about each one. Those
        # were cancelled on purpose (verify repairs what they left), so on an interrupt they
        # are dropped; every other warning (and these, when the run was not interrupted) is
        # issued as usual.
        interrupted = False
        caught: list[warnings.WarningMessage] = []
        try:
            with warnings.catch_warnings(record=True) as caught:  # type: ignore[assignment]
                warnings.simplefilter("default")
                try:
                    with asyncio.Runner(loop_factory=factory) as runner:
                        return runner.run(_cancelled_by_sigterm(coro))
                except (KeyboardInterrupt, asyncio.CancelledError):
                    interrupted = True
                    gc.collect()
                    raise
        finally:
            for w in caught:
                if not (interrupted and _never_awaited(w)):
                    warnings.warn_explicit(
                        w.message, w.category, w.filename, w.lineno, source=w.source
                    )

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return go()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="agentmem-lab-loop") as pool:
        return pool.submit(go).result()


__all__ = ["EVENT_LOOPS", "loop_factory", "run_in_own_loop"]
