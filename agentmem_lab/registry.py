"""A small name -> object registry with a clear error for unknown names."""

from __future__ import annotations

from typing import Callable, Generic, TypeVar

from .errors import UnknownNameError

T = TypeVar("T")


class Registry(Generic[T]):
    """``register``/``get`` by name. ``get`` of an unknown name says which names exist.

    A name registered with a trailing ``:`` (``"fastembed:"``) is a prefix: ``get`` returns
    its entry for any name that starts with it, and the caller parses the rest.
    """

    def __init__(self, kind: str, option: str | None = None) -> None:
        self.kind = kind
        self.option = option
        self._entries: dict[str, T] = {}

    def register(self, name: str) -> Callable[[T], T]:
        def decorator(obj: T) -> T:
            if name in self._entries:
                raise ValueError(f"{self.kind} {name!r} is registered already")
            self._entries[name] = obj
            return obj

        return decorator

    def get(self, name: str) -> T:
        if name in self._entries and not name.endswith(":"):
            return self._entries[name]
        for key, value in self._entries.items():
            if key.endswith(":") and name.startswith(key) and len(name) > len(key):
                return value
        raise UnknownNameError(self.kind, name, self.names(), self.option)

    def names(self) -> list[str]:
        return [k + "NAME" if k.endswith(":") else k for k in self._entries]

    def __contains__(self, name: str) -> bool:
        try:
            self.get(name)
        except UnknownNameError:
            return False
        return True
