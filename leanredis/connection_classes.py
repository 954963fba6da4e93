"""redis-py's connection class names: ``Connection``, ``SSLConnection``, ``UnixDomainSocketConnection``.

``leanredis.Connection`` is what ``redis.asyncio.Connection`` is to its users: a
connection of its own, made with redis-py's keyword arguments
(``Connection(host=..., port=..., db=..., protocol=...)``), speaking redis-py's
``Connection`` API (``PooledConnection``'s). A pool takes them as
``connection_class``. The client's multiplexed connection, which is not that API,
stays ``leanredis.connection.Connection``.
"""

from __future__ import annotations

import ssl
from typing import Any

from .pool_connection import PooledConnection


class Connection(PooledConnection):
    """``redis.asyncio.Connection``: TCP, ``Connection(host="localhost", port=6379, **connection_kwargs)``."""


class SSLConnection(Connection):
    """``redis.asyncio.SSLConnection``: TLS, with redis-py's ``ssl_*`` keyword arguments (``ssl=True`` unless
    told otherwise); what a ``rediss://`` URL's pool makes."""

    implied_options: dict[str, Any] = {"ssl": True}

    @property
    def cert_reqs(self) -> ssl.VerifyMode | None:
        """The TLS context's ``verify_mode`` (``ssl_cert_reqs``)."""
        return self.options.ssl.verify_mode if self.options.ssl is not None else None

    @property
    def check_hostname(self) -> bool | None:
        """The TLS context's ``check_hostname`` (``ssl_check_hostname``)."""
        return self.options.ssl.check_hostname if self.options.ssl is not None else None


class UnixDomainSocketConnection(Connection):
    """``redis.asyncio.UnixDomainSocketConnection``: ``UnixDomainSocketConnection(path=..., **connection_kwargs)``;
    what a ``unix://`` URL's pool makes."""
