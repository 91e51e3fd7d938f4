"""The two records the write path stores: a memory item and its history event."""

from __future__ import annotations

import hashlib
import json
import math
import random
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from agentmem_lab.core.errors import InvalidItemError

#: The stages of one add, in order: the item's text embedded, then its three writes (core
#: memory, the vector store, history). Results time each one under these names.
STAGES = ("embed", "core", "vector", "history")

#: Largest content accepted, in UTF-8 bytes. Larger content gets a one-line error.
MAX_CONTENT_BYTES = 4 * 1024 * 1024


def _check_text(name: str, value: object) -> str:
    if not isinstance(value, str):
        raise InvalidItemError(f"{name} must be a string, got {type(value).__name__}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidItemError(
            f"{name} is not valid Unicode text (lone surrogate at position {exc.start})"
        ) from None
    if "\x00" in value:
        raise InvalidItemError(f"{name} contains a NUL byte at position {value.index(chr(0))}")
    return value


def canonical_metadata(metadata: Mapping[str, Any] | None) -> str:
    """Metadata as canonical JSON text; raises InvalidItemError when it is not JSON-able."""
    if metadata is None:
        return "{}"
    if not isinstance(metadata, Mapping):
        raise InvalidItemError(f"metadata must be a JSON object, got {type(metadata).__name__}")
    try:
        text = json.dumps(metadata, sort_keys=True, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InvalidItemError(f"metadata is not JSON-serializable: {exc}") from None
    _check_text("metadata", text)
    return text


def content_hash(content: str) -> str:
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def vector_key(memory_id: str) -> int:
    """The usearch key of a memory id: 63 bits of its BLAKE2b hash (ids may be any text)."""
    digest = hashlib.blake2b(memory_id.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1


@dataclass(frozen=True, slots=True)
class MemoryItem:
    """One remembered fact. Validated on construction: a bad item never reaches a store.

    Duplicate content is stored twice, under distinct ids (``content_hash`` is kept
    so that a caller can deduplicate); the library never merges items silently.
    """

    id: str
    content: str
    agent_id: str
    user_id: str
    memory_type: str = "semantic"
    metadata_json: str = "{}"
    content_hash: str = ""
    created_at: float = 0.0
    key: int = field(default=0, compare=False)

    def __post_init__(self) -> None:
        for name in ("id", "agent_id", "user_id", "memory_type"):
            text = _check_text(name, getattr(self, name))
            if not text:
                raise InvalidItemError(f"{name} must not be empty")
        _check_text("content", self.content)
        if not self.content.strip():
            raise InvalidItemError("content is empty or whitespace only; a memory needs text")
        size = len(self.content.encode("utf-8"))
        if size > MAX_CONTENT_BYTES:
            raise InvalidItemError(
                f"content is {size} bytes; the limit is {MAX_CONTENT_BYTES} bytes"
            )
        if not math.isfinite(self.created_at):
            raise InvalidItemError("created_at must be a finite timestamp")
        if not self.content_hash:
            object.__setattr__(self, "content_hash", content_hash(self.content))
        object.__setattr__(self, "key", vector_key(self.id))

    @property
    def metadata(self) -> dict[str, Any]:
        value: dict[str, Any] = json.loads(self.metadata_json)
        return value

    @classmethod
    def create(
        cls,
        content: str,
        *,
        agent_id: str = "agent-1",
        user_id: str = "user-1",
        memory_type: str = "semantic",
        metadata: Mapping[str, Any] | None = None,
        id: str | None = None,
        created_at: float | None = None,
        rng: random.Random | None = None,
    ) -> MemoryItem:
        """Build an item; a seeded ``rng`` makes the id reproducible."""
        if id is None:
            bits = rng.getrandbits(128) if rng is not None else uuid.uuid4().int
            id = str(uuid.UUID(int=bits, version=4))
        return cls(
            id=id,
            content=content,
            agent_id=agent_id,
            user_id=user_id,
            memory_type=memory_type,
            metadata_json=canonical_metadata(metadata),
            created_at=time.time() if created_at is None else created_at,
        )


@dataclass(frozen=True, slots=True)
class HistoryEvent:
    """An ADD event in the history store, as AgentMem's history.db keeps it."""

    id: str
    memory_id: str
    event: str
    old_value: str | None
    new_value: str | None
    created_at: float

    @classmethod
    def add(cls, item: MemoryItem) -> HistoryEvent:
        return cls(
            id=f"{item.id}:add",
            memory_id=item.id,
            event="ADD",
            old_value=None,
            new_value=item.content,
            created_at=item.created_at,
        )
