"""Redis: redis.asyncio-compatible commands over one multiplexed connection."""

from __future__ import annotations

import ssl as ssl_module
from collections.abc import Awaitable, Callable
from typing import Any

from .commands import AllCommands
from .commands.base import KeyT
from .connection import Connection, check_timeout
from .exceptions import DataError, ResponseError, warn_deprecated_alias
from .executor import Executor
from .future import CommandFuture
from .lock import Lock
from .memory import rss_bytes
from .options import DEFAULT_MAX_BUFFERED_BYTES, DEFAULT_MAX_INFLIGHT, DEFAULT_MAX_QUEUED, ConnectionOptions
from .pipeline import Pipeline, run_transaction
from .pool import DEFAULT_MAX_CONNECTIONS, DEFAULT_POOL_TIMEOUT, ConnectionPool
from .pubsub import PubSub
from .url import parse_url

_CERT_REQS = {
    "none": ssl_module.CERT_NONE,
    "optional": ssl_module.CERT_OPTIONAL,
    "required": ssl_module.CERT_REQUIRED,
}


def make_ssl_context(
    ssl_keyfile: str | None = None,
    ssl_certfile: str | None = None,
    ssl_cert_reqs: str | ssl_module.VerifyMode = "required",
    ssl_ca_certs: str | None = None,
    ssl_ca_data: str | None = None,
    ssl_check_hostname: bool = True,
    ssl_password: str | None = None,
) -> ssl_module.SSLContext:
    """An SSLContext from redis-py's ``ssl_*`` options."""
    if isinstance(ssl_cert_reqs, str):
        if ssl_cert_reqs.lower() not in _CERT_REQS:
            raise DataError(f"ssl_cert_reqs must be one of none, optional, required, not {ssl_cert_reqs!r}")
        ssl_cert_reqs = _CERT_REQS[ssl_cert_reqs.lower()]
    context = ssl_module.create_default_context(cafile=ssl_ca_certs, cadata=ssl_ca_data)
    context.check_hostname = bool(ssl_check_hostname) and ssl_cert_reqs != ssl_module.CERT_NONE
    context.verify_mode = ssl_cert_reqs
    if ssl_certfile:
        context.load_cert_chain(ssl_certfile, ssl_keyfile, password=ssl_password)
    return context


class Redis(AllCommands):
    """An asyncio Redis/Valkey client; one multiplexed connection, bounded memory.

    ``await r.set("k", "v")``: every command method returns a future, so
    ``gather()`` costs no Task per command, and ``asyncio.create_task()``
    still accepts it. Commands issued in one loop iteration go out in one
    write. See ``ConnectionOptions`` for the bounds and timeouts.
    """

    def __init__(
        self,
        host: str = "localhost",
        port: int = 6379,
        db: int = 0,
        password: str | None = None,
        socket_timeout: float | None = None,
        socket_connect_timeout: float | None = 10.0,
        socket_keepalive: bool = True,
        unix_socket_path: str | None = None,
        encoding: str = "utf-8",
        encoding_errors: str = "strict",
        decode_responses: bool = False,
        ssl: bool | ssl_module.SSLContext = False,
        ssl_keyfile: str | None = None,
        ssl_certfile: str | None = None,
        ssl_cert_reqs: str | ssl_module.VerifyMode = "required",
        ssl_ca_certs: str | None = None,
        ssl_ca_data: str | None = None,
        ssl_check_hostname: bool = True,
        ssl_password: str | None = None,
        client_name: str | None = None,
        username: str | None = None,
        protocol: int | None = 2,
        max_inflight: int = DEFAULT_MAX_INFLIGHT,
        max_buffered_bytes: int = DEFAULT_MAX_BUFFERED_BYTES,
        max_queued: int = DEFAULT_MAX_QUEUED,
        connect_retries: int = 3,
        overload_policy: str = "wait",
        parser: str = "auto",
        trim_idle: bool = True,
        trim_idle_delay: float = 1.0,
        trim_min_growth: int = 8 * 1024 * 1024,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        pool_timeout: float | None = DEFAULT_POOL_TIMEOUT,
        pool_max_idle_time: float | None = 300.0,
        pool_max_lifetime: float | None = None,
        health_check_interval: float = 30.0,
        **ignored: Any,
    ) -> None:
        unknown = set(ignored) - _REDIS_PY_ONLY
        if unknown:
            raise DataError(f"Redis() got unknown option(s): {', '.join(sorted(unknown))}")
        context: ssl_module.SSLContext | None
        if isinstance(ssl, ssl_module.SSLContext):
            context = ssl
        elif ssl:
            context = make_ssl_context(
                ssl_keyfile, ssl_certfile, ssl_cert_reqs, ssl_ca_certs, ssl_ca_data, ssl_check_hostname, ssl_password
            )
        else:
            context = None
        if isinstance(protocol, str) and protocol.isdigit():
            protocol = int(protocol)
        options = ConnectionOptions(
            host=host,
            port=port,
            unix_socket_path=unix_socket_path,
            db=db,
            username=username,
            password=password,
            client_name=client_name,
            protocol=2 if protocol is None else protocol,
            ssl=context,
            socket_timeout=socket_timeout,
            socket_connect_timeout=socket_connect_timeout,
            socket_keepalive=socket_keepalive,
            decode_responses=decode_responses,
            encoding=encoding,
            encoding_errors=encoding_errors,
            max_inflight=max_inflight,
            max_buffered_bytes=max_buffered_bytes,
            max_queued=max_queued,
            connect_retries=connect_retries,
            overload_policy=overload_policy,  # type: ignore[arg-type]
            parser=parser,  # type: ignore[arg-type]
            trim_idle=trim_idle,
            trim_idle_delay=trim_idle_delay,
            trim_min_growth=trim_min_growth,
        )
        self._init(Connection(options), options)
        # the pool of dedicated connections (blocking commands, WATCH): made at its first use
        self._pool_box.config = (
            max_connections,
            pool_timeout,
            pool_max_idle_time,
            pool_max_lifetime,
            health_check_interval,
        )
        ConnectionPool(options, *self._pool_box.config)  # checks the options now, not at the first BLPOP

    def _init(self, connection: Connection, options: ConnectionOptions) -> None:
        self.connection = connection
        self.options = options
        self._send = connection.execute
        self._pool_box = _PoolBox()

    def _get_pool(self) -> ConnectionPool:
        """The pool of dedicated connections, created at its first use."""
        box = self._pool_box
        if box.pool is None:
            box.pool = ConnectionPool(self.options, *box.config)
        return box.pool

    def _executor(self) -> Executor:
        """What a pipeline of this client sends through (see ``leanredis.executor``)."""
        return Executor(self.options, self.connection, self._send, self._get_pool)

    @property
    def connection_pool(self) -> ConnectionPool:
        """The pool of dedicated connections (blocking commands, WATCH); see ``leanredis.pool``."""
        return self._get_pool()

    async def _send_blocking(self, args: tuple[Any, ...], parse: Any, block: float | None) -> Any:
        """A command that waits on the server: on a pool connection, never the shared one.

        Its timeout is the socket timeout extended by ``block`` (None: no limit). If the
        caller gives up (cancelled, timed out, connection lost) the connection is closed:
        the server may still be blocked on it, so it is never reused.
        """
        pool = self._get_pool()
        conn = await pool.acquire()
        base = self.options.socket_timeout
        timeout = None if base is None or block is None else base + block
        clean = False
        try:
            result = await conn.execute_with_timeout(args, parse, timeout)
            clean = True
            return result
        except ResponseError:
            clean = True  # the server answered: nothing is owed on this connection
            raise
        finally:
            pool.release(conn, dirty=not clean)

    def pipeline(self, transaction: bool = True, shard_hint: str | None = None) -> Pipeline:
        """Commands recorded, sent in one write by ``await pipe.execute()``; in MULTI/EXEC if ``transaction``."""
        return Pipeline(self._executor(), transaction, shard_hint)

    async def transaction(
        self,
        func: Callable[[Pipeline], Any | Awaitable[Any]],
        *watches: Any,
        shard_hint: str | None = None,
        value_from_callable: bool = False,
        watch_delay: float | None = None,
    ) -> Any:
        """Run ``func(pipe)`` in MULTI/EXEC while WATCHing ``watches``, again on every WatchError."""
        return await run_transaction(
            self._executor(),
            func,
            *watches,
            shard_hint=shard_hint,
            value_from_callable=value_from_callable,
            watch_delay=watch_delay,
        )

    @classmethod
    def from_url(cls, url: str, **kwargs: Any) -> Redis:
        """A client from ``redis://[[user]:password@]host[:port][/db][?option=value]``,
        ``rediss://`` (TLS) or ``unix:///path?db=N``; keyword arguments win over the URL."""
        options = parse_url(url)
        options.update(kwargs)
        return cls(**options)

    def with_timeout(self, timeout: float | None) -> Redis:
        """A view of this client whose commands use ``timeout`` (seconds, None: none).

        Same connection, no new socket: ``await r.with_timeout(0.05).get(k)``.
        """
        check_timeout(timeout)
        connection = self.connection
        view = object.__new__(type(self))
        view.connection = connection
        view.options = self.options
        view._pool_box = self._pool_box

        def send(args: tuple[Any, ...], parse: Any) -> CommandFuture[Any]:
            return connection.execute_with_timeout(args, parse, timeout)

        view._send = send
        return view

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.connection!r}>"

    async def __aenter__(self) -> Redis:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def initialize(self) -> Redis:
        """Connect now rather than at the first command."""
        await self.connection.connect()
        return self

    async def aclose(self, close_connection_pool: bool | None = None) -> None:
        """Close the connection and the pool's: pending commands fail with ConnectionError; usable again after."""
        await self.connection.aclose()
        pool = self._pool_box.pool
        if pool is not None:
            await pool.aclose()

    async def close(self, close_connection_pool: bool | None = None) -> None:
        """Deprecated alias of ``aclose()``: warns as redis.asyncio's does."""
        warn_deprecated_alias("close")
        await self.aclose(close_connection_pool)

    def pubsub(
        self,
        ignore_subscribe_messages: bool = False,
        max_pending_messages: int = 10_000,
        overflow: str = "pause",
        **kwargs: Any,
    ) -> PubSub:
        """A PubSub on a dedicated connection with these options; see ``leanredis.pubsub``.

        ``max_pending_messages`` bounds its queue; when full, ``overflow="pause"`` stops
        reading the socket, ``"drop_oldest"`` drops (and counts) the oldest message.
        """
        return PubSub(self.options, ignore_subscribe_messages, max_pending_messages, overflow)  # type: ignore[arg-type]

    def lock(
        self,
        name: KeyT,
        timeout: float | None = None,
        sleep: float = 0.1,
        blocking: bool = True,
        blocking_timeout: float | None = None,
        lock_class: type[Lock] | None = None,
        thread_local: bool = True,
        raise_on_release_error: bool = True,
    ) -> Lock:
        """A ``Lock`` on the key ``name`` (redis.asyncio's arguments); see ``leanredis.lock``."""
        if lock_class is None:
            lock_class = Lock
        return lock_class(
            self,
            name,
            timeout=timeout,
            sleep=sleep,
            blocking=blocking,
            blocking_timeout=blocking_timeout,
            thread_local=thread_local,
            raise_on_release_error=raise_on_release_error,
        )

    def stats(self) -> dict[str, Any]:
        """Counters and gauges of the connection (in flight, queued, high-water marks, ...)."""
        c = self.connection
        return {
            "address": c.options.address,
            "connected": c.is_connected,
            "inflight": c.inflight,
            "queued": c.queued,
            "buffered_bytes": c.buffered_bytes,
            "inflight_high": c.stats_inflight_high,
            "queued_high": c.stats_queued_high,
            "connects": c.stats_connects,
            "reconnects": c.stats_reconnects,
            "connect_failures": c.stats_connect_failures,
            "timeouts": c.stats_timeouts,
            "overloads": c.stats_overloads,
            "writes": c.stats_writes,
            "pushes": c.stats_pushes,
            "push_decode_errors": c.stats_push_decode_errors,
            "timed_calls": c.timed_calls,
            "timed_calls_held": c.timed_calls_held,
            "kept_bytes": c.kept_bytes,
            "raw_replies_pending": c.raw_replies_pending,
            "protocol_errors": c.stats_protocol_errors,
            "max_inflight": c.options.max_inflight,
            "max_buffered_bytes": c.options.max_buffered_bytes,
            "rss_bytes": rss_bytes(),
            "trims": c.stats_trims,
            "trimmed_bytes": c.stats_trimmed_bytes,
        }


# redis.asyncio options accepted and ignored: they steer its pool and retry
# machinery, which this client replaces (one multiplexed connection).
_REDIS_PY_ONLY = frozenset(
    {
        "retry_on_timeout",
        "retry",
        "retry_on_error",
        "single_connection_client",
        "lib_name",
        "lib_version",
        "driver_info",
        "auto_close_connection_pool",
        "legacy_responses",
        "connection_pool",
        "event_dispatcher",
    }
)


class _PoolBox:
    """The lazily made pool, shared by a client and its ``with_timeout`` views."""

    __slots__ = ("pool", "config")

    def __init__(self) -> None:
        self.pool: ConnectionPool | None = None
        self.config: tuple[Any, ...] = ()


StrictRedis = Redis
