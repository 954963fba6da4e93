"""redis-py's ``response_callbacks`` table: command name to a user's reply callback."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .exceptions import DataError


class ResponseCallbacks(dict):  # type: ignore[type-arg]
    """Command name (upper-cased) to callback; setting one tells the client to consult the table."""

    def __init__(self, on_set: Callable[[], None]) -> None:
        super().__init__()
        self._on_set = on_set

    def __setitem__(self, command: Any, callback: Any) -> None:
        if not callable(callback):
            raise DataError(f"response callback for {command!r} must be callable, not {type(callback).__name__}")
        first = not self
        super().__setitem__(_command_key(command), callback)
        if first:
            self._on_set()

    def __getitem__(self, command: Any) -> Any:
        return super().__getitem__(_command_key(command))

    def __delitem__(self, command: Any) -> None:
        super().__delitem__(_command_key(command))

    def __contains__(self, command: object) -> bool:
        return super().__contains__(_command_key(command))

    def lookup(self, command: Any) -> Any:
        """The callback for a command's first argument, or None."""
        return self.get(_command_key(command)) if self else None


def _command_key(command: Any) -> Any:
    if isinstance(command, bytes):
        command = command.decode("utf-8", "replace")
    return command.upper() if isinstance(command, str) else command
