"""agentmem-lab: measure (not predict) the memory write path of agent-memory systems.

The names below are imported when first used, so that ``import agentmem_lab.core.stats`` (or
any low module) loads that module and what it needs, not the whole library. The one thing
done at import: the dependencies' telemetry is turned off (``privacy``).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from agentmem_lab.core import privacy

__version__ = "0.1.0"

privacy.quiet()  # before any dependency that phones home is imported (privacy.py says which)

#: Public name -> the module that defines it.
_LAZY = {
    "AgentMemLabError": "core.errors",
    "ConfigError": "core.errors",
    "HistoryEvent": "items",
    "MemoryItem": "items",
    "SCHEMA_VERSION": "schema.result",
    "Result": "schema.result",
    "to_frame": "schema.result",
    "RunConfig": "measuring.resolve",
    "run": "measuring.runner",
    "StoreSettings": "stores",
}

if TYPE_CHECKING:
    from agentmem_lab.core.errors import AgentMemLabError, ConfigError
    from agentmem_lab.items import HistoryEvent, MemoryItem
    from agentmem_lab.measuring.resolve import RunConfig
    from agentmem_lab.measuring.runner import run
    from agentmem_lab.schema.result import SCHEMA_VERSION, Result, to_frame
    from agentmem_lab.stores import StoreSettings


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'agentmem_lab' has no attribute {name!r}")
    return getattr(importlib.import_module(f".{module}", __name__), name)


__all__ = [
    "SCHEMA_VERSION",
    "AgentMemLabError",
    "ConfigError",
    "HistoryEvent",
    "MemoryItem",
    "Result",
    "RunConfig",
    "StoreSettings",
    "__version__",
    "run",
    "to_frame",
]
