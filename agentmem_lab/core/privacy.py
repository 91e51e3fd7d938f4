"""What the bench turns off in the packages it loads: nothing phones home, nothing is
queued to be sent later, nothing is written under HOME.

Set in the environment when ``agentmem_lab`` is first imported, before any of those
packages is (``os.environ.setdefault``: a value the user set is kept), and inherited by
every process the bench starts (shard workers, notebook kernels, cluster workers):

- ``ORT_DISABLE_TELEMETRY=1``: onnxruntime 1.32 (loaded by fastembed, and before usearch
  for its load order) otherwise keeps a device id and an offline event queue, a SQLite file
  of events with retry counts, under ``~/.cache/Microsoft/DeveloperTools/.onnxruntime/``,
  created at its first session; ``disable_telemetry_events()`` alone still leaves both
  (measured: one queued event per process). The variable stops it before it starts.
- ``ANONYMIZED_TELEMETRY=False``: chromadb's product telemetry.
- ``MEM0_TELEMETRY=False``: mem0's (``systems/mem0.py`` also forces its flags off).
- ``HF_HUB_DISABLE_TELEMETRY=1``: huggingface_hub, which fastembed imports.
- ``DO_NOT_TRACK=1``: the convention some other packages honour.

Checked by ``tests/test_privacy.py``: every system, embedder and vector store run with HOME
and the XDG folders pointing at empty folders leaves them empty.
"""

from __future__ import annotations

import os
from typing import Any

QUIET_ENV = {
    "ORT_DISABLE_TELEMETRY": "1",
    "ANONYMIZED_TELEMETRY": "False",
    "MEM0_TELEMETRY": "False",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "DO_NOT_TRACK": "1",
}


def quiet() -> None:
    """Turn every known telemetry off in this process's environment (and its children's)."""
    for name, value in QUIET_ENV.items():
        os.environ.setdefault(name, value)


def quiet_onnxruntime(onnxruntime: Any) -> None:
    """onnxruntime imported: its telemetry events off too (for a process that imported it
    before ``agentmem_lab``, where the variable came too late)."""
    disable = getattr(onnxruntime, "disable_telemetry_events", None)
    if disable is not None:
        disable()


def settings() -> dict[str, str | None]:
    """What is in force, recorded with each result."""
    return {name: os.environ.get(name) for name in QUIET_ENV}


__all__ = ["QUIET_ENV", "quiet", "quiet_onnxruntime", "settings"]
