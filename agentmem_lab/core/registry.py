"""A small name -> object registry with a clear error for unknown names, and plug-ins.

Built-in entries are registered directly (``register``). A registry with an entry-point
``group`` also offers what installed packages declare under that group (``[project.entry-
points."agentmem_lab.systems"]`` in a plug-in's pyproject.toml): their names are listed at
once, and an entry is imported only when it is first asked for by name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from typing import Any, Generic, TypeVar

from agentmem_lab.core.errors import PluginError, UnknownNameError

T = TypeVar("T")

#: The entry-point groups through which an installed package adds to a registry.
PLUGIN_GROUPS = ("agentmem_lab.systems", "agentmem_lab.vector_stores", "agentmem_lab.embedders")


@dataclass(frozen=True)
class Entry:
    """One name of a registry, where it comes from (for ``agentmem-lab plugins``)."""

    name: str
    kind: str
    source: str  # "built-in", or the distribution that declares it
    version: str | None
    target: str  # module:object


class Registry(Generic[T]):
    """``register``/``get`` by name. ``get`` of an unknown name says which names exist.

    A name registered with a trailing ``:`` (``"fastembed:"``) is a prefix: ``get`` returns
    its entry for any name that starts with it, and the caller parses the rest.

    ``group``: the entry-point group of its plug-ins; ``adapt`` turns what an entry point
    loads into an entry (and raises TypeError for the wrong kind of object).
    """

    def __init__(
        self,
        kind: str,
        option: str | None = None,
        group: str | None = None,
        adapt: Callable[[Any], T] | None = None,
    ) -> None:
        self.kind = kind
        self.option = option
        self.group = group
        self._adapt = adapt
        self._entries: dict[str, T] = {}
        self._plugins: dict[str, metadata.EntryPoint] | None = None

    def register(self, name: str) -> Callable[[T], T]:
        def decorator(obj: T) -> T:
            if name in self._entries:
                raise ValueError(f"{self.kind} {name!r} is registered already")
            self._entries[name] = obj
            return obj

        return decorator

    def _installed(self) -> dict[str, metadata.EntryPoint]:
        """The plug-ins installed under ``group`` that no built-in name shadows."""
        if self._plugins is None:
            found = metadata.entry_points(group=self.group) if self.group else ()
            self._plugins = {ep.name: ep for ep in found if ep.name not in self._entries}
        return self._plugins

    def _load(self, name: str) -> T:
        ep = self._installed()[name]
        where = _source(ep)
        try:
            obj = ep.load()
            entry: T = self._adapt(obj) if self._adapt is not None else obj
        except Exception as exc:  # a broken plug-in: one line naming it, never a traceback
            raise PluginError(
                self.group or self.kind, name, where, f"{type(exc).__name__}: {exc}"
            ) from None
        self._entries[name] = entry
        return entry

    def get(self, name: str) -> T:
        if name in self._entries and not name.endswith(":"):
            return self._entries[name]
        for key, value in self._entries.items():
            if key.endswith(":") and name.startswith(key) and len(name) > len(key):
                return value
        if name in self._installed():
            return self._load(name)
        raise UnknownNameError(self.kind, name, self.names(), self.option)

    def names(self) -> list[str]:
        own = [k + "NAME" if k.endswith(":") else k for k in self._entries]
        return own + [n for n in self._installed() if n not in self._entries]

    def entries(self) -> list[Entry]:
        """Every name with where it comes from: built-in, or the plug-in's distribution."""
        out = []
        plugins = self._installed()
        for name in self.names():
            ep = plugins.get(name)
            if ep is None:
                obj = self._entries.get(
                    name.removesuffix("NAME") if name.endswith("NAME") else name
                )
                target = (
                    f"{getattr(obj, '__module__', '?')}:"
                    f"{getattr(obj, '__qualname__', type(obj).__qualname__)}"
                )
                out.append(Entry(name, self.kind, "built-in", None, target))
            else:
                dist = ep.dist
                out.append(
                    Entry(
                        name,
                        self.kind,
                        dist.name if dist else "?",
                        dist.version if dist else None,
                        ep.value,
                    )
                )
        return out

    def __contains__(self, name: str) -> bool:
        try:
            self.get(name)
        except UnknownNameError:
            return False
        return True


def _source(ep: metadata.EntryPoint) -> str:
    dist = ep.dist
    return f"{dist.name} {dist.version}" if dist is not None else ep.value


def instance_of(cls: type[T]) -> Callable[[Any], T]:
    """``adapt`` for registries of instances: a plug-in may name the class or an instance."""

    def adapt(obj: Any) -> T:
        if isinstance(obj, type) and issubclass(obj, cls):
            obj = obj()
        if not isinstance(obj, cls):
            raise TypeError(f"{obj!r} is not a {cls.__name__}")
        return obj

    return adapt


def subclass_of(cls: type[Any]) -> Callable[[Any], Any]:
    """``adapt`` for registries of classes: a plug-in names a subclass of ``cls``."""

    def adapt(obj: Any) -> Any:
        if not (isinstance(obj, type) and issubclass(obj, cls)):
            raise TypeError(f"{obj!r} is not a subclass of {cls.__name__}")
        return obj

    return adapt


__all__ = ["PLUGIN_GROUPS", "Entry", "Registry", "instance_of", "subclass_of"]
