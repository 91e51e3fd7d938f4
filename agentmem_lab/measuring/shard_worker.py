"""A shard's worker process (``shards``): its own event loop, embedder and stores, paced
by the parent through typed messages.

The parent sends ``Go`` before each pass; the worker answers ``Ready`` once its stores are
open and warmed up, ``PassDone`` after each pass, ``Closed`` once its vector store is ready
and its stores closed, or ``Failed`` (its error in one line) and ends. It also ends when
the parent does (a lifeline pipe), so a killed run leaves no worker writing.
"""

from __future__ import annotations

import asyncio
import os
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from agentmem_lab.core.errors import AgentMemLabError, one_line
from agentmem_lab.core.loops import run_in_own_loop
from agentmem_lab.embedders import Embedder
from agentmem_lab.items import MemoryItem
from agentmem_lab.measuring.phase import PhaseHooks, measured_phase
from agentmem_lab.measuring.resolve import ResolvedRun, RunConfig, resolve
from agentmem_lab.workload.closed_loop import CallRecord

if TYPE_CHECKING:
    from multiprocessing.connection import Connection


class ShardError(AgentMemLabError):
    """A shard's worker failed; the message is its error, in one line."""


# -- what the parent and the workers say -------------------------------------------------


@dataclass(frozen=True)
class Go:
    """Parent to worker: start the next pass."""


@dataclass(frozen=True)
class Ready:
    """Worker to parent: its stores are open and warmed up."""


@dataclass(frozen=True)
class PassDone:
    """Worker to parent: a pass's call records and the CPU seconds it spent in them."""

    records: list[CallRecord]
    cpu_s: float


@dataclass(frozen=True)
class Closed:
    """Worker to parent: its vector store made ready (its load figures, if any) and its
    stores closed (their settings)."""

    vector_load: dict[str, Any] | None
    store_settings: dict[str, Any]


@dataclass(frozen=True)
class Failed:
    """Worker to parent: the worker's error, in one line; the worker ends."""

    error: str


Message = Ready | PassDone | Closed | Failed
M = TypeVar("M", Ready, PassDone, Closed)


# -- the worker ---------------------------------------------------------------------------


def _lifeline(conn: Connection) -> None:
    """End this worker when the parent ends (its end of the pipe closes)."""
    try:
        conn.recv()
    except (EOFError, OSError):
        pass
    os._exit(3)


def worker(
    config: RunConfig,
    shard: int,
    directory: str,
    warm: list[MemoryItem],
    items: list[MemoryItem],
    clients: int,
    conn: Connection,
    lifeline: Connection,
) -> None:
    """A shard's process (spawned): resolve the shard's settings here, then run its
    measured phase in ``directory``, telling the parent through ``conn``."""
    threading.Thread(target=_lifeline, args=(lifeline,), daemon=True).start()
    try:
        run = resolve(config, directory)  # this process's own system and profile
        embedder = run.profile.embedder(config)
    except BaseException as exc:
        _tell(conn, Failed(one_line(exc)))
        return
    try:
        run_in_own_loop(_shard(run, shard, embedder, warm, items, clients, conn), config.event_loop)
    except BaseException as exc:  # reported to the parent in one line, then this worker ends
        _tell(conn, Failed(one_line(exc)))
    finally:
        embedder.close()


def _tell(conn: Connection, message: Message) -> None:
    """Send, where the parent still listens (it may have ended: the lifeline ends us)."""
    try:
        conn.send(message)
    except OSError:
        pass


async def _shard(
    run: ResolvedRun,
    shard: int,
    embedder: Embedder,
    warm: list[MemoryItem],
    items: list[MemoryItem],
    clients: int,
    conn: Connection,
) -> None:
    """The shard's measured phase (the runner's own), paced by the parent: ready, then
    a go before each pass and its records after it; then its stores made ready and closed."""
    loop = asyncio.get_running_loop()
    directory = run.out_dir

    async def go() -> None:
        message = await loop.run_in_executor(None, conn.recv)
        if not isinstance(message, Go):
            raise ShardError(f"shard {shard}: the parent sent {message!r}, expected Go")

    hooks = PhaseHooks(
        ready=lambda: conn.send(Ready()),
        go=go,
        done=lambda records, cpu_s: conn.send(PassDone(records, cpu_s)),
    )
    # No growth windows in a shard (its pauses would not line up with the others').
    target, _, _, _ = await measured_phase(
        run,
        embedder,
        warm,
        items,
        directory,
        directory.parent / f"warmup-{shard}",
        clients,
        hooks,
        windows=False,
    )
    vector_load = await target.finish()
    settings = target.settings()
    await target.close()
    conn.send(Closed(vector_load, settings))


def receive(conn: Connection, shard: int, expected: type[M]) -> M:
    """The worker's next message, which must be ``expected``: its ``Failed`` or its end
    without a word raised as a ``ShardError`` naming the shard."""
    try:
        msg = conn.recv()
    except EOFError:
        raise ShardError(f"shard {shard}: its worker ended without a word") from None
    if isinstance(msg, Failed):
        raise ShardError(f"shard {shard}: {msg.error}")
    if not isinstance(msg, expected):
        raise ShardError(f"shard {shard}: sent {msg!r}, expected {expected.__name__}")
    return msg


__all__ = [
    "Closed",
    "Failed",
    "Go",
    "Message",
    "PassDone",
    "Ready",
    "ShardError",
    "receive",
    "worker",
]
