"""Shared fixtures. Fixture files are reached through ``data_path``."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path
from typing import Any, Awaitable, TypeVar

import pytest

ROOT = Path(__file__).resolve().parent.parent
T = TypeVar("T")


def data_path(*parts: str) -> Path:
    """A path under the repository's data/ folder."""
    return ROOT.joinpath("data", *parts)


def arun(aw: Awaitable[T]) -> T:
    """Run a coroutine to completion in a fresh event loop (tests only)."""
    async def wrap() -> T:
        return await aw
    return asyncio.run(wrap())


@pytest.fixture
def items() -> Any:
    from agentmem_lab.corpus import make_items

    return make_items(50, seed=7)


@pytest.fixture
def tiny_disk(tmp_path):
    """A 2 MiB tmpfs (root only; skipped where mounting is not allowed)."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)],
                      capture_output=True).returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root)")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], capture_output=True)
