"""One process per folder: a run, a sweep and ``verify`` hold an exclusive lock on theirs.

The lock is ``DIR/.agentmem-lab.lock``: an advisory ``flock`` on that file, which holds the
holder's PID, what it is (run, sweep, verify) and when it started; the holder removes the
file as it lets go. The kernel releases the lock when the holder exits, however it exits (a
SIGKILL included, which leaves the file), so a lock whose PID is gone is stale by
construction: the next process takes it. A second process on a held
folder is refused at once with one line naming the holder (exit status 2), before it has
touched anything in the folder.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import time
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from agentmem_lab.core.errors import ConfigError

LOCK_FILE = ".agentmem-lab.lock"


class FolderInUseError(ConfigError):
    """Another process holds the folder's lock."""

    def __init__(self, option: str, directory: Path, holder: dict[str, object]) -> None:
        self.directory = directory
        self.holder = holder
        what = holder.get("what", "a process")
        pid = holder.get("pid", "?")
        started = holder.get("started", "at an unknown time")
        super().__init__(
            option,
            f"{directory} is in use by {what} PID {pid} (started "
            f"{started}); wait for it to end, or choose another folder",
        )


class FolderLock:
    """``with FolderLock(directory, "run"):``, the folder is this process's alone."""

    def __init__(self, directory: str | Path, what: str, option: str = "--out") -> None:
        self.directory = Path(directory)
        self.what = what
        self.option = option
        self._fd: int | None = None

    @property
    def path(self) -> Path:
        return self.directory / LOCK_FILE

    def acquire(self) -> FolderLock:
        if self._fd is not None:
            return self
        for _ in range(10):
            fd = self._open()
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                holder = _read_holder(fd)
                os.close(fd)
                if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                    raise FolderInUseError(self.option, self.directory, holder) from None
                raise ConfigError(
                    self.option, f"cannot lock {self.directory}: {exc.strerror or exc}"
                ) from None
            # The holder before us removes the file as it lets go: a lock taken on a file
            # that is no longer at the path locks nothing. Take the file that is there.
            try:
                same = os.fstat(fd).st_ino == os.stat(self.path).st_ino
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)
        else:  # pragma: no cover - ten holders in a row let go under our feet
            raise ConfigError(
                self.option, f"cannot lock {self.directory}: it changes hands too often"
            )
        record = {
            "pid": os.getpid(),
            "what": self.what,
            "started": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(record).encode(), 0)
        self._fd = fd
        return self

    def _open(self) -> int:
        try:
            return os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise ConfigError(
                self.option, f"cannot lock {self.directory}: {exc.strerror or exc}"
            ) from None

    def release(self) -> None:
        """Let go: the file is removed while still held (nothing is left behind), then the
        descriptor closed, which releases the lock."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            self.path.unlink()
        except OSError:
            pass
        os.close(fd)

    def __enter__(self) -> FolderLock:
        return self.acquire()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


def _read_holder(fd: int, wait_s: float = 2.0) -> dict[str, object]:
    """The holder's record: it writes it right after taking the lock, so an empty one is
    read again for a moment (two processes started together meet in that window)."""
    deadline = time.monotonic() + wait_s
    while True:
        record = _read(fd)
        if record or time.monotonic() > deadline:
            return record
        time.sleep(0.01)


def _read(fd: int) -> dict[str, object]:
    try:
        data = os.pread(fd, 4096, 0)
        holder = json.loads(data.decode() or "{}")
        return holder if isinstance(holder, dict) else {}
    except (OSError, ValueError):
        return {}


def holder(directory: str | Path) -> dict[str, object] | None:
    """Who holds the folder's lock now, or None (no lock file, or nobody holds it)."""
    path = Path(directory) / LOCK_FILE
    try:
        fd = os.open(path, os.O_RDWR)
    except OSError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return _read_holder(fd)
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


__all__ = ["LOCK_FILE", "FolderInUseError", "FolderLock", "holder"]
