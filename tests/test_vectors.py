"""Embed once, replay: a dataset folder's vectors built (resumable, a second build a no-op),
replayed by runs that say so, and bad vectors files refused in one line before any write."""

from __future__ import annotations

import json

import numpy as np
import pytest
from test_datasets import folder, msgs

from agentmem_lab.cli import main
from agentmem_lab.corpus import vectors
from agentmem_lab.embedders import HashEmbedder
from agentmem_lab.embedders.replayed import ReplayedEmbedder
from agentmem_lab.measuring import vector_build
from agentmem_lab.schema.result import Result
from helpers import known_result  # noqa: F401  (the shared helpers load the test settings)


def test_vectors_are_built_once_resumed_after_a_crash_and_replayed_by_text(
    tmp_path, monkeypatch, capsys
):
    d = folder(tmp_path, msgs(40))
    monkeypatch.setattr(vector_build, "CHUNK", 10)
    real, calls = HashEmbedder.encode, []

    def crash_on_the_third_chunk(self, texts):  # type: ignore[no-untyped-def]
        calls.append(len(texts))
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(self, texts)

    monkeypatch.setattr(HashEmbedder, "encode", crash_on_the_third_chunk)
    build = ["vectors", "build", "--dataset", str(d), "--embedder", "hash"]
    assert main(build) == 130 and vectors.find(d, "hash") is None  # no manifest: no vectors
    monkeypatch.setattr(HashEmbedder, "encode", real)
    assert main(build) == 0
    out = capsys.readouterr()
    assert "resuming at 20 of 40" in out.err and "40 x 384 (built;" in out.out
    assert main(build) == 0 and "already built" in capsys.readouterr().out
    doc = json.loads((d / "vectors-hash.json").read_text())
    assert doc["count"] == 40 and doc["built"]["texts_embedded"] == 20  # this session's
    assert doc["built"]["device"] == "CPU"  # the hash embedder: no onnxruntime session
    replay = ReplayedEmbedder("hash", vectors.check(d, "hash", 384, 40))
    texts = [m["content"] for m in msgs(40)][::-1]  # any order: found by text
    assert np.array_equal(replay.encode(texts), HashEmbedder().encode(texts))

    out_dir = tmp_path / "run"
    run = ["run", "--dataset", str(d), "--mode", "bulk", "--batch-size", "10", "--items", "20"]
    assert main([*run, "--search-queries", "5", "--out", str(out_dir)]) == 0
    r = Result.load(out_dir / "result.json")
    assert r.replayed and r.name == "bulk-b10-c1-hash-mine-replayed"
    assert r.integrity.lost == 0 and r.search is not None
    assert "(stores only: vectors replayed" in capsys.readouterr().out
    assert main([*run, "--vectors", "embed", "--out", str(tmp_path / "e")]) == 0
    assert not Result.load(tmp_path / "e" / "result.json").replayed


def _bad(tmp_path, name: str, array: np.ndarray, dim: int = 4, count: int | None = None):
    d = folder(tmp_path, msgs(30), name)
    n = len(array) if count is None else count
    np.save(d / "vectors-hash.npy", array)
    np.save(d / "vectors-hash.keys.npy", np.arange(len(array), dtype=np.uint64))
    (d / "vectors-hash.json").write_text(json.dumps({"dim": dim, "count": n}))
    return d


@pytest.mark.parametrize(
    "name, make, says",
    [
        ("f64", lambda: np.zeros((30, 4)), "holds float64, not float32"),
        ("shape", lambda: np.zeros((30, 5), np.float32), "has shape (30, 5), the manifest"),
        (
            "nan",
            lambda: (
                np.where(np.arange(30)[:, None] == 3, np.nan, 1.0).repeat(4, 1).astype(np.float32)
            ),
            "row 3 holds NaN",
        ),
        ("short", lambda: np.ones((12, 4), np.float32), "holds 12 vectors"),
    ],
)
def test_a_bad_vectors_file_gets_one_line_before_any_write(tmp_path, capsys, name, make, says):
    d = _bad(tmp_path, name, make())
    out = tmp_path / "out"
    args = ["run", "--dataset", str(d), "--batch-size", "10", "--items", "20", "--out", str(out)]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert says in err and err.count("\n") == 1 and not out.exists()


def test_cached_vectors_need_a_dataset_folder_that_holds_them(tmp_path, capsys):
    base = ["run", "--batch-size", "10", "--items", "20", "--vectors", "cached"]
    assert main([*base, "--out", str(tmp_path / "a")]) == 2
    assert "give --dataset" in capsys.readouterr().err
    d = folder(tmp_path, msgs(30))
    assert main([*base, "--dataset", str(d), "--out", str(tmp_path / "b")]) == 2
    assert "holds no vectors of hash" in capsys.readouterr().err


def test_a_longer_build_starts_from_the_vectors_already_built(tmp_path, capsys):
    d = folder(tmp_path, msgs(60))
    build = ["vectors", "build", "--dataset", str(d), "--embedder", "hash", "--items"]
    assert main([*build, "40"]) == 0 and main([*build, "60"]) == 0
    assert "resuming at 40 of 60" in capsys.readouterr().err
    doc = json.loads((d / "vectors-hash.json").read_text())
    assert doc["count"] == 60 and doc["built"]["texts_embedded"] == 60  # both builds' rate
    array = np.load(d / "vectors-hash.npy")
    assert np.array_equal(array, HashEmbedder().encode([m["content"] for m in msgs(60)]))
    # a shorter build of the same first texts is held already: a no-op, never shrunk
    before = (d / "vectors-hash.npy").stat().st_mtime_ns
    assert main([*build, "30"]) == 0
    assert json.loads((d / "vectors-hash.json").read_text())["count"] == 60
    assert (d / "vectors-hash.npy").stat().st_mtime_ns == before


def test_vectors_built_into_a_folder_of_caches_are_replayed_from_there(tmp_path, capsys):
    d = folder(tmp_path, msgs(40))
    caches = tmp_path / "caches"
    build = ["vectors", "build", "--dataset", str(d), "--embedder", "hash", "--dir", str(caches)]
    assert main(build) == 0
    assert f"in {caches / d.name}" in capsys.readouterr().out
    assert vectors.find(d, "hash") is None  # the dataset folder is left as it was
    assert vectors.find(caches / d.name, "hash") is not None
    assert main(build) == 0 and "already built" in capsys.readouterr().out
    run = ["run", "--dataset", str(d), "--mode", "bulk", "--batch-size", "10", "--items", "20"]
    run += ["--vectors", "cached", "--search-queries", "5"]
    assert main([*run, "--out", str(tmp_path / "none")]) == 2  # not in the dataset folder
    assert "holds no vectors of hash" in capsys.readouterr().err
    out_dir = tmp_path / "run"
    assert main([*run, "--vectors-dir", str(caches), "--out", str(out_dir)]) == 0
    r = Result.load(out_dir / "result.json")
    assert r.replayed and r.integrity.lost == 0 and r.settings["vectors_dir"] == str(caches)


@pytest.mark.slow
def test_minilm_vectors_survive_a_sigkill_mid_build_and_are_the_models_own(tmp_path):
    """Issue 35's first two Done-when items on a real model: a build killed with SIGKILL
    after its first chunk resumes from it, a second build does nothing, and the vectors a
    run replays are MiniLM's (a sample embedded again: cosine >= 0.999)."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from agentmem_lab.embedders import get_embedder
    from agentmem_lab.embedders.models import MINILM, install

    install(MINILM)  # idempotent: quick when `make model` built it
    topics = ["tea", "rain", "code"]
    lines = [
        {
            **m,
            "content": f"{m['content']}: note {i * 7919 % 1000} on {topics[i % 3]}",
        }
        for i, m in enumerate(msgs(1200))
    ]
    d = folder(tmp_path, lines)
    cmd = [sys.executable, "-m", "agentmem_lab.cli", "vectors", "build", "--dataset", str(d)]
    cmd += ["--embedder", "minilm", "--onnx-threads", "1"]
    child = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    state = d / "vectors-minilm.partial.json"
    deadline = time.monotonic() + 120

    def done() -> int:
        try:
            return int(json.loads(state.read_text())["done"])
        except (OSError, ValueError, KeyError):  # not written yet, or being written
            return 0

    while time.monotonic() < deadline and done() < 512:  # killed after its first chunk
        time.sleep(0.05)
    if child.poll() is not None:  # a fast machine (a GPU) may finish before the kill
        pytest.skip("the build ended before it could be killed mid-way")
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert child.returncode == -signal.SIGKILL and vectors.find(d, "minilm") is None
    again = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert (
        "resuming at 512 of 1,200" in again.stderr or "resuming at 1,024 of 1,200" in again.stderr
    )
    assert "(already built" in subprocess.run(cmd, capture_output=True, text=True).stdout
    found = vectors.check(d, "minilm", 384, 1200)
    array, _ = found.load()
    sample = list(range(0, 1200, 97))
    model = get_embedder("minilm")
    fresh = model.encode([lines[i]["content"] for i in sample])
    model.close()
    cos = np.sum(np.asarray(array[sample]) * fresh, axis=1) / (
        np.linalg.norm(array[sample], axis=1) * np.linalg.norm(fresh, axis=1)
    )
    assert cos.min() >= 0.999
