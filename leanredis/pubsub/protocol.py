"""The pub/sub socket's ``asyncio.Protocol``: greets the socket, then queues every reply.

During the handshake replies resolve the dialer's futures; after it every
reply (message, confirmation, PONG or error) goes to the owning ``PubSub``'s
queue. With ``overflow="pause"`` and the queue full, it stops reading the
socket (``transport.pause_reading()``); the queue resumes it (see ``queue``).
A malformed stream aborts the socket, and a lost one tells the owner, which
reconnects.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import TYPE_CHECKING, Any

from ..budget import CONNECTION_OVERHEAD, PAUSE_MARGIN
from ..connection.dialer import HandshakeWriter
from ..encoding import Encoder
from ..exceptions import ConnectionError, ProtocolError, ResponseError, error_from_reply
from ..resp import HIREDIS_AVAILABLE, PythonParser

if HIREDIS_AVAILABLE:
    from ..resp import make_reader

if TYPE_CHECKING:
    from .core import PubSub

_MORE = object()  # the parsers' "need more bytes" (not False: a RESP3 #f reply)
_MALFORMED = (ProtocolError, TypeError, IndexError)


class _PubSubProtocol(HandshakeWriter, asyncio.Protocol):
    """One socket: handshake replies to futures, then every reply into the owner's queue."""

    def __init__(self, owner: PubSub) -> None:
        self._owner: PubSub | None = owner
        self.transport: asyncio.Transport | None = None
        self.replies: deque[asyncio.Future[Any]] = deque()  # handshake only
        self.reading_paused = False
        self.closed = False
        self.disconnect_requested = False  # by disconnect(): the owner's next read reconnects without an error
        self._out = bytearray()
        self._budget: Any = None  # max_memory_bytes, charged for the socket from connection_made
        self._loop = owner._loop
        options = self.options = owner.options  # the owner sets the greeted socket's (address, protocol)
        encoding = options.encoding if options.decode_responses else None
        if options.parser == "python" or not HIREDIS_AVAILABLE:
            self._reader: Any = PythonParser(encoding, options.encoding_errors, not_enough_data=_MORE)
        else:
            self._reader = make_reader(encoding, options.encoding_errors, not_enough_data=_MORE)
        self.lost: asyncio.Future[None] = owner._loop.create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        budget = self._budget = self._owner.budget if self._owner is not None else None
        if budget is not None:  # the socket itself, charged to max_memory_bytes while open
            budget.used += CONNECTION_OVERHEAD
            budget.connections += CONNECTION_OVERHEAD

    @property
    def is_connected(self) -> bool:
        """True until the socket is lost or closed."""
        return not self.closed and self.transport is not None

    async def disconnect(self, nowait: bool = False) -> None:
        """Drop the socket, as if the server had: a subscribed PubSub reconnects and subscribes again."""
        transport = self.transport
        if transport is not None:
            self.disconnect_requested = True
            transport.abort()
        if not nowait:
            await self.lost

    # -- redis-py's Connection attributes that applications read (``pubsub.connection.protocol``) --
    @property
    def protocol(self) -> int:
        """The RESP version this socket speaks (2 after a fallback from a server without HELLO)."""
        return self.options.protocol

    def get_protocol(self) -> int:
        return self.options.protocol

    @property
    def host(self) -> str:
        return self.options.host

    @property
    def port(self) -> int:
        return self.options.port

    @property
    def path(self) -> str:
        return self.options.unix_socket_path or ""

    @property
    def db(self) -> int:
        return self.options.db

    @property
    def username(self) -> str | None:
        return self.options.username

    @property
    def client_name(self) -> str | None:
        return self.options.client_name

    @property
    def socket_timeout(self) -> float | None:
        return self.options.socket_timeout

    @property
    def socket_connect_timeout(self) -> float | None:
        return self.options.socket_connect_timeout

    @property
    def encoder(self) -> Encoder:
        o = self.options
        return Encoder(o.encoding, o.encoding_errors, o.decode_responses)

    # -- what the dialer needs to greet the socket -----------------------------------------
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
        budget = owner.budget
        while True:
            if pause and (len(queue) >= limit or (queue and budget.left < PAUSE_MARGIN)) and not self.replies:
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
        budget = self._budget
        if budget is not None:
            self._budget = None
            budget.used -= CONNECTION_OVERHEAD
            budget.connections -= CONNECTION_OVERHEAD
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
            owner._on_lost(self, exc)
