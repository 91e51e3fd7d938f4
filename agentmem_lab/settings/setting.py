"""One setting's declaration (``Setting``): its name, type, default, bounds, choices and
help, how it parses an option and checks a value; and the choices several settings share."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from agentmem_lab.core.errors import ConfigError, UnknownNameError

#: The kinds of value a setting can hold.

_TYPES = (int, float, str)


@dataclass(frozen=True)
class Setting:
    """One setting: where it lives (``scope``: ``run`` or ``stores``), its type and rules."""

    name: str
    type: type
    default: Any
    help: str
    scope: str = "run"
    group: str = "run"
    minimum: float | None = None
    maximum: float | None = None
    choices: Callable[[], Sequence[str]] | None = None
    optional: bool = False  # None (or an empty notebook string) means "not set"
    required: bool = False
    metavar: str = "X"
    aliases: tuple[str, ...] = ()  # former names, still accepted
    upper: bool = False  # text compared and kept in upper case
    kind: str | None = None  # the choices are a registry's names: "no <kind> named ..."
    #: A registry above the declarations owns the names (modes, systems, profiles, vector
    #: stores): they are checked where that registry is used (``RunConfig``, ``StoreSettings``)
    #: with the same one-line error, and the CLI passes them to ``add_arguments`` for its help.
    registry: bool = False

    @property
    def option(self) -> str:
        return "--" + self.name.replace("_", "-")

    def choice_names(self) -> list[str]:
        return list(self.choices()) if self.choices is not None else []

    def coerce(self, value: Any, where: str | None = None) -> Any:
        """``value`` checked (and a string of digits made an integer); raises ConfigError
        naming ``where`` (default: the CLI option)."""
        where = where or self.option
        if value is None or (self.optional and value == ""):
            if self.optional:
                return None
            raise ConfigError(where, "is required")
        if self.type is int:
            if isinstance(value, str) and value.strip().lstrip("+-").isdigit():
                value = int(value.strip())
            if isinstance(value, bool) or not isinstance(value, int):
                kind = "" if isinstance(value, str) else f" ({type(value).__name__})"
                raise ConfigError(where, f"must be an integer, got {value!r}{kind}")
        elif self.type is float:
            if isinstance(value, str):
                try:
                    value = float(value)
                except ValueError:
                    raise ConfigError(where, f"must be a number, got {value!r}") from None
            if (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or not math.isfinite(value)
            ):
                raise ConfigError(where, f"must be a number, got {value!r}")
            value = float(value)
        elif not isinstance(value, str):
            raise ConfigError(where, f"must be a string, got {value!r} ({type(value).__name__})")
        if self.upper:
            value = value.upper()
        if (
            self.minimum is not None
            and self.maximum is not None
            and not self.minimum <= value <= self.maximum
        ):
            raise ConfigError(
                where, f"must be from {self.minimum:g} to {self.maximum:g}, got {value!r}"
            )
        if self.minimum is not None and value < self.minimum:
            raise ConfigError(where, f"must be >= {self.minimum:g}, got {value!r}")
        names = self.choice_names()
        if names and value not in names and self.kind is not None:
            raise UnknownNameError(self.kind, value, names, where)
        if names and value not in names:
            raise ConfigError(where, f"must be one of {', '.join(names)}, got {value!r}")
        return value

    def parse(self, text: str, names: Sequence[str] | None = None) -> Any:
        """argparse's ``type``: the same check, as argparse's one-line error. ``names``: the
        names its registry offers (a registry-owned setting, checked by the CLI that asked
        the registry)."""
        try:
            value = self.coerce(text)
            if names is not None and value is not None and value not in names:
                raise UnknownNameError(self.kind or self.name, value, list(names), self.option)
            return value
        except ConfigError as exc:
            raise argparse.ArgumentTypeError(exc.message) from None
