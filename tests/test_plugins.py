"""Plug-ins: an outside package, installed from tests/plugin_example without a network, puts
its own memory system on the bench through the ``agentmem_lab.systems`` entry-point group."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

LAB = Path(sys.executable).parent / "agentmem-lab"


@pytest.fixture(scope="module")
def plugin_path(tmp_path_factory):
    """The example package installed into a folder of its own (the test environment's
    sys.path gains it through PYTHONPATH), built by pip with no index and no isolation."""
    tmp = tmp_path_factory.mktemp("plugin")
    src = tmp / "src"
    shutil.copytree(ROOT / "tests" / "plugin_example", src)  # the build writes beside it
    target = tmp / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-index",
            "--no-build-isolation",
            "--target",
            str(target),
            str(src),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return target


def _lab(plugin_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(
        os.environ, PYTHONPATH=os.pathsep.join([str(plugin_path), os.environ.get("PYTHONPATH", "")])
    )
    return subprocess.run([str(LAB), *args], env=env, capture_output=True, text=True, timeout=300)


def test_plugins_lists_the_installed_system_with_its_version(plugin_path):
    out = _lab(plugin_path, "plugins")
    assert out.returncode == 0, out.stderr
    line = next(x for x in out.stdout.splitlines() if "jsonl-memory" in x)
    assert line.startswith("system") and "jsonl-memory 0.3.0" in line
    assert "jsonl_memory:JsonlMemory" in line
    assert any(x.startswith("system") and " mem0 " in x for x in out.stdout.splitlines())


def test_a_plugin_system_runs_through_the_cli_clean(plugin_path, tmp_path):
    out = _lab(
        plugin_path,
        "run",
        "--system",
        "jsonl-memory",
        "--batch-size",
        "10",
        "--items",
        "300",
        "--out",
        str(tmp_path / "run"),
    )
    assert out.returncode == 0, out.stderr
    assert "lost 0 orphans 0" in out.stdout
    result = json.loads((tmp_path / "run" / "result.json").read_text())
    integrity = result["integrity"]
    assert result["system"] == "jsonl-memory" and result["mode"] == "sequential"
    assert integrity["acknowledged"] == 300 and integrity["lost"] == 0
    assert integrity["orphans"] == 0 and integrity["self_recall_at_1"] == 1.0
    assert result["search"]["recall_at_10"] == 1.0  # its search is exact
    assert result["environment"]["packages"]["jsonl-memory"] == "0.3.0"
    lines = (tmp_path / "run" / "stores" / "memories.jsonl").read_text().splitlines()
    assert len(lines) == 300


def test_a_plugin_embedder_drives_agentmems_modes(plugin_path, tmp_path):
    out = _lab(
        plugin_path,
        "run",
        "--mode",
        "bulk",
        "--embedder",
        "letters",
        "--batch-size",
        "50",
        "--items",
        "500",
        "--out",
        str(tmp_path / "run"),
    )
    assert out.returncode == 0, out.stderr
    result = json.loads((tmp_path / "run" / "result.json").read_text())
    assert result["embedder"] == "letters" and result["settings"]["embedder"]["dim"] == 32
    assert result["integrity"]["lost"] == 0 and result["integrity"]["orphans"] == 0
    listed = _lab(plugin_path, "plugins", "--kind", "embedder").stdout
    assert any(
        line.startswith("embedder") and "letters" in line and "jsonl-memory 0.3.0" in line
        for line in listed.splitlines()
    )


def test_a_plugin_refuses_what_it_cannot_run_in_one_line(plugin_path, tmp_path):
    out = _lab(
        plugin_path,
        "run",
        "--system",
        "jsonl-memory",
        "--batch-size",
        "10",
        "--items",
        "30",
        "--fail-rate",
        "0.1",
        "--out",
        str(tmp_path / "run"),
    )
    assert out.returncode == 2
    assert out.stderr.strip() == (
        "agentmem-lab run: error: --fail-rate: jsonl-memory injects no faults"
    )


def test_a_broken_plugin_is_one_line_naming_it_and_its_distribution(plugin_path, tmp_path):
    out = _lab(
        plugin_path,
        "run",
        "--mode",
        "bulk",
        "--batch-size",
        "10",
        "--items",
        "20",
        "--vector-store",
        "unfinished",
        "--out",
        str(tmp_path / "run"),
    )
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert out.stderr.strip() == (
        "agentmem-lab run: error: plug-in 'unfinished' (agentmem_lab.vector_stores, from "
        "jsonl-memory 0.3.0) cannot be used: AttributeError: module 'jsonl_memory' has no "
        "attribute 'NoSuchStore'; reinstall or uninstall jsonl-memory 0.3.0"
    )
    assert not (tmp_path / "run" / "stores").exists()  # refused before any work


def test_without_the_plugin_the_name_is_unknown(tmp_path):
    out = subprocess.run(
        [
            str(LAB),
            "run",
            "--system",
            "jsonl-memory",
            "--batch-size",
            "1",
            "--items",
            "1",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 2 and "no system named 'jsonl-memory'" in out.stderr
