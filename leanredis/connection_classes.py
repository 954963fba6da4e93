"""redis-py's connection class names: ``Connection``, ``SSLConnection``, ``UnixDomainSocketConnection``.

``leanredis.Connection`` is what ``redis.asyncio.Connection`` is to its users: a
connection of its own, made with redis-py's keyword arguments
(``Connection(host=..., port=..., db=..., protocol=...)``), speaking redis-py's
``Connection`` API (``PooledConnection``'s). A pool takes them as
``connection_class``. The client's multiplexed connection, which is not that API,
stays ``leanredis.connection.Connection``.
"""

from __future__ import annotations

from typing import Any

from .pool_connection import PooledConnection


class Connection(PooledConnection):
    """``redis.asyncio.Connection``: TCP, ``Connection(host="localhost", port=6379, **connection_kwargs)``."""


class SSLConnection(Connection):
    """``redis.asyncio.SSLConnection``: TLS, with redis-py's ``ssl_*`` keyword arguments."""

    implied_options: dict[str, Any] = {"ssl": True}


class UnixDomainSocketConnection(Connection):
    """``redis.asyncio.UnixDomainSocketConnection``: ``UnixDomainSocketConnection(path=..., **connection_kwargs)``."""
