import json

import pytest

from agentmem_lab.core.errors import ConfigError, CorpusError
from agentmem_lab.corpus import (
    ItemStream,
    check_corpus,
    generate_lines,
    iter_lines,
    load_lines,
    make_items,
    write_sample,
)
from conftest import data_path


def test_generator_is_seeded_and_distinct():
    a = [x.content for x in generate_lines(5000, seed=3)]
    b = [x.content for x in generate_lines(5000, seed=3)]
    assert a == b
    assert len(set(a)) == 5000
    assert a != [x.content for x in generate_lines(5000, seed=4)]


def test_generator_covers_languages_and_categories():
    lines = list(generate_lines(2000, seed=0))
    assert {x.metadata["lang"] for x in lines} == {"en", "zh"}
    assert {x.metadata["category"] for x in lines} == {"preference", "fact", "event", "task"}


def test_items_have_distinct_ids_and_offsets_line_up():
    items = make_items(300, seed=1)
    assert len({i.id for i in items}) == 300
    assert make_items(100, seed=1, offset=200) == items[200:]


def test_a_stream_makes_the_same_items_as_a_list_read_in_any_order(tmp_path):
    items = make_items(500, seed=2, offset=30)
    stream = ItemStream(500, seed=2, offset=30)
    assert len(stream) == 500 and list(stream) == items
    assert stream[0:100] == items[:100] and stream[100:250] == items[100:250]  # forward
    assert stream[10:20] == items[10:20] and stream[-1] == items[-1]  # behind: made again
    assert stream[490:600] == items[490:] and stream.head(3) == items[:3]
    with pytest.raises(IndexError):
        stream[500]
    p = tmp_path / "c.jsonl"
    p.write_text('{"content": "a"}\n{"content": "b"}\n', encoding="utf-8")
    assert list(ItemStream(5, corpus=p)) == make_items(5, corpus=p)


def test_a_corpus_is_read_line_by_line_and_checked_through_once(tmp_path):
    p = tmp_path / "c.jsonl"
    p.write_text('{"content": "a"}\r\n\n{"content": "b"}\n{"content": "c"}', encoding="utf-8")
    assert (
        [x.content for x in iter_lines(p)] == ["a", "b", "c"] == [x.content for x in load_lines(p)]
    )
    assert check_corpus(p) == 3


def test_sample_in_data_matches_the_generator(tmp_path):
    out = tmp_path / "sample.jsonl"
    write_sample(out)
    assert out.read_text(encoding="utf-8") == data_path("corpus_sample.jsonl").read_text(
        encoding="utf-8"
    )


def test_corpus_file_is_cycled_with_distinct_ids(tmp_path):
    p = tmp_path / "c.jsonl"
    p.write_text('{"content": "a"}\n\n{"content": "b", "metadata": {"k": 1}}\n', encoding="utf-8")
    items = make_items(5, corpus=p)
    assert [i.content for i in items] == ["a", "b", "a", "b", "a"]
    assert len({i.id for i in items}) == 5


@pytest.mark.parametrize(
    "body, where",
    [
        ('{"content": "ok"}\nnot json\n', ":2: not JSON"),
        ('{"content": "ok"}\n[1, 2]\n', ":2: expected an object"),
        ('{"content": 5}\n', ':1: "content" must be a string'),
        ('{"content": "ok", "metadata": 3}\n', ':1: "metadata" must be an object'),
        ('{"content": "   "}\n', ":1: content is empty"),
        ('{"content": "a\\u0000b"}\n', ":1: content contains a NUL"),
        ("\n\n", "holds no memories"),
    ],
)
def test_bad_corpus_lines_are_named(tmp_path, body, where):
    p = tmp_path / "bad.jsonl"
    p.write_text(body, encoding="utf-8")
    with pytest.raises(CorpusError, match=where.replace("(", r"\(")) as info:
        load_lines(p)
    assert isinstance(info.value, ConfigError) and info.value.option == "--corpus"


def test_missing_and_binary_corpus(tmp_path):
    with pytest.raises(CorpusError, match="no such file"):
        load_lines(tmp_path / "nope.jsonl")
    p = tmp_path / "bin.jsonl"
    p.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(CorpusError, match="not UTF-8"):
        load_lines(p)


def test_sample_lines_are_json_with_content():
    for raw in data_path("corpus_sample.jsonl").read_text(encoding="utf-8").splitlines():
        assert json.loads(raw)["content"].strip()


@pytest.mark.parametrize(
    "line, message",
    [
        (
            '{"content": "x", "metadata": {"a": ' + "[" * 5000 + "]" * 5000 + "}}",
            "nested deeper than the JSON parser can follow",
        ),
        (
            '{"content": "x", "metadata": ' + '{"a": ' * 40 + "1" + "}" * 40 + "}",
            "nested deeper than 32 levels",
        ),
        (
            '{"content": "x", "metadata": {"n": ' + "9" * 5000 + "}}",
            "integer of 5000 digits is out of range",
        ),
        ('{"content": "x", "metadata": {"n": 1e999}}', "number 1e999 is out of range"),
        ('{"content": "x", "metadata": {"n": -1e999}}', "out of range"),
        ('{"content": "x", "metadata": {"n": NaN}}', "NaN is not a JSON number"),
        ('{"content": "x", "metadata": {"n": Infinity}}', "Infinity is not a JSON number"),
    ],
)
def test_pathological_lines_get_one_line_errors_naming_the_line(tmp_path, line, message):
    p = tmp_path / "c.jsonl"
    p.write_text('{"content": "fine"}\n' + line + "\n", encoding="utf-8")
    with pytest.raises(CorpusError) as info:
        load_lines(p)
    text = str(info.value)
    assert f"{p}:2: " in text and message in text and "\n" not in text


def test_large_but_representable_numbers_are_kept(tmp_path):
    p = tmp_path / "c.jsonl"
    p.write_text(
        '{"content": "x", "metadata": {"n": 99999999999999999999999, "f": 1e300}}\n',
        encoding="utf-8",
    )
    assert load_lines(p)[0].metadata == {"n": 99999999999999999999999, "f": 1e300}


def test_a_corpus_is_read_again_only_when_it_changed(tmp_path):
    from agentmem_lab.corpus import corpus_check

    p = tmp_path / "c.jsonl"
    p.write_text('{"content": "a"}\n{"content": "bb"}\n')
    first = corpus_check(p)
    assert first.memories == 2 and first.bytes_per_memory == p.stat().st_size / 2
    assert corpus_check(p) is first  # unchanged: not read again
    p.write_text('{"content": "a"}\n{"content": "bb"}\n{"content": "ccc"}\n')
    assert corpus_check(p).memories == 3
    p.write_text("\n")
    with pytest.raises(CorpusError, match="holds no memories"):
        corpus_check(p)
