"""One exception hierarchy for the whole library.

Argument checks raise ``ValueError`` subclasses that state the rule; failures
carry named fields and a readable ``__str__`` that says what to do.
"""

from __future__ import annotations


class AgentMemLabError(Exception):
    """Base class of every error the library raises on purpose."""


class ConfigError(AgentMemLabError, ValueError):
    """A setting or argument breaks a rule. ``option`` names it (e.g. ``--batch-size``)."""

    def __init__(self, option: str, message: str) -> None:
        self.option = option
        self.message = message
        super().__init__(f"{option}: {message}")


class UnknownNameError(ConfigError):
    """A registry was asked for a name it does not hold."""

    def __init__(self, kind: str, name: str, known: list[str], option: str | None = None) -> None:
        self.kind = kind
        self.name = name
        self.known = known
        super().__init__(
            option or kind,
            f"no {kind} named {name!r}; known: {', '.join(known)}",
        )


class InvalidItemError(AgentMemLabError, ValueError):
    """A memory item cannot be stored as given (empty content, bad metadata, ...)."""


class CorpusError(ConfigError):
    """A corpus file (or a dataset's messages) is missing or malformed. ``line`` is
    1-based, or None for the file; ``option``: the option that named it."""

    def __init__(self, path: str, line: int | None, message: str, option: str = "--corpus") -> None:
        self.path = path
        self.line = line
        where = f"{path}:{line}" if line is not None else path
        super().__init__(option, f"{where}: {message}")


class EmbedderError(AgentMemLabError):
    """The embedder failed or returned vectors that cannot be stored."""


class StoreWriteError(AgentMemLabError):
    """A store refused a write. The item is not acknowledged and is undone elsewhere."""

    def __init__(self, store: str, message: str) -> None:
        self.store = store
        self.message = message
        super().__init__(f"{store} store: {message}")


class StorageError(AgentMemLabError):
    """The machine refused a write: disk full, read-only, permission, I/O error. Unlike a
    StoreWriteError (one item refused), it stops the run; what was stored stays for
    ``agentmem-lab verify``."""

    def __init__(self, store: str, path: str, cause: str) -> None:
        self.store = store
        self.path = path
        self.cause = cause
        super().__init__(f"{store}: cannot write {path}: {cause}")

    @classmethod
    def from_os_error(cls, store: str, path: object, exc: OSError) -> StorageError:
        return cls(store, str(path), exc.strerror or str(exc))


class ProcessError(AgentMemLabError):
    """One of a run's fresh processes (``--processes``) failed; the message is its error."""


class ServerError(AgentMemLabError):
    """A database server could not be started or reached; the message says why (and, for a
    server the bench started, how its log ends)."""


class Interrupted(AgentMemLabError):
    """Ctrl-C (SIGINT) or SIGTERM stopped the work; ``hint`` says what was left and what to do."""

    def __init__(self, hint: str) -> None:
        self.hint = hint
        super().__init__(f"interrupted; {hint}")


class InjectedFault(StoreWriteError):
    """A write failed on purpose, by fault injection (``--fail-rate``)."""

    def __init__(self, store: str) -> None:
        super().__init__(store, "injected fault")


class MissingDependencyError(AgentMemLabError, ImportError):
    """An optional backend is not installed; the message gives the command that installs it."""

    def __init__(self, what: str, install: str) -> None:
        self.what = what
        self.install = install
        super().__init__(f"{what} is not installed; install it with: {install}")


class ModelNotInstalledError(AgentMemLabError):
    """A local model was asked for before it was built."""

    def __init__(self, name: str, path: str) -> None:
        self.name = name
        self.path = path
        super().__init__(
            f"model {name!r} is not installed at {path}; run: agentmem-lab models install {name}"
        )


class ResultError(AgentMemLabError, ValueError):
    """A result document is malformed or of an unknown schema version."""


class PluginError(AgentMemLabError):
    """An installed plug-in (an entry point) could not be loaded or is not of its kind."""

    def __init__(self, group: str, name: str, where: str, cause: str) -> None:
        self.group, self.name, self.where = group, name, where
        super().__init__(
            f"plug-in {name!r} ({group}, from {where}) cannot be used: {cause}; "
            f"reinstall or uninstall {where}"
        )


def one_line(exc: BaseException, name: str | None = None) -> str:
    """An exception as one line: ``Name: the first line of its message`` (``name`` in place
    of the class name where given, as a notebook kernel's ``ename``); the message's other
    lines are left out, so a traceback or a multi-line server error never reaches a table."""
    text = str(exc).strip()
    return f"{name or type(exc).__name__}: {text.splitlines()[0] if text else ''}"
