"""Keyspace notification subscribers over ``PubSub``: one server, or every primary of a cluster.

``Redis.keyspace_notifications()`` returns a ``KeyspaceNotifications`` with
redis.asyncio 8.1's names: ``subscribe(*channels, handler=)`` picks SUBSCRIBE
or PSUBSCRIBE per channel, ``get_message``/``listen`` yield ``KeyNotification``
objects (optionally filtered by ``key_prefix``, which is stripped), ``run``
dispatches to handlers. The channels, event names and the parsing of a
notification are in ``keyspace_channels`` and importable from here as well.
"""

from __future__ import annotations

import asyncio
import dataclasses
import inspect
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Any

from .keyspace_channels import (
    ChannelT,
    ChannelType,
    EventType,
    KeyeventChannel,
    KeyNotification,
    KeyspaceChannel,
    SubkeyeventChannel,
    SubkeyspaceChannel,
    SubkeyspaceeventChannel,
    SubkeyspaceitemChannel,
    _names,
    get_channel_type,
    is_pattern,
)

if TYPE_CHECKING:
    from .pubsub import PubSub

Handler = Callable[["KeyNotification"], "None | Awaitable[None]"]


def _wrap(handler: Handler, key_prefix: Any) -> Callable[[dict[str, Any]], Any]:
    """A PubSub message handler that calls ``handler`` with the parsed notification (if it is one)."""
    if inspect.iscoroutinefunction(handler):

        async def deliver_async(message: dict[str, Any]) -> None:
            notification = KeyNotification.from_message(message, key_prefix)
            if notification is not None:
                await handler(notification)  # type: ignore[misc]

        return deliver_async

    def deliver(message: dict[str, Any]) -> Any:
        notification = KeyNotification.from_message(message, key_prefix)
        if notification is not None:
            return handler(notification)
        return None

    return deliver


class _Notifications:
    """What the standalone and cluster subscribers share: channel handling, handlers, listen, run."""

    def __init__(self, key_prefix: Any, ignore_subscribe_messages: bool) -> None:
        self.key_prefix = key_prefix
        self.ignore_subscribe_messages = ignore_subscribe_messages
        self._closed = False

    @property
    def subscribed(self) -> bool:
        raise NotImplementedError

    async def _subscribe(self, patterns: dict[str, Any], exact: dict[str, Any]) -> None:
        raise NotImplementedError

    async def _unsubscribe(self, patterns: list[str] | None, exact: list[str] | None) -> None:
        raise NotImplementedError

    async def get_message(
        self, ignore_subscribe_messages: bool | None = None, timeout: float | None = 0.0
    ) -> KeyNotification | None:
        raise NotImplementedError

    async def aclose(self) -> None:
        raise NotImplementedError

    async def subscribe(self, *channels: ChannelT, handler: Handler | None = None) -> None:
        """Subscribe to channels (objects or names), with PSUBSCRIBE for the patterns among them.

        With ``handler`` (a function or coroutine function taking a
        ``KeyNotification``), ``get_message``/``run`` deliver these channels'
        notifications to it instead of returning them.
        """
        if self._closed:
            raise RuntimeError(f"this {type(self).__name__} is closed")
        if not channels:
            raise TypeError("subscribe() needs at least one channel")
        if handler is not None and not callable(handler):
            raise TypeError(f"handler must be callable, not {type(handler).__name__}")
        patterns, exact = _names(channels)
        wrapped = None if handler is None else _wrap(handler, self.key_prefix)
        await self._subscribe(dict.fromkeys(patterns, wrapped), dict.fromkeys(exact, wrapped))

    async def unsubscribe(self, *channels: ChannelT) -> None:
        """Unsubscribe from these channels (objects or names); none given: from every channel and pattern."""
        if not channels:
            await self._unsubscribe(None, None)
            return
        patterns, exact = _names(channels)
        await self._unsubscribe(patterns, exact)

    async def subscribe_keyspace(self, key_or_pattern: str, db: int = 0, handler: Handler | None = None) -> None:
        """The events of a key (or of the keys matching a pattern)."""
        await self.subscribe(KeyspaceChannel(key_or_pattern, db=db), handler=handler)

    async def subscribe_keyevent(self, event: str, db: int = 0, handler: Handler | None = None) -> None:
        """The keys an event (or the events matching a pattern) touched."""
        await self.subscribe(KeyeventChannel(event, db=db), handler=handler)

    async def subscribe_subkeyspace(self, key_or_pattern: str, db: int = 0, handler: Handler | None = None) -> None:
        """Subkey (field) events of a key."""
        await self.subscribe(SubkeyspaceChannel(key_or_pattern, db=db), handler=handler)

    async def subscribe_subkeyevent(self, event: str, db: int = 0, handler: Handler | None = None) -> None:
        """The keys and fields a subkey event touched."""
        await self.subscribe(SubkeyeventChannel(event, db=db), handler=handler)

    async def subscribe_subkeyspaceitem(
        self, key_or_pattern: str, subkey_or_pattern: str, db: int = 0, handler: Handler | None = None
    ) -> None:
        """The events of one field of a key."""
        await self.subscribe(SubkeyspaceitemChannel(key_or_pattern, subkey_or_pattern, db=db), handler=handler)

    async def subscribe_subkeyspaceevent(
        self, event: str, key_or_pattern: str, db: int = 0, handler: Handler | None = None
    ) -> None:
        """The fields one event touched on a key."""
        await self.subscribe(SubkeyspaceeventChannel(event, key_or_pattern, db=db), handler=handler)

    async def listen(self) -> AsyncIterator[KeyNotification]:
        """Notifications for as long as something is subscribed (handled ones are not yielded)."""
        while self.subscribed:
            notification = await self.get_message(timeout=1.0)
            if notification is not None:
                yield notification

    async def run(self, poll_timeout: float = 1.0, exception_handler: Any = None) -> None:
        """Deliver notifications to their handlers while subscribed (run it as a task; cancel to stop).

        An error goes to ``exception_handler(error, self)`` (sync or async) when
        given, else it ends the loop.
        """
        while self.subscribed:
            try:
                await self.get_message(timeout=poll_timeout)
            except Exception as exc:
                if exception_handler is None:
                    raise
                result = exception_handler(exc, self)
                if inspect.isawaitable(result):
                    await result
                await asyncio.sleep(0)  # an error raised at once, every turn, must not starve the loop

    async def __aenter__(self) -> Any:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


class KeyspaceNotifications(_Notifications):
    """Keyspace notifications of one server, read through one ``PubSub`` connection.

    The server must have ``notify-keyspace-events`` set (e.g. ``KEA``); this
    class does not change the server's configuration.
    """

    def __init__(self, redis_client: Any, key_prefix: Any = None, ignore_subscribe_messages: bool = True) -> None:
        super().__init__(key_prefix, ignore_subscribe_messages)
        self.redis = redis_client
        self._pubsub: PubSub = redis_client.pubsub(ignore_subscribe_messages=False)

    def __repr__(self) -> str:
        return f"<KeyspaceNotifications {self._pubsub!r} prefix={self.key_prefix!r} closed={self._closed}>"

    @property
    def pubsub(self) -> PubSub:
        """The ``PubSub`` underneath (its stats, connection, health check)."""
        return self._pubsub

    @property
    def subscribed(self) -> bool:
        """True while something is subscribed and the object is not closed."""
        return not self._closed and self._pubsub.subscribed

    async def _subscribe(self, patterns: dict[str, Any], exact: dict[str, Any]) -> None:
        if patterns:
            await self._pubsub.psubscribe(**patterns)
        if exact:
            await self._pubsub.subscribe(**exact)

    async def _unsubscribe(self, patterns: list[str] | None, exact: list[str] | None) -> None:
        if patterns is None or patterns:
            await self._pubsub.punsubscribe(*(patterns or ()))
        if exact is None or exact:
            await self._pubsub.unsubscribe(*(exact or ()))

    async def get_message(
        self, ignore_subscribe_messages: bool | None = None, timeout: float | None = 0.0
    ) -> KeyNotification | None:
        """The next notification, or None (after ``timeout`` seconds, for a message a handler took,
        a confirmation, or a message that is not a notification or lacks ``key_prefix``)."""
        if self._closed:
            return None
        ignore = self.ignore_subscribe_messages if ignore_subscribe_messages is None else ignore_subscribe_messages
        message = await self._pubsub.get_message(ignore_subscribe_messages=ignore, timeout=timeout)
        return KeyNotification.from_message(message, self.key_prefix)

    async def aclose(self) -> None:
        """Close the pub/sub connection; later calls to ``get_message`` return None."""
        self._closed = True
        await self._pubsub.aclose()


class ClusterKeyspaceNotifications(_Notifications):
    """Keyspace notifications of a Redis Cluster: one ``PubSub`` per primary.

    A node publishes the notifications of the keys it holds only, so every
    subscription is made on every primary. The primaries are re-read from
    the client's topology at each ``subscribe``/``get_message``: a new
    primary (failover, resharding) is subscribed to everything, a primary
    that left is closed. Each node's ``PubSub`` reconnects and resubscribes
    by itself after a lost connection.
    """

    def __init__(self, redis_cluster: Any, key_prefix: Any = None, ignore_subscribe_messages: bool = True) -> None:
        super().__init__(key_prefix, ignore_subscribe_messages)
        self.cluster = redis_cluster
        self._patterns: dict[str, Any] = {}
        self._channels: dict[str, Any] = {}
        self._node_pubsubs: dict[str, PubSub] = {}
        self._turn = 0

    def __repr__(self) -> str:
        return (
            f"<ClusterKeyspaceNotifications nodes={sorted(self._node_pubsubs)} "
            f"prefix={self.key_prefix!r} closed={self._closed}>"
        )

    @property
    def subscribed(self) -> bool:
        """True while something is subscribed and the object is not closed."""
        return not self._closed and bool(self._patterns or self._channels)

    @property
    def node_pubsubs(self) -> dict[str, PubSub]:
        """Node name -> its ``PubSub`` (a copy)."""
        return dict(self._node_pubsubs)

    async def refresh_subscriptions(self) -> None:
        """Follow the client's primaries: subscribe new ones to everything, close those that left."""
        from .pubsub import PubSub

        if self._closed:
            return
        await self.cluster.initialize()
        primaries = {node.name: node for node in self.cluster.get_primaries()}
        for name in [name for name in self._node_pubsubs if name not in primaries]:
            await self._node_pubsubs.pop(name).aclose()
        for name, node in primaries.items():
            if name in self._node_pubsubs:
                continue
            options = dataclasses.replace(self.cluster.options, host=node.host, port=node.port)
            pubsub: PubSub[Any] = PubSub(options, ignore_subscribe_messages=False)
            pubsub.connection_pool = self.cluster.nodes_manager.pools.pool(node)  # counted as redis-py's
            self._node_pubsubs[name] = pubsub
            if self._patterns:
                await pubsub.psubscribe(**self._patterns)
            if self._channels:
                await pubsub.subscribe(**self._channels)

    async def _subscribe(self, patterns: dict[str, Any], exact: dict[str, Any]) -> None:
        await self.refresh_subscriptions()
        for pubsub in list(self._node_pubsubs.values()):
            if patterns:
                await pubsub.psubscribe(**patterns)
            if exact:
                await pubsub.subscribe(**exact)
        self._patterns.update(patterns)
        self._channels.update(exact)

    async def _unsubscribe(self, patterns: list[str] | None, exact: list[str] | None) -> None:
        for pubsub in list(self._node_pubsubs.values()):
            if patterns is None or patterns:
                await pubsub.punsubscribe(*(patterns or ()))
            if exact is None or exact:
                await pubsub.unsubscribe(*(exact or ()))
        for table, names in ((self._patterns, patterns), (self._channels, exact)):
            if names is None:
                table.clear()
            for name in names or ():
                table.pop(name, None)

    async def get_message(
        self, ignore_subscribe_messages: bool | None = None, timeout: float | None = 0.0
    ) -> KeyNotification | None:
        """The next notification from any primary, or None after ``timeout`` seconds (None: wait for ever)."""
        if self._closed:
            return None
        ignore = self.ignore_subscribe_messages if ignore_subscribe_messages is None else ignore_subscribe_messages
        if self.subscribed:
            await self.refresh_subscriptions()
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + max(timeout, 0.0)
        while True:
            pubsubs = list(self._node_pubsubs.values())
            for i in range(len(pubsubs)):  # round robin: one busy node cannot starve the others
                pubsub = pubsubs[(self._turn + i) % len(pubsubs)]
                if pubsub._queue:
                    self._turn = (self._turn + i + 1) % len(pubsubs)
                    message = await pubsub.get_message(ignore_subscribe_messages=ignore, timeout=0.0)
                    return KeyNotification.from_message(message, self.key_prefix)
            remaining = None if deadline is None else deadline - loop.time()
            if not pubsubs or (remaining is not None and remaining <= 0):
                await asyncio.sleep(0)
                return None
            await _first_ready(pubsubs, remaining)

    async def aclose(self) -> None:
        """Close every node's pub/sub connection."""
        self._closed = True
        pubsubs, self._node_pubsubs = list(self._node_pubsubs.values()), {}
        await asyncio.gather(*(pubsub.aclose() for pubsub in pubsubs), return_exceptions=True)


async def _first_ready(pubsubs: list[PubSub], timeout: float | None) -> None:
    """Wait until one of these has a queued reply, or ``timeout`` seconds (waiting takes nothing)."""
    waits = [asyncio.ensure_future(pubsub._wait(timeout)) for pubsub in pubsubs]
    try:
        await asyncio.wait(waits, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for wait in waits:
            wait.cancel()
        await asyncio.gather(*waits, return_exceptions=True)


AsyncKeyspaceNotificationsInterface = _Notifications  # redis.asyncio's names: what both kinds are
AsyncKeyspaceNotifications = KeyspaceNotifications
AsyncClusterKeyspaceNotifications = ClusterKeyspaceNotifications

__all__ = [
    "AsyncClusterKeyspaceNotifications",
    "AsyncKeyspaceNotifications",
    "ClusterKeyspaceNotifications",
    "ChannelType",
    "EventType",
    "KeyNotification",
    "KeyeventChannel",
    "KeyspaceChannel",
    "KeyspaceNotifications",
    "SubkeyeventChannel",
    "SubkeyspaceChannel",
    "SubkeyspaceeventChannel",
    "SubkeyspaceitemChannel",
    "get_channel_type",
    "is_pattern",
]
