"""Ground-truth neighbours: built once into a dataset folder, used by the run that stores
exactly its messages (the same recall as recomputing, without embedding the store again),
declined with a reason by any other run, and a bad file refused in one line."""

from __future__ import annotations

import json

import numpy as np
from test_datasets import folder, msgs

from agentmem_lab.cli import main
from agentmem_lab.corpus import neighbours
from agentmem_lab.schema.result import Result
from helpers import known_result  # noqa: F401  (the shared helpers load the test settings)

RUN = ["run", "--mode", "bulk", "--batch-size", "10", "--items", "200", "--search-queries", "20"]


def _search(tmp_path, d, name: str, *more: str):  # type: ignore[no-untyped-def]
    out = tmp_path / name
    assert main([*RUN, "--dataset", str(d), *more, "--out", str(out)]) == 0
    search = Result.load(out / "result.json").search
    assert search is not None
    return search


def test_ground_truth_is_built_once_and_gives_the_recomputed_recall(tmp_path, capsys):
    d = folder(tmp_path, msgs(300, users=5))
    build = ["vectors", "neighbours", "--dataset", str(d), "--embedder", "hash"]
    build += ["--items", "200", "--batch-size", "10", "--queries", "20"]
    assert main(build) == 0
    assert "20 queries over messages 10..209 (built from the embedder" in capsys.readouterr().out
    assert main(build) == 0 and "already built" in capsys.readouterr().out
    truth = neighbours.load(d, "hash")
    assert truth is not None and truth.positions.shape[1] >= 10  # ties kept: rows may be wider

    known = _search(tmp_path, d, "known")
    assert known.reference == "ground truth (neighbours-hash.npz)"
    other = _search(tmp_path, d, "other", "--warmup", "0")
    assert other.reference is not None and "it is for messages 10..209" in other.reference
    for path in neighbours.paths(d, "hash"):
        path.unlink()
    again = _search(tmp_path, d, "again")
    assert again.reference == "kept while writing"  # from the run's own vectors
    assert known.recall_at_10 == again.recall_at_10


def test_a_ground_truth_of_other_texts_is_declined(tmp_path):
    d = folder(tmp_path, msgs(300))
    assert main(["vectors", "neighbours", "--dataset", str(d), "--embedder", "hash",
                 "--items", "200", "--batch-size", "10", "--queries", "20"]) == 0  # fmt: skip
    lines = (d / "messages.jsonl").read_text().splitlines()
    lines[50] = json.dumps({"content": "a message the ground truth never saw"})
    (d / "messages.jsonl").write_text("\n".join(lines) + "\n")
    search = _search(tmp_path, d, "run")
    assert (
        search.reference is not None
        and "stored texts are not all there, or are other texts" in search.reference
    )


def test_a_bad_ground_truth_file_gets_one_line_before_any_write(tmp_path, capsys):
    d = folder(tmp_path, msgs(300))
    arrays, manifest = neighbours.paths(d, "hash")
    manifest.write_text(json.dumps({"start": 10, "count": 200, "k": 10, "queries": 2}))
    np.savez(arrays, positions=np.zeros((2, 3), np.int64), sims=np.zeros((2, 3), np.float32),
             query_keys=np.zeros(2, np.uint64))  # fmt: skip
    out = tmp_path / "out"
    assert main([*RUN, "--dataset", str(d), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "holds 3 neighbours a query, fewer than k=10" in err and err.count("\n") == 1
    assert not (out / "stores").exists()
