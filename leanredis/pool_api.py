"""redis-py's pool API on leanredis's pool: what code written against ``redis.asyncio.ConnectionPool`` calls.

``ConnectionPool(connection_class=..., max_connections=None, **connection_kwargs)``,
``from_url``, ``get_connection()``, ``release()``, ``disconnect(inuse_connections=)``,
``aclose()``, ``reset()``, ``make_connection()``, ``can_get_connection()``,
``get_encoder()``, ``connection_kwargs``, ``connection_class``, ``max_connections``.
The mechanics (the bound, waiting, ageing, closing what comes back dirty) are
``leanredis.pool``'s: this module only translates. ``connection_kwargs`` are
redis-py's connection options; they mean what they mean to ``Redis()``.
"""

from __future__ import annotations

import asyncio
import inspect
import math
from collections.abc import Generator, Mapping
from typing import TYPE_CHECKING, Any

from .config import DriverInfo, built_quietly, redis_py_connection_options
from .connection_classes import Connection, SSLConnection, UnixDomainSocketConnection
from .encoding import Encoder
from .exceptions import ConnectionError, RedisError, ResponseError, as_redis_py
from .exceptions import TimeoutError as LeanTimeoutError
from .future import raw_reply
from .options import ConnectionOptions
from .pool_connection import PooledConnection
from .registry import FROM_ABOVE
from .url import parse_url

# never shown by repr (redis-py's SENSITIVE_REPR_KEYS)
_SECRET_KEYS = frozenset({"password", "username", "ssl_password", "credential_provider"})


class _Done:
    """What ``release`` returns: already done, awaitable for redis-py callers, harmless if not awaited."""

    __slots__ = ()

    def __await__(self) -> Generator[Any, None, None]:
        return
        yield


DONE = _Done()


def options_from_kwargs(connection_class: Any, connection_kwargs: Mapping[str, Any]) -> ConnectionOptions:
    """ConnectionOptions from redis-py connection kwargs, translated exactly as ``Redis()`` translates them."""
    Redis = FROM_ABOVE["Redis"]  # noqa: N806  # its __init__ is the one translation of redis-py's options

    kwargs = redis_py_connection_options(connection_class, connection_kwargs)
    if builds_itself(connection_class):
        # redis-py hands every connection_kwarg to the class: those it alone knows are its business
        known = inspect.signature(Redis.__init__).parameters
        kwargs = {key: value for key, value in kwargs.items() if key in known}
    return built_quietly(lambda: Redis(**kwargs)).options  # a pool's arguments are not deprecated in redis-py


def builds_itself(connection_class: Any) -> bool:
    """True for a user's subclass of the pool's connection with an ``__init__`` of its own: the pool
    builds it as redis-py does, ``connection_class(**connection_kwargs)``."""
    return (
        isinstance(connection_class, type)
        and issubclass(connection_class, PooledConnection)
        and connection_class.__init__ is not PooledConnection.__init__
    )


def kwargs_from_options(options: ConnectionOptions) -> dict[str, Any]:
    """redis-py connection kwargs that say what ``options`` say (a pool made by a client, not by the user)."""
    kwargs: dict[str, Any] = {"db": options.db}
    if options.unix_socket_path is not None:
        kwargs["path"] = options.unix_socket_path
    else:
        kwargs["host"] = options.host
        kwargs["port"] = options.port
    for name in ("username", "password", "client_name", "credential_provider"):
        kwargs[name] = getattr(options, name)  # None when not given, as redis-py's pools list them
    kwargs.update(
        socket_timeout=options.socket_timeout,
        socket_connect_timeout=options.socket_connect_timeout,
        socket_keepalive=options.socket_keepalive,
        encoding=options.encoding,
        encoding_errors=options.encoding_errors,
        decode_responses=options.decode_responses,
        protocol=options.protocol,
    )
    if options.ssl is not None:
        kwargs["ssl"] = options.ssl
    # what CLIENT SETINFO sends, as redis-py's pools say it (None: nothing sent)
    sent = options.lib_name, options.lib_version
    kwargs["driver_info"] = None if sent == (None, None) else DriverInfo(*sent)
    return kwargs


class RedisPyPoolAPI:
    """The redis.asyncio names of ``leanredis.pool.ConnectionPool`` (see the module docstring)."""

    connection_class: Any
    max_connections: int
    timeout: float | None
    options: ConnectionOptions
    _connection_kwargs: dict[str, Any]

    if TYPE_CHECKING:

        @property
        def idle(self) -> int: ...

        @property
        def in_use(self) -> int: ...

        async def acquire(self, make: Any = None) -> Any: ...

        def release(self, connection: Any, dirty: bool = False) -> _Done: ...

        def _release(self, connection: Any, dirty: bool = False) -> _Done: ...

        def _setup(
            self,
            options: ConnectionOptions,
            max_connections: int = ...,
            timeout: float | None = ...,
            max_idle_time: float | None = ...,
            max_lifetime: float | None = ...,
            health_check_interval: float | None = ...,
        ) -> None: ...

        async def _disconnect(self, inuse_connections: bool) -> None: ...

        def _forget_all(self) -> None: ...

    @classmethod
    def from_url(cls, url: str, **kwargs: Any) -> Any:
        """A pool from ``redis://``, ``rediss://`` or ``unix://``; the URL's options win, as in redis-py,
        whose connection class and names it takes: ``unix://`` makes ``UnixDomainSocketConnection``s
        (``path``), ``rediss://`` ``SSLConnection``s, unless ``connection_class`` is given."""
        parsed = parse_url(url)
        if "unix_socket_path" in parsed:
            parsed["path"] = parsed.pop("unix_socket_path")
            kwargs.setdefault("connection_class", UnixDomainSocketConnection)
        elif parsed.get("ssl") is True and "connection_class" not in kwargs:
            del parsed["ssl"]  # the class says it
            kwargs["connection_class"] = SSLConnection
        kwargs.update(parsed)
        return cls(**kwargs)

    def _init_redis_py(
        self, connection_class: Any, max_connections: Any, timeout: float | None, connection_kwargs: dict[str, Any]
    ) -> None:
        """redis-py's constructor: ``max_connections`` None or 0 means 100, as there."""
        max_connections = max_connections or 100
        if isinstance(max_connections, bool) or not isinstance(max_connections, int) or max_connections < 0:
            raise ValueError('"max_connections" must be a positive integer')
        options = options_from_kwargs(connection_class, connection_kwargs)
        interval = connection_kwargs.get("health_check_interval") or None
        self._setup(options, max_connections, timeout, health_check_interval=interval)
        self.connection_class = connection_class
        self._connection_kwargs = connection_kwargs
        # redis-py's connections made without retry, retry_on_error or retry_on_timeout never retry
        # (Retry(NoBackoff(), 0)): a pub/sub on such a pool raises when its socket dies, not reconnects
        self.retries_given = any(
            connection_kwargs.get(name) for name in ("retry", "retry_on_error", "retry_on_timeout")
        )

    def __repr__(self) -> str:
        shown = ",".join(
            f"{key}={'<REDACTED>' if key in _SECRET_KEYS else value}" for key, value in self.connection_kwargs.items()
        )
        cls, conn = type(self), self.connection_class
        return f"<{cls.__module__}.{cls.__name__}(<{conn.__module__}.{conn.__name__}({shown})>)>"

    @property
    def connection_kwargs(self) -> dict[str, Any]:
        """The redis-py connection options this pool connects with (a password included, as in redis-py)."""
        return self._connection_kwargs

    @connection_kwargs.setter
    def connection_kwargs(self, value: dict[str, Any]) -> None:
        self._connection_kwargs = value

    def get_protocol(self) -> int | None:
        """The ``protocol`` the pool's connections are given (None when it was not given)."""
        return self.connection_kwargs.get("protocol")

    def get_encoder(self) -> Encoder:
        """An ``Encoder`` with the pool's encoding, encoding_errors and decode_responses."""
        o = self.options
        return Encoder(o.encoding, o.encoding_errors, o.decode_responses)

    def make_connection(self) -> PooledConnection:
        """A new, unconnected connection with redis-py's ``Connection`` API (not counted by the pool)."""
        cls = self.connection_class
        if builds_itself(cls):
            conn = cls(**self.connection_kwargs)
        elif isinstance(cls, type) and issubclass(cls, PooledConnection):
            conn = cls(self.options)
        else:  # redis-py's own classes name where to connect: the options already say it
            conn = PooledConnection(self.options)
        conn.health_check_interval = self.connection_kwargs.get("health_check_interval") or 0
        return conn

    async def get_connection(self, command_name: Any = None, *keys: Any, **options: Any) -> PooledConnection:
        """A connected connection of the caller's own; give it back with ``await pool.release(conn)``.

        The arguments are redis-py's deprecated ones, accepted and unused. Past
        ``max_connections`` a ``ConnectionPool`` raises ``MaxConnectionsError`` at once,
        a ``BlockingConnectionPool`` waits ``timeout`` seconds first.
        """
        try:
            conn: PooledConnection = await self.acquire(self._make)
        except RedisError as exc:  # redis-py's handlers above the pool catch it too
            raise as_redis_py(exc) from exc.__cause__
        try:
            await self.ensure_connection(conn)
        except BaseException:
            self._release(conn, dirty=True)
            raise
        return conn

    async def ensure_connection(self, connection: PooledConnection) -> None:
        """Connect ``connection`` if needed; one holding data nobody asked for is reconnected (redis-py's check)."""
        await connection.connect()
        if await connection.can_read_destructive():
            await connection.disconnect()
            await connection.connect()
            if await connection.can_read_destructive():
                raise as_redis_py(ConnectionError("Connection not ready"))

    async def execute_via_hooks(self, args: tuple[Any, ...], parse: Any, timeout: float | None) -> Any:
        """One blocking command the way redis-py's client runs every command: ``get_connection()``,
        send, read, ``release()``; for a subclass that overrides one of them (leanredis.pool).

        ``timeout``: seconds for the reply (None: no limit). If the caller gives up (cancelled,
        timed out) or the socket fails, the connection is disconnected before it is released:
        the server may still be blocked on it.
        """
        conn = await self.get_connection()
        clean = False
        try:
            await conn.send_command(*args)
            read = conn.read_response(timeout=math.inf)
            try:
                reply = await (read if timeout is None else asyncio.wait_for(read, timeout))
            except (asyncio.TimeoutError, TimeoutError) as exc:
                if isinstance(exc, RedisError):
                    raise
                raise LeanTimeoutError(
                    f"no reply to {args[0]!r} within {timeout} s on a dedicated connection to {self.options.address}"
                ) from None
            clean = True
        except ResponseError:
            clean = True  # the server answered: nothing is owed on this connection
            raise
        finally:
            if not clean:
                await conn.disconnect(nowait=True)
            result = self.release(conn)
            if inspect.isawaitable(result):
                await result
        if parse is None or parse is raw_reply:
            return reply
        return parse(reply)

    def get_connection_count(self) -> list[tuple[int, dict[str, Any]]]:
        """[(idle connections, attributes), (connections in use, attributes)], as redis-py reports them to
        its metrics (OpenTelemetry names, ``db.client.connection.state`` ``idle`` / ``used``)."""
        base = {"db.system": "redis", "db.client.connection.pool.name": f"{self.options.address}"}
        return [
            (self.idle, {**base, "db.client.connection.state": "idle"}),
            (self.in_use, {**base, "db.client.connection.state": "used"}),
        ]

    def _make(self, options: ConnectionOptions, loop: asyncio.AbstractEventLoop) -> PooledConnection:
        return self.make_connection()

    async def disconnect(self, inuse_connections: bool = True) -> None:
        """Close the pool's sockets (in use ones too, unless ``inuse_connections=False``) and those of the
        clients made on it; everything reconnects when next used."""
        await self._disconnect(inuse_connections)

    def reset(self) -> None:
        """Forget every connection (closing their sockets): the pool starts empty."""
        self._forget_all()


class BlockingPoolDefaults:
    """``BlockingConnectionPool``'s constructor: waits ``timeout`` seconds for a connection (None: for ever)."""

    def __init__(
        self,
        max_connections: int = 50,
        timeout: float | None = 20,
        connection_class: Any = Connection,
        queue_class: Any = None,
        **connection_kwargs: Any,
    ) -> None:
        if "pool_timeout" in connection_kwargs:  # a URL's ?timeout= (parse_url's name for it): the wait
            timeout = connection_kwargs.pop("pool_timeout")
        self._init_redis_py(connection_class, max_connections, timeout, connection_kwargs)  # type: ignore[attr-defined]
