"""The systems whose write path is measured, found by name (``--system``): ``agentmem``
(the seed's design: a mode over our stores) and ``mem0`` (mem0ai's own add path)."""

from __future__ import annotations

from ..registry import Registry
from .agentmem import AgentMem
from .base import Searcher, System, Target
from .mem0 import Mem0

SYSTEMS: Registry[System] = Registry("system", "--system")
for _system in (AgentMem(), Mem0()):
    SYSTEMS.register(_system.name)(_system)

__all__ = ["SYSTEMS", "Searcher", "System", "Target"]
