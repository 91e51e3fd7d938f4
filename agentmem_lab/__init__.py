"""agentmem-lab: measure (not predict) the memory write path of agent-memory systems."""

from .errors import AgentMemLabError, ConfigError
from .records import HistoryEvent, MemoryItem
from .results import SCHEMA_VERSION, Result, to_frame
from .runner import RunConfig, run
from .stores import StoreSettings

__version__ = "0.1.0"

__all__ = ["AgentMemLabError", "ConfigError", "HistoryEvent", "MemoryItem", "Result",
           "RunConfig", "SCHEMA_VERSION", "StoreSettings", "run", "to_frame", "__version__"]
