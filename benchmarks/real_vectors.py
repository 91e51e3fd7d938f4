"""Real vectors, embedded once and replayed: the three goals of docs/scale.md.

Needs the chat dataset's MiniLM vectors, built once:
``agentmem-lab vectors build --dataset chitchat --embedder minilm``.

1. **The build's rate**: the texts/s its manifest recorded (the build measured itself),
   with the machine and onnxruntime's providers. Goal on a GPU (CUDA among the providers):
   at least 10,000 texts/s; on CPU the figure is printed, with no target.
2. **Replay overhead**: the replayed embed stage (``embedders.ReplayedEmbedder``: each text's
   key hashed, looked up, its row read) against the hash embedder on the same batches of
   1,000 messages, in this process, by turns. Goal: under 2 µs per item.
3. **The whole chat dataset on MiniLM's vectors into usearch**: every message but the
   held-out queries through bulk-1000 (no warm-up) with the vectors replayed and the default
   index, in a child process. Goals: recall@10 (tie-aware, against exact search over the
   same vectors) at least 0.99, and peak RSS (the child's ``ru_maxrss``) under 1.5 GB.

``--skip-whole`` leaves out run 3 (about 3 minutes on 2 cores).
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import tempfile
import time
from itertools import islice
from pathlib import Path

import numpy as np
from _common import goal, lab_run, print_environment

from agentmem_lab.corpus import vectors
from agentmem_lab.corpus.datasets import dataset_folder, iter_messages
from agentmem_lab.embedders import Embedder, get_embedder
from agentmem_lab.embedders.replayed import ReplayedEmbedder

BATCH = 1000
QUERIES = 100


def build_rate(found: vectors.VectorFile) -> bool:
    built = found.manifest.get("built") or {}
    rate = built.get("texts_per_s")
    providers = built.get("onnx_providers") or []
    machine = built.get("machine") or {}
    print(
        f"build: {found.count:,} vectors of {found.manifest.get('embedder')}, "
        f"{built.get('texts_embedded', 0):,} texts embedded in {built.get('seconds', 0):,.0f} s: "
        f"{rate or 0:,.0f} texts/s on {machine.get('cpu_model')} x{machine.get('cpu_count')} "
        f"(providers {', '.join(providers)}; at {built.get('at')})",
        flush=True,
    )
    if "CUDAExecutionProvider" in providers:
        return goal("build_texts_per_s_gpu", float(rate or 0), 10_000.0)
    print("build on a GPU: not measured here (no CUDA provider)", flush=True)
    return True


def per_item_us(embedder: Embedder, batches: list[list[str]], rounds: int) -> float:
    """Microseconds per item of ``embed_batch`` over the batches, the best of ``rounds``."""

    async def once() -> float:
        t0 = time.perf_counter()
        for texts in batches:
            await embedder.embed_batch(texts)
        return time.perf_counter() - t0

    best = min(asyncio.run(once()) for _ in range(rounds))
    return best / sum(len(b) for b in batches) * 1e6


def replay_overhead(found: vectors.VectorFile, folder: Path) -> bool:
    texts = [m.content for m in islice(iter_messages(folder), min(found.count, 100_000))]
    batches = [texts[i : i + BATCH] for i in range(0, len(texts), BATCH)]
    replayed, hashing = ReplayedEmbedder("minilm", found), get_embedder("hash")
    rows = np.asarray(replayed.encode(texts[:BATCH]))
    stored, _ = found.load()
    assert np.array_equal(rows, stored[:BATCH]), "the replayed rows are not the file's"
    figures = {"replayed": [], "hash": []}
    for _ in range(3):  # by turns: a drift of the machine falls on both
        figures["replayed"].append(per_item_us(replayed, batches, 1))
        figures["hash"].append(per_item_us(hashing, batches, 1))
    replay, hash_us = min(figures["replayed"]), min(figures["hash"])
    print(
        f"embed stage at batch {BATCH} over {len(texts):,} messages (best of 3 by turns): "
        f"replayed {replay:.2f} µs/item, hash embedder {hash_us:.2f} µs/item "
        f"(replayed/hash {replay / hash_us:.3f})",
        flush=True,
    )
    return goal("replay_embed_stage_us_per_item_batch1000", replay, 2.0, False)


def whole_dataset(tmp: Path, found: vectors.VectorFile, dataset: str) -> bool:
    items = found.count - QUERIES - 20  # all but the held-out queries and window probes
    r, wall = lab_run(
        tmp / "whole",
        *("--dataset", dataset, "--embedder", "minilm", "--vectors", "cached"),
        *("--mode", "bulk", "--batch-size", str(BATCH), "--items", str(items), "--warmup", "0"),
        *("--windows", "10", "--search-queries", str(QUERIES), "--self-recall-sample", "1000"),
    )
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    i, s = r["integrity"], r["search"]
    index = r["settings"]["stores"]
    print(
        f"whole dataset, MiniLM replayed, usearch {index['usearch_dtype']} "
        f"M{index['hnsw_connectivity']} ea{index['hnsw_expansion_add']} "
        f"es{index['hnsw_expansion_search']}: {r['items']:,} messages in {wall:.0f} s, "
        f"{r['throughput_ops_s']:,.0f} ops/s (stores only), lost {i['lost']} orphans "
        f"{i['orphans']}, recall@10 {s['recall_at_10']:.4f} ({s.get('reference')}), "
        f"tied at the 10th {s.get('tied_at_10')}, self-recall@1 {i['self_recall_at_1']}, "
        f"search p99 {s['p99_ms']:.2f} ms, peak RSS {peak / 1e9:.2f} GB",
        flush=True,
    )
    ok = goal("minilm_whole_dataset_bulk1000_recall_at_10", s["recall_at_10"], 0.99)
    ok = goal("minilm_whole_dataset_peak_rss_gb", peak / 1e9, 1.5, False) and ok
    return goal("minilm_whole_dataset_lost_orphans", i["lost"] + i["orphans"], 1, False) and ok


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--skip-whole", action="store_true", help="leave out the whole-dataset run")
    p.add_argument("--dataset", default="chitchat", help="chitchat, or a folder")
    args = p.parse_args(argv)
    print_environment(("usearch", "fastembed", "onnxruntime"))
    folder = dataset_folder(args.dataset)
    assert folder is not None, f"no dataset {args.dataset} (agentmem-lab datasets)"
    found = vectors.check(folder, "minilm", 384, 1)
    ok = build_rate(found)
    ok = replay_overhead(found, folder) and ok
    if not args.skip_whole:
        with tempfile.TemporaryDirectory(prefix="real-vectors-") as tmp:
            ok = whole_dataset(Path(tmp), found, args.dataset) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
