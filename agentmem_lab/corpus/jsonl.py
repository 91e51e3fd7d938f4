"""JSONL corpora (``--corpus FILE``): every line parsed strictly (no NaN, bounded depth),
checked, and read as a stream.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agentmem_lab.core.errors import CorpusError, InvalidItemError
from agentmem_lab.corpus.synthetic import CorpusLine
from agentmem_lab.items import MemoryItem

#: Deepest nesting of objects and arrays accepted in a corpus line (a memory's metadata is
#: a small record; thousands of levels only exhaust the parser's stack).
MAX_DEPTH = 32


class _Refused(ValueError):
    """A value json can parse that no memory may hold (raised while parsing a line)."""


def _parse_constant(name: str) -> Any:
    raise _Refused(f"{name} is not a JSON number")


def _parse_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise _Refused(f"number {text[:20]}{'...' if len(text) > 20 else ''} is out of range")
    return value


def _parse_int(text: str) -> int:
    try:
        return int(text)
    except ValueError:  # over Python's limit of digits for a string conversion
        raise _Refused(f"integer of {len(text)} digits is out of range") from None


def _depth(value: Any) -> int:
    """Nesting depth of a parsed JSON value (iterative: no recursion of our own)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        v, d = stack.pop()
        if isinstance(v, (dict, list)):
            deepest = max(deepest, d)
            if deepest > MAX_DEPTH:
                return deepest
            stack.extend((c, d + 1) for c in (v.values() if isinstance(v, dict) else v))
    return deepest


def parse_line(raw: str) -> Any:
    """One corpus line as JSON, or ``_Refused``/``ValueError`` saying why it cannot be a memory."""
    try:
        obj = json.loads(
            raw, parse_constant=_parse_constant, parse_float=_parse_float, parse_int=_parse_int
        )
    except RecursionError:
        raise _Refused(
            f"nested deeper than the JSON parser can follow (limit {MAX_DEPTH} levels)"
        ) from None
    if _depth(obj) > MAX_DEPTH:
        raise _Refused(f"nested deeper than {MAX_DEPTH} levels")
    return obj


def iter_lines(path: str | Path) -> Iterator[CorpusLine]:
    """A JSONL corpus line by line: one ``{"content": ..., "metadata": {...}}`` per line.

    Errors name the line. Blank lines are skipped. The file is read as it is consumed, so
    a corpus larger than memory streams (``check_corpus`` reads it through once first).
    """
    p = Path(path)
    if not p.is_file():
        raise CorpusError(str(p), None, "no such file")
    try:
        f = open(p, encoding="utf-8", newline="")
    except OSError as exc:
        raise CorpusError(str(p), None, exc.strerror or str(exc)) from None
    with f:
        number = 0
        while True:
            try:
                raw = f.readline()
            except UnicodeDecodeError as exc:
                raise CorpusError(
                    str(p),
                    None,
                    f"not UTF-8 text ({exc.reason} at byte {exc.start} of line {number + 1})",
                ) from None
            if not raw:
                return
            number += 1
            for part in raw.splitlines() or [""]:  # str.splitlines' line breaks, as before
                if part.strip():
                    yield _corpus_line(p, number, part)


def _corpus_line(p: Path, number: int, raw: str) -> CorpusLine:
    try:
        obj = parse_line(raw)
    except json.JSONDecodeError as exc:
        raise CorpusError(str(p), number, f"not JSON ({exc.msg})") from None
    except (ValueError, MemoryError) as exc:  # _Refused, and anything else json raises
        raise CorpusError(
            str(p), number, str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        ) from None
    if not isinstance(obj, dict) or "content" not in obj:
        raise CorpusError(str(p), number, 'expected an object with a "content" field')
    content, metadata = obj["content"], obj.get("metadata", {})
    if not isinstance(content, str):
        raise CorpusError(str(p), number, '"content" must be a string')
    if metadata is None:
        metadata = {}
    if not isinstance(metadata, dict):
        raise CorpusError(str(p), number, '"metadata" must be an object')
    try:
        # Validate now, so a bad line is reported with its number before any work.
        MemoryItem.create(content, metadata=metadata, id="check", created_at=0.0)
    except InvalidItemError as exc:
        raise CorpusError(str(p), number, str(exc)) from None
    return CorpusLine(content, metadata)


@dataclass(frozen=True)
class CorpusCheck:
    """What checking a corpus found: its memories, and the bytes its file holds per
    memory (what a stored item costs, for the run's memory and disk estimate)."""

    memories: int
    bytes_per_memory: float


#: Corpora already checked, by path, modification time and size: a run's settings are
#: checked again each time they are copied (a server's address added), never the file.
_CHECKED: dict[tuple[str, int, int], CorpusCheck] = {}


def corpus_check(path: str | Path) -> CorpusCheck:
    """Read a corpus through once (every line checked, none kept); a file unchanged since
    its last check is not read again."""
    p = Path(path)
    try:
        st = p.stat()
        key = (str(p.resolve()), st.st_mtime_ns, st.st_size)
    except OSError:
        key = None
    if key is not None and key in _CHECKED:
        return _CHECKED[key]
    count = sum(1 for _ in iter_lines(p))
    if not count:
        raise CorpusError(str(p), None, "holds no memories")
    found = CorpusCheck(count, key[2] / count if key is not None else 0.0)
    if key is not None:
        _CHECKED[key] = found
    return found


def check_corpus(path: str | Path) -> int:
    """``corpus_check``: the corpus's number of memories."""
    return corpus_check(path).memories


def load_lines(path: str | Path) -> list[CorpusLine]:
    """Every line of a JSONL corpus (``iter_lines``), in memory."""
    out = list(iter_lines(path))
    if not out:
        raise CorpusError(str(Path(path)), None, "holds no memories")
    return out
