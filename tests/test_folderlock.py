"""One process per folder: the lock names its holder, dies with it, and leaves nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest

from agentmem_lab.core.errors import ConfigError
from agentmem_lab.core.folderlock import LOCK_FILE, FolderInUseError, FolderLock, holder

HOLD = textwrap.dedent("""
    import sys, time
    from agentmem_lab.core.folderlock import FolderLock
    lock = FolderLock(sys.argv[1], "run").acquire()
    print("held", flush=True)
    time.sleep(60)
""")


def _holder_process(directory):
    p = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(directory)], stdout=subprocess.PIPE, text=True
    )
    assert p.stdout.readline().strip() == "held"
    return p


def test_a_second_holder_is_refused_naming_the_first(tmp_path):
    p = _holder_process(tmp_path)
    try:
        with pytest.raises(FolderInUseError) as info:
            FolderLock(tmp_path, "verify", option="DIR").acquire()
        assert str(info.value).startswith(f"DIR: {tmp_path} is in use by run PID {p.pid} (started ")
        assert info.value.holder["pid"] == p.pid and holder(tmp_path)["what"] == "run"
    finally:
        p.kill()
        p.wait()


def test_a_killed_holders_lock_is_stale_and_taken(tmp_path):
    p = _holder_process(tmp_path)
    p.send_signal(signal.SIGKILL)
    p.wait()
    assert (tmp_path / LOCK_FILE).exists()  # a SIGKILL leaves the file, not the lock
    assert holder(tmp_path) is None
    with FolderLock(tmp_path, "run"):
        assert holder(tmp_path)["pid"] == os.getpid()
    assert not (tmp_path / LOCK_FILE).exists()  # let go: nothing left behind


def test_released_it_can_be_taken_again_and_is_reentrant(tmp_path):
    lock = FolderLock(tmp_path, "sweep")
    with lock:
        assert lock.acquire() is lock  # taking what one holds is a no-op
    with FolderLock(tmp_path, "run"):
        pass
    assert holder(tmp_path) is None and list(tmp_path.iterdir()) == []


def test_an_unwritable_folder_is_one_line(tmp_path):
    with pytest.raises(ConfigError, match="--out: cannot lock .*: No such file or directory"):
        FolderLock(tmp_path / "missing", "run").acquire()
