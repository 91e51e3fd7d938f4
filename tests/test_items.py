import pytest

from agentmem_lab.core.errors import InvalidItemError
from agentmem_lab.items import MAX_CONTENT_BYTES, HistoryEvent, MemoryItem, vector_key


def test_create_fills_hash_key_and_id():
    item = MemoryItem.create("Alice likes tea", metadata={"a": 1})
    assert len(item.content_hash) == 64
    assert item.key == vector_key(item.id)
    assert 0 <= item.key < 2**63
    assert item.metadata == {"a": 1}


def test_ids_are_reproducible_with_a_seeded_rng():
    import random

    a = MemoryItem.create("x", rng=random.Random(1), created_at=0.0)
    b = MemoryItem.create("x", rng=random.Random(1), created_at=0.0)
    assert a.id == b.id and a == b


@pytest.mark.parametrize("content", ["", "   ", "\n\t "])
def test_empty_content_is_rejected(content):
    with pytest.raises(InvalidItemError, match="empty"):
        MemoryItem.create(content)


def test_nul_and_lone_surrogates_are_rejected():
    with pytest.raises(InvalidItemError, match="NUL"):
        MemoryItem.create("a\x00b")
    with pytest.raises(InvalidItemError, match="surrogate"):
        MemoryItem.create("a\ud800b")


def test_oversized_content_is_rejected_and_one_megabyte_is_fine():
    MemoryItem.create("x" * (1024 * 1024))
    with pytest.raises(InvalidItemError, match="limit"):
        MemoryItem.create("x" * (MAX_CONTENT_BYTES + 1))


def test_metadata_must_be_json():
    with pytest.raises(InvalidItemError, match="JSON-serializable"):
        MemoryItem.create("x", metadata={"when": object()})
    with pytest.raises(InvalidItemError, match="JSON-serializable"):
        MemoryItem.create("x", metadata={"nan": float("nan")})
    with pytest.raises(InvalidItemError, match="JSON object"):
        MemoryItem.create("x", metadata=[1, 2])  # type: ignore[arg-type]


def test_cjk_emoji_rtl_and_sql_text_are_kept_verbatim():
    text = "用户喜欢🍜 \u200f שלום '); DROP TABLE persona_blocks;--"
    item = MemoryItem.create(text, id="x'; DROP TABLE history;--")
    assert item.content == text


def test_history_event_is_an_add_of_the_content():
    item = MemoryItem.create("remember this")
    e = HistoryEvent.add(item)
    assert (e.memory_id, e.event, e.old_value, e.new_value) == (item.id, "ADD", None, item.content)
