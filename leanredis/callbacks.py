"""redis-py's ``response_callbacks`` table: command name to ``callback(reply, **options)``.

It starts with the built-in callbacks (``commands.redis_py_callbacks``: the
command table's parsers in redis-py's calling convention), so that redis-py's
own ``Pipeline`` or ``PubSub`` handed ``client.response_callbacks`` parses
replies as redis.asyncio does. The client's methods parse with their own
parsers and consult only the callbacks a user set.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from .exceptions import DataError


class ResponseCallbacks(dict):  # type: ignore[type-arg]
    """Command name (any case, kept upper-cased) to callback; a user's callback replaces the built-in one,
    and once one is set the client consults the table for that command."""

    def __init__(self, on_set: Callable[[], None], defaults: Mapping[str, Any] | None = None) -> None:
        super().__init__(defaults or {})
        self._on_set = on_set
        self._user: dict[Any, Any] = {}  # the callbacks set by the user: what the client's methods consult

    def __setitem__(self, command: Any, callback: Any) -> None:
        if not callable(callback):
            raise DataError(f"response callback for {command!r} must be callable, not {type(callback).__name__}")
        key = _command_key(command)
        first = not self._user
        super().__setitem__(key, callback)
        self._user[key] = callback
        if first:
            self._on_set()

    def __getitem__(self, command: Any) -> Any:
        return super().__getitem__(_command_key(command))

    def __delitem__(self, command: Any) -> None:
        key = _command_key(command)
        super().__delitem__(key)
        self._user.pop(key, None)

    def __contains__(self, command: object) -> bool:
        return super().__contains__(_command_key(command))

    def get(self, command: Any, default: Any = None) -> Any:
        return super().get(_command_key(command), default)

    def pop(self, command: Any, *default: Any) -> Any:
        key = _command_key(command)
        self._user.pop(key, None)
        return super().pop(key, *default)

    def update(self, other: Any = (), /, **kwargs: Any) -> None:
        items: Iterable[tuple[Any, Any]] = other.items() if isinstance(other, Mapping) else other
        for command, callback in (*items, *kwargs.items()):
            self[command] = callback

    @property
    def user_set(self) -> bool:
        """True once a user set a callback (the client then looks commands up with ``lookup``)."""
        return bool(self._user)

    def lookup(self, command: Any) -> Any:
        """The callback a user set for a command's first argument, or None (built-in ones are not returned:
        the client's methods already parse their replies)."""
        return self._user.get(_command_key(command)) if self._user else None


def _command_key(command: Any) -> Any:
    if isinstance(command, bytes):
        command = command.decode("utf-8", "replace")
    return command.upper() if isinstance(command, str) else command
