"""What every server the bench starts shares: a supervisor process between the run and
the server, so that no server outlives the process that asked for it.

The run starts ``python -m agentmem_lab.servers.NAME FOLDER ...`` (``start_supervisor``):
the supervisor starts the server as its child, waits until it answers, and writes one
JSON line (the server's address, PID, version). It then waits on a pipe from the run
(``wait_for_pipe``). The run stops the server by closing that pipe (``end``); when the run
dies in any other way (Ctrl-C, SIGTERM, an error, SIGKILL) the pipe closes too. Should the
supervisor itself be killed, the kernel signals the server (``die_with_parent``).
"""

from __future__ import annotations

import atexit
import ctypes
import json
import os
import select
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Self

from agentmem_lab.core.errors import MissingDependencyError, ServerError


def log_tail(folder: Path, lines: int = 3) -> str:
    """The last lines of a server's ``server.log`` in ``folder``, for an error message."""
    try:
        text = (folder / "server.log").read_text(errors="replace")
    except OSError:
        return ""
    tail = [t for t in text.splitlines() if t.strip()][-lines:]
    return ("; the server's log ends: " + " | ".join(tail)) if tail else ""


def run_supervisor(supervise: Callable[[], int]) -> int:
    """A supervisor's exit status: ``supervise()``'s, or 1 with its error on one line."""
    try:
        return supervise()
    except (ServerError, MissingDependencyError, OSError) as exc:
        print(str(exc), file=sys.stderr)
        return 1


class Supervised:
    """What a running server shares: its supervisor process (``_supervisor``), stopped by
    closing its pipe (``stop``, registered with atexit by ``start``), and ``with``."""

    _supervisor: subprocess.Popen[bytes] | None

    def stop(self, timeout: float = 60.0) -> float:
        """Stop the server (each server's own clean shutdown); the seconds it took.
        Idempotent."""
        proc, self._supervisor = self._supervisor, None
        if proc is None:
            return 0.0
        atexit.unregister(self.stop)
        t0 = time.perf_counter()
        end(proc, timeout)
        return time.perf_counter() - t0

    @property
    def running(self) -> bool:
        return self._supervisor is not None and self._supervisor.poll() is None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def free_port() -> int:
    """A loopback TCP port free now (another process may take it before the server)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def die_with_parent(sig: int) -> Callable[[], None]:
    """A ``preexec_fn``: the child gets ``sig`` when the supervisor dies (Linux prctl)."""

    def arm() -> None:
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, sig)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):  # pragma: no cover - not Linux
            pass

    return arm


def end(proc: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    """Close the supervisor's pipe and wait for it (it stops the server); kill if stuck."""
    try:
        if proc.stdin is not None:
            proc.stdin.close()
    except OSError:
        pass
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    for stream in (proc.stdout, proc.stderr):
        if stream is not None:
            stream.close()


def start_supervisor(
    module: str, args: list[str], what: str, timeout: float, log_tail: Callable[[], str]
) -> tuple[subprocess.Popen[bytes], dict[str, Any]]:
    """Start ``python -m module args`` and read its one JSON line; ServerError saying why
    the server (``what``) could not start, with ``log_tail()`` (its log's last lines:
    ``log_tail(folder)``)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", module, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    line = b""
    while not line.endswith(b"\n"):
        left = deadline - time.monotonic()
        ready, _, _ = select.select([proc.stdout], [], [], max(0.0, left))
        if not ready:
            end(proc)
            raise ServerError(f"{what} did not start within {timeout:.0f} s{log_tail()}")
        chunk = os.read(proc.stdout.fileno(), 4096)
        if not chunk:
            break
        line += chunk
    if not line.strip():
        err = proc.stderr.read().decode(errors="replace").strip() if proc.stderr else ""
        proc.wait()
        reason = err.splitlines()[-1] if err else "no reason given"
        raise ServerError(f"{what} could not start: {reason}{log_tail()}")
    info: dict[str, Any] = json.loads(line)
    return proc, info


def stop_flag() -> Callable[[], bool]:
    """In the supervisor: SIGTERM, SIGINT and SIGHUP set a flag instead of killing it (it
    then stops its server); returns the flag's reader."""
    stopping = False

    def stop(*_: Any) -> None:
        nonlocal stopping
        stopping = True

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, stop)
    return lambda: stopping


def answer_and_wait(
    info: dict[str, Any], server: subprocess.Popen[bytes], stopping: Callable[[], bool]
) -> None:
    """In the supervisor: write ``info`` as one JSON line, then wait until the pipe from the
    run closes, a signal asks to stop, or the server exits."""
    sys.stdout.write(json.dumps(info) + "\n")
    sys.stdout.flush()
    stdin = sys.stdin.buffer.fileno()
    while not stopping() and server.poll() is None:
        try:
            ready, _, _ = select.select([stdin], [], [], 1.0)
        except InterruptedError:  # pragma: no cover - PEP 475 retries
            continue
        if ready and not os.read(stdin, 4096):
            break  # the pipe closed: the process that started us stopped it, or died


def shutdown(server: subprocess.Popen[bytes], steps: tuple[tuple[int, float], ...]) -> None:
    """Stop the server by signals in turn (each waited for its seconds) until it exits."""
    for sig, wait in steps:
        if server.poll() is not None:
            return
        try:
            server.send_signal(sig)
            server.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue


__all__ = [
    "Supervised",
    "answer_and_wait",
    "die_with_parent",
    "end",
    "free_port",
    "log_tail",
    "run_supervisor",
    "shutdown",
    "start_supervisor",
    "stop_flag",
]
