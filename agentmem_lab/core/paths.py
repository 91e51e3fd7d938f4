"""Where the checkout's folders are: data/, notebooks/, reports/.

agentmem-lab is used from a checkout (``make setup`` installs it editable); the data,
notebooks and reports live beside the package.
"""

from __future__ import annotations

import json
import os
import tempfile
import tomllib
from pathlib import Path
from typing import Any

from agentmem_lab.core.errors import ConfigError


def repo_root() -> Path | None:
    """The checkout holding this package (agentmem_lab/core/paths.py is two folders below
    it), or None when the package is installed elsewhere."""
    root = Path(__file__).resolve().parents[2]
    return root if (root / "pyproject.toml").is_file() else None


def _under_root(*parts: str) -> Path:
    root = repo_root()
    if root is None:
        raise ConfigError(
            parts[0],
            "not found: agentmem-lab runs from a checkout of its repository (see README.md)",
        )
    return root.joinpath(*parts)


def data_file(name: str) -> Path:
    return _under_root("data", name)


def notebook(name: str) -> Path:
    return _under_root("notebooks", name)


def reports_dir() -> Path:
    return _under_root("reports")


def read_toml(path: Path, option: str) -> dict[str, Any]:
    """A TOML file's content, or a one-line ConfigError naming ``option``."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(option, f"{path}: no such file") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(option, f"{path}: not TOML ({exc})") from None


def write_json_atomic(path: str | Path, data: Any) -> None:
    """Write JSON so that a reader sees the old file or the new one, never half of one."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=p.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=2, ensure_ascii=False, allow_nan=False)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, p)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
