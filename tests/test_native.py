"""The import-order workaround: run in subprocesses, since the failure is a crash."""

import subprocess
import sys

SNIPPET_SAFE = """
from agentmem_lab.stores.native import import_usearch_index
index = import_usearch_index()
import onnxruntime, numpy as np
i = index.Index(ndim=4, dtype="i8")
i.add(np.arange(3), np.eye(3, 4, dtype=np.float32))
print("ok", len(i))
"""


def test_library_order_survives_onnxruntime():
    out = subprocess.run(
        [sys.executable, "-c", SNIPPET_SAFE], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "ok 3"


def test_the_store_then_minilm_in_one_process(tmp_path):
    code = f"""
import asyncio
from agentmem_lab.measuring.runner import RunConfig, run
r = run(RunConfig(mode="bulk", batch_size=10, items=20, search_queries=5), {str(tmp_path / "a")!r})
from agentmem_lab.embedders import get_embedder
from agentmem_lab.embedders.models import MINILM, install
install(MINILM)
v = asyncio.run(get_embedder("minilm").embed_batch(["a", "b"]))
print(r.integrity.lost, v.shape)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "0 (2, 384)"
