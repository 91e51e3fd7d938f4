"""Will a run fit this machine? Memory and disk estimated before any work.

A typo in ``--items`` (a few zeros too many) must not run until the machine's memory is
gone. From the run's settings (items, batch size, the embedder's dimension, the index's
scalar type and connectivity, the corpus's text sizes) we estimate what the run holds in
memory and writes to disk, and refuse a run that cannot fit with one line that names the
option, the estimate and what is available.

The figures per item were measured on this project's corpus (a 10,000-item bulk-1000 run,
384 dimensions, i8, connectivity 16): core.db 345 bytes, history.db 234, vectors.usearch
533, acked.log 20; in memory about 710 bytes per generated item. The estimate adds the
float vectors and query similarities of the search check, and a margin; it is a bound to
catch impossible runs, not a prediction to the byte.

``AGENTMEM_LAB_FREE_MEMORY`` and ``AGENTMEM_LAB_FREE_DISK`` (bytes) replace what the
machine reports, to test the check or to keep a run within less than the machine has.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from agentmem_lab.core.errors import ConfigError

_SCALAR_BYTES = {"f32": 4, "f16": 2, "bf16": 2, "i8": 1}
#: What a run holds whatever its size: the interpreter, numpy, the stores' libraries, a model.
BASE_MEMORY = 512 * 2**20
#: Room on disk beyond the estimate: SQLite's write-ahead log, file growth, result files.
BASE_DISK = 64 * 2**20
MARGIN = 1.25
#: UTF-8 bytes of a text of the built-in generator (60-110).
GENERATOR_CONTENT_BYTES = 100.0


@dataclass(frozen=True)
class Estimate:
    memory: int  # bytes at the peak of the run
    disk: int  # bytes under --out


def human(n: float) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            return f"{n:,.0f} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1024
    raise AssertionError("unreachable")


def estimate(
    items: int,
    warmup_items: int,
    dim: int,
    dtype: str = "i8",
    connectivity: int = 16,
    content_bytes: float = GENERATOR_CONTENT_BYTES,
    search_queries: int = 100,
    on_disk: bool = True,
    streamed: bool = False,
    segment_items: int = 20_000,
) -> Estimate:
    """What a run of ``items`` measured items (plus warmup items) needs at its peak.

    ``streamed``: the run makes its items a segment at a time and keeps the exact-search
    reference as it writes (``growth``), so an item costs only what stays: its place in the
    index, its key in the key sets of the checks and its text's digest in the generator;
    a segment of items (and their vectors) is held at once.
    """
    n = items + warmup_items
    graph = connectivity * 2 * 4 + 24  # HNSW neighbours of the base layer, and a slot
    index = dim * _SCALAR_BYTES.get(dtype, 4) + graph
    item = 620 + 2 * content_bytes  # the item: record, id, content (str), metadata
    keys = 200  # acknowledged keys, the stores' key sets of the checks, call records
    if streamed:
        per_item_memory: float = index + keys + 4 * 70  # + three store key sets, a text digest
        held: float = min(n, segment_items) * (item + dim * 4 + 8 * max(search_queries, 1))
    else:
        per_item_memory = (
            item
            + dim * 4  # its float vector, for exact search after the run
            + index  # the in-memory index
            + 8 * max(search_queries, 1)  # query similarities and their partition
            + keys
        )
        held = 0.0
    per_item_disk = (250 + content_bytes) + (140 + content_bytes) + index + 24
    memory = int(BASE_MEMORY + MARGIN * (n * per_item_memory + held))
    disk = int(BASE_DISK + MARGIN * n * per_item_disk) if on_disk else 0
    return Estimate(memory, disk)


def available_memory() -> int:
    """Bytes of memory a new allocation can use (MemAvailable), or the override."""
    override = os.environ.get("AGENTMEM_LAB_FREE_MEMORY")
    if override:
        return int(override)
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):  # pragma: no cover - not POSIX
        return 2**62


def available_disk(path: str | Path) -> int:
    """Free bytes on the file system of ``path`` (or its nearest existing parent)."""
    override = os.environ.get("AGENTMEM_LAB_FREE_DISK")
    if override:
        return int(override)
    p = Path(path).resolve()
    while not p.exists() and p != p.parent:
        p = p.parent
    return shutil.disk_usage(p).free


def process_memory() -> tuple[int, int]:
    """This process's resident memory now and at its peak (VmRSS, VmHWM), in bytes; (0, 0)
    where /proc does not say."""
    now = peak = 0
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    now = int(line.split()[1]) * 1024
                elif line.startswith("VmHWM:"):
                    peak = int(line.split()[1]) * 1024
    except OSError:  # pragma: no cover - not Linux
        pass
    return now, peak


def disk_used(path: str | Path) -> int:
    """Bytes of the files under ``path`` (their sizes; files that vanish are skipped)."""
    total = 0
    for root, _, files in os.walk(path):
        for name in files:
            try:
                total += os.stat(os.path.join(root, name)).st_size
            except OSError:
                pass
    return total


def check_fits(need: Estimate, out: str | Path, items: int) -> None:
    """Refuse (ConfigError naming --items) a run that cannot fit memory or disk."""
    memory = available_memory()
    if need.memory > memory:
        raise ConfigError(
            "--items",
            f"a run of {items:,} items needs about {human(need.memory)} "
            f"of memory (estimate), and {human(memory)} is available; "
            "lower --items",
        )
    if need.disk:
        disk = available_disk(out)
        if need.disk > disk:
            raise ConfigError(
                "--items",
                f"a run of {items:,} items needs about {human(need.disk)} "
                f"of disk under {out} (estimate), and {human(disk)} is "
                "free; lower --items or choose another --out",
            )


__all__ = [
    "GENERATOR_CONTENT_BYTES",
    "Estimate",
    "available_disk",
    "available_memory",
    "check_fits",
    "disk_used",
    "estimate",
    "human",
    "process_memory",
]
