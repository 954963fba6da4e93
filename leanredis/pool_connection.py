"""``PooledConnection``: redis-py's async ``Connection`` API on a socket of its own.

What ``ConnectionPool.get_connection()`` hands out, for code written against
redis-py's lower layer (its ``Pipeline``, ``PubSub`` and ``Lock`` built on a
pool, or an application's own ``send_command``/``read_response`` loop). Unlike
the client's multiplexed ``Connection`` it is request/reply the way redis-py's
is: ``send_command`` writes, ``read_response`` returns the next reply in order,
replies nobody asked for (pub/sub messages) included.

- connecting, TLS, the handshake and their timeout are the ``Dialer``'s (the
  one copy); ``connect_callbacks`` run after every connect, as in redis-py;
- replies are parsed as they arrive and wait, in order, for ``read_response``;
  past ``max_unread`` of them the socket stops being read until the caller
  catches up (a subscriber that stops reading holds a bounded amount);
- a reply still owed, or the connection left inside MULTI, WATCHing or
  subscribed, makes it ``dirty``: the pool closes it when it is given back
  instead of handing it to the next caller;
- ``retry`` runs an operation once: a command that may have been written is
  never sent again for the caller (see ``leanredis.retry``).
"""

from __future__ import annotations

import asyncio
import dataclasses
import math
import os
import weakref
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

from .budget import CONNECTION_OVERHEAD
from .connection.dialer import DedicatedSocketProtocol, Dialer, Resolver, close_and_wait
from .encoding import Encoder
from .exceptions import (
    ConnectionError,
    ProtocolError,
    RedisError,
    TimeoutError,
    as_redis_py,
    redis_py_reply_error,
)
from .options import ConnectionOptions
from .resp import Push, PythonParser, pack_command
from .retry import NoBackoff, Retry

_MORE = object()
_ENTERS = {
    b"MULTI": "multi",
    b"WATCH": "watching",
    b"SUBSCRIBE": "subscribed",
    b"PSUBSCRIBE": "subscribed",
    b"SSUBSCRIBE": "subscribed",
    b"MONITOR": "subscribed",
}
_LEAVES = {
    b"EXEC": ("multi", "watching"),
    b"DISCARD": ("multi", "watching"),
    b"UNWATCH": ("watching",),
    b"RESET": ("multi", "watching", "subscribed"),
}


class _ReplyProtocol(DedicatedSocketProtocol):
    """Handshake replies to their futures, then every reply to the owner's queue, in order."""

    def __init__(self, owner: PooledConnection, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(loop, owner.options.parser, _MORE, redis_py_reply_error)
        self.owner = owner
        self.budget: Any = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        budget = self.budget = self.owner.options.budget  # the socket, charged to max_memory_bytes while open
        if budget is not None:
            budget.used += CONNECTION_OVERHEAD
            budget.connections += CONNECTION_OVERHEAD

    def data_received(self, data: bytes) -> None:
        self._reader.feed(data)
        while True:
            try:
                reply = self._reader.gets()
            except Exception as exc:  # a malformed stream cannot be trusted: the reader hears why, socket closed
                error = as_redis_py(ProtocolError(f"malformed reply from {self.owner.options.address}: {exc}"))
                self.owner._arrived(self, error)
                self.abandon()
                return
            if reply is _MORE:
                return
            if self.replies:
                fut = self.replies.popleft()
                if not fut.done():
                    fut.set_result(reply)  # an error reply too: the dialer raises it
            else:
                self.owner._arrived(self, reply)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        budget = self.budget
        if budget is not None:
            self.budget = None
            budget.used -= CONNECTION_OVERHEAD
            budget.connections -= CONNECTION_OVERHEAD
        error = as_redis_py(ConnectionError(f"connection to {self.owner.options.address} lost"))
        error.__cause__ = exc
        self.fail_requests(error)
        self.owner._arrived(self, _Lost(error))
        if not self.lost.done():
            self.lost.set_result(None)


class _Lost:
    """The end of a socket's replies: what ``read_response`` raises once the ones before it are read."""

    __slots__ = ("error",)

    def __init__(self, error: ConnectionError) -> None:
        self.error = error


class PooledConnection:
    """A dedicated connection with redis-py's async ``Connection`` API (see the module docstring)."""

    max_unread = 10_000
    # options a connection class means by itself (``SSLConnection``: TLS), as redis-py's classes do
    implied_options: dict[str, Any] = {}
    # what the pool reads of any connection it holds, also true of a user's subclass whose
    # __init__ (redis-py's tests' DummyConnection) never calls this one's: nothing owed
    _owed = 0
    _replies: Any = ()
    _state: Any = frozenset()
    _proto: _ReplyProtocol | None = None

    def __init__(self, options: ConnectionOptions | None = None, **connection_kwargs: Any) -> None:
        if options is None:
            from .pool_api import options_from_kwargs  # the pool module builds options the same way

            options = options_from_kwargs(type(self), connection_kwargs)
        self.options = options
        self.host = options.host
        self.port = options.port
        self.path = options.unix_socket_path or ""
        self.db = options.db
        self.username = options.username
        self.client_name = options.client_name
        self.credential_provider = options.credential_provider
        self.socket_timeout = options.socket_timeout
        self.socket_connect_timeout = options.socket_connect_timeout
        self.protocol = options.protocol
        self.encoder = Encoder(options.encoding, options.encoding_errors, options.decode_responses)
        self.retry = Retry(NoBackoff(), 0)
        self.health_check_interval: float = connection_kwargs.get("health_check_interval", 0) or 0
        self.next_health_check = -1.0
        self.pid = os.getpid()
        self.lock = asyncio.Lock()
        self._connect_callbacks: list[Callable[[], Any]] = []
        self._proto: _ReplyProtocol | None = None
        self._replies: deque[Any] = deque()
        self._waiter: asyncio.Future[None] | None = None
        self._owed = 0
        self._state: set[str] = set()
        self._reconnect = False
        self.resolver: Resolver | None = None  # where to connect, asked at every connect (Sentinel)
        self._parser = PushHandlers()
        self._re_auth_token: Any = None

    def __repr__(self) -> str:
        pieces = ",".join(f"{k}={v}" for k, v in self.repr_pieces())
        return f"<{type(self).__module__}.{type(self).__name__}({pieces})>"

    def repr_pieces(self) -> list[tuple[str, Any]]:
        """What ``repr`` shows: where it connects, never credentials."""
        if self.options.unix_socket_path is not None:
            pieces: list[tuple[str, Any]] = [("path", self.path), ("db", self.db)]
        else:
            pieces = [("host", self.host), ("port", self.port), ("db", self.db)]
        if self.client_name:
            pieces.append(("client_name", self.client_name))
        return pieces

    # -- state -----------------------------------------------------------------------
    @property
    def is_connected(self) -> bool:
        """True while a greeted socket is open."""
        return self._proto is not None and not self._proto.closed

    @property
    def inflight(self) -> int:
        """Replies owed or unread, plus one if the socket is inside MULTI, WATCHing or subscribed:
        anything but 0 means the pool must not hand it to another caller."""
        return self._owed + len(self._replies) + (1 if self._state else 0)

    queued = 0  # nothing waits here for room: the pool's dirty check reads it beside ``inflight``

    def get_protocol(self) -> int:
        return self.protocol

    def getpeername(self) -> str | None:
        proto = self._proto
        if proto is None or proto.transport is None:
            return None
        peer = proto.transport.get_extra_info("peername")
        return str(peer[0]) if isinstance(peer, tuple) and peer else None

    def mark_for_reconnect(self) -> None:
        self._reconnect = True

    def should_reconnect(self) -> bool:
        return self._reconnect

    def reset_should_reconnect(self) -> None:
        self._reconnect = False

    def set_parser(self, parser_class: Any) -> None:
        """Parse with hiredis if ``parser_class`` is redis-py's hiredis parser, else in Python; from the next
        connect on. The push handlers set on ``_parser`` are kept."""
        name = getattr(parser_class, "__name__", "")
        self.options = dataclasses.replace(self.options, parser="hiredis" if "Hiredis" in name else "python")

    async def on_connect(self) -> None:
        """Connect and greet (AUTH/HELLO, SELECT, CLIENT SETNAME) if not connected: ``connect()`` greets every
        socket it opens, so a connected one has nothing left to do."""
        await self.connect()

    def set_re_auth_token(self, token: Any) -> None:
        """Credentials (redis-py's ``TokenInterface``) for the next ``re_auth()``."""
        self._re_auth_token = token

    async def re_auth(self) -> None:
        """AUTH with the token given to ``set_re_auth_token``, once (redis-py's streaming credentials)."""
        token, self._re_auth_token = self._re_auth_token, None
        if token is not None:
            await self.send_command("AUTH", token.try_get("oid"), token.get_value())
            await self.read_response()

    # -- connect callbacks (redis-py keeps them as weak methods) --------------------------------
    def register_connect_callback(self, callback: Callable[[PooledConnection], Any]) -> None:
        """Call ``callback(connection)`` after every connect (pub/sub resubscribes this way)."""
        ref = _weak(callback)
        if ref not in self._connect_callbacks:
            self._connect_callbacks.append(ref)

    def deregister_connect_callback(self, callback: Callable[[PooledConnection], Any]) -> None:
        try:
            self._connect_callbacks.remove(_weak(callback))
        except ValueError:
            pass  # never registered: nothing to do, as in redis-py

    # -- connect and disconnect -------------------------------------------------------
    async def connect(self) -> None:
        """Connect and greet, if not connected; then run the connect callbacks."""
        if self.is_connected:
            return
        loop = asyncio.get_running_loop()
        dialer = Dialer(self.options)
        dialer.resolver = self.resolver
        try:
            proto = await dialer.dial(loop, lambda: _ReplyProtocol(self, loop))
        except RedisError as exc:
            raise as_redis_py(exc) from exc.__cause__
        self._proto = proto
        self._replies.clear()
        self._owed = 0
        self._state.clear()
        for ref in list(self._connect_callbacks):
            callback = ref()
            if callback is not None:
                result = callback(self)
                if asyncio.iscoroutine(result) or isinstance(result, asyncio.Future):
                    await result

    async def disconnect(
        self,
        nowait: bool = False,
        error: Exception | None = None,
        failure_count: int | None = None,
        health_check_failed: bool = False,
    ) -> None:
        """Close the socket (replies still owed are lost with it); ``connect`` opens a new one."""
        proto, self._proto = self._proto, None
        self._replies.clear()
        self._owed = 0
        self._state.clear()
        self._reconnect = False
        self._wake()
        if proto is None:
            return
        if nowait or proto.transport is None:
            proto.abandon()
        else:
            await close_and_wait(proto, proto.lost)

    async def aclose(self) -> None:
        """``disconnect()``: what the pool calls when it drops this connection."""
        await self.disconnect()

    # -- sending -------------------------------------------------------------------------
    def pack_command(self, *args: Any) -> list[bytes]:
        """One command as RESP (a first argument with spaces is split, as redis-py does)."""
        if args and isinstance(args[0], str) and " " in args[0]:
            args = (*args[0].split(), *args[1:])
        elif args and isinstance(args[0], bytes) and b" " in args[0]:
            args = (*args[0].split(), *args[1:])
        return [pack_command(*args)]

    def pack_commands(self, commands: Iterable[Iterable[Any]]) -> list[bytes]:
        """Several commands as RESP, in one buffer."""
        return [b"".join(self.pack_command(*command)[0] for command in commands)]

    async def send_packed_command(self, command: bytes | str | Iterable[bytes], check_health: bool = True) -> None:
        """Write already encoded commands; their replies come from ``read_response``, in order."""
        if not self.is_connected:
            await self.connect()
        if check_health:
            await self.check_health()
        if isinstance(command, str):
            command = command.encode()
        data = command if isinstance(command, (bytes, bytearray)) else b"".join(command)
        proto = self._proto
        if proto is None or proto.transport is None or proto.transport.is_closing():
            raise as_redis_py(ConnectionError(f"connection to {self.options.address} lost before the write"))
        self._note_commands(data)
        proto.transport.write(data)

    async def send_command(self, *args: Any, **kwargs: Any) -> None:
        """Pack and send one command."""
        await self.send_packed_command(self.pack_command(*args), check_health=kwargs.get("check_health", True))

    def _note_commands(self, data: bytes | bytearray) -> None:
        """Count the replies owed and follow MULTI/WATCH/SUBSCRIBE: what makes the connection dirty."""
        reader = PythonParser(not_enough_data=_MORE)
        reader.feed(data)
        while True:
            try:
                request = reader.gets()
            except Exception:  # noqa: BLE001 - not RESP arrays (inline commands): owe one reply, state unknown
                self._owed += 1
                self._state.add("unknown")
                return
            if request is _MORE:
                return
            self._owed += 1
            name = request[0].upper() if isinstance(request, list) and request else b""
            if name in _ENTERS:
                self._state.add(_ENTERS[name])
            for left in _LEAVES.get(name, ()):
                self._state.discard(left)

    # -- reading ------------------------------------------------------------------------
    def _arrived(self, proto: _ReplyProtocol, reply: Any) -> None:
        if proto is not self._proto:
            return  # a socket already given up: its replies belong to nobody
        self._replies.append(reply)
        if len(self._replies) >= self.max_unread and proto.transport is not None and not proto.paused:
            proto.transport.pause_reading()
            proto.paused = True
        self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def can_read_destructive(self) -> bool:
        """True if a reply is waiting to be read."""
        return bool(self._replies)

    can_read = can_read_destructive

    async def read_response(
        self,
        disable_decoding: bool = False,
        timeout: float | None = None,
        *,
        disconnect_on_error: bool = True,
        push_request: bool | None = False,
    ) -> Any:
        """The next reply. ``timeout``: None waits ``socket_timeout`` (then TimeoutError), ``math.inf``
        waits for ever, a number waits that long and returns None (redis-py's semantics)."""
        wait = None if timeout == math.inf else (timeout if timeout is not None else self.socket_timeout)
        try:
            if not self._replies:
                if not self.is_connected:
                    raise as_redis_py(ConnectionError(f"connection to {self.options.address} is not connected"))
                loop = asyncio.get_running_loop()
                self._waiter = loop.create_future()
                try:
                    await asyncio.wait_for(self._waiter, wait)
                finally:
                    self._waiter = None
                if not self._replies:
                    raise as_redis_py(ConnectionError(f"connection to {self.options.address} closed while reading"))
        except (asyncio.TimeoutError, TimeoutError):
            if timeout is not None:
                return None
            if disconnect_on_error:
                await self.disconnect(nowait=True)
            raise as_redis_py(TimeoutError(f"Timeout reading from {self.options.address}")) from None
        except BaseException:
            if disconnect_on_error:
                await self.disconnect(nowait=True)
            raise
        reply = self._replies.popleft()
        if self._owed and not (isinstance(reply, Push) and not push_request):
            self._owed -= 1
        proto = self._proto
        if proto is not None and proto.paused and len(self._replies) < self.max_unread // 2:
            proto.paused = False
            if proto.transport is not None:
                proto.transport.resume_reading()
        if isinstance(reply, _Lost):
            self._proto = None
            raise reply.error
        if isinstance(reply, ProtocolError):
            await self.disconnect(nowait=True)
            raise reply
        if self.health_check_interval:
            self.next_health_check = asyncio.get_running_loop().time() + self.health_check_interval
        if isinstance(reply, RedisError):  # an error reply: AUTH's WRONGPASS is a ConnectionError, not a ResponseError
            raise reply
        is_push = isinstance(reply, Push)
        if is_push:
            reply = list(reply)
        if self.encoder.decode_responses and not disable_decoding:
            reply = _decode(reply, self.encoder)
        if is_push and self._parser.pubsub_push_handler_func is not None:
            # redis-py's RESP3 parser: a push goes to the handler, whose result is the reply when a push was
            # asked for (pub/sub reads); otherwise the push is consumed and the next reply is read
            reply = self._parser.pubsub_push_handler_func(reply)
            if asyncio.iscoroutine(reply) or isinstance(reply, asyncio.Future):
                reply = await reply
            if not push_request:
                return await self.read_response(
                    disable_decoding, timeout, disconnect_on_error=disconnect_on_error, push_request=push_request
                )
        return reply

    async def check_health(self) -> None:
        """PING if ``health_check_interval`` passed since the last reply (redis-py's check)."""
        if not self.health_check_interval or asyncio.get_running_loop().time() <= self.next_health_check:
            return
        try:
            await self.send_command("PING", check_health=False)
            reply = await self.read_response()
        except (ConnectionError, TimeoutError):
            await self.disconnect()
            await self.connect()
            return
        if reply not in (b"PONG", "PONG"):
            await self.disconnect()
            raise as_redis_py(ConnectionError("Bad response from PING health check"))


class PushHandlers:
    """What redis-py code reaches as ``connection._parser``: the handlers for RESP3 pushes.

    redis-py's ``PubSub(push_handler_func=...)`` sets ``set_pubsub_push_handler`` on protocol 3: every
    pub/sub push read from the connection is handed to it (sync or async), as redis-py's parser does.
    """

    __slots__ = ("pubsub_push_handler_func", "invalidation_push_handler_func")

    def __init__(self) -> None:
        self.pubsub_push_handler_func: Callable[[Any], Any] | None = None
        self.invalidation_push_handler_func: Callable[[Any], Any] | None = None

    def set_pubsub_push_handler(self, pubsub_push_handler_func: Callable[[Any], Any] | None) -> None:
        self.pubsub_push_handler_func = pubsub_push_handler_func

    def set_invalidation_push_handler(self, invalidation_push_handler_func: Callable[[Any], Any] | None) -> None:
        """Kept for redis-py's API; invalidation pushes are handed to the pub/sub handler like any other push."""
        self.invalidation_push_handler_func = invalidation_push_handler_func


def _weak(callback: Callable[..., Any]) -> Callable[[], Any]:
    """A weak reference to a bound method (redis-py's rule); a plain function is held strongly."""
    try:
        return weakref.WeakMethod(callback)  # type: ignore[arg-type]
    except TypeError:
        return _Strong(callback)


class _Strong:
    """A callable reference that always answers its target (for functions that are not methods)."""

    __slots__ = ("target",)

    def __init__(self, target: Callable[..., Any]) -> None:
        self.target = target

    def __call__(self) -> Callable[..., Any]:
        return self.target

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Strong) and other.target == self.target

    def __hash__(self) -> int:
        return hash(self.target)


def _decode(value: Any, encoder: Encoder) -> Any:
    """bytes to str throughout a reply (containers rebuilt), as redis-py's parser decodes."""
    if isinstance(value, bytes):
        return encoder.decode(value)
    if isinstance(value, list):
        return [_decode(item, encoder) for item in value]
    if isinstance(value, dict):
        return {_decode(k, encoder): _decode(v, encoder) for k, v in value.items()}
    if isinstance(value, set):
        return {_decode(item, encoder) for item in value}
    if isinstance(value, tuple):
        return tuple(_decode(item, encoder) for item in value)
    return value
