"""What a sweep prints while it runs, so that a user can tell work from a hang.

The configurations have their bar (tqdm). After them, each phase (the stages, each capacity
search, the report) prints a line when it starts, its steps as they come, and a line when
it ends. Between them a heartbeat thread keeps the output alive: every ``every_s`` of
silence it redraws the bar (its elapsed time moves) or prints which phase is running, for
how long, and its last step. Everything goes to stderr, as the bar does; stdout keeps the
report's path.
"""

from __future__ import annotations

import re
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

#: The longest silence a sweep allows itself, in seconds (the issue's bound is 10).
HEARTBEAT_S = 5.0


class Progress:
    """The sweep's progress lines and heartbeat; a no-op when not ``enabled``."""

    def __init__(
        self, enabled: bool, every_s: float = HEARTBEAT_S, stream: TextIO | None = None
    ) -> None:
        self.enabled = enabled
        self.every_s = every_s
        self.stream = stream
        self.bar: Any = None  # the configurations' tqdm bar, while it runs
        self._phase = ""
        self._detail = ""
        self._phase_start = 0.0
        self._last = time.monotonic()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> Progress:
        if self.enabled:
            self._thread = threading.Thread(target=self._beat, name="sweep-heartbeat", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2 * self.every_s)

    def line(self, text: str) -> None:
        """One line of progress, now."""
        if not self.enabled:
            return
        with self._lock:
            print(text, file=self.stream or sys.stderr, flush=True)
            self._last = time.monotonic()

    @contextmanager
    def phase(self, name: str, what: str) -> Iterator[Progress]:
        """A phase after the configurations: a line as it starts and as it ends (with its
        duration), its steps in between (``say``, ``step``)."""
        self._phase, self._detail, self._phase_start = name, "", time.monotonic()
        self.line(f"{name}: {what}")
        ok = False
        try:
            yield self
            ok = True
        finally:
            took = time.monotonic() - self._phase_start
            self.line(f"{name}: {'done' if ok else 'stopped'} in {took:,.0f} s")
            self._phase = ""

    def say(self, text: str) -> None:
        """A step of the current phase, printed."""
        self._detail = text
        self.line(f"  {self._phase}: {text}")

    def step(self, text: str) -> None:
        """A step of the current phase, shown by the next heartbeat only."""
        self._detail = text

    def _beat(self) -> None:
        while not self._stop.wait(self.every_s / 4):
            if time.monotonic() - self._last < self.every_s:
                continue
            if self._phase:
                took = time.monotonic() - self._phase_start
                detail = f": {self._detail}" if self._detail else ""
                self.line(f"  {self._phase}: running for {took:,.0f} s{detail}")
            elif self.bar is not None:
                with self._lock:
                    self.bar.refresh()  # its elapsed time moves
                    self._last = time.monotonic()


class CellCounter:
    """A file for papermill's progress bar (tqdm): each write becomes a step, "cell 12 of
    45", of the progress given."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress

    def write(self, text: str) -> int:
        found = re.findall(r"(\d+)/(\d+)", text)
        if found:
            done, total = found[-1]
            self.progress.step(f"cell {done} of {total} executed")
        return len(text)

    def flush(self) -> None:
        pass


__all__ = ["HEARTBEAT_S", "CellCounter", "Progress"]
