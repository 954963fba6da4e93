"""Redis: redis.asyncio-compatible commands over one multiplexed connection."""

from __future__ import annotations

import dataclasses
import ssl as ssl_module
from collections.abc import Awaitable, Callable, Generator, Mapping
from typing import TYPE_CHECKING, Any, Literal, overload

from .budget import DEFAULT_MAX_MEMORY_BYTES
from .cache import CacheConfig, ClientCache
from .client_features import ClientFeatures
from .client_pools import ClientPools, _PoolBox
from .command_retry import shared_connection
from .commands import AllCommands
from .config import (
    UNSET,
    built_quietly,
    library_info,
    make_ssl_context,
    quiet_deprecations,
    refuse_unsupported,
    warn_deprecated_argument,
    warn_deprecated_library_args,
)
from .connection import Connection, check_timeout
from .exceptions import DataError, ResponseError, warn_deprecated_alias, warn_deprecated_auto_close
from .future import CommandFuture
from .memory import MemoryWatchdog
from .options import (
    DEFAULT_KEEPALIVE_OPTIONS,
    DEFAULT_MAX_BUFFERED_BYTES,
    DEFAULT_MAX_INFLIGHT,
    DEFAULT_MAX_QUEUED,
    DEFAULT_MAX_REPLY_BYTES,
    DEFAULT_SOCKET_TIMEOUT,
    ConnectionOptions,
)
from .pipeline import Pipeline, run_transaction
from .pool import DEFAULT_MAX_CONNECTIONS, DEFAULT_POOL_TIMEOUT, ConnectionPool
from .registry import FROM_ABOVE
from .retry import retry_settings
from .typed import RedisOptions, StrT
from .url import parse_url

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = ["Redis", "StrictRedis", "make_ssl_context"]


class Redis(ClientPools, ClientFeatures[StrT], AllCommands[StrT]):
    """An asyncio Redis/Valkey client; one multiplexed connection, bounded memory.

    ``await r.set("k", "v")``: every command method returns a future, so
    ``gather()`` costs no Task per command, and ``asyncio.create_task()``
    still accepts it. Commands issued in one loop iteration go out in one
    write. See ``ConnectionOptions`` for the bounds and timeouts.
    """

    # The type parameter from the decode_responses literal: Redis[bytes] by default, Redis[str] when
    # decoding, Redis[bytes | str] for a flag only known at run time.
    @overload
    def __init__(
        self: Redis[bytes],
        host: str = ...,
        port: int = ...,
        db: int = ...,
        password: str | None = ...,
        socket_timeout: float | None = ...,
        socket_connect_timeout: float | None = ...,
        socket_keepalive: bool = ...,
        unix_socket_path: str | None = ...,
        encoding: str = ...,
        encoding_errors: str = ...,
        decode_responses: Literal[False] = ...,
        **options: Unpack[RedisOptions],
    ) -> None: ...
    @overload
    def __init__(
        self: Redis[str],
        host: str = ...,
        port: int = ...,
        db: int = ...,
        password: str | None = ...,
        socket_timeout: float | None = ...,
        socket_connect_timeout: float | None = ...,
        socket_keepalive: bool = ...,
        unix_socket_path: str | None = ...,
        encoding: str = ...,
        encoding_errors: str = ...,
        *,
        decode_responses: Literal[True],
        **options: Unpack[RedisOptions],
    ) -> None: ...
    @overload
    def __init__(
        self: Redis[bytes | str],
        host: str = ...,
        port: int = ...,
        db: int = ...,
        password: str | None = ...,
        socket_timeout: float | None = ...,
        socket_connect_timeout: float | None = ...,
        socket_keepalive: bool = ...,
        unix_socket_path: str | None = ...,
        encoding: str = ...,
        encoding_errors: str = ...,
        *,
        decode_responses: bool,
        **options: Unpack[RedisOptions],
    ) -> None: ...
    def __init__(
        self,
        host: str = "localhost",
        port: int = 6379,
        db: int = 0,
        password: str | None = None,
        socket_timeout: float | None = DEFAULT_SOCKET_TIMEOUT,
        socket_connect_timeout: float | None = DEFAULT_SOCKET_TIMEOUT,
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
        protocol: int | None = None,
        max_inflight: int = DEFAULT_MAX_INFLIGHT,
        max_buffered_bytes: int = DEFAULT_MAX_BUFFERED_BYTES,
        max_queued: int = DEFAULT_MAX_QUEUED,
        connect_retries: int | None = None,
        max_reply_bytes: int = DEFAULT_MAX_REPLY_BYTES,
        late_reply_timeout: float = 5.0,
        overload_policy: str = "wait",
        parser: str = "auto",
        trim_idle: bool = True,
        trim_idle_delay: float = 1.0,
        trim_min_growth: int = 8 * 1024 * 1024,
        max_connections: int | None = None,
        pool_timeout: float | None = UNSET,
        pool_max_idle_time: float | None = 300.0,
        pool_max_lifetime: float | None = None,
        health_check_interval: float | None = 30.0,
        *,
        cache_config: CacheConfig | None = None,
        max_memory_bytes: int = DEFAULT_MAX_MEMORY_BYTES,
        memory_warning_bytes: int | None = None,
        memory_warning_share: float | None = None,
        memory_warning_callback: Callable[[dict[str, Any]], Any] | None = None,
        socket_read_size: int = 65536,
        socket_keepalive_options: Mapping[int, int | bytes] | None = UNSET,
        connection_pool: Any = None,
        retry_on_timeout: bool = UNSET,
        retry: Any = UNSET,
        retry_on_error: list[type[BaseException]] | None = None,
        ssl_include_verify_flags: list[ssl_module.VerifyFlags] | None = None,
        ssl_exclude_verify_flags: list[ssl_module.VerifyFlags] | None = None,
        ssl_ca_path: str | None = None,
        ssl_min_version: ssl_module.TLSVersion | None = None,
        ssl_ciphers: str | None = None,
        single_connection_client: bool = False,
        lib_name: str | None = UNSET,
        lib_version: str | None = UNSET,
        driver_info: Any = UNSET,
        auto_close_connection_pool: bool | None = None,
        redis_connect_func: Any = None,
        credential_provider: Any = None,
        legacy_responses: bool = True,
        event_dispatcher: Any = None,
        maint_notifications_config: Any = None,
        **unknown: Any,
    ) -> None:
        """Every option of ``redis.asyncio.Redis`` means what it means there, or raises DataError saying why.

        Where the meaning differs (see ``leanredis.config`` and ``leanredis.retry``):
        ``retry``/``retry_on_timeout``/``retry_on_error`` retry failed connects for
        commands not yet written; a ``retry`` given sends a written command again only
        after a reply saying it did not run (LOADING, BUSY, TRYAGAIN, MASTERDOWN) or, if
        it is read-only, after its reply was lost (``leanredis.command_retry``); ``connection_pool``
        (redis-py's or ours) gives where and how to connect, and ``max_connections``
        bounds the connections of blocking commands, WATCH and pub/sub only;
        ``socket_read_size`` is checked and has no effect (the event loop's transport
        sizes its reads); ``health_check_interval=0`` turns the pool's PING check off.
        """
        if unknown:
            raise DataError(f"Redis() got unknown option(s): {', '.join(sorted(unknown))}")
        if auto_close_connection_pool is not None:
            warn_deprecated_auto_close()
        if retry_on_timeout is UNSET:
            retry_on_timeout = False
        elif not quiet_deprecations.get():
            warn_deprecated_argument("retry_on_timeout", "TimeoutError is included by default.", "6.0.0")
        refuse_unsupported(event_dispatcher, redis_connect_func, maint_notifications_config, legacy_responses)
        if connection_pool is not None:
            self._init_from_pool(connection_pool, single_connection_client)
            return
        if isinstance(socket_read_size, bool) or not isinstance(socket_read_size, int) or socket_read_size < 1:
            raise DataError(f"socket_read_size must be a positive int, not {socket_read_size!r}")
        context: ssl_module.SSLContext | None
        if isinstance(ssl, ssl_module.SSLContext):
            context = ssl
        elif ssl:
            context = make_ssl_context(
                ssl_keyfile,
                ssl_certfile,
                ssl_cert_reqs,
                ssl_ca_certs,
                ssl_ca_data,
                ssl_check_hostname,
                ssl_password,
                ssl_ca_path=ssl_ca_path,
                ssl_min_version=ssl_min_version,
                ssl_ciphers=ssl_ciphers,
                ssl_include_verify_flags=ssl_include_verify_flags,
                ssl_exclude_verify_flags=ssl_exclude_verify_flags,
            )
        else:
            context = None
        if isinstance(protocol, str) and protocol.isdigit():
            protocol = int(protocol)
        command_retries = 0
        if retry is UNSET:
            # the default retry (3 connects, our jittered backoff), widened by retry_on_timeout/_error
            _, _, retry_on = retry_settings(None, retry_on_timeout, retry_on_error)
            retries = 3 if connect_retries is None else connect_retries
            backoff = None
        elif connect_retries is not None:
            raise DataError("pass retry or connect_retries, not both: a Retry's retries are the connect retries")
        else:
            retries, backoff, retry_on = retry_settings(retry, retry_on_timeout, retry_on_error)
            if retry is not None:
                command_retries = retries  # each command too, by leanredis.command_retry's rules
        keepalive_options: tuple[tuple[int, int | bytes], ...]
        if socket_keepalive_options is UNSET:
            keepalive_options = DEFAULT_KEEPALIVE_OPTIONS
        else:
            keepalive_options = tuple((socket_keepalive_options or {}).items())
        warn_deprecated_library_args(lib_name, lib_version)
        lib_name, lib_version = library_info(lib_name, lib_version, driver_info)
        options = ConnectionOptions(
            host=host,
            port=port,
            unix_socket_path=unix_socket_path,
            db=db,
            username=username,
            password=password,
            client_name=client_name,
            protocol=3 if protocol is None else protocol,
            resp2_fallback=protocol is None and cache_config is None,
            resp3_shapes=protocol == 3,
            ssl=context,
            socket_timeout=socket_timeout,
            socket_connect_timeout=socket_connect_timeout,
            socket_keepalive=socket_keepalive,
            socket_keepalive_options=keepalive_options,
            decode_responses=decode_responses,
            encoding=encoding,
            encoding_errors=encoding_errors,
            max_inflight=max_inflight,
            max_buffered_bytes=max_buffered_bytes,
            max_queued=max_queued,
            connect_retries=retries,
            connect_backoff=backoff,
            connect_retry_on=retry_on,
            command_retries=command_retries,
            credential_provider=credential_provider,
            lib_name=lib_name,
            lib_version=lib_version,
            max_reply_bytes=max_reply_bytes,
            late_reply_timeout=late_reply_timeout,
            overload_policy=overload_policy,  # type: ignore[arg-type]
            parser=parser,  # type: ignore[arg-type]
            trim_idle=trim_idle,
            trim_idle_delay=trim_idle_delay,
            trim_min_growth=trim_min_growth,
            max_memory_bytes=max_memory_bytes,
        )
        if cache_config is not None:
            if not isinstance(cache_config, CacheConfig):
                raise DataError("cache_config must be a leanredis.CacheConfig")
            if options.protocol != 3:
                raise DataError(
                    "cache_config needs protocol=3 (the default): invalidations arrive as RESP3 pushes on the "
                    "client's own connection"
                )
            # tracking on the shared connection only: not on pub/sub or the pool's dedicated connections
            tracked = dataclasses.replace(options, tracking=cache_config.tracking_command())
            self._init(shared_connection(tracked), options)
            self._enable_cache(cache_config)
        else:
            self._init(shared_connection(options), options)
        if memory_warning_share is not None and (
            isinstance(memory_warning_share, bool)
            or not isinstance(memory_warning_share, (int, float))
            or not 0 < memory_warning_share <= 1
        ):
            raise DataError(
                f"memory_warning_share must be a share of max_memory_bytes in (0, 1], not {memory_warning_share!r}"
            )
        if memory_warning_bytes is not None or memory_warning_share is not None:
            threshold = memory_warning_bytes
            if threshold is not None and (
                isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 1
            ):
                raise DataError(f"memory_warning_bytes must be a positive int (bytes of RSS), not {threshold!r}")
            self.connection.watchdog = MemoryWatchdog(
                memory_warning_bytes, self.stats, memory_warning_callback,
                budget=self.connection.budget, share=memory_warning_share,
            )
        elif memory_warning_callback is not None:
            raise DataError(
                "memory_warning_callback needs memory_warning_bytes (the RSS that triggers it) or memory_warning_share"
            )
        self.single_connection_client = bool(single_connection_client)
        self.auto_close_connection_pool = auto_close_connection_pool is not False
        # the pool of dedicated connections (blocking commands, WATCH): made at its first use
        if pool_timeout is UNSET:
            # max_connections given: full means MaxConnectionsError at once, as redis.asyncio's ConnectionPool
            # (which Redis(max_connections=N) makes there) raises; else our default bound waits for a connection
            pool_timeout = DEFAULT_POOL_TIMEOUT if max_connections is None else 0.0
        self._pool_box.config = (
            DEFAULT_MAX_CONNECTIONS if max_connections is None else max_connections,
            pool_timeout,
            pool_max_idle_time,
            pool_max_lifetime,
            None if health_check_interval == 0 else health_check_interval,  # 0: off, as in redis-py
        )
        # Not given: DEFAULT_MAX_CONNECTIONS (50) bounds blocking commands and WATCH, and PubSubs are not counted
        # (redis.asyncio's default pool holds 100 connections, PubSubs among them): an application with a PubSub
        # per subscriber is not stopped at 50 where it ran on redis.asyncio. Given, PubSubs count too, as there
        self._pool_box.counts_pubsub = max_connections is not None
        ConnectionPool(options, *self._pool_box.config)  # checks the options now, not at the first BLPOP

    @classmethod
    def from_pool(cls, connection_pool: Any) -> Redis:
        """A client on ``connection_pool`` that owns it: ``aclose()`` closes the pool too (redis-py 5+)."""
        client = cls(connection_pool=connection_pool)
        client._pool_box.owned = True
        client.auto_close_connection_pool = True
        return client

    def _init(self, connection: Connection, options: ConnectionOptions) -> None:
        self.connection = connection
        self.options = options
        self._send = connection.execute
        self._pool_box = _PoolBox()
        self._cache: ClientCache | None = None
        if options.resp3_shapes:
            self._shape_resp3()

    @property
    def connection_pool(self) -> ConnectionPool:
        """The pool of dedicated connections (blocking commands, WATCH); see ``leanredis.pool``."""
        if self._unread_pool is not None:
            return self._pool_box.pool  # type: ignore[return-value]  # what was given, as given
        return self._get_pool()

    async def _send_blocking(self, args: tuple[Any, ...], parse: Any, block: float | None) -> Any:
        """A command that waits on the server: on a pool connection, never the shared one.

        Its timeout is the socket timeout extended by ``block`` (None: no limit). If the
        caller gives up (cancelled, timed out, connection lost) the connection is closed:
        the server may still be blocked on it, so it is never reused.
        """
        base = self.options.socket_timeout
        timeout = None if base is None or block is None else base + block
        if self.single_connection_client:
            return await self._send_blocking_shared(args, parse, timeout)
        return await self._get_pool().execute(args, parse, timeout)

    async def _send_blocking_shared(self, args: tuple[Any, ...], parse: Any, timeout: float | None) -> Any:
        """``single_connection_client``: the blocking command goes on the one connection, as in redis-py.

        Commands sent meanwhile wait behind it on the server. If the caller gives up
        the socket is dropped (the server may still be blocked on it): commands
        pending on it fail with ConnectionError, the next ones reconnect.
        """
        connection = self.connection
        clean = False
        try:
            result = await connection.execute_with_timeout(args, parse, timeout)
            clean = True
            return result
        except ResponseError:
            clean = True
            raise
        finally:
            if not clean:
                connection.drop()

    def pipeline(self, transaction: bool = True, shard_hint: str | None = None) -> Pipeline[StrT]:
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
            Pipeline(self._executor(), True, shard_hint),
            func,
            *watches,
            value_from_callable=value_from_callable,
            watch_delay=watch_delay,
        )

    @overload
    @classmethod
    def from_url(cls, url: str, *, decode_responses: Literal[False] = ..., **kwargs: Any) -> Redis[bytes]: ...
    @overload
    @classmethod
    def from_url(cls, url: str, *, decode_responses: Literal[True], **kwargs: Any) -> Redis[str]: ...
    @overload
    @classmethod
    def from_url(cls, url: str, *, decode_responses: bool, **kwargs: Any) -> Redis[bytes | str]: ...
    @classmethod
    def from_url(cls, url: str, **kwargs: Any) -> Redis[Any]:
        """A client from ``redis://[[user]:password@]host[:port][/db][?option=value]``,
        ``rediss://`` (TLS) or ``unix:///path?db=N``; keyword arguments win over the URL."""
        options = parse_url(url)
        options.update(kwargs)
        return built_quietly(lambda: cls(**options))  # redis-py hands them to its pool: not deprecated there

    def client(self) -> Redis[StrT]:
        """A client with the same options on a connection of its own, ``single_connection_client=True``.

        As redis-py's ``client()``: connection state set on it (SELECT, CLIENT SETNAME,
        CLIENT TRACKING) stays off this client's connection; blocking commands go on its
        one connection too. It shares this client's pool of dedicated connections (used
        by its pipelines and WATCH) and does not close that pool.
        """
        other = object.__new__(type(self))
        other._init(shared_connection(self.options), self.options)
        other._pool_box = self._pool_box_view()
        other.single_connection_client = True
        other.auto_close_connection_pool = False
        return other

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
        view.single_connection_client = self.single_connection_client
        view.auto_close_connection_pool = self.auto_close_connection_pool

        def send(args: tuple[Any, ...], parse: Any) -> CommandFuture[Any]:
            return connection.execute_with_timeout(args, parse, timeout)

        view._send = send
        if self.options.resp3_shapes:
            view._shape_resp3()
        return view

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.connection!r}>"

    async def __aenter__(self) -> Redis:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def initialize(self) -> Redis:
        """The client, ready: with ``single_connection_client`` connected now, as redis.asyncio's.

        Otherwise it connects at the first command, as redis.asyncio's does: an application may
        initialize before the server is up (cashews' client-side cache starts its listener after it
        and retries), so a refused connection is the first command's error, not this one's.
        """
        if self.single_connection_client:
            await self.connection.connect()
        return self

    def __await__(self) -> Generator[Any, None, Redis]:
        """``client = await Redis(...)``: ``initialize()``, as in redis.asyncio."""
        return self.initialize().__await__()

    async def aclose(self, close_connection_pool: bool | None = None) -> None:
        """Close the connection and the pool's: pending commands fail with ConnectionError; usable again after.

        The pool of dedicated connections is closed when this client owns it (made it,
        or ``from_pool``) and ``auto_close_connection_pool`` holds, or when
        ``close_connection_pool`` says so, as in redis-py.
        """
        await self.connection.aclose()
        box = self._pool_box
        if close_connection_pool is None:
            close_connection_pool = box.owned and self.auto_close_connection_pool
        if box.pool is not None and close_connection_pool:
            await box.pool.aclose()

    async def close(self, close_connection_pool: bool | None = None) -> None:
        """Deprecated alias of ``aclose()``: warns as redis.asyncio's does."""
        warn_deprecated_alias("close")
        await self.aclose(close_connection_pool)


StrictRedis = Redis
FROM_ABOVE["Redis"] = Redis  # for the pool (pool_api.options_from_kwargs), a layer below
