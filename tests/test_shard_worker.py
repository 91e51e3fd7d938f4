"""The messages between a sharded run's parent and its workers (``measuring.shard_worker``)."""

from __future__ import annotations

import multiprocessing

import pytest

from agentmem_lab.measuring.shard_worker import (
    Closed,
    Failed,
    PassDone,
    Ready,
    ShardError,
    receive,
)


def _pipe():  # type: ignore[no-untyped-def]
    return multiprocessing.Pipe()


def test_receive_gives_the_expected_message_typed():
    parent, child = _pipe()
    child.send(PassDone([], 0.25))
    done = receive(parent, 0, PassDone)
    assert isinstance(done, PassDone) and done.cpu_s == 0.25 and done.records == []
    child.send(Closed(None, {"vector_store": "usearch"}))
    assert receive(parent, 0, Closed).store_settings == {"vector_store": "usearch"}


def test_a_workers_failure_is_raised_naming_its_shard():
    parent, child = _pipe()
    child.send(Failed("StorageError: the disk is full"))
    with pytest.raises(ShardError, match=r"^shard 3: StorageError: the disk is full$"):
        receive(parent, 3, Ready)


def test_a_message_out_of_turn_or_a_silent_end_is_an_error():
    parent, child = _pipe()
    child.send(Ready())
    with pytest.raises(ShardError, match="shard 1: sent Ready\\(\\), expected PassDone"):
        receive(parent, 1, PassDone)
    child.close()
    with pytest.raises(ShardError, match="shard 1: its worker ended without a word"):
        receive(parent, 1, Ready)
