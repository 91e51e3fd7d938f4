"""Every setting of a run, declared once.

A ``Setting`` holds a setting's name, type, default, bounds, choices and help. From the
declarations below come:

- the ``agentmem-lab run`` options (``add_arguments``; ``--batch-size`` for ``batch_size``);
- the papermill parameter check (``coerce``: a notebook parameter may arrive as a string
  of digits, anything else of the wrong type is one line naming the parameter);
- ``RunConfig``'s and ``StoreSettings``' defaults and checks (``default``, ``check``);
- the settings recorded with each result (``RunConfig.to_settings``).

The declarations import nothing above them: a setting whose names a registry of a higher
layer owns (``mode``, ``system``, ``profile``, ``vector_store``) is marked ``registry`` and
checked where that registry is used.

Adding a knob means adding one ``Setting`` here and the field that carries it (a test
checks that the fields, the declarations and the notebook's parameters agree).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import partial
from typing import Any

from agentmem_lab.core.errors import ConfigError

#: The kinds of value a setting can hold.
from agentmem_lab.settings.load import LOAD
from agentmem_lab.settings.run import RUN
from agentmem_lab.settings.setting import Setting
from agentmem_lab.settings.stores import STORES

#: Every setting, in the order the options are listed.
SETTINGS: tuple[Setting, ...] = (*RUN, *STORES, *LOAD)

BY_NAME: dict[str, Setting] = {s.name: s for s in SETTINGS}
_ALIASES: dict[str, str] = {a: s.name for s in SETTINGS for a in s.aliases}

GROUPS = {
    "run": "what to run",
    "stores": "store and embedder settings (recorded with the result)",
    "peers": "the peer systems' own stores (--system langgraph, --system txtai)",
    "load": "offered load (open loop: --rate; default closed loop) and searches during writes",
    "growth": "growth windows as the stores grow, and where a long run stops (time, memory)",
    "faults": "fault injection (seeded by --seed; an item is acknowledged only when all three "
    "of its writes succeed)",
}


def default(name: str) -> Any:
    """The declared default of a setting (for the dataclass fields that carry it)."""
    return BY_NAME[name].default


def of_scope(scope: str) -> list[Setting]:
    return [s for s in SETTINGS if s.scope == scope]


def canonical(name: str) -> str:
    """A setting's name, former names mapped to the current one."""
    return _ALIASES.get(name, name)


def check(obj: Any, scope: str) -> None:
    """Check (and normalise) every setting of ``scope`` held as attributes of a frozen
    dataclass, in place."""
    for s in of_scope(scope):
        object.__setattr__(obj, s.name, s.coerce(getattr(obj, s.name)))


def normalise(
    values: Mapping[str, Any],
    where: Callable[[Setting], str] | None = None,
    ignore: Iterable[str] = (),
) -> dict[str, Any]:
    """Values by setting name, checked; former names accepted; an unknown name is one line
    listing the known ones. ``where`` names a setting in errors (default: its CLI option)."""
    skip = set(ignore)
    out: dict[str, Any] = {}
    for raw, value in values.items():
        if raw in skip:
            continue
        name = canonical(raw)
        s = BY_NAME.get(name)
        if s is None:
            raise ConfigError(raw, f"is not a setting; known: {', '.join(BY_NAME)}")
        out[name] = s.coerce(value, where(s) if where else None)
    for s in SETTINGS:
        if s.required and s.name not in out:
            raise ConfigError(where(s) if where else s.option, "is required")
    return out


def add_arguments(
    parser: argparse.ArgumentParser, names: Mapping[str, Sequence[str]] | None = None
) -> None:
    """Every setting as an option of ``parser``, in its group. ``names``: the names each
    registry-owned setting takes (``Setting.registry``), listed in its help."""
    groups = {key: parser.add_argument_group(title) for key, title in GROUPS.items()}
    for s in SETTINGS:
        names_ = [s.option] + ["--" + a.replace("_", "-") for a in s.aliases]
        choices = list((names or {}).get(s.name, ())) if s.registry else s.choice_names()
        help_text = s.help + (f": {', '.join(choices)}" if choices else "")
        if not s.required and s.default is not None:
            help_text += f" (default {s.default})"
        parse = s.parse if not (s.registry and choices) else partial(s.parse, names=choices)
        groups[s.group].add_argument(
            *names_,
            dest=s.name,
            type=parse,
            default=s.default,
            required=s.required,
            metavar=s.metavar,
            help=help_text,
        )


def from_args(args: argparse.Namespace) -> dict[str, Any]:
    """The settings among parsed arguments."""
    return {s.name: getattr(args, s.name) for s in SETTINGS}


__all__ = [
    "BY_NAME",
    "GROUPS",
    "SETTINGS",
    "Setting",
    "add_arguments",
    "canonical",
    "check",
    "default",
    "from_args",
    "normalise",
    "of_scope",
]
