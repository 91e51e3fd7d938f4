"""The event loops a run can be timed in, found by name (``--event-loop``).

- ``uvloop`` (the default): libuv's loop. Measured against asyncio's, 4 rounds taking turns
  in one process on the 2-core machine: real throughput x1.160 for parallel-1, x1.176 for
  batch-1000, x1.061 for bulk-1000, x1.020 for sequential-1; the harness's own cost
  -22 % for parallel-1 and batch-1000, +5 % for sequential-1; the simulated calibration
  unchanged. A task and a thread hand-off cost less, and they are the harness's tax.
- ``asyncio``: the standard library's selector loop, for comparison and where uvloop is
  not available (Windows).
"""

from __future__ import annotations

import asyncio
from typing import Callable

from .errors import MissingDependencyError
from .registry import Registry

LoopFactory = Callable[[], asyncio.AbstractEventLoop]
EVENT_LOOPS: Registry[Callable[[], LoopFactory]] = Registry("event loop", "--event-loop")


@EVENT_LOOPS.register("uvloop")
def _uvloop() -> LoopFactory:
    try:
        import uvloop
    except ImportError:
        raise MissingDependencyError("uvloop", "pip install uvloop (or use --event-loop "
                                               "asyncio)") from None
    factory: LoopFactory = uvloop.new_event_loop
    return factory


@EVENT_LOOPS.register("asyncio")
def _asyncio() -> LoopFactory:
    return asyncio.new_event_loop


def loop_factory(name: str) -> LoopFactory:
    """A factory of new loops of the named kind (UnknownNameError for an unknown name)."""
    return EVENT_LOOPS.get(name)()


__all__ = ["EVENT_LOOPS", "loop_factory"]
