"""What a PubSub is subscribed to: channels, patterns and shard channels, each with an optional handler.

Names are recorded once the command is sent, normalized to what the server
sends back (bytes, or str with ``decode_responses``); an unsubscribe is
pending until the server confirms it. After a reconnect every name is
subscribed again in one write.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..exceptions import DataError
from ..options import ConnectionOptions
from .protocol import _PubSubProtocol

Handler = Callable[[dict[str, Any]], Any]


@dataclass(frozen=True)
class Subscription:
    """A channel or pattern with an optional handler, given positionally (redis-py 8's ``Subscription``).

    ``await p.subscribe(Subscription(b"\\xff", handler))`` names a channel that
    cannot be a keyword argument.
    """

    name: Any
    handler: Handler | None = None


def _is_redis_py_subscription(item: Any) -> bool:
    """redis-py's own ``Subscription`` (``redis.typing``, what ``from redis.asyncio import Subscription``
    gives): read as ours, so code that builds it keeps working when only its client changes."""
    kind = type(item)
    return kind.__name__ == "Subscription" and kind.__module__.split(".")[0] == "redis" and hasattr(item, "handler")


class _Subscriptions:
    """PubSub's subscription tables and the commands that change them; ``PubSub.__init__`` sets the state."""

    options: ConnectionOptions
    channels: dict[Any, Handler | None]
    patterns: dict[Any, Handler | None]
    shard_channels: dict[Any, Handler | None]
    pending_unsubscribe_channels: set[Any]
    pending_unsubscribe_patterns: set[Any]
    pending_unsubscribe_shard_channels: set[Any]
    _proto: _PubSubProtocol | None
    _ever_connected: bool

    if TYPE_CHECKING:  # PubSub's, in core

        async def connect(self) -> None: ...

        def _write(self, args: tuple[Any, ...]) -> None: ...

    @property
    def subscribed(self) -> bool:
        """True while subscribed to any channel, pattern or shard channel."""
        return bool(self.channels or self.patterns or self.shard_channels)

    async def on_connect(self, connection: Any) -> None:
        """Subscribe again to every channel, pattern and shard channel: run on every (re)connect, as redis-py's.

        Each table goes back through ``subscribe``/``psubscribe``/``ssubscribe``
        as ``Subscription`` objects, so a name that is not valid UTF-8 keeps its
        handler; a subclass may override this (``connection``: the new socket's protocol).
        """
        self.pending_unsubscribe_channels.clear()
        self.pending_unsubscribe_patterns.clear()
        self.pending_unsubscribe_shard_channels.clear()
        if self.channels:
            await self.subscribe(*_as_subscriptions(self.channels))
        if self.patterns:
            await self.psubscribe(*_as_subscriptions(self.patterns))
        if self.shard_channels:
            await self.ssubscribe(*_as_subscriptions(self.shard_channels))

    def _normalize(self, name: Any) -> Any:
        """A channel name as the server will send it back: bytes, or str with decode_responses."""
        if isinstance(name, str):
            data = name.encode(self.options.encoding, self.options.encoding_errors)
        elif isinstance(name, (bytes, bytearray, memoryview)):
            data = bytes(name)
        elif isinstance(name, (int, float)) and not isinstance(name, bool):
            data = repr(name).encode()
        else:
            raise DataError(f"a channel or pattern name must be str, bytes, int or float, not {type(name).__name__}")
        if self.options.decode_responses:
            return data.decode(self.options.encoding, self.options.encoding_errors)
        return data

    async def _subscribe(
        self, command: bytes, table: dict[Any, Handler | None], pending: set[Any], args: Any, kwargs: Any
    ) -> None:
        new: dict[Any, Handler | None] = {}
        for arg in args:
            for item in arg if isinstance(arg, (list, tuple, set, frozenset)) else (arg,):
                if isinstance(item, Subscription) or _is_redis_py_subscription(item):
                    new[item.name] = item.handler
                else:
                    new[item] = None
        new.update(kwargs)
        if not new:
            raise DataError(f"{command.decode().lower()}() needs at least one name")
        await self.connect()
        names = list(new)
        if command == b"SSUBSCRIBE":
            for name in names:
                self._write((command, name))
        else:
            self._write((command, *names))
        # recorded once sent, as redis-py does: a reconnect from here on subscribes again
        normalized = {self._normalize(name): handler for name, handler in new.items()}
        table.update(normalized)
        pending.difference_update(normalized)

    async def subscribe(self, *args: Any, **kwargs: Handler) -> None:
        """Subscribe to channels; ``channel=handler`` calls the handler instead of queuing for the caller."""
        await self._subscribe(b"SUBSCRIBE", self.channels, self.pending_unsubscribe_channels, args, kwargs)

    async def psubscribe(self, *args: Any, **kwargs: Handler) -> None:
        """Subscribe to glob patterns; ``pattern=handler`` as for ``subscribe``."""
        await self._subscribe(b"PSUBSCRIBE", self.patterns, self.pending_unsubscribe_patterns, args, kwargs)

    async def ssubscribe(self, *args: Any, target_node: Any = None, **kwargs: Handler) -> None:
        """Subscribe to shard channels (SSUBSCRIBE, Redis 7+); ``channel=handler`` as for ``subscribe``."""
        await self._subscribe(
            b"SSUBSCRIBE", self.shard_channels, self.pending_unsubscribe_shard_channels, args, kwargs
        )

    async def _unsubscribe(self, command: bytes, table: dict[Any, Any], pending: set[Any], args: Any) -> None:
        names: list[Any] = []
        for arg in args:
            names.extend(arg if isinstance(arg, (list, tuple, set, frozenset)) else (arg,))
        normalized = [self._normalize(name) for name in names] if names else list(table)
        if self._proto is None and not self._ever_connected:
            for name in normalized:  # never subscribed on a socket: nothing to tell the server
                table.pop(name, None)
            return
        await self.connect()  # a reconnect clears the pending sets: record after it
        pending.update(normalized)
        self._write((command, *names))

    def unsubscribe(self, *args: Any) -> Awaitable[None]:
        """Unsubscribe from the channels given, or from every channel."""
        return self._unsubscribe(b"UNSUBSCRIBE", self.channels, self.pending_unsubscribe_channels, args)

    def punsubscribe(self, *args: Any) -> Awaitable[None]:
        """Unsubscribe from the patterns given, or from every pattern."""
        return self._unsubscribe(b"PUNSUBSCRIBE", self.patterns, self.pending_unsubscribe_patterns, args)

    def sunsubscribe(self, *args: Any, target_node: Any = None) -> Awaitable[None]:
        """Unsubscribe from the shard channels given, or from every shard channel."""
        return self._unsubscribe(
            b"SUNSUBSCRIBE", self.shard_channels, self.pending_unsubscribe_shard_channels, args
        )


def _as_subscriptions(table: dict[Any, Handler | None]) -> list[Subscription]:
    """A table as positional ``Subscription`` objects: a binary name never has to be a keyword."""
    return [Subscription(name, handler) for name, handler in table.items()]
