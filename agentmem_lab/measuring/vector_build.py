"""Embed once (``agentmem-lab vectors build``): a dataset's texts embedded by one embedder
into the folder's vectors file (``corpus.vectors``), resumable, with the build's own
measured rate in the manifest.

A longer build of the same texts' first part starts from the vectors already built.

The array is written in chunks into ``vectors-NAME.partial.npy`` (a memory map) and the
rows done into ``vectors-NAME.partial.json`` after each chunk: a build stopped by Ctrl-C
or a crash goes on from its last chunk when run again with the same inputs. A build whose
manifest already names the same embedder, texts and count does nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np

from agentmem_lab.core.environment import cpu_model
from agentmem_lab.core.errors import ConfigError
from agentmem_lab.corpus import vectors
from agentmem_lab.corpus.datasets import iter_messages, manifest
from agentmem_lab.embedders import Embedder, get_embedder
from agentmem_lab.embedders.base import check_vectors

#: Texts embedded per chunk (each chunk is flushed and recorded: the most a crash loses).
CHUNK = 512
#: Seconds between progress lines.
PROGRESS_S = 5.0


def _providers() -> list[str]:
    """The onnxruntime execution providers this machine offers (empty without it)."""
    try:
        import onnxruntime

        return list(onnxruntime.get_available_providers())
    except ImportError:
        return []


def _device(session_providers: Any) -> str:
    """``GPU (CUDA)`` where the embedding session ran on CUDA, else ``CPU`` (the hash
    embedder, or a session on onnxruntime's CPU provider)."""
    first = session_providers[0] if session_providers else None
    return "GPU (CUDA)" if first == "CUDAExecutionProvider" else "CPU"


def model_digest(settings: dict[str, Any]) -> str | None:
    """The SHA-256 of a model folder's files (names and bytes), or None without one."""
    folder = settings.get("model_dir")
    if not folder or not Path(folder).is_dir():
        return None
    h = hashlib.sha256()
    for path in sorted(p for p in Path(folder).rglob("*") if p.is_file()):
        h.update(str(path.relative_to(folder)).encode())
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
    return h.hexdigest()


def _embed_chunks(
    embedder: Embedder,
    texts: list[str],
    partial: Path,
    state: Path,
    digest: str,
    say: Callable[[str], None],
) -> tuple[int, float]:
    """Embed the texts not yet in ``partial`` (resuming from ``state``): returns the texts
    embedded now and the seconds they took."""
    n, dim = len(texts), embedder.dim
    mine = {"texts_sha256": digest, "count": n, "dim": dim, "embedder": embedder.name}
    done = 0
    try:
        old = json.loads(state.read_text(encoding="utf-8"))
        if {k: old.get(k) for k in mine} == mine and partial.is_file():
            done = int(old["done"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    if done:
        array = np.lib.format.open_memmap(partial, mode="r+")
        say(f"vectors: resuming at {done:,} of {n:,}")
    else:
        array = np.lib.format.open_memmap(partial, mode="w+", dtype=np.float32, shape=(n, dim))
    t0 = last = time.perf_counter()
    start = done
    for at in range(done, n, CHUNK):
        chunk = texts[at : at + CHUNK]
        array[at : at + len(chunk)] = check_vectors(
            embedder.name, embedder.encode(chunk), len(chunk), dim
        )
        array.flush()
        done = at + len(chunk)
        state.write_text(json.dumps({**mine, "done": done}), encoding="utf-8")
        now = time.perf_counter()
        if now - last >= PROGRESS_S:
            rate = (done - start) / (now - t0)
            say(f"vectors: {done:,}/{n:,} ({rate:,.0f} texts/s, {(n - done) / rate:,.0f} s left)")
            last = now
    del array
    return done - start, time.perf_counter() - t0


def _extend(
    folder: Path,
    embedder: str,
    dim: int,
    texts: list[str],
    partial: Path,
    state: Path,
    digest: str,
) -> None:
    """Start a longer build from the vectors already built of its first texts (no partial
    build under way): their rows copied into ``partial``, recorded done in ``state``."""
    if state.is_file():
        return
    try:
        old = vectors.check(folder, embedder, dim, 1)
    except ConfigError:
        return
    array, keys = old.load()
    n = min(len(keys), len(texts))
    mine = vectors.text_keys(texts[:n])
    if n == 0 or n == len(texts) or not np.array_equal(keys[:n], mine):
        return
    out = np.lib.format.open_memmap(partial, mode="w+", dtype=np.float32, shape=(len(texts), dim))
    out[:n] = array[:n]
    out.flush()
    del out
    doc = {"texts_sha256": digest, "count": len(texts), "dim": dim, "embedder": embedder}
    built = old.manifest.get("built") or {}
    before = {k: built.get(k) for k in ("texts_embedded", "seconds")}
    state.write_text(json.dumps({**doc, "done": n, "before": before}), encoding="utf-8")


def _before(state: Path) -> tuple[int, float]:
    """The texts and seconds of the build a longer one started from (0, 0.0 where none)."""
    try:
        before = json.loads(state.read_text(encoding="utf-8"))["before"]
        return int(before["texts_embedded"]), float(before["seconds"])
    except (OSError, ValueError, KeyError, TypeError):
        return 0, 0.0


def build(
    folder: Path,
    embedder_name: str,
    items: int | None = None,
    skip_empty: bool = False,
    onnx_threads: int | None = None,
    say: Callable[[str], None] = lambda line: None,
    into: Path | None = None,
) -> tuple[dict[str, Any], bool]:
    """Embed a dataset folder's first ``items`` messages (None: all) with an embedder into
    the vectors file of ``into`` (the cache folder, ``vectors.cache_folder``; None: the
    dataset folder); returns the manifest and whether anything was built (False: the same
    vectors were there)."""
    cache = folder if into is None else into
    texts = [m.content for m in islice(iter_messages(folder, skip_empty), items)]
    if items is not None and len(texts) < items:
        raise ConfigError(
            "--items", f"{items:,} is more than {folder} holds ({len(texts):,} messages)"
        )
    digest = vectors.texts_digest(texts)
    _, _, manifest_path = vectors.paths(cache, embedder_name)
    if manifest_path.is_file():
        try:
            found = vectors.check(cache, embedder_name, None, len(texts))
            old = json.loads(manifest_path.read_text(encoding="utf-8"))
            if old.get("texts_sha256") == digest and old.get("count") == len(texts):
                return old, False
            # A longer build of the same first texts holds these already: never shrunk.
            same_empty = bool(old.get("skip_empty")) == skip_empty
            if same_empty and np.array_equal(
                found.load()[1][: len(texts)], vectors.text_keys(texts)
            ):
                return old, False
        except ConfigError:
            pass  # a bad or other build: built again
    cache.mkdir(parents=True, exist_ok=True)
    embedder = get_embedder(embedder_name, onnx_threads=onnx_threads)
    try:
        vectors_path = vectors.paths(cache, embedder_name)[0]
        partial = vectors_path.with_name(vectors_path.stem + ".partial.npy")
        state = vectors_path.with_name(vectors_path.stem + ".partial.json")
        _extend(cache, embedder_name, embedder.dim, texts, partial, state, digest)
        prior, prior_s = _before(state)
        embedded, seconds = _embed_chunks(embedder, texts, partial, state, digest, say)
        embedded, seconds = embedded + prior, seconds + prior_s  # the rate over every build
        settings = embedder.settings()
    finally:
        embedder.close()
    source = manifest(folder)
    doc = {
        "embedder": embedder_name,
        "model": settings,
        "model_sha256": model_digest(settings),
        "dim": embedder.dim,
        "count": len(texts),
        "texts_sha256": digest,
        "skip_empty": skip_empty,
        "dataset": {k: source.get(k) for k in ("name", "version")},
        "built": {
            "texts_per_s": embedded / seconds if seconds > 0 and embedded else None,
            "texts_embedded": embedded,
            "seconds": seconds,
            "machine": {"cpu_model": cpu_model(), "cpu_count": os.cpu_count()},
            "onnx_providers": _providers(),
            # what the model's session ran on: CUDA where onnxruntime offers it
            "device": _device(settings.get("execution_providers")),
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
        },
    }
    vectors.finish(cache, embedder_name, partial, [vectors.text_key(t) for t in texts], doc)
    state.unlink(missing_ok=True)
    return doc, True


__all__ = ["CHUNK", "PROGRESS_S", "build", "model_digest"]
