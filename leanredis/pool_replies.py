"""How a ``PooledConnection``'s socket hands over its replies: in order, to a queue, then the end.

The handshake's replies go to the dialer's futures; every reply after them
goes to the owner's queue for ``read_response``, and a lost socket leaves a
``_Lost`` behind the replies it did deliver, so they are read before the error.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from .budget import CONNECTION_OVERHEAD
from .connection.dialer import DedicatedSocketProtocol
from .encoding import Encoder
from .exceptions import ConnectionError, ProtocolError, as_redis_py, redis_py_reply_error

if TYPE_CHECKING:
    from .pool_connection import PooledConnection

_MORE = object()


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
