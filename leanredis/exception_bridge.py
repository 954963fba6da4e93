"""leanredis's exceptions are redis-py's too, once redis-py's are loaded: ``except redis.exceptions.X`` works.

Applications that switch their import from ``redis.asyncio`` to leanredis keep
``from redis.exceptions import ResponseError, WatchError, LockError, ...`` in
their handlers, and redis-py's own helpers they still use (``AsyncScript``,
``Lock``, ``Pipeline`` on a leanredis pool) catch those classes. So when the
module ``redis.exceptions`` is loaded, before or after leanredis, each of our
classes gains redis-py's class of the same name as a base (its ``__bases__``
extended once, the MRO kept consistent). ``except`` clauses match on the MRO,
so this is the only way to make them catch our errors: nothing is converted
per error, and nothing is imported for it: a process without redis-py, or
that never loads it, keeps leanredis's hierarchy as it is (importing redis-py
costs about 250 ms and 8 MB, which we do not impose).

When leanredis is imported first, a finder on ``sys.meta_path`` waits for
``redis.exceptions`` to be loaded, runs the adoption right after that module
has executed, and removes itself.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
import threading
from types import ModuleType
from typing import Any

from . import exceptions as ours

THEIRS = "redis.exceptions"
_lock = threading.Lock()
_adopted: set[int] = set()  # id() of each redis.exceptions module adopted (one per process, usually)


def _our_classes() -> list[type[BaseException]]:
    found = [
        value for value in vars(ours).values()
        if isinstance(value, type) and issubclass(value, BaseException) and value.__module__ == ours.__name__
    ]
    return sorted(found, key=lambda cls: len(cls.__mro__))  # bases first: their new MRO is in place for ours


def _extended(cls: type[BaseException], theirs: type[BaseException]) -> bool:
    """Add ``theirs`` to ``cls``'s bases, dropping bases ``theirs`` already covers when the MRO needs it."""
    original = cls.__bases__
    trimmed = tuple(base for base in original if not issubclass(theirs, base))
    for bases in (original + (theirs,), trimmed + (theirs,), (theirs,) + trimmed):
        try:
            cls.__bases__ = bases
        except TypeError:  # no consistent MRO, or a layout CPython will not mix: try the next order
            continue
        return True
    cls.__bases__ = original
    return False


def adopt(module: ModuleType) -> list[str]:
    """Make every leanredis exception a subclass of ``module``'s class of the same name; the names not adopted."""
    with _lock:
        if id(module) in _adopted:
            return []
        _adopted.add(id(module))
        refused = []
        for cls in _our_classes():
            theirs = getattr(module, cls.__name__, None)
            if not (isinstance(theirs, type) and issubclass(theirs, BaseException)) or issubclass(cls, theirs):
                continue
            if not _extended(cls, theirs):
                refused.append(cls.__name__)
        return refused


class _Loader(importlib.abc.Loader):
    """The real loader of ``redis.exceptions``, then the adoption."""

    def __init__(self, real: Any) -> None:
        self.real = real

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        create = getattr(self.real, "create_module", None)
        return create(spec) if create is not None else None

    def exec_module(self, module: ModuleType) -> None:
        self.real.exec_module(module)
        adopt(module)


class _Watcher(importlib.abc.MetaPathFinder):
    """Finds nothing itself: wraps the loader the other finders give ``redis.exceptions``."""

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if fullname != THEIRS:
            return None
        _remove_watcher()
        for finder in sys.meta_path:
            find = getattr(finder, "find_spec", None)
            if find is None:
                continue
            spec = find(fullname, path, target)
            if spec is not None:
                if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                    spec.loader = _Loader(spec.loader)
                return spec
        return None


_watcher = _Watcher()


def _remove_watcher() -> None:
    if _watcher in sys.meta_path:
        sys.meta_path.remove(_watcher)


def install() -> None:
    """Adopt now if redis-py's exceptions are loaded, else when they are."""
    module = sys.modules.get(THEIRS)
    if module is not None:
        adopt(module)
    elif _watcher not in sys.meta_path:
        sys.meta_path.insert(0, _watcher)
