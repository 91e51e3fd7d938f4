"""Realistic agent memories: a seeded generator (the default input) and JSONL corpora.

The generator yields preferences, facts, events and tasks in English and Chinese
(the seed report is Chinese). It never repeats a text within one call: repeated
texts give the vector index duplicate vectors and distort its speed and recall.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from itertools import cycle, islice
from pathlib import Path
from typing import Any, Iterator

from .errors import CorpusError, InvalidItemError
from .records import MemoryItem, canonical_metadata

_NAMES = ["Alice", "Bob", "Chen Wei", "Dana", "Emeka", "Farah", "Goro", "Hana", "Ivan", "Jun",
          "Kofi", "Lena", "Mateo", "Nadia", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tariq",
          "Uma", "Victor", "Wen", "Ximena", "Yusuf", "Zara"]
_ZH_NAMES = ["张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "赵敏", "黄强", "周杰", "吴婷",
             "徐明", "孙丽", "马超", "朱琳", "胡军", "郭燕", "何平", "高翔", "林峰", "罗霞"]
_FOODS = ["ramen", "sushi", "tacos", "dumplings", "pho", "lasagna", "falafel", "paella",
          "kimchi stew", "pad thai", "croissants", "oatmeal", "green curry", "bibimbap",
          "mapo tofu", "risotto", "shakshuka", "pierogi", "ceviche", "biryani"]
_ZH_FOODS = ["火锅", "饺子", "拉面", "小笼包", "烤鸭", "麻婆豆腐", "宫保鸡丁", "寿司", "炒饭",
             "粥", "煎饼", "凉皮", "酸菜鱼", "肠粉", "螺蛳粉", "红烧肉"]
_DRINKS = ["black coffee", "oat latte", "green tea", "sparkling water", "chai", "espresso",
           "matcha", "hot chocolate", "jasmine tea", "orange juice"]
_CITIES = ["Berlin", "Shanghai", "Lagos", "Lima", "Osaka", "Toronto", "Nairobi", "Lisbon",
           "Chengdu", "Austin", "Hanoi", "Oslo", "Seoul", "Bogota", "Cairo", "Melbourne",
           "Mumbai", "Prague", "Denver", "Taipei"]
_ZH_CITIES = ["北京", "上海", "深圳", "杭州", "成都", "西安", "南京", "武汉", "重庆", "广州",
              "苏州", "厦门", "青岛", "长沙", "昆明"]
_TOPICS = ["the Q3 roadmap", "the database migration", "the onboarding flow", "the API rate limits",
           "the billing bug", "the mobile release", "the security audit", "the hiring plan",
           "the vector index rebuild", "the latency regression", "the search ranking",
           "the offsite agenda", "the budget review", "the customer churn report"]
_ZH_TOPICS = ["季度规划", "数据库迁移", "新版上线", "安全审计", "招聘计划", "预算评审",
              "性能优化", "客户反馈", "接口限流", "向量索引重建"]
_HOBBIES = ["bouldering", "watercolor painting", "trail running", "chess", "sourdough baking",
            "birdwatching", "salsa dancing", "woodworking", "cycling", "origami", "jazz piano",
            "kayaking", "pottery", "astronomy"]
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
    ("preference", "en", lambda r: f"{r.choice(_NAMES)} prefers {r.choice(_DRINKS)} in the morning and {r.choice(_FOODS)} for lunch on {r.choice(_WEEKDAYS)}s."),
    ("preference", "en", lambda r: f"{r.choice(_NAMES)} likes {r.choice(_HOBBIES)} and wants reminders before {_time(r)} in {r.choice(_CITIES)}."),
    ("preference", "en", lambda r: f"{r.choice(_NAMES)} uses {r.choice(_TOOLS)} with a font size of {r.randint(10, 22)} and dislikes {r.choice(_FOODS)}."),
    ("fact", "en", lambda r: f"{r.choice(_NAMES)} lives in {r.choice(_CITIES)}, has {r.choice(_PETS)} and is allergic to {r.choice(_ALLERGIES)}."),
    ("fact", "en", lambda r: f"{r.choice(_NAMES)} has worked on {r.choice(_TOPICS)} for {r.randint(2, 40)} weeks with {r.choice(_NAMES)}."),
    ("fact", "en", lambda r: f"{r.choice(_NAMES)}'s flat in {r.choice(_CITIES)} is {r.randint(30, 180)} square meters and {r.randint(2, 40)} minutes from work."),
    ("event", "en", lambda r: f"On {_date(r)} at {_time(r)}, {r.choice(_NAMES)} met {r.choice(_NAMES)} in {r.choice(_CITIES)} to discuss {r.choice(_TOPICS)}."),
    ("event", "en", lambda r: f"{r.choice(_NAMES)} flew to {r.choice(_CITIES)} on {_date(r)} and ate {r.choice(_FOODS)} at the airport."),
    ("task", "en", lambda r: f"Remind {r.choice(_NAMES)} to review {r.choice(_TOPICS)} by {r.choice(_WEEKDAYS)} {_time(r)}, priority {r.randint(1, 5)}."),
    ("task", "en", lambda r: f"Book a table for {r.randint(2, 12)} at a {r.choice(_FOODS)} place in {r.choice(_CITIES)} on {_date(r)}."),
    ("preference", "zh", lambda r: f"{r.choice(_ZH_NAMES)}喜欢在{r.choice(_ZH_WEEKDAYS)}吃{r.choice(_ZH_FOODS)}，不喜欢{r.choice(_ZH_FOODS)}，偏好{r.choice(_ZH_HOBBIES)}。"),
    ("fact", "zh", lambda r: f"{r.choice(_ZH_NAMES)}住在{r.choice(_ZH_CITIES)}，养了{r.choice(_ZH_PETS)}，每天通勤{r.randint(5, 90)}分钟。"),
    ("event", "zh", lambda r: f"{_zh_date(r)}{r.randint(6, 21)}点，{r.choice(_ZH_NAMES)}和{r.choice(_ZH_NAMES)}在{r.choice(_ZH_CITIES)}讨论了{r.choice(_ZH_TOPICS)}。"),
    ("task", "zh", lambda r: f"提醒{r.choice(_ZH_NAMES)}在{r.choice(_ZH_WEEKDAYS)}前完成{r.choice(_ZH_TOPICS)}，优先级{r.randint(1, 5)}，预计{r.randint(1, 20)}小时。"),
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
    seen: set[str] = set()
    attempts = 0
    while len(seen) < n:
        attempts += 1
        if attempts > 50 * n + 1000:  # pragma: no cover - the space is ~10^9 texts
            raise RuntimeError("corpus generator ran out of distinct texts")
        category, lang, build = rng.choice(_TEMPLATES)
        text = build(rng)
        if text in seen:
            continue
        seen.add(text)
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
        obj = json.loads(raw, parse_constant=_parse_constant, parse_float=_parse_float,
                         parse_int=_parse_int)
    except RecursionError:
        raise _Refused(f"nested deeper than the JSON parser can follow (limit {MAX_DEPTH} levels)") \
            from None
    if _depth(obj) > MAX_DEPTH:
        raise _Refused(f"nested deeper than {MAX_DEPTH} levels")
    return obj


def load_lines(path: str | Path) -> list[CorpusLine]:
    """Read a JSONL corpus: one ``{"content": ..., "metadata": {...}}`` per line.

    Errors name the line. Blank lines are skipped.
    """
    p = Path(path)
    if not p.is_file():
        raise CorpusError(str(p), None, "no such file")
    out: list[CorpusLine] = []
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise CorpusError(str(p), None, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            obj = parse_line(raw)
        except json.JSONDecodeError as exc:
            raise CorpusError(str(p), number, f"not JSON ({exc.msg})") from None
        except (ValueError, MemoryError) as exc:  # _Refused, and anything else json raises
            raise CorpusError(str(p), number, str(exc).splitlines()[0] if str(exc)
                              else type(exc).__name__) from None
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
        out.append(CorpusLine(content, metadata))
    if not out:
        raise CorpusError(str(p), None, "holds no memories")
    return out


def make_items(n: int, seed: int = 0, corpus: str | Path | None = None,
               offset: int = 0) -> list[MemoryItem]:
    """``n`` memory items with reproducible ids, from the generator or a corpus file.

    A corpus file is cycled to reach ``n``; its repeated texts are stored as separate
    items with distinct ids. ``offset`` skips items (warmup items come first).
    """
    rng = random.Random(f"ids:{seed}")
    if corpus is None:
        lines: Iterator[CorpusLine] = generate_lines(n + offset, seed)
    else:
        lines = cycle(load_lines(corpus))
    items: list[MemoryItem] = []
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
            items.append(item)
    return items


def write_sample(path: str | Path, n: int = 200, seed: int = 0) -> None:
    """Write the generator's first ``n`` memories as a JSONL corpus (data/corpus_sample.jsonl)."""
    with open(path, "w", encoding="utf-8") as f:
        for line in generate_lines(n, seed):
            f.write(json.dumps({"content": line.content, "metadata": line.metadata},
                               ensure_ascii=False, sort_keys=True) + "\n")


__all__ = ["CorpusLine", "generate_lines", "load_lines", "make_items", "write_sample",
           "canonical_metadata"]
