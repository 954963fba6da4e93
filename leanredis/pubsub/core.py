"""The PubSub: a connection of its own, reconnected and resubscribed when lost.

When the socket is lost while subscribed, the PubSub reconnects in the
background with exponential backoff and jitter (the client's
``reconnect_backoff_base``/``_cap``) and subscribes again to every channel,
pattern and shard channel; waiting ``get_message``/``listen`` calls carry on.
Connecting goes through the shared ``Dialer`` (``connection.dialer``), as for
the client's command connection. Each reconnect runs ``on_connect``, which
subscribes again through ``subscribe``/``psubscribe``/``ssubscribe`` (redis-py's
connect callback). With ``auto_reconnect=False`` (the default when the client's
retry makes no retries, as redis.asyncio with ``retry=None``) a lost socket is
reported instead: the next read raises ``ConnectionError`` and the one after
it reconnects; a read waiting when the socket goes raises it once one attempt
to reconnect and subscribe again is over, as redis.asyncio's read does.
"""

from __future__ import annotations

import asyncio
import inspect
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Generic

from ..connection.dialer import Backoff, Dialer, close_and_wait
from ..exceptions import (
    ConnectionError,
    DataError,
    PubSubError,
    RedisError,
    TimeoutError,
    warn_deprecated_alias,
)
from ..options import ConnectionOptions
from ..resp import Push, pack_command
from ..typed import Message, StrT
from .messages import _Messages
from .place import _PoolPlace
from .protocol import _PubSubProtocol
from .queue import DEFAULT_MAX_PENDING_MESSAGES, Overflow, _MessageQueue
from .subscriptions import Handler


class PubSub(_PoolPlace, _Messages, _MessageQueue, Generic[StrT]):
    """Subscriptions on a connection of their own; see ``leanredis.pubsub``."""

    def __init__(
        self,
        options: ConnectionOptions,
        ignore_subscribe_messages: bool = False,
        max_pending_messages: int = DEFAULT_MAX_PENDING_MESSAGES,
        overflow: Overflow = "pause",
        health_check_interval: float = 0.0,
        *,
        push_handler_func: Callable[[list[Any]], Any] | None = None,
        auto_reconnect: bool | None = None,
    ) -> None:
        count = max_pending_messages
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise DataError(f"max_pending_messages must be a positive int, not {max_pending_messages!r}")
        if overflow not in ("pause", "drop_oldest"):
            raise DataError(f"overflow must be 'pause' or 'drop_oldest', not {overflow!r}")
        if push_handler_func is not None:
            if not callable(push_handler_func):
                raise DataError(f"push_handler_func must be callable, not {type(push_handler_func).__name__}")
            if options.protocol != 3:
                raise DataError("push_handler_func needs protocol=3: with RESP2 the server sends no push messages")
        self.options = options
        self.ignore_subscribe_messages = ignore_subscribe_messages
        # redis-py's: with RESP3, every pub/sub push (message, confirmation) is handed to it first
        # and what it returns is read in its place (None: nothing for the caller)
        self.push_handler_func = push_handler_func
        # redis-py reconnects inside the reading call only when its Retry allows retries; with none
        # (retry=None) the reader gets the ConnectionError and its next call reconnects
        self.auto_reconnect = options.connect_retries > 0 if auto_reconnect is None else bool(auto_reconnect)
        # redis-py's: with an interval, check_health() (run by get_message) PINGs a connection idle
        # that long, and the reply to that PING never reaches the caller
        self.health_check_interval = health_check_interval
        self._next_health_check = 0.0
        check = self.HEALTH_CHECK_MESSAGE.encode()
        if options.decode_responses:
            self.health_check_response: list[Any] = [["pong", self.HEALTH_CHECK_MESSAGE], self.HEALTH_CHECK_MESSAGE]
        else:
            self.health_check_response = [[b"pong", check], check]
        self.max_pending_messages = max_pending_messages
        self.overflow = overflow
        self.channels: dict[Any, Handler | None] = {}
        self.patterns: dict[Any, Handler | None] = {}
        self.shard_channels: dict[Any, Handler | None] = {}
        self.pending_unsubscribe_channels: set[Any] = set()
        self.pending_unsubscribe_patterns: set[Any] = set()
        self.pending_unsubscribe_shard_channels: set[Any] = set()
        self._loop: asyncio.AbstractEventLoop = None  # type: ignore[assignment]  # bound at connect
        self._proto: _PubSubProtocol | None = None
        self._lost_proto: _PubSubProtocol | None = None  # the socket lost last, until a new one (``connection``)
        self._connecting: asyncio.Task[None] | None = None
        self._queue: deque[Any] = deque()
        self._sizes: deque[int] = deque()  # each queued reply's charge to max_memory_bytes
        self.budget = options.memory_budget
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._dialer = Dialer(options)
        self._backoff = Backoff(options.reconnect_backoff_base, options.reconnect_backoff_cap)
        self._ever_connected = False
        self.last_connect_error: RedisError | None = None
        self._stats_received = 0
        self._stats_dropped = 0
        self._stats_queued_high = 0
        self._stats_pauses = 0
        self._stats_connects = 0
        self._stats_reconnects = 0
        self._stats_connect_failures = 0

    def __repr__(self) -> str:
        state = "connected" if self._proto is not None else "disconnected"
        return (
            f"<PubSub {self.options.address} {state} channels={len(self.channels)} patterns={len(self.patterns)} "
            f"shard_channels={len(self.shard_channels)} queued={len(self._queue)}>"
        )

    async def __aenter__(self) -> PubSub[StrT]:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    @property
    def resolver(self) -> Any:
        """Where to connect, asked at every (re)connect (Sentinel); None: the options' host and port."""
        return self._dialer.resolver

    @resolver.setter
    def resolver(self, resolver: Any) -> None:
        self._dialer.resolver = resolver

    # -- state ---------------------------------------------------------------
    @property
    def is_connected(self) -> bool:
        return self._proto is not None

    @property
    def connection(self) -> _PubSubProtocol | None:
        """redis-py's attribute: the socket's protocol (``is_connected``, ``disconnect()``); once
        lost, the lost one (``is_connected`` False, as redis-py's connection object says) until the
        next is made; None before the first connect and after ``aclose()``."""
        return self._proto if self._proto is not None else self._lost_proto

    def stats(self) -> dict[str, Any]:
        """Queue depth and high-water mark, drops, socket pauses, messages read, (re)connects."""
        proto = self._proto
        return {
            "address": self.options.address,
            "connected": proto is not None,
            "reading_paused": bool(proto is not None and proto.reading_paused),
            "queued": len(self._queue),
            "queued_high": self._stats_queued_high,
            "max_pending_messages": self.max_pending_messages,
            "overflow": self.overflow,
            "received": self._stats_received,
            "dropped": self._stats_dropped,
            "pauses": self._stats_pauses,
            "connects": self._stats_connects,
            "reconnects": self._stats_reconnects,
            "connect_failures": self._stats_connect_failures,
            "channels": len(self.channels),
            "patterns": len(self.patterns),
            "shard_channels": len(self.shard_channels),
        }

    # -- connecting ------------------------------------------------------------
    async def connect(self) -> None:
        """Connect now (subscribing connects on demand); raises what the attempt raised."""
        if self._proto is not None:
            return
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            if self._loop is not None and not self._loop.is_closed():
                raise RuntimeError("this PubSub belongs to another running event loop")
            self._loop = loop
            self._connecting = None
            self._forget_place_lock()
        if self._connecting is None or self._connecting.done():
            # here, not in the attempt: a BlockingConnectionPool's wait is bounded by its timeout, not by
            # socket_connect_timeout, and MaxConnectionsError reaches this caller as the pool raised it
            await self._take_place()
            if self._proto is not None:
                return
        if self._connecting is None or self._connecting.done():
            self._connecting = loop.create_task(self._connect(retry=False))
        # asyncio.wait: a caller cancelled here leaves the attempt (shared, maybe a reconnect) running,
        # and a reconnect that outlasts socket_connect_timeout fails this caller, not the reconnect.
        # The attempt has the same bound: a little slack lets its own error reach this caller.
        limit = self.options.socket_connect_timeout
        await asyncio.wait({self._connecting}, timeout=None if limit is None else limit + 0.5)
        if self._proto is None:
            if not self._connecting.done():
                raise TimeoutError(f"connecting to {self.options.address} timed out after {limit} s")
            raise self.last_connect_error or ConnectionError(f"could not connect to {self.options.address}")

    async def _connect(self, retry: bool) -> None:
        """One attempt (``retry=False``) or attempts with backoff until connected or closed."""
        while True:
            delay = self._backoff.delay()
            if delay:
                await asyncio.sleep(delay)
            try:
                await self._take_place()  # held already, unless the pool forgot it (its aclose() or reset())
                proto: _PubSubProtocol = await self._dialer.dial(self._loop, self._new_protocol)
            except Exception as exc:  # a CancelledError (aclose) propagates: the dialer closed the socket
                self._backoff.failed()
                self._stats_connect_failures += 1
                self.last_connect_error = exc if isinstance(exc, RedisError) else self._dialer.error(exc)
                if retry and self.subscribed:
                    continue
                if not self._ever_connected:  # as redis-py's pool takes back a connection that failed to connect
                    self._give_place_back()
                return
            break
        self.options = proto.options = self._dialer.options  # a resolver may have moved the address
        self.last_connect_error = None
        reconnect = self._ever_connected
        if reconnect:
            self._stats_reconnects += 1
        self._ever_connected = True
        self._stats_connects += 1
        self._proto = proto
        self._lost_proto = None
        if reconnect:  # as redis-py's connect callback: a first socket has nothing to subscribe again
            try:
                await self.on_connect(proto)
            except Exception as exc:  # an overriding on_connect's failure: the reader gets it, as in redis-py
                self._deliver(exc)
        if self._proto is not proto:  # lost while an overriding on_connect awaited: this attempt saw no loss
            self._after_loss(None, attempt_running=True)
        elif len(self._queue) >= self.max_pending_messages and self.overflow == "pause":
            proto.read_replies()  # pauses the new socket at once

    def _new_protocol(self) -> _PubSubProtocol:
        return _PubSubProtocol(self)

    def _on_lost(self, proto: _PubSubProtocol, exc: BaseException | None = None) -> None:
        if self._proto is not proto:
            return
        self._proto = None
        self._lost_proto = proto  # its connection_lost dropped its owner: no cycle is kept
        self._after_loss(exc, attempt_running=False, requested=proto.disconnect_requested)

    def _after_loss(self, exc: BaseException | None, attempt_running: bool, requested: bool = False) -> None:
        """Reconnect in the background, or (``auto_reconnect`` off) tell the reader, whose next call reconnects.

        A loss the caller asked for (``connection.disconnect()``, ``pool.disconnect()``)
        is not an error to report: as in redis-py, the next read just reconnects. A
        reader waiting at that moment, asked for or not, gets the error once one
        attempt to reconnect (and subscribe again) is over: redis-py's read fails on
        the closed socket, reconnects, then raises; with nothing to reconnect it
        would wait for ever.
        """
        if not self.auto_reconnect:
            reason = f": {exc}" if exc else ""
            error = ConnectionError(f"pub/sub connection to {self.options.address} lost{reason}")
            if not any(not waiter.done() for waiter in self._waiters):
                if not requested:
                    self._deliver(error)
            elif self._connecting is None or self._connecting.done():
                self._connecting = self._loop.create_task(self._reconnect_then_report(error))
            else:
                self._deliver(error)
            return
        if self.subscribed and (attempt_running or self._connecting is None or self._connecting.done()):
            if not self._backoff.failures:
                self._backoff.failed()  # a restart is not instant: back off from the first try
            self._connecting = self._loop.create_task(self._connect(retry=True))

    async def _reconnect_then_report(self, error: ConnectionError) -> None:
        """One attempt to reconnect, then ``error`` to the waiting reader: queued after the SUBSCRIBE that
        ``on_connect`` wrote and before its confirmation, which the socket has not read yet."""
        await self._connect(retry=False)
        self._deliver(error)

    # -- commands ----------------------------------------------------------------
    async def execute_command(self, *args: Any) -> None:
        """Send a pub/sub command; its reply arrives as a message (redis-py parses none here)."""
        await self.connect()
        self._write(args)

    def _write(self, args: tuple[Any, ...]) -> None:
        proto = self._proto
        if proto is None or proto.transport is None:
            raise ConnectionError(f"pub/sub connection to {self.options.address} is down; it reconnects on its own")
        proto.transport.write(pack_command(*args))

    def ping(self, message: Any = None) -> Awaitable[None]:
        """PING; the reply arrives as a ``{'type': 'pong', ...}`` message."""
        return self.execute_command(*((b"PING",) if message is None else (b"PING", message)))

    # -- reading -----------------------------------------------------------------
    async def get_message(
        self, ignore_subscribe_messages: bool = False, timeout: float | None = 0.0
    ) -> Message[StrT] | None:
        """The next message, or None after ``timeout`` seconds (None: wait for ever).

        None also when the message went to its handler, was an ignored
        (un)subscribe confirmation or the reply to a health check, as in redis.asyncio.
        """
        response = await self.parse_response(block=timeout is None, timeout=timeout or 0.0)
        if response is None:
            return None
        return await self.handle_message(response, ignore_subscribe_messages)  # type: ignore[return-value]

    def _check_connected(self) -> None:
        if self._proto is None and not self.subscribed and not self._ever_connected:
            raise RuntimeError("pubsub connection not set: did you forget to call subscribe() or psubscribe()?")

    async def parse_response(self, block: bool = True, timeout: float = 0.0) -> Any:
        """The next raw reply (a list such as ``[b'message', b'ch', b'hi']``), after ``check_health()``.

        ``block``: wait for one however long it takes; else None after
        ``timeout`` seconds. A health-check reply gives None, as in redis.asyncio.
        """
        self._check_connected()
        await self.check_health()
        if not self._queue and self._proto is None and not self.auto_reconnect:
            await self.connect()  # the loss was reported by the call before: as redis-py, this one reconnects
        if not self._queue:
            if block:
                await self._wait(None)
            elif timeout is not None and timeout <= 0:
                await asyncio.sleep(0)  # a polling loop must still let the socket be read
            else:
                await self._wait(timeout)
            if not self._queue:
                return None
        response = self._take()
        if isinstance(response, BaseException):
            raise response
        if self.push_handler_func is not None and isinstance(response, Push):
            response = self.push_handler_func(list(response))
            if inspect.isawaitable(response):
                response = await response
            if response is None:
                return None
        if self.health_check_interval and response in self.health_check_response:
            return None  # the reply to our own PING: the caller never asked for it
        return response

    async def listen(self) -> AsyncIterator[Message[StrT]]:
        """Messages for as long as something is subscribed (handled ones are not yielded)."""
        while self.subscribed:
            message = await self.get_message(timeout=None)
            if message is not None:
                yield message

    async def run(self, *, exception_handler: Any = None, poll_timeout: float = 1.0, pubsub: Any = None) -> None:
        """Dispatch messages to their handlers until cancelled (redis.asyncio's ``PubSub.run``).

        Every channel and pattern needs a handler (PubSubError otherwise);
        ``pubsub``: read from that PubSub instead. Each turn yields to the
        loop, so a handler that fails at once cannot starve other tasks.
        """
        for channel, handler in self.channels.items():
            if handler is None:
                raise PubSubError(f"Channel: '{channel}' has no handler registered")
        for pattern, handler in self.patterns.items():
            if handler is None:
                raise PubSubError(f"Pattern: '{pattern}' has no handler registered")
        await self.connect()
        source = self if pubsub is None else pubsub
        while True:
            try:
                await source.get_message(ignore_subscribe_messages=True, timeout=poll_timeout)
            except asyncio.CancelledError:
                raise
            except BaseException as exc:  # redis-py hands every error to the handler
                if exception_handler is None:
                    raise
                result = exception_handler(exc, self)
                if inspect.isawaitable(result):
                    await result
            # a message already queued, or an error raised at once, never waited: let other tasks run
            await asyncio.sleep(0)

    # -- closing -----------------------------------------------------------------
    async def aclose(self) -> None:
        """Close the socket and forget every subscription and queued message; usable again after."""
        self.channels = {}
        self.patterns = {}
        self.shard_channels = {}
        self.pending_unsubscribe_channels = set()
        self.pending_unsubscribe_patterns = set()
        self.pending_unsubscribe_shard_channels = set()
        self._clear_queue()
        self._ever_connected = False
        self._backoff.reset()
        connecting = self._connecting
        self._connecting = None
        if connecting is not None and not connecting.done():
            connecting.cancel()
            try:
                await connecting
            except BaseException:  # noqa: S110 - its error was recorded in last_connect_error
                pass
        proto = self._proto
        self._proto = self._lost_proto = None
        try:
            if proto is not None:
                proto._owner = None
                await close_and_wait(proto, proto.lost)
        finally:
            self._give_place_back()
        self._wake_all()

    async def close(self) -> None:
        """Deprecated alias of ``aclose()``: warns as redis.asyncio's does."""
        warn_deprecated_alias("close")
        await self.aclose()

    async def reset(self) -> None:
        """Deprecated alias of ``aclose()``: warns as redis.asyncio's does."""
        warn_deprecated_alias("reset")
        await self.aclose()
