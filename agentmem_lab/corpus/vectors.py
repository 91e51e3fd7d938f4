"""Precomputed vectors in a dataset folder: one embedder's vectors of the folder's first
messages, embedded once (``agentmem-lab vectors build``) and replayed by runs.

Three files per embedder, beside ``messages.jsonl``:

- ``vectors-NAME.npy``: a float32 array of shape (count, dim), row *i* the vector of
  message *i* (empty messages skipped as the run skips them);
- ``vectors-NAME.keys.npy``: uint64, row *i* the 63-bit BLAKE2b key of message *i*'s text
  (``text_key``): a run finds each text's vector by its key, so a vector follows its
  text whatever the run's order, and a text the vectors were not built from is named;
- ``vectors-NAME.json``: the manifest: ``embedder``, ``model``, ``dim``, ``count``,
  ``texts_sha256`` (of the texts in order), ``skip_empty`` and how the build went (its
  rate, the machine).

A bad file is a one-line ``ConfigError`` naming ``--vectors`` and the file, before any
write: a manifest naming another dimension, an array of another shape or dtype, NaN rows,
or fewer vectors than the run's items.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from agentmem_lab.core.errors import ConfigError
from agentmem_lab.core.paths import write_json_atomic
from agentmem_lab.items import vector_key

#: Rows checked for NaN at a time (the array is memory-mapped, never loaded whole).
CHECK_ROWS = 65_536


def text_key(text: str) -> int:
    """The key a text's vector is found by: 63 bits of its BLAKE2b hash."""
    return vector_key(text)


def text_keys(texts: Sequence[str]) -> npt.NDArray[np.uint64]:
    """The ``text_key`` of each text, in order."""
    return np.fromiter((text_key(t) for t in texts), np.uint64, len(texts))


def texts_digest(texts: Iterable[str]) -> str:
    """The SHA-256 of texts in order (each one's UTF-8 and a NUL)."""
    h = hashlib.sha256()
    for t in texts:
        h.update(t.encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()


def cache_folder(dataset: Path, directory: str | Path | None) -> Path:
    """Where a dataset's built vectors and neighbours live: the dataset folder itself, or
    ``directory/<the dataset folder's name>`` (``--dir``, ``--vectors-dir``: one folder
    of caches for several datasets and versions, kept apart by name)."""
    return dataset if directory is None else Path(directory) / dataset.name


def paths(folder: Path, embedder: str) -> tuple[Path, Path, Path]:
    """The vectors, keys and manifest files of an embedder in a folder."""
    safe = embedder.replace("/", "_").replace(":", "-")
    return (
        folder / f"vectors-{safe}.npy",
        folder / f"vectors-{safe}.keys.npy",
        folder / f"vectors-{safe}.json",
    )


@dataclass(frozen=True)
class VectorFile:
    """A checked vectors file: where it is, and its manifest."""

    vectors: Path
    keys: Path
    manifest: dict[str, Any]

    @property
    def dim(self) -> int:
        return int(self.manifest["dim"])

    @property
    def count(self) -> int:
        return int(self.manifest["count"])

    def load(self) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
        """The vectors (memory-mapped) and their keys."""
        return np.load(self.vectors, mmap_mode="r"), np.load(self.keys)


def find(folder: Path | None, embedder: str) -> Path | None:
    """The manifest of an embedder's vectors in a folder, or None."""
    if folder is None:
        return None
    manifest = paths(folder, embedder)[2]
    return manifest if manifest.is_file() else None


def _bad(path: Path, why: str) -> ConfigError:
    return ConfigError("--vectors", f"{path}: {why} (rebuild: agentmem-lab vectors build)")


@lru_cache(maxsize=8)
def _first_bad_row(path: Path, stamp: tuple[int, int]) -> int | None:
    """The first row holding NaN or an infinity, or None: scanned once per file and
    version (every run's settings check the file, and a run builds its settings again)."""
    array = np.load(path, mmap_mode="r")
    for start in range(0, len(array), CHECK_ROWS):
        finite = np.isfinite(array[start : start + CHECK_ROWS]).all(axis=1)
        if not finite.all():
            return start + int(np.flatnonzero(~finite)[0])
    return None


def check(
    folder: Path, embedder: str, dim: int | None, items: int, held_out: int = 0
) -> VectorFile:
    """An embedder's vectors in ``folder``, checked against the run: one line naming the file
    when one is missing or bad, of another dimension than the embedder's (``dim``; None:
    not known here) or fewer than ``items`` (the run's messages and the ``held_out`` ones
    after them that it queries)."""
    vectors, keys, manifest_path = paths(folder, embedder)
    if not manifest_path.is_file():
        raise ConfigError(
            "--vectors",
            f"{folder} holds no vectors of {embedder} (agentmem-lab vectors build "
            f"--dataset ... --embedder {embedder})",
        )
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        mdim, count = int(manifest["dim"]), int(manifest["count"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise _bad(manifest_path, f"not a vectors manifest ({exc})") from None
    if dim is not None and mdim != dim:
        raise _bad(manifest_path, f"names dimension {mdim}, but {embedder} gives {dim}")
    try:
        array = np.load(vectors, mmap_mode="r")
        key_array = np.load(keys)
    except (OSError, ValueError) as exc:
        raise _bad(vectors, f"cannot be read ({exc})") from None
    if array.dtype != np.float32:
        raise _bad(vectors, f"holds {array.dtype}, not float32")
    if array.ndim != 2 or array.shape != (count, mdim):
        raise _bad(vectors, f"has shape {array.shape}, the manifest says ({count}, {mdim})")
    if key_array.shape != (count,):
        raise _bad(keys, f"has shape {key_array.shape}, the manifest says ({count},)")
    st = vectors.stat()
    row = _first_bad_row(vectors.resolve(), (st.st_size, st.st_mtime_ns))
    if row is not None:
        raise _bad(vectors, f"row {row} holds NaN or infinite values")
    if count < items:
        queries = f" and {held_out:,} held-out queries after them" if held_out else ""
        raise ConfigError(
            "--items",
            f"{items - held_out:,} items (warm-up included){queries} but {vectors} holds "
            f"{count:,} vectors (agentmem-lab vectors build --items {items})",
        )
    return VectorFile(vectors, keys, manifest)


def finish(folder: Path, embedder: str, partial: Path, keys: Any, manifest: dict[str, Any]) -> None:
    """Make a built array the embedder's vectors: the array file moved into place, then its
    keys, then the manifest (last: a folder without it holds no vectors)."""
    vectors, key_path, manifest_path = paths(folder, embedder)
    manifest_path.unlink(missing_ok=True)
    partial.replace(vectors)
    np.save(key_path, np.asarray(keys, dtype=np.uint64))
    write_json_atomic(manifest_path, manifest)


__all__ = [
    "CHECK_ROWS",
    "VectorFile",
    "cache_folder",
    "check",
    "find",
    "finish",
    "paths",
    "text_key",
    "text_keys",
    "texts_digest",
]
