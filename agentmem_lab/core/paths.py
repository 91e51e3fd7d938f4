"""Where the checkout's folders are: data/, notebooks/, reports/.

agentmem-lab is used from a checkout (``make setup`` installs it editable); the data,
notebooks and reports live beside the package.
"""

from __future__ import annotations

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
