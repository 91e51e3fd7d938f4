"""A run's folder: ``--out`` checked, the stores' ``run.json`` and the acknowledgement log.

A run writes ``stores/run.json`` (how to reopen its stores: ``agentmem-lab verify``) before
its first write, and appends the key of every acknowledged item to ``stores/acked.log``
after each call, flushed to the OS, so that a killed process loses nothing of it. A sharded
run keeps one of each per shard (``stores/shard-K/``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from agentmem_lab.core.errors import ConfigError, StorageError
from agentmem_lab.core.paths import write_json_atomic
from agentmem_lab.schema.run_settings import RunSettings
from agentmem_lab.workload.closed_loop import CallRecord

RUN_META = "run.json"
ACK_LOG = "acked.log"
#: The folder of the database server a run starts for itself (``out/postgres``), beside
#: its stores; ``verify`` starts it again there.
SERVER_DIR = "postgres"
#: Where the run's own Redis server keeps its append-only file (``out/redis``).
REDIS_DIR = "redis"


def prepare_out_dir(out: str | Path) -> Path:
    """Create ``out`` or fail with a one-line error naming --out."""
    p = Path(out)
    if p.exists() and not p.is_dir():
        raise ConfigError("--out", f"{p} is an existing file, not a directory")
    try:
        p.mkdir(parents=True, exist_ok=True)
        probe = p / f".write-probe-{os.getpid()}"  # its own: two processes may probe at once
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise ConfigError("--out", f"cannot write to {p}: {exc.strerror or exc}") from None
    return p


def run_meta(config: RunSettings, **extra: Any) -> dict[str, Any]:
    """What ``verify`` needs to reopen a run's stores."""
    return {
        "system": config.system,
        "profile": config.profile,
        "embedder": config.embedder,
        "onnx_threads": config.onnx_threads,
        "stores": config.stores.to_dict(),
        "mode": config.mode,
        "items": config.items,
        **extra,
    }


def write_run_meta(stores_dir: Path, meta: dict[str, Any]) -> None:
    try:
        write_json_atomic(stores_dir / RUN_META, meta)
    except OSError as exc:
        raise StorageError.from_os_error("run.json", stores_dir / RUN_META, exc) from None


def read_ack_log(path: Path) -> set[int]:
    """Acknowledged keys. A last line without its newline may be a key cut short by a
    crash mid-write: it is ignored (its item is then counted as complete but not logged)."""
    if not path.exists():
        return set()
    lines = path.read_text(encoding="ascii", errors="replace").split("\n")
    return {int(line) for line in lines[:-1] if line.isdigit()}


class AckLog:
    """The acknowledgement log of one store folder, appended to after each call."""

    def __init__(self, stores_dir: Path) -> None:
        self.path = stores_dir / ACK_LOG
        try:
            self._file = open(self.path, "a", encoding="ascii")
        except OSError as exc:
            raise StorageError.from_os_error("acknowledgement log", self.path, exc) from None

    def __call__(self, record: CallRecord) -> None:
        """Log a call's acknowledged keys (``drive``'s ``on_call``)."""
        if record.acked:
            try:
                self._file.write("".join(f"{k}\n" for k in record.acked))
                self._file.flush()
            except OSError as exc:
                raise StorageError.from_os_error("acknowledgement log", self.path, exc) from None

    def close(self) -> None:
        try:
            self._file.close()
        except OSError as exc:
            raise StorageError.from_os_error("acknowledgement log", self.path, exc) from None

    def close_quietly(self) -> None:
        """Close after another error (that error speaks, not this one)."""
        try:
            self._file.close()
        except OSError:
            pass


__all__ = [
    "ACK_LOG",
    "RUN_META",
    "AckLog",
    "prepare_out_dir",
    "read_ack_log",
    "run_meta",
    "write_run_meta",
]
