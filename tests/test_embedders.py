import numpy as np
import pytest

from agentmem_lab.core.errors import EmbedderError, UnknownNameError
from agentmem_lab.embedders import (
    EMBEDDERS,
    Embedder,
    HashEmbedder,
    SimulatedEmbedder,
    check_vectors,
    get_embedder,
)
from conftest import arun


def test_hash_vectors_are_unit_deterministic_and_batch_consistent():
    e = HashEmbedder()
    texts = ["Alice likes green tea", "张伟喜欢吃火锅", "🍜🍣", "!!!", "a"]
    v = e.encode(texts)
    assert v.shape == (5, 384) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-6)
    assert np.array_equal(v, HashEmbedder().encode(texts))
    one = arun(e.embed(texts[1]))
    assert np.allclose(one, v[1])


def test_hash_similar_texts_are_closer_than_unrelated():
    e = HashEmbedder()
    a, b, c = e.encode(
        [
            "Alice prefers green tea in the morning",
            "Alice prefers black tea in the morning",
            "提醒马超在周日前完成性能优化",
        ]
    )
    assert a @ b > a @ c


def test_simulated_embedder_waits_the_seed_models_latency():
    import time

    async def timed():
        t0 = time.perf_counter()
        v = await SimulatedEmbedder().embed_batch(["a"] * 10)
        return v, time.perf_counter() - t0

    v, seconds = arun(timed())
    assert v.shape == (10, 384)
    assert seconds >= 0.010  # the model's 10 ms for 10 texts, never less


class _Broken(Embedder):
    name = "broken"

    def __init__(self, out):
        self.out = out

    def encode(self, texts):
        return self.out


def test_wrong_dimension_and_nan_are_refused():
    with pytest.raises(EmbedderError, match=r"shape \(1, 3\), expected \(1, 384\)"):
        arun(_Broken(np.zeros((1, 3))).embed_batch(["x"]))
    bad = np.ones((2, 384), dtype=np.float32)
    bad[1, 5] = np.nan
    with pytest.raises(EmbedderError, match="NaN or infinite values for text 1"):
        arun(_Broken(bad).embed_batch(["x", "y"]))
    with pytest.raises(EmbedderError):
        check_vectors("x", np.full((1, 384), np.inf), 1, 384)


def test_registry_names_and_unknown():
    assert isinstance(get_embedder("hash"), HashEmbedder)
    assert "fastembed:some/model" in EMBEDDERS
    with pytest.raises(UnknownNameError, match="no embedder named 'nope'; known: hash"):
        get_embedder("nope")
