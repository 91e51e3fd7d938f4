"""The machine and software a result was measured on, recorded beside every figure."""

from __future__ import annotations

import os
import platform
import sys
from importlib import metadata
from typing import Any

from agentmem_lab.core import privacy

PACKAGES = (
    "agentmem-lab",
    "fastembed",
    "usearch",
    "aiosqlite",
    "numpy",
    "onnxruntime",
    "pandas",
    "papermill",
    "uvloop",
    "faiss-cpu",
    "qdrant-client",
    "chromadb",
    "lancedb",
    "sqlite-vec",
    "apsw",
    "mem0ai",
    "hdrhistogram",
    "pgserver",
    "asyncpg",
)


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def package_version(name: str | None) -> str | None:
    """The installed version of a distribution, or None when it is not installed (or no
    name is given). The one place the library asks which version of a package ran."""
    if not name:
        return None
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def capture(extra_packages: tuple[str | None, ...] = ()) -> dict[str, Any]:
    """CPU model, cores, OS, Python and the versions of the packages that do the work
    (``extra_packages``: a plug-in system's distribution, say)."""
    names = PACKAGES + tuple(p for p in extra_packages if p and p not in PACKAGES)
    try:
        affinity = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        affinity = os.cpu_count() or 1
    return {
        "cpu_model": cpu_model(),
        "cpu_count": os.cpu_count(),
        "cpu_affinity": affinity,
        "machine": platform.machine(),
        "os": platform.platform(),
        "python": sys.version.split()[0],
        "python_implementation": platform.python_implementation(),
        "hostname": platform.node(),
        # Set by a Dask sweep's task (cluster.WORKER_ENV): "<worker address> <hostname>".
        "worker": os.environ.get("AGENTMEM_LAB_WORKER"),
        "packages": {name: package_version(name) for name in names},
        "ci": bool(os.environ.get("CI")),
        "telemetry_off": privacy.settings(),
    }
