"""Core memory's and history's rows and columns: the one definition that the SQLite and
PostgreSQL stores share."""

from __future__ import annotations

from typing import Any

from agentmem_lab.items import HistoryEvent, MemoryItem

#: The columns of core memory's and history's tables, in order (every table backend).
CORE_COLUMNS = (
    "id",
    "key",
    "agent_id",
    "user_id",
    "memory_type",
    "content",
    "content_hash",
    "metadata",
    "created_at",
)


HISTORY_COLUMNS = ("id", "memory_id", "key", "event", "old_value", "new_value", "created_at")


def core_row(item: MemoryItem) -> tuple[Any, ...]:
    """An item's core-memory row (``CORE_COLUMNS``)."""
    return (
        item.id,
        item.key,
        item.agent_id,
        item.user_id,
        item.memory_type,
        item.content,
        item.content_hash,
        item.metadata_json,
        item.created_at,
    )


def history_row(item: MemoryItem) -> tuple[Any, ...]:
    """An item's ADD event as a history row (``HISTORY_COLUMNS``)."""
    e = HistoryEvent.add(item)
    return (e.id, e.memory_id, item.key, e.event, e.old_value, e.new_value, e.created_at)
