"""The systems whose write path is measured, found by name (``--system``): ``agentmem``
(the seed's design: a mode over our stores) and ``mem0`` (mem0ai's own add path), and any
installed package's system, declared under the ``agentmem_lab.systems`` entry-point group
(docs/peers.md, "Plug-ins").

What a plug-in needs is here: ``System`` and ``Target`` to subclass, ``CallOutcome`` for
what one ``add`` did, ``RunSettings`` (the run's settings), ``Embedder`` and ``MemoryItem``,
``measure_adder`` for the harness's own cost around a do-nothing ``add``; for faults,
``fails`` (the run's seeded decision) and ``InjectedFault``; ``NO_KEY`` (an empty search
slot), ``package_version``, ``schema_of`` (a store folder's schema on a shared server),
``clear_redis`` (a new folder's keys on a Redis server) and the errors a plug-in raises.
The peers in ``agentmem_lab_peers`` (LangGraph's store, txtai) are built on these names
alone, and registered through the entry-point group as any outside package's system is.
"""

from __future__ import annotations

from agentmem_lab.core.errors import (
    ConfigError,
    InjectedFault,
    MissingDependencyError,
    ServerError,
    StoreWriteError,
)
from agentmem_lab.core.registry import Registry, instance_of
from agentmem_lab.embedders import Embedder
from agentmem_lab.items import MemoryItem
from agentmem_lab.schema.run_settings import RunSettings
from agentmem_lab.stores import NO_KEY, clear_redis, package_version, schema_of
from agentmem_lab.systems.agentmem import AgentMem
from agentmem_lab.systems.base import Searcher, System, Target, ThreadHop, UserSearcher
from agentmem_lab.systems.mem0 import Mem0
from agentmem_lab.workload.faults import decides as fails
from agentmem_lab.workload.modes import CallOutcome
from agentmem_lab.workload.overhead import measure_adder

SYSTEMS: Registry[System] = Registry(
    "system",
    "--system",
    group="agentmem_lab.systems",
    adapt=instance_of(System),  # type: ignore[type-abstract]
)
for _system in (AgentMem(), Mem0()):
    SYSTEMS.register(_system.name)(_system)

__all__ = [
    "NO_KEY",
    "SYSTEMS",
    "CallOutcome",
    "ConfigError",
    "Embedder",
    "InjectedFault",
    "MemoryItem",
    "MissingDependencyError",
    "RunSettings",
    "Searcher",
    "ServerError",
    "StoreWriteError",
    "System",
    "Target",
    "ThreadHop",
    "UserSearcher",
    "clear_redis",
    "fails",
    "measure_adder",
    "package_version",
    "schema_of",
]
