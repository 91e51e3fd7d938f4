"""Realistic agent memories: a seeded generator (the default input) and JSONL corpora.

The generator yields preferences, facts, events and tasks in English and Chinese
(the seed report is Chinese). It never repeats a text within one call: repeated
texts give the vector index duplicate vectors and distort its speed and recall.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any, overload

from agentmem_lab.core.errors import CorpusError, InvalidItemError
from agentmem_lab.items import MemoryItem, canonical_metadata

_NAMES = [
    "Alice",
    "Bob",
    "Chen Wei",
    "Dana",
    "Emeka",
    "Farah",
    "Goro",
    "Hana",
    "Ivan",
    "Jun",
    "Kofi",
    "Lena",
    "Mateo",
    "Nadia",
    "Omar",
    "Priya",
    "Quinn",
    "Rosa",
    "Sven",
    "Tariq",
    "Uma",
    "Victor",
    "Wen",
    "Ximena",
    "Yusuf",
    "Zara",
]
_ZH_NAMES = [
    "张伟",
    "王芳",
    "李娜",
    "刘洋",
    "陈静",
    "杨磊",
    "赵敏",
    "黄强",
    "周杰",
    "吴婷",
    "徐明",
    "孙丽",
    "马超",
    "朱琳",
    "胡军",
    "郭燕",
    "何平",
    "高翔",
    "林峰",
    "罗霞",
]
_FOODS = [
    "ramen",
    "sushi",
    "tacos",
    "dumplings",
    "pho",
    "lasagna",
    "falafel",
    "paella",
    "kimchi stew",
    "pad thai",
    "croissants",
    "oatmeal",
    "green curry",
    "bibimbap",
    "mapo tofu",
    "risotto",
    "shakshuka",
    "pierogi",
    "ceviche",
    "biryani",
]
_ZH_FOODS = [
    "火锅",
    "饺子",
    "拉面",
    "小笼包",
    "烤鸭",
    "麻婆豆腐",
    "宫保鸡丁",
    "寿司",
    "炒饭",
    "粥",
    "煎饼",
    "凉皮",
    "酸菜鱼",
    "肠粉",
    "螺蛳粉",
    "红烧肉",
]
_DRINKS = [
    "black coffee",
    "oat latte",
    "green tea",
    "sparkling water",
    "chai",
    "espresso",
    "matcha",
    "hot chocolate",
    "jasmine tea",
    "orange juice",
]
_CITIES = [
    "Berlin",
    "Shanghai",
    "Lagos",
    "Lima",
    "Osaka",
    "Toronto",
    "Nairobi",
    "Lisbon",
    "Chengdu",
    "Austin",
    "Hanoi",
    "Oslo",
    "Seoul",
    "Bogota",
    "Cairo",
    "Melbourne",
    "Mumbai",
    "Prague",
    "Denver",
    "Taipei",
]
_ZH_CITIES = [
    "北京",
    "上海",
    "深圳",
    "杭州",
    "成都",
    "西安",
    "南京",
    "武汉",
    "重庆",
    "广州",
    "苏州",
    "厦门",
    "青岛",
    "长沙",
    "昆明",
]
_TOPICS = [
    "the Q3 roadmap",
    "the database migration",
    "the onboarding flow",
    "the API rate limits",
    "the billing bug",
    "the mobile release",
    "the security audit",
    "the hiring plan",
    "the vector index rebuild",
    "the latency regression",
    "the search ranking",
    "the offsite agenda",
    "the budget review",
    "the customer churn report",
]
_ZH_TOPICS = [
    "季度规划",
    "数据库迁移",
    "新版上线",
    "安全审计",
    "招聘计划",
    "预算评审",
    "性能优化",
    "客户反馈",
    "接口限流",
    "向量索引重建",
]
_HOBBIES = [
    "bouldering",
    "watercolor painting",
    "trail running",
    "chess",
    "sourdough baking",
    "birdwatching",
    "salsa dancing",
    "woodworking",
    "cycling",
    "origami",
    "jazz piano",
    "kayaking",
    "pottery",
    "astronomy",
]
_ZH_HOBBIES = ["书法", "爬山", "游泳", "摄影", "下棋", "弹吉他", "跑步", "画画", "钓鱼", "瑜伽"]
_WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_ZH_WEEKDAYS = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]
_TOOLS = ["Neovim", "VS Code", "Emacs", "PyCharm", "Zed", "Sublime Text"]
_PETS = ["a beagle", "two cats", "a parrot", "a rabbit", "a golden retriever", "three goldfish"]
_ZH_PETS = ["一只猫", "两只狗", "一只鹦鹉", "一只兔子", "几条金鱼"]
_ALLERGIES = ["peanuts", "shellfish", "gluten", "lactose", "pollen", "penicillin"]


def _time(r: random.Random) -> str:
    return f"{r.randint(6, 21)}:{r.choice(['00', '15', '30', '45'])}"


def _date(r: random.Random) -> str:
    return f"2026-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}"


def _zh_date(r: random.Random) -> str:
    return f"{r.randint(1, 12)}月{r.randint(1, 28)}日"


# (category, language, template builder). Each builder draws from several slots and a
# number, so the space of distinct texts is far larger than any run.
_TEMPLATES: list[tuple[str, str, Any]] = [
    (
        "preference",
        "en",
        lambda r: (
            f"{r.choice(_NAMES)} prefers {r.choice(_DRINKS)} in the morning and {r.choice(_FOODS)} for lunch on {r.choice(_WEEKDAYS)}s."
        ),
    ),
    (
        "preference",
        "en",
        lambda r: (
            f"{r.choice(_NAMES)} likes {r.choice(_HOBBIES)} and wants reminders before {_time(r)} in {r.choice(_CITIES)}."
        ),
    ),
    (
        "preference",
        "en",
        lambda r: (
            f"{r.choice(_NAMES)} uses {r.choice(_TOOLS)} with a font size of {r.randint(10, 22)} and dislikes {r.choice(_FOODS)}."
        ),
    ),
    (
        "fact",
        "en",
        lambda r: (
            f"{r.choice(_NAMES)} lives in {r.choice(_CITIES)}, has {r.choice(_PETS)} and is allergic to {r.choice(_ALLERGIES)}."
        ),
    ),
    (
        "fact",
        "en",
        lambda r: (
            f"{r.choice(_NAMES)} has worked on {r.choice(_TOPICS)} for {r.randint(2, 40)} weeks with {r.choice(_NAMES)}."
        ),
    ),
    (
        "fact",
        "en",
        lambda r: (
            f"{r.choice(_NAMES)}'s flat in {r.choice(_CITIES)} is {r.randint(30, 180)} square meters and {r.randint(2, 40)} minutes from work."
        ),
    ),
    (
        "event",
        "en",
        lambda r: (
            f"On {_date(r)} at {_time(r)}, {r.choice(_NAMES)} met {r.choice(_NAMES)} in {r.choice(_CITIES)} to discuss {r.choice(_TOPICS)}."
        ),
    ),
    (
        "event",
        "en",
        lambda r: (
            f"{r.choice(_NAMES)} flew to {r.choice(_CITIES)} on {_date(r)} and ate {r.choice(_FOODS)} at the airport."
        ),
    ),
    (
        "task",
        "en",
        lambda r: (
            f"Remind {r.choice(_NAMES)} to review {r.choice(_TOPICS)} by {r.choice(_WEEKDAYS)} {_time(r)}, priority {r.randint(1, 5)}."
        ),
    ),
    (
        "task",
        "en",
        lambda r: (
            f"Book a table for {r.randint(2, 12)} at a {r.choice(_FOODS)} place in {r.choice(_CITIES)} on {_date(r)}."
        ),
    ),
    (
        "preference",
        "zh",
        lambda r: (
            f"{r.choice(_ZH_NAMES)}喜欢在{r.choice(_ZH_WEEKDAYS)}吃{r.choice(_ZH_FOODS)}，不喜欢{r.choice(_ZH_FOODS)}，偏好{r.choice(_ZH_HOBBIES)}。"
        ),
    ),
    (
        "fact",
        "zh",
        lambda r: (
            f"{r.choice(_ZH_NAMES)}住在{r.choice(_ZH_CITIES)}，养了{r.choice(_ZH_PETS)}，每天通勤{r.randint(5, 90)}分钟。"
        ),
    ),
    (
        "event",
        "zh",
        lambda r: (
            f"{_zh_date(r)}{r.randint(6, 21)}点，{r.choice(_ZH_NAMES)}和{r.choice(_ZH_NAMES)}在{r.choice(_ZH_CITIES)}讨论了{r.choice(_ZH_TOPICS)}。"
        ),
    ),
    (
        "task",
        "zh",
        lambda r: (
            f"提醒{r.choice(_ZH_NAMES)}在{r.choice(_ZH_WEEKDAYS)}前完成{r.choice(_ZH_TOPICS)}，优先级{r.randint(1, 5)}，预计{r.randint(1, 20)}小时。"
        ),
    ),
]


@dataclass(frozen=True, slots=True)
class CorpusLine:
    """One line of a corpus: content and metadata (validated when turned into an item)."""

    content: str
    metadata: dict[str, Any]


def generate_lines(n: int, seed: int = 0) -> Iterator[CorpusLine]:
    """``n`` distinct memories from the seeded generator (same seed, same texts)."""
    if n < 0:
        raise ValueError("n must be >= 0")
    rng = random.Random(seed)
    # Texts seen so far, as 64-bit digests (a text's 60-110 bytes are not kept: a run of
    # 10 million items holds its digests, not its texts). Two distinct texts share a digest
    # with odds of about 3 in a million at 10^7 texts; the one skipped is still skipped
    # deterministically, so the same seed gives the same items.
    seen: set[int] = set()
    made = attempts = 0
    while made < n:
        attempts += 1
        if attempts > 50 * n + 1000:  # pragma: no cover - the space is ~10^9 texts
            raise RuntimeError("corpus generator ran out of distinct texts")
        category, lang, build = rng.choice(_TEMPLATES)
        text = build(rng)
        digest = int.from_bytes(
            hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "little"
        )
        if digest in seen:
            continue
        seen.add(digest)
        made += 1
        yield CorpusLine(text, {"category": category, "lang": lang, "source": "generator"})


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


def check_corpus(path: str | Path) -> int:
    """Read a corpus through once (every line checked, none kept); its number of memories."""
    count = sum(1 for _ in iter_lines(path))
    if not count:
        raise CorpusError(str(Path(path)), None, "holds no memories")
    return count


def load_lines(path: str | Path) -> list[CorpusLine]:
    """Every line of a JSONL corpus (``iter_lines``), in memory."""
    out = list(iter_lines(path))
    if not out:
        raise CorpusError(str(Path(path)), None, "holds no memories")
    return out


def _cycled(path: str | Path) -> Iterator[CorpusLine]:
    """A corpus file read again from its start each time it ends."""
    while True:
        yield from iter_lines(path)


def iter_items(
    n: int, seed: int = 0, corpus: str | Path | None = None, offset: int = 0
) -> Iterator[MemoryItem]:
    """``n`` memory items with reproducible ids, made one at a time, from the generator or
    a corpus file (cycled to reach ``n``: its repeated texts become separate items with
    distinct ids). ``offset`` skips items (warmup items come first)."""
    rng = random.Random(f"ids:{seed}")
    lines: Iterable[CorpusLine] = (
        generate_lines(n + offset, seed) if corpus is None else _cycled(corpus)
    )
    for i, line in enumerate(islice(lines, n + offset)):
        item = MemoryItem.create(
            line.content,
            agent_id=f"agent-{i % 8 + 1}",
            user_id=f"user-{i % 97 + 1}",
            memory_type=str(line.metadata.get("category", "semantic")) or "semantic",
            metadata=line.metadata,
            rng=rng,
            created_at=1_780_000_000.0 + i,
        )
        if i >= offset:
            yield item


def make_items(
    n: int, seed: int = 0, corpus: str | Path | None = None, offset: int = 0
) -> list[MemoryItem]:
    """``iter_items`` in a list (the same items: streamed or not, a seed makes the same)."""
    return list(iter_items(n, seed, corpus, offset))


class ItemStream(Sequence[MemoryItem]):
    """A run's items made as they are read: ``n`` items of a seed (and corpus), after
    ``offset`` skipped ones, never all in memory at once.

    Reading forward (iteration, or consecutive slices) makes each item once; a slice behind
    the last one read starts the generator again from the beginning (correct, but costs
    the time of making every item before it).
    """

    def __init__(
        self, n: int, seed: int = 0, corpus: str | Path | None = None, offset: int = 0
    ) -> None:
        if n < 0:
            raise ValueError("n must be >= 0")
        self.n, self.seed, self.corpus, self.offset = n, seed, corpus, offset
        self._cursor: Iterator[MemoryItem] | None = None
        self._position = 0

    def __len__(self) -> int:
        return self.n

    def __iter__(self) -> Iterator[MemoryItem]:
        return iter_items(self.n, self.seed, self.corpus, self.offset)

    @overload
    def __getitem__(self, index: int) -> MemoryItem: ...

    @overload
    def __getitem__(self, index: slice) -> list[MemoryItem]: ...

    def __getitem__(self, index: int | slice) -> MemoryItem | list[MemoryItem]:
        if isinstance(index, slice):
            start, stop, step = index.indices(self.n)
            if step != 1:
                return [self[i] for i in range(start, stop, step)]
            return self._read(start, max(stop - start, 0))
        i = index + self.n if index < 0 else index
        if not 0 <= i < self.n:
            raise IndexError("item index out of range")
        return self._read(i, 1)[0]

    def _read(self, start: int, count: int) -> list[MemoryItem]:
        if self._cursor is None or start < self._position:
            self._cursor, self._position = iter(self), 0
        skipped = start - self._position
        if skipped:
            for _ in islice(self._cursor, skipped):
                pass
        out = list(islice(self._cursor, count))
        self._position = start + len(out)
        return out

    def head(self, n: int) -> list[MemoryItem]:
        """The first ``n`` items (a fresh generator: the cursor is left where it is)."""
        return list(islice(iter(self), n))


def write_sample(path: str | Path, n: int = 200, seed: int = 0) -> None:
    """Write the generator's first ``n`` memories as a JSONL corpus (data/corpus_sample.jsonl)."""
    with open(path, "w", encoding="utf-8") as f:
        for line in generate_lines(n, seed):
            f.write(
                json.dumps(
                    {"content": line.content, "metadata": line.metadata},
                    ensure_ascii=False,
                    sort_keys=True,
                )
                + "\n"
            )


__all__ = [
    "CorpusLine",
    "ItemStream",
    "canonical_metadata",
    "check_corpus",
    "generate_lines",
    "iter_items",
    "iter_lines",
    "load_lines",
    "make_items",
    "write_sample",
]
