import pytest

from agentmem_lab.core.errors import InjectedFault, StoreWriteError
from agentmem_lab.embedders import HashEmbedder
from agentmem_lab.stores import Store, StoreSet, StoreSettings, real_stores
from agentmem_lab.workload.modes import MODES, get_mode
from conftest import arun


@pytest.mark.parametrize("mode", ["sequential", "parallel", "batch", "bulk"])
def test_every_mode_writes_all_three_stores(tmp_path, items, mode):
    async def go():
        async with real_stores(tmp_path, StoreSettings(), 384) as stores:
            outcome = await get_mode(mode)(HashEmbedder(), stores).add(items[:10])
            return outcome, {s.name: await s.keys() for s in stores}

    outcome, keys = arun(go())
    expected = {i.key for i in items[:10]}
    assert set(outcome.acked) == expected and outcome.failed == []
    assert keys["core"] == keys["vector"] == keys["history"] == expected
    assert set(outcome.stages_s) == {"embed", "core", "vector", "history"}
    assert all(v >= 0 for v in outcome.stages_s.values())


class _FailOn(Store):
    """Wraps a store; refuses the given keys (single and bulk writes)."""

    def __init__(self, inner, bad):
        self.inner, self.bad, self.name = inner, bad, inner.name

    async def open(self):
        await self.inner.open()

    async def close(self):
        await self.inner.close()

    async def write(self, item, vector):
        if item.key in self.bad:
            raise InjectedFault(self.name)
        await self.inner.write(item, vector)

    async def write_many(self, items, vectors):
        if any(i.key in self.bad for i in items):
            raise StoreWriteError(self.name, "refused")
        return await self.inner.write_many(items, vectors)

    async def delete_many(self, keys):
        await self.inner.delete_many(keys)

    async def keys(self):
        return await self.inner.keys()


@pytest.mark.parametrize("mode", ["sequential", "parallel", "batch", "bulk"])
@pytest.mark.parametrize("failing", ["core", "vector", "history"])
def test_a_failed_write_is_not_acknowledged_and_leaves_no_orphans(tmp_path, items, mode, failing):
    bad = {items[3].key}

    async def go():
        base = real_stores(tmp_path, StoreSettings(), 384)
        parts = {s.name: (_FailOn(s, bad) if s.name == failing else s) for s in base}
        async with StoreSet(parts["core"], parts["vector"], parts["history"]) as stores:
            outcome = await get_mode(mode)(HashEmbedder(), stores).add(items[:8])
            return outcome, {s.name: await s.keys() for s in stores}

    outcome, keys = arun(go())
    acked = set(outcome.acked)
    if mode == "bulk":  # the failing store's bulk write failed whole: nothing acknowledged
        assert acked == set() and len(outcome.failed) == 8
    else:
        assert outcome.failed == [items[3].key]
        assert acked == {i.key for i in items[:8]} - bad
    for name in ("core", "vector", "history"):
        assert keys[name] == acked, name


def test_mode_registry_lists_the_four_modes():
    assert MODES.names() == ["sequential", "parallel", "batch", "bulk"]
