"""Connection options: one frozen object per server address, secrets hidden."""

from __future__ import annotations

import dataclasses
import socket
import ssl as ssl_module
from collections.abc import Callable
from typing import Any, Literal

from ._version import __version__
from .budget import DEFAULT_MAX_MEMORY_BYTES, MemoryBudget
from .exceptions import ConnectionError, DataError, TimeoutError

OverloadPolicy = Literal["wait", "fail"]

DEFAULT_MAX_INFLIGHT = 10_000
DEFAULT_MAX_BUFFERED_BYTES = 32 * 1024 * 1024
DEFAULT_MAX_QUEUED = 1_000_000
DEFAULT_MAX_REPLY_BYTES = 512 * 1024 * 1024  # the server's own proto-max-bulk-len
DEFAULT_SOCKET_TIMEOUT = 5.0  # redis-py 8.1's, for commands and for connecting


def _default_keepalive_options() -> tuple[tuple[int, int], ...]:
    """redis-py's TCP keepalive tuning: idle 30 s, probes every 5 s, 3 probes (where the OS has them)."""
    options = []
    idle = getattr(socket, "TCP_KEEPIDLE", None) or getattr(socket, "TCP_KEEPALIVE", None)
    interval = getattr(socket, "TCP_KEEPINTVL", None)
    count = getattr(socket, "TCP_KEEPCNT", None)
    for name, value in ((idle, 30), (interval, 5), (count, 3)):
        if name is not None:
            options.append((name, value))
    return tuple(options)


DEFAULT_KEEPALIVE_OPTIONS = _default_keepalive_options()


@dataclasses.dataclass(frozen=True)
class ConnectionOptions:
    """Everything a connection needs to reach, greet and bound one server.

    ``socket_timeout`` is the per-command timeout (from the call to its
    reply: time queued behind the bounds counts), ``socket_connect_timeout``
    covers TCP/TLS set-up and the handshake; both 5 s by default, as in
    redis-py 8.1. ``protocol``: 3 (HELLO 3) by default; with
    ``resp2_fallback`` a server that has no HELLO is greeted in RESP2
    instead of failing the connect. ``max_inflight`` and ``max_buffered_bytes`` bound what is
    sent and not yet answered; past them ``overload_policy`` ``"wait"``
    queues callers (at most ``max_queued``), ``"fail"`` raises
    ``OverloadError`` at once.

    ``max_memory_bytes`` bounds everything the client holds for its callers, together (see
    ``leanredis.budget``): encoded and kept commands, queued callers' arguments, a reply from its
    header on, pub/sub queues, the cache and a fixed cost per socket. Past it the overload policy
    applies to a command whose encoded bytes do not fit in what is left (``"wait"``: it waits, in
    order, until memory is given back; ``"fail"``: ``OverloadError``; larger than the whole budget:
    ``DataError`` under either), and a reply announced past what is left fails at its header with
    ``ReplyTooLargeError``. The finer bounds below live inside it.

    ``max_reply_bytes`` bounds one reply, whole: once the bytes read of it
    pass the bound (counted per read, so it may pass by up to two reads), at
    the header of a bulk string announcing more, or at the header of an
    aggregate of more than ``max_reply_bytes // 3`` elements (refused before
    its list is allocated), the commands in flight fail with
    ``ReplyTooLargeError`` and the client drops the socket; the next command
    goes to a new one. ``late_reply_timeout``: a command given up by its
    caller (timed out or cancelled) still has its reply read so that the
    replies behind it match; if that reply has not arrived this many seconds
    after the give-up (at most twice this after it became the oldest owed,
    for one given up behind another), the socket is dropped
    (``ConnectionError`` naming why) and a new one made, with or without
    ``socket_timeout``, rather than every later command waiting behind it.

    ``connect_retries``: when a connect fails with a connection error or a
    timeout, commands waiting for the socket (never written) wait through this
    many further attempts, backed off, before they fail (redis-py's default
    ``Retry`` makes 3). A command that was written is never sent again here.

    ``connect_backoff(failures)``: seconds to wait before the next connect
    attempt after ``failures`` in a row (a ``Retry``'s ``backoff.compute``);
    None: ``reconnect_backoff_base`` x 2^(failures-1) capped at
    ``reconnect_backoff_cap``, with jitter. ``connect_retry_on``: the error
    types a failed connect is retried on (an error's ``__cause__`` counts).

    ``command_retries``: how many times one command is sent again (0: never;
    set by ``Redis(retry=Retry(...))``). A written command is sent again only
    after an error reply saying it did not run (LOADING, BUSY, TRYAGAIN,
    MASTERDOWN) or, for a read-only command, after its reply was lost with the
    socket; a write whose reply was lost never is (``leanredis.command_retry``).
    The connection then keeps each command's bytes until its reply, counted in
    ``max_buffered_bytes``.

    ``socket_keepalive_options``: (option, value) pairs set with
    ``setsockopt(IPPROTO_TCP, ...)`` on a TCP socket when ``socket_keepalive``.
    ``credential_provider``: asked for ``(password,)`` or ``(username,
    password)`` at every connect, in place of ``username``/``password``.
    ``lib_name``/``lib_version``: sent with CLIENT SETINFO at every connect
    (None: not sent; a server without SETINFO is not an error).

    ``trim_idle``: on glibc, once the connection has been idle for
    ``trim_idle_delay`` seconds after a burst that grew RSS by at least
    ``trim_min_growth`` bytes, call ``malloc_trim(0)`` to give the freed
    heap back to the OS (glibc keeps it at the peak otherwise). Off with
    ``trim_idle=False``; nothing to do under jemalloc or tcmalloc.
    """

    host: str = "127.0.0.1"
    port: int = 6379
    unix_socket_path: str | None = None
    db: int = 0
    username: str | None = None
    password: str | None = dataclasses.field(default=None, repr=False)
    client_name: str | None = None
    protocol: int = 3
    # a server that has no HELLO (Redis before 6) is spoken to in RESP2 rather than refused (Redis() sets it
    # when no protocol was asked for)
    resp2_fallback: bool = False
    # protocol=3 was given, not defaulted: replies in redis-py 8.1's RESP3 shapes (commands.resp3_shapes), as
    # redis.asyncio.Redis(protocol=3) returns them; the connection itself never reads it
    resp3_shapes: bool = False
    ssl: ssl_module.SSLContext | None = dataclasses.field(default=None, repr=False)
    ssl_server_hostname: str | None = None
    socket_timeout: float | None = DEFAULT_SOCKET_TIMEOUT
    socket_connect_timeout: float | None = DEFAULT_SOCKET_TIMEOUT
    socket_keepalive: bool = True
    decode_responses: bool = False
    encoding: str = "utf-8"
    encoding_errors: str = "strict"
    max_inflight: int = DEFAULT_MAX_INFLIGHT
    max_reply_bytes: int = DEFAULT_MAX_REPLY_BYTES
    late_reply_timeout: float = 5.0
    max_buffered_bytes: int = DEFAULT_MAX_BUFFERED_BYTES
    max_queued: int = DEFAULT_MAX_QUEUED
    overload_policy: OverloadPolicy = "wait"
    reconnect_backoff_base: float = 0.05
    reconnect_backoff_cap: float = 2.0
    connect_retries: int = 3
    # sent by the handshake on every new socket (client-side caching): CLIENT TRACKING ON ...
    tracking: tuple[bytes, ...] | None = None
    # sent by the handshake on every new socket (a cluster client reading from replicas): READONLY
    read_only: bool = False
    connect_backoff: Callable[[int], float] | None = dataclasses.field(default=None, repr=False)
    connect_retry_on: tuple[type[BaseException], ...] = (ConnectionError, TimeoutError)
    command_retries: int = 0
    socket_keepalive_options: tuple[tuple[int, int | bytes], ...] = DEFAULT_KEEPALIVE_OPTIONS
    credential_provider: Any = dataclasses.field(default=None, repr=False)
    lib_name: str | None = "leanredis"
    lib_version: str | None = __version__
    parser: Literal["auto", "hiredis", "python"] = "auto"
    trim_idle: bool = True
    trim_idle_delay: float = 1.0
    trim_min_growth: int = 8 * 1024 * 1024
    max_memory_bytes: int = DEFAULT_MAX_MEMORY_BYTES
    # the one budget of every connection, pool, pub/sub and cache made with these options (or replaced
    # from them: a cluster's nodes); made here when not given
    budget: MemoryBudget | None = dataclasses.field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        _check_int("max_memory_bytes", self.max_memory_bytes, 64 * 1024, 2**62)
        if self.budget is None or self.budget.max_bytes != self.max_memory_bytes:
            object.__setattr__(self, "budget", MemoryBudget(self.max_memory_bytes))
        # settings read from the environment come as strings, which redis-py takes (int(port); SELECT sends the
        # db as given): the same digits mean the same number here
        for name in ("port", "db"):
            value = getattr(self, name)
            if isinstance(value, str) and value.strip().isdecimal():
                object.__setattr__(self, name, int(value))
        _check_int("port", self.port, 0, 65535)
        _check_int("db", self.db, 0, 2**31 - 1)
        _check_int("max_inflight", self.max_inflight, 1, 2**31)
        _check_int("max_buffered_bytes", self.max_buffered_bytes, 1, 2**62)
        _check_int("max_reply_bytes", self.max_reply_bytes, 1024, 2**62)
        _check_int("max_queued", self.max_queued, 0, 2**62)
        _check_int("connect_retries", self.connect_retries, 0, 2**31)
        _check_int("command_retries", self.command_retries, 0, 2**31)
        if self.protocol not in (2, 3):
            raise DataError(f"protocol must be 2 or 3, not {self.protocol!r}")
        if self.overload_policy not in ("wait", "fail"):
            raise DataError(f"overload_policy must be 'wait' or 'fail', not {self.overload_policy!r}")
        if self.parser not in ("auto", "hiredis", "python"):
            raise DataError(f"parser must be 'auto', 'hiredis' or 'python', not {self.parser!r}")
        _check_int("trim_min_growth", self.trim_min_growth, 0, 2**62)
        if not isinstance(self.trim_idle, bool):
            raise DataError(f"trim_idle must be True or False, not {self.trim_idle!r}")
        for name in ("socket_timeout", "socket_connect_timeout", "trim_idle_delay", "late_reply_timeout"):
            value = getattr(self, name)
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0
            ):
                raise DataError(f"{name} must be a positive number of seconds or None, not {value!r}")
        for name in ("username", "password", "client_name", "host"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, str):
                raise DataError(f"{name} must be a str, not {type(value).__name__}")
        for name in ("lib_name", "lib_version"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, str):
                raise DataError(f"{name} must be a str or None, not {type(value).__name__}")
        if self.connect_backoff is not None and not callable(self.connect_backoff):
            raise DataError("connect_backoff must be a callable taking the number of failures, or None")
        if not all(isinstance(t, type) and issubclass(t, BaseException) for t in self.connect_retry_on):
            raise DataError(f"connect_retry_on must be a tuple of exception types, not {self.connect_retry_on!r}")
        for pair in self.socket_keepalive_options:
            if (
                not isinstance(pair, tuple)
                or len(pair) != 2
                or not isinstance(pair[0], int)
                or not isinstance(pair[1], (int, bytes))
            ):
                raise DataError(
                    "socket_keepalive_options must map socket option numbers (socket.TCP_KEEPIDLE, ...) "
                    f"to int or bytes values, not {pair!r}"
                )
        provider = self.credential_provider
        if provider is not None:
            if not (callable(getattr(provider, "get_credentials_async", None)) or callable(
                getattr(provider, "get_credentials", None)
            )):
                raise DataError(
                    "credential_provider must have get_credentials() or get_credentials_async() "
                    f"(redis-py's CredentialProvider), not {type(provider).__name__}"
                )
            if self.username is not None or self.password is not None:
                raise DataError("pass either username/password or credential_provider, not both")
        if self.ssl is not None and not isinstance(self.ssl, ssl_module.SSLContext):
            raise DataError("ssl must be an ssl.SSLContext (or pass ssl=True to the client)")

    @property
    def memory_budget(self) -> MemoryBudget:
        """The budget (made by ``__post_init__``: never None once built)."""
        assert self.budget is not None
        return self.budget

    @property
    def address(self) -> str:
        """Where the server is, for messages: host:port or the socket path (never credentials), as redis-py
        says it ("Error 2 connecting to /tmp/redis.sock.")."""
        if self.unix_socket_path is not None:
            return self.unix_socket_path
        if ":" in self.host:
            return f"[{self.host}]:{self.port}"
        return f"{self.host}:{self.port}"


def _check_int(name: str, value: object, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise DataError(f"{name} must be an int from {low} to {high}, not {value!r}")
