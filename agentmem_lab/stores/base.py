"""What every store shares: the interface, the settings, a set of three stores, and the
base of every vector-store backend."""

from __future__ import annotations

import hashlib
import os
import shutil
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from agentmem_lab.items import MemoryItem

T = TypeVar("T")


class Store(ABC):
    """One store of the write path. Writes either succeed whole or leave nothing behind."""

    name: str = "store"

    async def open(self) -> None:
        """Open (and create) the store; a reopened store holds what was committed."""

    async def close(self) -> None:
        """Flush and close. Idempotent."""

    @abstractmethod
    def write(self, item: MemoryItem, vector: npt.NDArray[np.float32]) -> Awaitable[None]:
        """Store one item; raises StoreWriteError, having stored nothing, on failure.
        (Usually a coroutine; a store may return a future, its pending reply, instead.)"""

    @abstractmethod
    def write_many(
        self, items: Sequence[MemoryItem], vectors: npt.NDArray[np.float32] | None
    ) -> Awaitable[set[int]]:
        """Store many items in one bulk write (one transaction or one batch add).

        ``vectors`` has one row per item; stores that keep no vectors (core memory,
        history) take ``None``, so their writes need not wait for the embedder.

        Returns the keys of items that were not stored (empty when all were); raises
        StoreWriteError, having stored none of them, when the whole write failed.
        """

    @abstractmethod
    async def delete_many(self, keys: Sequence[int]) -> None:
        """Remove items by key (undo of a partial write). Missing keys are ignored."""

    @abstractmethod
    async def keys(self) -> set[int]:
        """The keys of every item stored."""

    def settings(self) -> dict[str, Any]:
        return {}


class CoreMemory(Store):
    """Core memory: a store that also gives back each item's content (``verify`` embeds
    the content again when a crash lost the vectors)."""

    @abstractmethod
    async def contents_of(self, keys: Sequence[int]) -> dict[int, str]:
        """Content of the given keys (those stored)."""


def folder_namespace(directory: str | Path) -> str:
    """The name of a store folder's own space on a server (a PostgreSQL schema, a Redis key
    prefix): one per folder, so that a run's warm-up, its stores and each shard stay apart
    on one server."""
    digest = hashlib.blake2b(str(Path(directory).absolute()).encode(), digest_size=8)
    return f"agentmem_{digest.hexdigest()}"


def storage_cause(directory: Path, exc: BaseException) -> str:
    """Why a file under ``directory`` could not be written, in words (errno when known)."""
    errno_ = getattr(exc, "errno", None)
    if errno_:
        return os.strerror(errno_)
    try:
        if shutil.disk_usage(directory).free < 1 << 20:
            return "no space left on device"
    except OSError:
        pass
    if not os.access(directory, os.W_OK):
        return "permission denied or read-only file system"
    return f"{type(exc).__name__}: {exc}"


@dataclass
class StoreSet:
    """The three stores of one run, opened and closed together."""

    core: Store
    vector: Store
    history: Store

    def __iter__(self) -> Any:
        return iter((self.core, self.vector, self.history))

    async def open(self) -> StoreSet:
        """Open the three; if one fails, close every one again (the one that failed too:
        a connection it made before failing would keep its thread, and the process, alive),
        and let the first error speak."""
        tried: list[Store] = []
        try:
            for store in self:
                tried.append(store)
                await store.open()
        except BaseException:
            for store in tried:
                try:
                    await store.close()
                except Exception:
                    pass
            raise
        return self

    async def close(self) -> None:
        errors: list[BaseException] = []
        for store in self:
            try:
                await store.close()
            except Exception as exc:  # close every store even if one fails
                errors.append(exc)
        if errors:
            raise errors[0]

    async def __aenter__(self) -> StoreSet:
        return await self.open()

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()

    def settings(self) -> dict[str, Any]:
        return {s.name: s.settings() for s in self}

    async def keys(self) -> dict[str, set[int]]:
        """The memory keys each store holds, by store name (for lost and orphans)."""
        return {s.name: await s.keys() for s in self}
