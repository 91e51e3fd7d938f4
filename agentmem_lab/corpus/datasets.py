"""Datasets of real messages (``--dataset NAME|DIR``): a registry of named datasets, and the
dataset folder every one of them reads as.

A dataset folder holds ``messages.jsonl``, one message per line, in time order::

    {"content": "...", "user_id": "...", "session_id": "...", "timestamp": 1525289895.0}

(only ``content`` required), and may hold ``manifest.json`` (its name, version, licence and
how it was prepared). A named dataset is prepared into such a folder once, under
``data/datasets/`` (never under HOME, never in git), then streamed like any folder.

``chitchat`` is the Chit Chat Challenge dataset (the ``chitchat-dataset`` wheel, MIT): 7,168
conversations of 1,315 people in 2018. Each message is one memory: its sender is the user,
its conversation the session. Its empty messages are skipped when it is prepared, and counted
in its manifest. More datasets register under the ``agentmem_lab.datasets`` entry-point group:
a ``NamedDataset``, or a callable that takes the folder to prepare into and writes
``messages.jsonl`` and ``manifest.json`` there.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from itertools import islice
from pathlib import Path
from typing import Any

from agentmem_lab.core.environment import package_version
from agentmem_lab.core.errors import ConfigError, CorpusError
from agentmem_lab.core.folderlock import FolderLock
from agentmem_lab.core.paths import data_file
from agentmem_lab.core.registry import Registry
from agentmem_lab.corpus.jsonl import parse_line

SYNTHETIC = "synthetic"
MESSAGES, MANIFEST = "messages.jsonl", "manifest.json"
FIELDS = ("content", "user_id", "session_id", "timestamp")


@dataclass(frozen=True)
class NamedDataset:
    """A registered dataset: ``prepare`` writes ``messages.jsonl`` and ``manifest.json`` into
    a folder; ``package``, the distribution that ships its data (its version names the
    prepared folder, so a new version is prepared anew)."""

    prepare: Callable[[Path], None]
    package: str | None = None

    @property
    def version(self) -> str:
        return package_version(self.package) or "local"


def _as_dataset(obj: Any) -> NamedDataset:
    """What a plug-in's entry point loads: a NamedDataset, or a callable that prepares."""
    if isinstance(obj, NamedDataset):
        return obj
    if callable(obj):
        return NamedDataset(obj)
    raise TypeError(f"expected a NamedDataset or a callable, got {type(obj).__name__}")


DATASETS: Registry[NamedDataset] = Registry(
    "dataset", "--dataset", "agentmem_lab.datasets", adapt=_as_dataset
)


@dataclass(frozen=True, slots=True)
class Message:
    """One message of a dataset: a memory's text, its user, session and time."""

    content: str
    user_id: str | None
    session_id: str | None
    timestamp: float | None
    position: int  # 0-based, in the dataset's order


def prepare_chitchat(folder: Path) -> None:
    """The Chit Chat Challenge dataset, from its wheel: every message in time order, empty
    ones skipped and counted."""
    spec = importlib.util.find_spec("chitchat_dataset")
    if spec is None or spec.origin is None:
        raise ConfigError(
            "--dataset", "chitchat needs the chitchat-dataset package (pip install -e .)"
        )
    source = Path(spec.origin).with_name("dataset.json")
    with open(source, encoding="utf-8") as f:
        data = json.load(f)
    rows, empty = [], 0
    for session, conversation in data.items():
        for turn in conversation["messages"]:
            for m in turn:
                text = m["text"]
                if not text.strip():
                    empty += 1
                    continue
                ts = datetime.fromisoformat(m["timestamp"].replace("Z", "+00:00")).timestamp()
                rows.append((ts, session, m["sender"], text))
    del data
    rows.sort(key=lambda r: (r[0], r[1]))  # time order; a conversation's order within a second
    with open(folder / MESSAGES, "w", encoding="utf-8") as out:
        for ts, session, sender, text in rows:
            line = {"content": text, "user_id": sender, "session_id": session, "timestamp": ts}
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
    manifest = {
        "name": "chitchat",
        "version": package_version("chitchat-dataset"),
        "licence": "MIT",
        "source": "chitchat-dataset wheel (Chit Chat Challenge, 2018), dataset.json",
        "messages": len(rows),
        "skipped_empty": empty,
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")


DATASETS.register("chitchat")(NamedDataset(prepare_chitchat, "chitchat-dataset"))


def prepared_folder(name: str) -> Path:
    """A named dataset's folder, prepared on first use (once; a run that finds another
    preparing it gets a one-line error naming it)."""
    dataset = DATASETS.get(name)
    folder = data_file("datasets") / f"{name}-{dataset.version}"
    if (folder / MANIFEST).is_file():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    with FolderLock(folder, f"preparing the {name} dataset"):
        if not (folder / MANIFEST).is_file():
            tmp = folder / ".partial"
            tmp.mkdir(exist_ok=True)
            dataset.prepare(tmp)
            os.replace(tmp / MESSAGES, folder / MESSAGES)
            os.replace(tmp / MANIFEST, folder / MANIFEST)  # last: its presence means done
            tmp.rmdir()
    return folder


def dataset_folder(spec: str) -> Path | None:
    """Where ``--dataset`` reads from: None for the synthetic generator, a named dataset's
    prepared folder, or a folder of your own (checked: it holds messages.jsonl)."""
    if spec == SYNTHETIC:
        return None
    if spec in DATASETS.names():
        return prepared_folder(spec)
    folder = Path(spec)
    if not folder.is_dir():
        raise ConfigError(
            "--dataset",
            f"{spec!r} is neither a dataset ({', '.join([SYNTHETIC, *DATASETS.names()])}) "
            "nor a folder",
        )
    if not (folder / MESSAGES).is_file():
        raise ConfigError("--dataset", f"{folder} holds no {MESSAGES} (docs/datasets.md)")
    return folder


def _message(path: Path, number: int, raw: str, position: int) -> Message | None:
    """One line as a message; None for an empty message (the caller counts or refuses it)."""
    try:
        obj = parse_line(raw)
    except ValueError as exc:  # json's errors and the parser's refusals
        reason = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
        raise CorpusError(str(path), number, f"not a message ({reason})", "--dataset") from None
    if not isinstance(obj, dict) or not isinstance(obj.get("content"), str):
        raise CorpusError(
            str(path), number, 'expected an object with a "content" string', "--dataset"
        )
    for key in ("user_id", "session_id"):
        if obj.get(key) is not None and not isinstance(obj[key], str):
            raise CorpusError(str(path), number, f'"{key}" must be a string', "--dataset")
    ts = obj.get("timestamp")
    if ts is not None and (isinstance(ts, bool) or not isinstance(ts, (int, float))):
        raise CorpusError(
            str(path), number, '"timestamp" must be seconds since 1970 (a number)', "--dataset"
        )
    if not obj["content"].strip():
        return None
    ts_value = None if ts is None else float(ts)
    return Message(obj["content"], obj.get("user_id"), obj.get("session_id"), ts_value, position)


def iter_messages(folder: Path, skip_empty: bool = False) -> Iterator[Message]:
    """A dataset folder's messages, streamed in its order. An empty message is skipped
    when ``skip_empty``, else a one-line error naming its line."""
    path = folder / MESSAGES
    position = 0
    with open(path, encoding="utf-8") as f:
        for number, raw in enumerate(f, 1):
            if not raw.strip():
                continue
            m = _message(path, number, raw, position)
            if m is None:
                if skip_empty:
                    continue
                raise CorpusError(
                    str(path),
                    number,
                    "empty message (--empty-messages skip skips and counts them)",
                    "--dataset",
                )
            position += 1
            yield m


def manifest(folder: Path) -> dict[str, Any]:
    path = folder / MANIFEST
    if not path.is_file():
        return {"name": folder.name}
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError("--dataset", f"{path}: not a JSON manifest ({exc})") from None
    if not isinstance(doc, dict):
        raise ConfigError("--dataset", f"{path}: not a JSON object")
    return doc


@lru_cache(maxsize=8)
def _summary(folder: Path, stamp: tuple[int, int], n: int, skip_empty: bool) -> dict[str, Any]:
    users: set[str] = set()
    sessions: set[str] = set()
    digests: set[bytes] = set()
    count = duplicates = timed = 0
    first = last = None
    ordered = True
    for m in islice(iter_messages(folder, skip_empty), n):
        count += 1
        if m.user_id is not None:
            users.add(m.user_id)
        if m.session_id is not None:
            sessions.add(m.session_id)
        digest = hashlib.blake2b(m.content.encode("utf-8"), digest_size=8).digest()
        duplicates += digest in digests
        digests.add(digest)
        if m.timestamp is not None:
            timed += 1
            first = m.timestamp if first is None else first
            ordered = ordered and (last is None or m.timestamp >= last)
            last = m.timestamp
    return {
        "items": count,
        "users": len(users),
        "sessions": len(sessions),
        "duplicate_share": duplicates / count if count else 0.0,
        "span_s": None if first is None or last is None else last - first,
        "timed": timed,
        "time_ordered": ordered,
    }


def summary(folder: Path, n: int, skip_empty: bool = False) -> dict[str, Any]:
    """What a run takes from a dataset: its first ``n`` messages (a one-line error when it
    holds fewer), with its distinct users and sessions and the share of repeated texts, and
    the manifest's name, version and licence. Read once per folder, size and count."""
    st = (folder / MESSAGES).stat()
    doc = manifest(folder)
    out = _summary(folder.resolve(), (st.st_size, st.st_mtime_ns), n, skip_empty)
    if out["items"] < n:
        raise ConfigError(
            "--items",
            f"{n:,} items (warm-up included) is more than the dataset "
            f"{doc.get('name', folder.name)} holds ({out['items']:,} messages)",
        )
    keep = ("name", "version", "licence", "source", "messages", "skipped_empty")
    return {**{k: doc[k] for k in keep if k in doc}, **out, "folder": str(folder)}


def available(folder: Path, n: int, skip_empty: bool = False) -> int:
    """How many of a dataset's first ``n`` messages it holds (all of them where it ends
    sooner). Read once per folder, size and count."""
    st = (folder / MESSAGES).stat()
    return int(_summary(folder.resolve(), (st.st_size, st.st_mtime_ns), n, skip_empty)["items"])


__all__ = [
    "DATASETS",
    "FIELDS",
    "MANIFEST",
    "MESSAGES",
    "SYNTHETIC",
    "Message",
    "NamedDataset",
    "available",
    "dataset_folder",
    "iter_messages",
    "manifest",
    "prepare_chitchat",
    "prepared_folder",
    "summary",
]
