"""Pub/Sub on a dedicated connection: bounded message queue, auto-resubscribe.

``Redis.pubsub()`` returns a ``PubSub`` that owns a socket of its own (never
the client's multiplexed connection: pub/sub messages arrive with no caller
waiting for them). The API and message dicts are redis.asyncio's:
``{'type', 'pattern', 'channel', 'data'}``, from ``get_message()``,
``listen()`` or handlers given as ``subscribe(channel=handler)``.

Memory: messages read from the socket wait in a queue of at most
``max_pending_messages`` replies. When it is full, ``overflow="pause"`` stops
reading the socket (``transport.pause_reading()``) until the consumer has
taken it below half: the server then holds what is published, within its
``client-output-buffer-limit pubsub`` (past the hard limit it disconnects
the subscriber, which then reconnects and resubscribes). ``"drop_oldest"``
keeps reading and drops the oldest message, counted in ``stats()``. Either
way the process holds at most the queue plus one read of unparsed bytes.

When the socket is lost while subscribed, the PubSub reconnects in the
background with exponential backoff and jitter (the client's
``reconnect_backoff_base``/``_cap``) and subscribes again to every channel,
pattern and shard channel; waiting ``get_message``/``listen`` calls carry on.
"""

from __future__ import annotations

import asyncio
import inspect
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal

from .connection.dialer import Backoff, Dialer, close_and_wait
from .exceptions import (
    ConnectionError,
    DataError,
    ProtocolError,
    PubSubError,
    RedisError,
    ResponseError,
    TimeoutError,
    error_from_reply,
    warn_deprecated_alias,
)
from .future import wake_first
from .options import ConnectionOptions
from .resp import HIREDIS_AVAILABLE, PythonParser, pack_command

if HIREDIS_AVAILABLE:
    from .resp import make_reader

Overflow = Literal["pause", "drop_oldest"]
Handler = Callable[[dict[str, Any]], Any]

DEFAULT_MAX_PENDING_MESSAGES = 10_000

_MORE = object()  # the parsers' "need more bytes" (not False: a RESP3 #f reply)
_MALFORMED = (ProtocolError, TypeError, IndexError)
_PUBLISH_TYPES = ("message", "pmessage", "smessage")
_UNSUBSCRIBE_TYPES = ("unsubscribe", "punsubscribe", "sunsubscribe")


@dataclass(frozen=True)
class Subscription:
    """A channel or pattern with an optional handler, given positionally (redis-py 8's ``Subscription``).

    ``await p.subscribe(Subscription(b"\\xff", handler))`` names a channel that
    cannot be a keyword argument.
    """

    name: Any
    handler: Handler | None = None


class _PubSubProtocol(asyncio.Protocol):
    """One socket: handshake replies to futures, then every reply into the owner's queue."""

    def __init__(self, owner: PubSub) -> None:
        self._owner: PubSub | None = owner
        self.transport: asyncio.Transport | None = None
        self.replies: deque[asyncio.Future[Any]] = deque()  # handshake only
        self.reading_paused = False
        self.closed = False
        self._out = bytearray()
        self._loop = owner._loop
        options = owner.options
        encoding = options.encoding if options.decode_responses else None
        if options.parser == "python" or not HIREDIS_AVAILABLE:
            self._reader: Any = PythonParser(encoding, options.encoding_errors, not_enough_data=_MORE)
        else:
            self._reader = make_reader(encoding, options.encoding_errors, not_enough_data=_MORE)
        self.lost: asyncio.Future[None] = owner._loop.create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    @property
    def is_connected(self) -> bool:
        """True until the socket is lost or closed."""
        return not self.closed and self.transport is not None

    async def disconnect(self, nowait: bool = False) -> None:
        """Drop the socket, as if the server had: a subscribed PubSub reconnects and subscribes again."""
        transport = self.transport
        if transport is not None:
            transport.abort()
        if not nowait:
            await self.lost

    # -- what the dialer needs to greet the socket -----------------------------------------
    def request(self, args: tuple[Any, ...]) -> asyncio.Future[Any]:
        """A handshake command; its future resolves to the raw reply (an error reply as a value)."""
        fut: asyncio.Future[Any] = self._loop.create_future()
        self.replies.append(fut)
        self._out += pack_command(*args)
        return fut

    def flush(self) -> None:
        out, self._out = self._out, bytearray()
        if out and self.transport is not None:
            self.transport.write(bytes(out))

    def abandon(self) -> None:
        """Nobody will own this socket (a failed or cancelled connect): abort it now."""
        self._owner = None
        if self.transport is not None:
            self.transport.abort()

    def data_received(self, data: bytes) -> None:
        self._reader.feed(data)
        self.read_replies()

    def read_replies(self) -> None:
        """Move complete replies to the queue; stop (and pause the socket) when it is full."""
        owner = self._owner
        reader = self._reader
        if owner is None or reader is None:
            return
        queue = owner._queue
        limit = owner.max_pending_messages
        pause = owner.overflow == "pause"
        while True:
            if pause and len(queue) >= limit and not self.replies:
                if not self.reading_paused and self.transport is not None:
                    self.transport.pause_reading()
                    self.reading_paused = True
                    owner._stats_pauses += 1
                return
            try:
                reply = reader.gets()
            except _MALFORMED as exc:
                if self.transport is not None:
                    self.transport.abort()  # the stream cannot be trusted; reconnect follows
                owner._deliver(ProtocolError(f"malformed reply from the server, connection closed: {exc}"))
                return
            except UnicodeDecodeError as exc:
                owner._deliver(exc)  # hiredis consumed that message: its error goes to the consumer
                continue
            if reply is _MORE:
                return
            if self.replies:
                fut = self.replies.popleft()
                if not fut.done():
                    fut.set_result(reply)
                continue
            if reply.__class__ is ResponseError:
                reply = error_from_reply(reply.args[0] if reply.args else "")
            owner._deliver(reply)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        owner = self._owner
        self._owner = None
        self._reader = None
        self.transport = None
        err = ConnectionError(f"pub/sub connection lost{': ' + str(exc) if exc else ''}")
        for fut in self.replies:
            if not fut.done():
                fut.set_exception(err)
        self.replies.clear()
        if not self.lost.done():
            self.lost.set_result(None)
        if owner is not None:
            owner._on_lost(self)


class PubSub:
    """Subscriptions on a connection of their own; see the module docstring."""

    PUBLISH_MESSAGE_TYPES = _PUBLISH_TYPES
    UNSUBSCRIBE_MESSAGE_TYPES = _UNSUBSCRIBE_TYPES
    HEALTH_CHECK_MESSAGE = "redis-py-health-check"

    def __init__(
        self,
        options: ConnectionOptions,
        ignore_subscribe_messages: bool = False,
        max_pending_messages: int = DEFAULT_MAX_PENDING_MESSAGES,
        overflow: Overflow = "pause",
        health_check_interval: float = 0.0,
    ) -> None:
        count = max_pending_messages
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise DataError(f"max_pending_messages must be a positive int, not {max_pending_messages!r}")
        if overflow not in ("pause", "drop_oldest"):
            raise DataError(f"overflow must be 'pause' or 'drop_oldest', not {overflow!r}")
        self.options = options
        self.ignore_subscribe_messages = ignore_subscribe_messages
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
        self._connecting: asyncio.Task[None] | None = None
        self._queue: deque[Any] = deque()
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

    async def __aenter__(self) -> PubSub:
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
    def subscribed(self) -> bool:
        """True while subscribed to any channel, pattern or shard channel."""
        return bool(self.channels or self.patterns or self.shard_channels)

    @property
    def is_connected(self) -> bool:
        return self._proto is not None

    @property
    def connection(self) -> _PubSubProtocol | None:
        """redis-py's attribute: the socket's protocol while connected (``is_connected``,
        ``disconnect()``), else None."""
        return self._proto

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

    # -- the queue -------------------------------------------------------------
    def _deliver(self, reply: Any) -> None:
        """A reply from the socket (message, confirmation, PONG or error) joins the queue."""
        queue = self._queue
        self._stats_received += 1
        if len(queue) >= self.max_pending_messages:  # only under drop_oldest: pause never gets here
            queue.popleft()
            self._stats_dropped += 1
        queue.append(reply)
        if self.health_check_interval:
            self._next_health_check = self._loop.time() + self.health_check_interval  # it is alive
        if len(queue) > self._stats_queued_high:
            self._stats_queued_high = len(queue)
        if self._waiters:
            self._wake_one()

    def _wake_one(self) -> None:
        wake_first(self._waiters)

    def _take(self) -> Any:
        """The oldest queued reply; the socket resumes once the queue is below half."""
        reply = self._queue.popleft()
        proto = self._proto
        if proto is not None and proto.reading_paused and len(self._queue) <= self.max_pending_messages // 2:
            proto.read_replies()  # bytes read before the pause come first
            if len(self._queue) < self.max_pending_messages and proto.transport is not None:
                proto.reading_paused = False
                proto.transport.resume_reading()
        return reply

    def _wake_all(self) -> None:
        waiters = self._waiters
        self._waiters = deque()
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

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
                proto: _PubSubProtocol = await self._dialer.dial(self._loop, self._new_protocol)
            except Exception as exc:  # a CancelledError (aclose) propagates: the dialer closed the socket
                self._backoff.failed()
                self._stats_connect_failures += 1
                self.last_connect_error = exc if isinstance(exc, RedisError) else self._dialer.error(exc)
                if retry and self.subscribed:
                    continue
                return
            break
        self.options = self._dialer.options  # a resolver may have moved the address
        self.last_connect_error = None
        if self._ever_connected:
            self._stats_reconnects += 1
        self._ever_connected = True
        self._stats_connects += 1
        self._proto = proto
        self._resubscribe(proto)
        if len(self._queue) >= self.max_pending_messages and self.overflow == "pause":
            proto.read_replies()  # pauses the new socket at once

    def _new_protocol(self) -> _PubSubProtocol:
        return _PubSubProtocol(self)

    def _resubscribe(self, proto: _PubSubProtocol) -> None:
        """Every channel, pattern and shard channel again, in one write, as redis-py's on_connect does."""
        self.pending_unsubscribe_channels.clear()
        self.pending_unsubscribe_patterns.clear()
        self.pending_unsubscribe_shard_channels.clear()
        out = bytearray()
        for command, names in ((b"SUBSCRIBE", self.channels), (b"PSUBSCRIBE", self.patterns)):
            if names:
                out += pack_command(command, *names)
        for name in self.shard_channels:  # one per command: a cluster refuses cross-slot SSUBSCRIBE
            out += pack_command(b"SSUBSCRIBE", name)
        if out and proto.transport is not None:
            proto.transport.write(bytes(out))

    def _on_lost(self, proto: _PubSubProtocol) -> None:
        if self._proto is not proto:
            return
        self._proto = None
        if self.subscribed and (self._connecting is None or self._connecting.done()):
            if not self._backoff.failures:
                self._backoff.failed()  # a restart is not instant: back off from the first try
            self._connecting = self._loop.create_task(self._connect(retry=True))

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
                if isinstance(item, Subscription):
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

    def ping(self, message: Any = None) -> Awaitable[None]:
        """PING; the reply arrives as a ``{'type': 'pong', ...}`` message."""
        return self.execute_command(*((b"PING",) if message is None else (b"PING", message)))

    # -- reading -----------------------------------------------------------------
    async def get_message(
        self, ignore_subscribe_messages: bool = False, timeout: float | None = 0.0
    ) -> dict[str, Any] | None:
        """The next message, or None after ``timeout`` seconds (None: wait for ever).

        None also when the message went to its handler, was an ignored
        (un)subscribe confirmation or the reply to a health check, as in redis.asyncio.
        """
        response = await self.parse_response(block=timeout is None, timeout=timeout or 0.0)
        if response is None:
            return None
        return await self.handle_message(response, ignore_subscribe_messages)

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
        if self.health_check_interval and response in self.health_check_response:
            return None  # the reply to our own PING: the caller never asked for it
        return response

    async def check_health(self) -> None:
        """PING the server (``HEALTH_CHECK_MESSAGE``) when nothing was read for ``health_check_interval`` seconds.

        The reply is read like any message and dropped by ``parse_response``.
        """
        self._check_connected()
        interval = self.health_check_interval
        if not interval or self._proto is None:
            return
        now = asyncio.get_running_loop().time()
        if now > self._next_health_check:
            self._next_health_check = now + interval  # one PING per interval, not one per poll
            self._write((b"PING", self.HEALTH_CHECK_MESSAGE))

    async def _wait(self, timeout: float | None) -> None:
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[None] = loop.create_future()
        self._waiters.append(waiter)
        timer = loop.call_later(timeout, _wake, waiter) if timeout is not None else None
        try:
            await waiter
        except BaseException:
            if not waiter.cancelled() and self._queue:  # woken, then cancelled before it ran: pass it on
                self._wake_one()
            raise
        finally:
            if timer is not None:
                timer.cancel()
            # timed out or cancelled: still listed (a woken waiter was popped); a polling loop
            # must not grow the list
            try:
                self._waiters.remove(waiter)
            except ValueError:
                pass

    async def listen(self) -> AsyncIterator[dict[str, Any]]:
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

    async def handle_message(self, response: Any, ignore_subscribe_messages: bool = False) -> dict[str, Any] | None:
        """A reply -> redis-py's message dict; calls the handler of a published message."""
        if response is None:
            return None
        if isinstance(response, BaseException):
            raise response
        if isinstance(response, (bytes, str)):  # PONG outside subscribed mode, or any RESP3 PING reply
            empty = response[:0]
            response = [b"pong", empty if response in (b"PONG", "PONG") else response]
        kind = response[0]
        message_type = kind.decode() if isinstance(kind, bytes) else kind
        if message_type == "pmessage":
            message = {"type": message_type, "pattern": response[1], "channel": response[2], "data": response[3]}
        elif message_type == "pong":
            message = {"type": message_type, "pattern": None, "channel": None, "data": response[1]}
        else:
            message = {"type": message_type, "pattern": None, "channel": response[1], "data": response[2]}
        if message_type in _UNSUBSCRIBE_TYPES:
            table, pending = {
                "unsubscribe": (self.channels, self.pending_unsubscribe_channels),
                "punsubscribe": (self.patterns, self.pending_unsubscribe_patterns),
                "sunsubscribe": (self.shard_channels, self.pending_unsubscribe_shard_channels),
            }[message_type]
            name = response[1]
            if name in pending:
                pending.discard(name)
                table.pop(name, None)
        if message_type in _PUBLISH_TYPES:
            if message_type == "pmessage":
                handler = self.patterns.get(message["pattern"])
            elif message_type == "smessage":
                handler = self.shard_channels.get(message["channel"])
            else:
                handler = self.channels.get(message["channel"])
            if handler is not None:
                result = handler(message)
                if inspect.isawaitable(result):
                    await result
                return None
        elif message_type != "pong" and (ignore_subscribe_messages or self.ignore_subscribe_messages):
            return None
        return message

    # -- closing -----------------------------------------------------------------
    async def aclose(self) -> None:
        """Close the socket and forget every subscription and queued message; usable again after."""
        self.channels = {}
        self.patterns = {}
        self.shard_channels = {}
        self.pending_unsubscribe_channels = set()
        self.pending_unsubscribe_patterns = set()
        self.pending_unsubscribe_shard_channels = set()
        self._queue.clear()
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
        self._proto = None
        if proto is not None:
            proto._owner = None
            await close_and_wait(proto, proto.lost)
        self._wake_all()

    async def close(self) -> None:
        """Deprecated alias of ``aclose()``: warns as redis.asyncio's does."""
        warn_deprecated_alias("close")
        await self.aclose()

    async def reset(self) -> None:
        """Deprecated alias of ``aclose()``: warns as redis.asyncio's does."""
        warn_deprecated_alias("reset")
        await self.aclose()


def _wake(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)
