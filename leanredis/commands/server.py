"""Server and connection commands, with redis.asyncio's names, arguments and return types."""

from __future__ import annotations

from typing import Any

from ..future import CommandFuture
from .base import CommandsBase, EncodableT
from .parsers import bool_ok, ping_reply


class ServerCommands(CommandsBase):
    """PING, INFO, CONFIG, CLIENT and friends."""

    def ping(self) -> CommandFuture[bool]:
        """True when the server answers PONG."""
        return self._send((b"PING",), ping_reply)

    def echo(self, value: EncodableT) -> CommandFuture[Any]:
        """The value, echoed by the server."""
        return self._send((b"ECHO", value), None)

    def flushdb(self, asynchronous: bool = False) -> CommandFuture[bool]:
        """Delete every key of the selected database: True."""
        args: tuple[Any, ...] = (b"FLUSHDB", b"ASYNC") if asynchronous else (b"FLUSHDB",)
        return self._send(args, bool_ok)

    def flushall(self, asynchronous: bool = False) -> CommandFuture[bool]:
        """Delete every key of every database: True."""
        args: tuple[Any, ...] = (b"FLUSHALL", b"ASYNC") if asynchronous else (b"FLUSHALL",)
        return self._send(args, bool_ok)
