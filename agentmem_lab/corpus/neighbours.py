"""Ground-truth neighbours in a dataset folder: for held-out queries, the exact nearest
stored messages under one embedder, computed once (``agentmem-lab vectors neighbours``)
and used by the runs that store exactly those messages, instead of embedding everything
stored again after the run.

Two files per embedder, beside ``messages.jsonl``:

- ``neighbours-NAME.npz``: ``positions`` (int64, queries x width: a stored message's
  position in the folder, -1 padding), ``sims`` (float32, the same shape: its exact cosine
  similarity to the query, -inf padding) and ``query_keys`` (uint64, one per query: the
  ``text_key`` of its text). Each row holds every message whose similarity is within
  ``TIE_EPS`` of the query's k-th best, ties included, so recall stays tie-aware;
- ``neighbours-NAME.json``: the manifest: ``embedder``, ``dim``, ``k``, ``start`` and
  ``count`` (the messages stored: positions ``start`` to ``start + count - 1``, after the
  run's warm-up messages), ``queries`` (the messages right after them, held out),
  ``base_sha256`` (of the stored texts, ``texts_digest``), ``skip_empty`` and how the build
  went.

A bad file is a one-line ``ConfigError`` naming ``--dataset`` and the file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from agentmem_lab.core.errors import ConfigError
from agentmem_lab.core.paths import write_json_atomic


def paths(folder: Path, embedder: str) -> tuple[Path, Path]:
    """The arrays and manifest files of an embedder's ground truth in a folder."""
    safe = embedder.replace("/", "_").replace(":", "-")
    return folder / f"neighbours-{safe}.npz", folder / f"neighbours-{safe}.json"


@dataclass(frozen=True)
class GroundTruth:
    """A checked ground-truth file: its manifest and arrays."""

    manifest: dict[str, Any]
    positions: npt.NDArray[np.int64]
    sims: npt.NDArray[np.float32]
    query_keys: npt.NDArray[np.uint64]
    file: Path

    @property
    def start(self) -> int:
        return int(self.manifest["start"])

    @property
    def count(self) -> int:
        return int(self.manifest["count"])

    @property
    def queries(self) -> int:
        return len(self.query_keys)

    def row(self, q: int) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
        """Query ``q``'s neighbours (positions) and their similarities, padding left out."""
        keep = self.positions[q] >= 0
        return self.positions[q][keep], self.sims[q][keep]


def _bad(path: Path, why: str) -> ConfigError:
    return ConfigError("--dataset", f"{path}: {why} (rebuild: agentmem-lab vectors neighbours ...)")


def load(folder: Path | None, embedder: str) -> GroundTruth | None:
    """An embedder's ground truth in ``folder``, checked; None where there is none."""
    if folder is None:
        return None
    arrays, manifest_path = paths(folder, embedder)
    if not manifest_path.is_file():
        return None
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        start, count, k = int(manifest["start"]), int(manifest["count"]), int(manifest["k"])
        queries = int(manifest["queries"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise _bad(manifest_path, f"not a neighbours manifest ({exc})") from None
    try:
        with np.load(arrays) as data:
            positions, sims, query_keys = data["positions"], data["sims"], data["query_keys"]
    except (OSError, ValueError, KeyError) as exc:
        raise _bad(arrays, f"cannot be read ({exc})") from None
    if positions.dtype != np.int64 or sims.dtype != np.float32 or query_keys.dtype != np.uint64:
        raise _bad(arrays, "holds other dtypes than int64 positions, float32 sims, uint64 keys")
    if positions.ndim != 2 or positions.shape != sims.shape or len(positions) != queries:
        raise _bad(arrays, f"has shape {positions.shape}, the manifest says {queries} queries")
    if query_keys.shape != (queries,):
        raise _bad(arrays, f"holds {query_keys.shape} query keys for {queries} queries")
    if positions.shape[1] < min(k, count):
        raise _bad(arrays, f"holds {positions.shape[1]} neighbours a query, fewer than k={k}")
    real = positions[positions >= 0]
    if real.size and (real.min() < start or real.max() >= start + count):
        raise _bad(arrays, f"names positions outside {start}..{start + count - 1}")
    return GroundTruth(manifest, positions, sims, query_keys, arrays)


def write(
    folder: Path,
    embedder: str,
    rows: list[tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]],
    query_keys: list[int],
    manifest: dict[str, Any],
) -> None:
    """Write an embedder's ground truth: one (positions, sims) row per query, padded to the
    widest; the arrays first, then the manifest (a folder without it holds none)."""
    arrays, manifest_path = paths(folder, embedder)
    width = max((len(p) for p, _ in rows), default=0)
    positions = np.full((len(rows), width), -1, dtype=np.int64)
    sims = np.full((len(rows), width), -np.inf, dtype=np.float32)
    for q, (p, s) in enumerate(rows):
        order = np.argsort(-s, kind="stable")
        positions[q, : len(p)], sims[q, : len(p)] = p[order], s[order]
    manifest_path.unlink(missing_ok=True)
    partial = arrays.with_name(arrays.stem + ".partial.npz")
    np.savez(partial, positions=positions, sims=sims, query_keys=np.asarray(query_keys, np.uint64))
    partial.replace(arrays)
    write_json_atomic(manifest_path, manifest)


__all__ = ["GroundTruth", "load", "paths", "write"]
