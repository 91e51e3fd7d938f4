"""agentmem-lab: measure (not predict) the memory write path of agent-memory systems.

The names below are imported when first used, so that ``import agentmem_lab.stats`` (or
any low module) loads that module and what it needs, not the whole library. The one thing
done at import: the dependencies' telemetry is turned off (``privacy``).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from . import privacy

__version__ = "0.1.0"

privacy.quiet()  # before any dependency that phones home is imported (privacy.py says which)

#: Public name -> the module that defines it.
_LAZY = {
    "AgentMemLabError": "errors", "ConfigError": "errors",
    "HistoryEvent": "records", "MemoryItem": "records",
    "SCHEMA_VERSION": "results", "Result": "results", "to_frame": "results",
    "RunConfig": "runconfig", "run": "runner", "StoreSettings": "stores",
}

if TYPE_CHECKING:
    from .errors import AgentMemLabError, ConfigError
    from .records import HistoryEvent, MemoryItem
    from .results import SCHEMA_VERSION, Result, to_frame
    from .runconfig import RunConfig
    from .runner import run
    from .stores import StoreSettings


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'agentmem_lab' has no attribute {name!r}")
    return getattr(importlib.import_module(f".{module}", __name__), name)


__all__ = ["AgentMemLabError", "ConfigError", "HistoryEvent", "MemoryItem", "Result",
           "RunConfig", "SCHEMA_VERSION", "StoreSettings", "run", "to_frame", "__version__"]
