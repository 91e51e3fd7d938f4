import pytest

from agentmem_lab.corpus import make_items
from agentmem_lab.embedders import NullEmbedder
from agentmem_lab.stores import NullStore, null_stores
from agentmem_lab.workload import overhead
from agentmem_lab.workload.closed_loop import chunks
from agentmem_lab.workload.modes import MODES
from conftest import arun


@pytest.mark.parametrize("mode", MODES.names())
@pytest.mark.parametrize("futures", [False, True])
def test_measure_drives_the_mode_over_stores_that_do_nothing(mode, futures):
    items = make_items(300, seed=3)
    out = arun(
        overhead.measure_overhead(MODES.get(mode), chunks(items, 100), 2, 16, futures=futures)
    )
    assert out["calls"] == 3 and out["items"] == 300
    assert out["per_item_us"] > 0 and out["per_call_us"]["p50"] >= out["per_call_us"]["min"] > 0


def test_measure_caps_the_items_it_drives(monkeypatch):
    monkeypatch.setattr(overhead, "ITEMS", 250)
    out = arun(overhead.measure_overhead(MODES.get("bulk"), chunks(make_items(1000), 100), 1, 16))
    assert out["items"] == 200 and out["calls"] == 2


def test_null_parts_store_nothing_and_answer_as_asked():
    e = NullEmbedder(8)
    v = arun(e.embed_batch(["a", "b", "c"]))
    assert v.shape == (3, 8) and (v[:, 0] == 1).all()

    async def writes():
        item = make_items(1)[0]
        coro, fut = (
            NullStore("core").write(item, v[0]),
            NullStore("core", futures=True).write(item, v[0]),
        )
        kinds = (type(coro).__name__, fut.done())
        await coro
        return kinds, await null_stores().core.keys()

    (kinds, keys) = arun(writes())
    assert kinds == ("coroutine", True) and keys == set()
    assert "futures" in overhead.describe(True) and "coroutines" in overhead.describe(False)
