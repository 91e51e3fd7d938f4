"""Nothing phones home and nothing lands under HOME: every system, embedder and vector store
run with HOME and the XDG folders pointing at empty folders leaves them empty."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from agentmem_lab.core import privacy
from agentmem_lab.stores import VECTOR_STORES
from agentmem_lab.systems import SYSTEMS

FOLDERS = ("HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME")

RUNS = textwrap.dedent("""
    import json, sys
    from agentmem_lab.measuring.runner import RunConfig, run
    from agentmem_lab.stores import StoreSettings
    out, plan = sys.argv[1], json.loads(sys.argv[2])
    for n, kwargs in enumerate(plan):
        stores = StoreSettings(**kwargs.pop("stores", {}))
        r = run(RunConfig(batch_size=10, items=30, search_queries=5, stores=stores, **kwargs),
                f"{out}/{n}")
        assert r.integrity.lost == 0 and r.integrity.orphans == 0
        print(r.system, r.embedder, r.settings["stores"]["vector_store"], flush=True)
""")


@pytest.mark.slow
def test_runs_leave_home_and_xdg_folders_empty(tmp_path):
    homes = {name: tmp_path / name.lower() for name in FOLDERS}
    for folder in homes.values():
        folder.mkdir()
    plan: list[dict] = [{"mode": "bulk", "embedder": "minilm"}]
    plan += [{"mode": "bulk", "stores": {"vector_store": name}} for name in VECTOR_STORES.names()]
    plan += [{"system": name} for name in SYSTEMS.names() if name != "agentmem"]
    env = {k: v for k, v in os.environ.items() if k not in privacy.QUIET_ENV}
    env.update({k: str(v) for k, v in homes.items()})
    proc = subprocess.run(
        [sys.executable, "-c", RUNS, str(tmp_path / "runs"), json.dumps(plan)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    ran = [line.split() for line in proc.stdout.splitlines()]
    assert {r[2] for r in ran} == set(VECTOR_STORES.names())  # every store, every system
    assert {r[0] for r in ran} == set(SYSTEMS.names()) and "minilm" in {r[1] for r in ran}
    left = {k: [str(p.relative_to(v)) for p in v.rglob("*")] for k, v in homes.items()}
    assert left == {k: [] for k in homes}  # no telemetry queue, no device id, no cache


def test_quiet_keeps_a_value_the_user_set(monkeypatch):
    monkeypatch.setenv("ORT_DISABLE_TELEMETRY", "0")
    monkeypatch.delenv("DO_NOT_TRACK", raising=False)
    privacy.quiet()
    assert os.environ["ORT_DISABLE_TELEMETRY"] == "0" and os.environ["DO_NOT_TRACK"] == "1"
    assert privacy.settings()["ORT_DISABLE_TELEMETRY"] == "0"


def test_the_result_records_what_is_turned_off(tmp_path):
    from agentmem_lab.measuring.runner import RunConfig, run

    r = run(RunConfig(mode="bulk", batch_size=10, items=10, search_queries=0), tmp_path)
    assert r.environment["telemetry_off"]["ORT_DISABLE_TELEMETRY"] == "1"
