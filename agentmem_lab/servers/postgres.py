"""A PostgreSQL server the bench starts in a folder, and always stops.

The binaries are the ``pgserver`` package's (PostgreSQL 16 with pgvector, from the package
registry: nothing is downloaded at run time); this module runs them itself, so that no
server outlives the process that asked for it:

- ``Server.start(folder)`` starts a small supervisor process (``python -m
  agentmem_lab.servers.postgres``), which initialises the data folder if it is new (``initdb``),
  starts ``postgres`` on it as its child, waits until it accepts connections and answers
  with the server's address. The supervisor then waits on a pipe from this process.
- ``Server.stop()`` closes that pipe: the supervisor stops the server (a fast shutdown,
  which checkpoints: everything committed is kept) and exits. When this process dies in
  any other way (Ctrl-C, SIGTERM, an error, SIGKILL) the pipe closes too, and the same
  happens. Should the supervisor itself be killed, the kernel sends ``postgres`` SIGQUIT
  (``PR_SET_PDEATHSIG``): an immediate shutdown, whose committed transactions the next
  start recovers from the WAL.

PostgreSQL refuses to run as root. Run as root, the server runs as the unprivileged user
``nobody``: its data folder is handed to that user, and the folders above it that it could
not pass through get the "search" bit for others (``o+x``, never read), as ``pgserver``
itself does. The server listens on loopback TCP (``--pg-transport tcp``, a free port) or
on a Unix socket in its data folder (``unix``).
"""

from __future__ import annotations

import argparse
import atexit
import importlib.util
import os
import pwd
import signal
import stat
import subprocess
import sys
import time
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
DISTRIBUTION = "pgserver"
#: The database and user the bench's own servers have.
DATABASE = "postgres"
USER = "postgres"
#: The unprivileged user a server started by root runs as.
SERVER_USER = "nobody"
#: A Unix socket's path must fit sockaddr_un (107 bytes and a NUL).
_SOCKET_PATH_MAX = 107
TRANSPORTS = ("tcp", "unix")
#: How the supervisor stops postgres: a fast shutdown (SIGINT: a checkpoint, then exit),
#: else an immediate one, else a kill.
SHUTDOWN = ((signal.SIGINT, 60.0), (signal.SIGQUIT, 10.0), (signal.SIGKILL, 10.0))


def bin_dir() -> Path:
    """The folder of the PostgreSQL binaries (``pgserver``'s, found without importing it:
    its import creates lock files in the user's runtime folder)."""
    spec = importlib.util.find_spec(DISTRIBUTION)
    if spec is None or not spec.submodule_search_locations:
        raise MissingDependencyError(
            "PostgreSQL (the pgserver package)", "pip install -e '.[server]' (or make setup)"
        )
    path = Path(list(spec.submodule_search_locations)[0]) / "pginstall" / "bin"
    if not (path / "postgres").exists():
        raise MissingDependencyError(
            f"PostgreSQL binaries under {path}", "pip install --force-reinstall pgserver"
        )
    return path


def _server_user() -> pwd.struct_passwd | None:
    """Whom the server runs as: this user, or ``nobody`` when this user is root."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(SERVER_USER)
    except KeyError:  # pragma: no cover - every Linux has nobody
        raise ServerError(
            f"running as root, PostgreSQL needs an unprivileged user; "
            f"there is no user {SERVER_USER!r}"
        ) from None


def _hand_over(folder: Path, user: pwd.struct_passwd | None) -> None:
    """Make ``folder`` (0700) the server user's, and the folders above it passable."""
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    if user is None:
        return
    os.chown(folder, user.pw_uid, user.pw_gid)  # what the server writes in it is its own
    for parent in folder.resolve().parents:
        mode = parent.stat().st_mode
        if not mode & stat.S_IXOTH:
            os.chmod(parent, mode | stat.S_IXOTH)


@dataclass
class Server(Supervised):
    """A running server: its data folder, its address (``dsn``) and its supervisor."""

    folder: Path
    transport: str
    dsn: str
    pid: int
    version: str
    _supervisor: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @classmethod
    def start(cls, folder: str | Path, transport: str = "tcp", timeout: float = 120.0) -> Server:
        """Start a server on ``folder`` (initialised if new); raises ServerError saying why
        it could not, with the last lines of the server's log."""
        if transport not in TRANSPORTS:
            raise ServerError(
                f"--pg-transport must be one of {', '.join(TRANSPORTS)}, got {transport!r}"
            )
        bin_dir()  # a missing package speaks here, in this process
        folder = Path(folder).absolute()
        proc, info = start_supervisor(
            "agentmem_lab.servers.postgres",
            [str(folder), "--transport", transport],
            f"PostgreSQL in {folder}",
            timeout,
            lambda: log_tail(folder),
        )
        server = cls(folder, transport, info["dsn"], int(info["pid"]), info["version"], proc)
        atexit.register(server.stop)
        return server

    def record(self) -> dict[str, Any]:
        """What is recorded with a result beside the server's own settings."""
        return {
            "started_by": "agentmem-lab",
            "folder": str(self.folder),
            "transport": self.transport,
            "version": self.version,
            "package": DISTRIBUTION,
            "package_version": package_version(DISTRIBUTION),
        }


# -- the supervisor (its own process) ---------------------------------------------------


def _as_user(user: pwd.struct_passwd | None) -> dict[str, Any]:
    if user is None:
        return {}
    return {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}


def _previous_server(folder: Path) -> int | None:
    """The PID of a server still running on ``folder`` (its ``postmaster.pid``), if any."""
    try:
        pid = int((folder / "postmaster.pid").read_text().split()[0])
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, ValueError, IndexError):
        return None
    return pid if b"postgres" in cmdline else None


def _wait_for_previous(folder: Path, timeout: float = 90.0) -> int | None:
    """Wait while the server of a run that just ended is still shutting down on ``folder``
    (its supervisor makes a fast shutdown, a checkpoint, when its run dies); the PID of
    one still running after ``timeout``, else None."""
    deadline = time.monotonic() + timeout
    while _previous_server(folder) is not None and time.monotonic() < deadline:
        time.sleep(0.1)
    return _previous_server(folder)


def _supervise(folder: Path, transport: str) -> int:
    binaries = bin_dir()
    user = _server_user()
    env = dict(os.environ, LC_ALL="C", LANG="C", TZ="UTC")
    _hand_over(folder, user)
    still = _wait_for_previous(folder)
    if still is not None:
        print(
            f"a PostgreSQL server (PID {still}) is still running on {folder}; stop it, or "
            "wait for it to end",
            file=sys.stderr,
        )
        return 1
    if not (folder / "PG_VERSION").exists():
        done = subprocess.run(
            [
                str(binaries / "initdb"),
                "-D",
                str(folder),
                "--auth=trust",
                "-U",
                USER,
                "--encoding=UTF8",
                "--locale=C",
                "--no-sync",
                "--no-instructions",
            ],
            capture_output=True,
            text=True,
            env=env,
            **_as_user(user),
        )
        if done.returncode != 0:
            reason = (done.stderr.strip().splitlines() or ["initdb failed"])[-1]
            print(f"initdb: {reason}", file=sys.stderr)
            return 1
    if transport == "unix" and len(f"{folder}/.s.PGSQL.5432".encode()) > _SOCKET_PATH_MAX:
        print(
            f"the Unix socket's path under {folder} is longer than {_SOCKET_PATH_MAX} "
            "bytes; use a shorter --out or --pg-transport tcp",
            file=sys.stderr,
        )
        return 1
    stopping = stop_flag()
    server: subprocess.Popen[bytes] | None = None
    for _attempt in range(3):  # a free TCP port may be taken before postgres binds it
        if transport == "tcp":  # no Unix socket at all (its path could be too long)
            port, host, sockdir = free_port(), "127.0.0.1", ""
        else:
            port, host, sockdir = 5432, "", str(folder)
        server = _postgres(binaries, folder, port, host, sockdir, env, user)
        isready = [
            str(binaries / "pg_isready"),
            "-q",
            "-U",
            USER,
            "-d",
            DATABASE,
            "-p",
            str(port),
            "-h",
            host or sockdir,
        ]
        while (
            server.poll() is None
            and not stopping()
            and subprocess.run(isready, env=env).returncode != 0
        ):
            time.sleep(0.05)
        if server.poll() is None or stopping() or transport != "tcp":
            break
    assert server is not None
    if server.poll() is not None or stopping():
        shutdown(server, SHUTDOWN)
        print(f"postgres exited with status {server.returncode}", file=sys.stderr)
        return 1
    dsn = (
        f"postgresql://{USER}@127.0.0.1:{port}/{DATABASE}"
        if transport == "tcp"
        else f"postgresql://{USER}@/{DATABASE}?host={sockdir}&port={port}"
    )
    version = (
        subprocess.run([str(binaries / "postgres"), "--version"], capture_output=True, text=True)
        .stdout.strip()
        .rsplit(" ", 1)[-1]
    )
    answer_and_wait({"dsn": dsn, "pid": server.pid, "version": version}, server, stopping)
    shutdown(server, SHUTDOWN)
    return 0


def _postgres(
    binaries: Path,
    folder: Path,
    port: int,
    host: str,
    sockdir: str,
    env: dict[str, str],
    user: pwd.struct_passwd | None,
) -> subprocess.Popen[bytes]:
    """``postgres`` on ``folder``, its output appended to ``server.log``."""
    log = folder / "server.log"
    with open(log, "ab") as log_file:
        if user is not None:
            os.chown(log, user.pw_uid, user.pw_gid)
        return subprocess.Popen(
            [
                str(binaries / "postgres"),
                "-D",
                str(folder),
                "-p",
                str(port),
                "-k",
                sockdir,
                "-c",
                f"listen_addresses={host}",
            ],
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=log_file,
            env=env,
            preexec_fn=die_with_parent(signal.SIGQUIT),
            **_as_user(user),
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m agentmem_lab.servers.postgres",
        description="supervise a PostgreSQL server (internal)",
    )
    parser.add_argument("folder", type=Path)
    parser.add_argument("--transport", choices=TRANSPORTS, default="tcp")
    args = parser.parse_args(argv)
    return run_supervisor(lambda: _supervise(args.folder.absolute(), args.transport))


if __name__ == "__main__":  # pragma: no cover - the supervisor's entry
    sys.exit(main())

__all__ = [
    "DATABASE",
    "DISTRIBUTION",
    "SERVER_USER",
    "TRANSPORTS",
    "USER",
    "Server",
    "bin_dir",
    "main",
]
