"""A pool of dedicated connections, for the commands that must own one.

The client's commands share one multiplexed connection. A few cannot: a
blocking pop (it would stall every other caller behind it), WATCH ... EXEC
(the watch belongs to one socket) and pipelines that contain those. They
take a ``Connection`` of their own from this pool and give it back when
done. A PubSub's socket holds a place in it too (``leanredis.pool_places``):

- at most ``max_connections`` connections exist; past that a caller waits,
  first come first served, for at most ``timeout`` seconds and then gets
  ``MaxConnectionsError`` (a ``ConnectionError``, redis-py's name) saying
  how many are in use;
- an idle connection is closed after ``max_idle_time`` seconds, any
  connection after ``max_lifetime`` seconds (checked when it comes back and
  when it is taken, and by one timer while some sit idle);
- a connection idle longer than ``health_check_interval`` answers a PING
  before it is handed out; if it does not, it is closed and another is used;
- a connection given back ``dirty`` (inside MULTI, WATCHing, a blocking
  command cancelled or timed out, a reply still owed) is closed, never
  reused; ``stats()`` counts them.

Nothing here runs until the first ``acquire``: a client that never needs a
dedicated connection has no socket, task or timer for it.

The same pool speaks redis-py's API (``leanredis.pool_api``): ``get_connection()``
hands out ``PooledConnection``s (redis-py's ``Connection`` API, request/reply on a
socket of their own) under the same bound, and ``disconnect()`` also closes the
multiplexed connections of the clients made on it and the sockets of their PubSubs
(redis-py's PubSub holds a connection of the pool): all reconnect when next used.
"""

from __future__ import annotations

import asyncio
import dataclasses
import weakref
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from . import connection_classes
from .connection import Connection
from .exceptions import DataError, MaxConnectionsError, RedisError, ResponseError
from .future import wake_first
from .options import ConnectionOptions
from .pool_api import DONE, BlockingPoolDefaults, RedisPyPoolAPI, _Done, kwargs_from_options
from .pool_places import HeldPlaces

DEFAULT_MAX_CONNECTIONS = 50
DEFAULT_POOL_TIMEOUT = 20.0


class _Slot:
    """What the pool knows of one connection: when it was made and last given back."""

    __slots__ = ("created", "returned")

    def __init__(self, now: float) -> None:
        self.created = now
        self.returned = now


class ConnectionPool(HeldPlaces, RedisPyPoolAPI):
    """Dedicated connections to one server: bounded, aged, health-checked, never reused dirty.

    ``ConnectionPool(connection_class=Connection, max_connections=None, **connection_kwargs)``
    as in redis-py (past ``max_connections``, ``MaxConnectionsError`` at once), or leanredis's own
    ``ConnectionPool(options, max_connections, timeout, ...)`` (waits ``timeout`` seconds).
    """

    def __init__(self, connection_class: Any = connection_classes.Connection, max_connections: Any = None,
                 *args: Any, **kwargs: Any) -> None:
        if isinstance(connection_class, ConnectionOptions):
            limit = DEFAULT_MAX_CONNECTIONS if max_connections is None else max_connections
            self._setup(connection_class, limit, *args, **kwargs)
            # redis-py's class for what the options say (its name shows in the pool's repr, as there)
            options = connection_class
            self.connection_class = (
                connection_classes.UnixDomainSocketConnection if options.unix_socket_path is not None
                else connection_classes.SSLConnection if options.ssl is not None
                else connection_classes.Connection
            )
            self._connection_kwargs = kwargs_from_options(options)
            self._connection_kwargs["health_check_interval"] = self.health_check_interval or 0  # redis-py's 0: off
        else:
            self._init_redis_py(connection_class, max_connections, 0, kwargs)

    def _setup(
        self,
        options: ConnectionOptions,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        timeout: float | None = DEFAULT_POOL_TIMEOUT,
        max_idle_time: float | None = 300.0,
        max_lifetime: float | None = None,
        health_check_interval: float | None = 30.0,
    ) -> None:
        if not isinstance(max_connections, int) or isinstance(max_connections, bool) or max_connections < 1:
            raise DataError(f"max_connections must be an int >= 1, not {max_connections!r}")
        for name, value in (
            ("pool_timeout", timeout),
            ("max_idle_time", max_idle_time),
            ("max_lifetime", max_lifetime),
            ("health_check_interval", health_check_interval),
        ):
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0):
                raise DataError(f"{name} must be a number of seconds >= 0 or None, not {value!r}")
        self.client_options = options  # as given: what Redis(connection_pool=pool) connects with
        # One user per connection: waiting for capacity is right there, failing fast is not.
        # The shared connection gives memory back; these would only repeat its checks.
        self.options = dataclasses.replace(options, overload_policy="wait", trim_idle=False)
        self.max_connections = max_connections
        self.timeout = timeout
        self.max_idle_time = max_idle_time
        self.max_lifetime = max_lifetime
        self.health_check_interval = health_check_interval
        self._slots: dict[Any, _Slot] = {}  # every open connection, idle or in use
        self._idle: deque[Any] = deque()  # most recently returned at the right
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._closing: set[asyncio.Task[None]] = set()
        self._reaper: asyncio.TimerHandle | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        # the multiplexed connections of clients made on this pool: disconnect() closes them too
        self._shared: weakref.WeakSet[Connection] = weakref.WeakSet()
        self._own_shared: Connection | None = None  # see pool_connection
        # their PubSubs: redis-py's hold a connection of the pool, which disconnect() drops
        self._pubsubs: weakref.WeakSet[Any] = weakref.WeakSet()
        self.stats_created = 0
        self.stats_closed = 0
        self.stats_dirty = 0
        self.stats_expired = 0
        self.stats_health_checks = 0
        self.stats_health_failures = 0
        self.stats_waits = 0
        self.stats_wait_timeouts = 0

    # -- observable state ------------------------------------------------------
    @property
    def in_use(self) -> int:
        """Connections handed out and not given back yet."""
        return len(self._slots) - len(self._idle)

    @property
    def idle(self) -> int:
        """Connections ready to be handed out."""
        return len(self._idle)

    @property
    def waiting(self) -> int:
        """Callers waiting for a connection."""
        return sum(1 for waiter in self._waiters if not waiter.done())

    def stats(self) -> dict[str, Any]:
        """Gauges and counters: in use, idle, waiting, created, closed, dirty, expired, health checks."""
        return {
            "max_connections": self.max_connections,
            "in_use": self.in_use,
            "idle": self.idle,
            "waiting": self.waiting,
            "created": self.stats_created,
            "closed": self.stats_closed,
            "closed_dirty": self.stats_dirty,
            "expired": self.stats_expired,
            "health_checks": self.stats_health_checks,
            "health_failures": self.stats_health_failures,
            "waits": self.stats_waits,
            "wait_timeouts": self.stats_wait_timeouts,
        }

    # -- taking and giving back ------------------------------------------------------
    def share(self, connection: Connection) -> None:
        """``connection`` (a client's multiplexed one) is closed by ``disconnect()`` and ``aclose()`` too."""
        self._shared.add(connection)

    def pool_connection(self, make: Callable[[ConnectionOptions], Connection]) -> Connection:
        """The multiplexed connection of what is built on this pool alone (redis-py's ``Pipeline(pool, ...)``):
        one, made by ``make`` at the first call, kept and shared (closed by ``disconnect()`` and ``aclose()``)."""
        connection = self._own_shared
        if connection is None:
            connection = self._own_shared = make(self.client_options)
            self.share(connection)
        return connection

    def share_pubsub(self, pubsub: Any) -> None:
        """``pubsub`` (made by a client on this pool) loses its socket on ``disconnect()`` and ``aclose()``, as
        redis-py's PubSub, which holds a connection of the pool: its next read or subscribe reconnects."""
        self._pubsubs.add(pubsub)

    def wrap_sender(self, send: Callable[..., Any], connection: Connection) -> Callable[..., Any]:
        """How a client made on this pool sends on ``connection`` (a sentinel pool watches for READONLY)."""
        return send

    def can_get_connection(self) -> bool:
        """True if a connection can be had now, without waiting."""
        return bool(self._idle) or len(self._slots) < self.max_connections

    async def acquire(self, make: Callable[[ConnectionOptions, asyncio.AbstractEventLoop], Any] | None = None) -> Any:
        """A connection of the caller's own; give it back with ``release`` (or use ``connection()``).

        ``make``: how to build one of another kind than the multiplexed ``Connection``
        (``get_connection``'s ``PooledConnection``); both kinds share ``max_connections``.
        """
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            self._rebind(loop)
        multiplexed = make is None
        deadline = None if self.timeout is None else loop.time() + self.timeout
        while True:
            conn = await self._take_idle(loop, multiplexed)
            if conn is not None:
                return conn
            if len(self._slots) >= self.max_connections:
                self._drop_idle_other(multiplexed)  # an idle one of the other kind gives its place up
            if len(self._slots) < self.max_connections:
                conn = Connection(self.options, loop) if make is None else make(self.options, loop)
                self._count(conn, loop.time())
                return conn
            if self.timeout == 0:
                raise self._too_many()
            await self._wait(loop, deadline)

    def _too_many(self) -> MaxConnectionsError:
        """What a pool that does not wait (``timeout=0``, redis-py's ``ConnectionPool``) raises when full."""
        self.stats_wait_timeouts += 1
        return MaxConnectionsError(
            f"Too many connections: all {self.max_connections} (max_connections) to "
            f"{self.options.address} are in use; to wait for one, use a BlockingConnectionPool "
            "or pass pool_timeout= (seconds) to the client"
        )

    def _count(self, conn: Any, now: float) -> None:
        self._slots[conn] = _Slot(now)
        self.stats_created += 1

    def _drop_idle_other(self, multiplexed: bool) -> None:
        for conn in self._idle:
            if isinstance(conn, Connection) is not multiplexed:
                self._drop(conn)
                return

    async def _take_idle(self, loop: asyncio.AbstractEventLoop, multiplexed: bool = True) -> Any:
        idle = self._idle
        while True:
            conn = next((c for c in reversed(idle) if isinstance(c, Connection) is multiplexed), None)
            if conn is None:
                return None
            idle.remove(conn)
            slot = self._slots[conn]
            now = loop.time()
            if self._expired(slot, now):
                self.stats_expired += 1
                self._drop(conn)
                continue
            interval = self.health_check_interval
            if multiplexed and interval and now - slot.returned >= interval:
                if not await self._healthy(conn):
                    self.stats_health_failures += 1
                    self._drop(conn)
                    continue
            return conn

    async def _healthy(self, conn: Connection) -> bool:
        """PING on a connection that sat idle: a dead socket is found here, not by the caller."""
        self.stats_health_checks += 1
        timeout = self.options.socket_connect_timeout or 5.0
        try:
            reply = await conn.execute_with_timeout((b"PING",), None, timeout)
        except asyncio.CancelledError:
            self._drop(conn)  # the PING's reply is still owed: never reused
            raise
        except RedisError:
            return False
        return reply in (b"PONG", "PONG")

    async def _wait(self, loop: asyncio.AbstractEventLoop, deadline: float | None) -> None:
        waiter: asyncio.Future[None] = loop.create_future()
        self._waiters.append(waiter)
        self.stats_waits += 1
        remaining = None if deadline is None else max(0.0, deadline - loop.time())
        try:
            await asyncio.wait_for(waiter, remaining)
        except (asyncio.TimeoutError, TimeoutError):
            self.stats_wait_timeouts += 1
            raise MaxConnectionsError(
                f"no connection to {self.options.address} free within pool_timeout={self.timeout} s: "
                f"all {self.max_connections} (max_connections) in use by blocking commands, "
                "transactions, pipelines or pub/sub; raise max_connections or pool_timeout"
            ) from None
        except BaseException:
            if waiter.done() and not waiter.cancelled():
                self._wake_one()  # woken, then cancelled: the free connection goes to the next caller
            raise
        finally:
            try:
                self._waiters.remove(waiter)
            except ValueError:
                pass  # already taken off by _wake_one

    def release(self, connection: Any, dirty: bool = False) -> _Done:
        """Give ``connection`` back; ``dirty`` (or a reply still owed) closes it instead.

        Done when it returns; the result can be awaited (``await pool.release(conn)``, redis-py's form).
        The pool's own code gives connections back through ``_release``: a subclass may override
        this method with redis-py's ``async def release(self, connection)``.
        """
        return self._release(connection, dirty)

    def _release(self, connection: Any, dirty: bool = False) -> _Done:
        slot = self._slots.get(connection)
        if slot is None:
            return DONE  # not ours, or already dropped (pool closed, connection expired)
        if dirty or connection.inflight or connection.queued:
            self.stats_dirty += 1
            self._drop(connection)
            return DONE
        loop = self._loop
        now = loop.time() if loop is not None else 0.0
        if self._expired(slot, now):
            self.stats_expired += 1
            self._drop(connection)
            return DONE
        slot.returned = now
        self._idle.append(connection)
        self._arm_reaper()
        self._wake_one()
        return DONE

    async def execute(
        self, args: tuple[Any, ...], parse: Any, timeout: float | None, before: tuple[Any, ...] | None = None
    ) -> Any:
        """Run one command (a blocking one) on a connection of its own, with its own ``timeout``.

        The connection is given back once the server answered (a reply or an error reply), and
        closed if the caller gave up or the socket failed: the server may still be blocked on it.
        ``before``: a command run first on the same connection (the cluster's ASKING).
        A subclass overriding redis-py's ``get_connection``, ``release`` or ``make_connection`` has
        them called here, as redis-py calls them for every command (``execute_via_hooks``).
        """
        if before is None and overrides_redis_py_hooks(type(self)):
            return await self.execute_via_hooks(args, parse, timeout)
        conn = await self.acquire()
        clean = False
        try:
            if before is not None:
                await conn.execute(before, None)
            result = await conn.execute_with_timeout(args, parse, timeout)
            clean = True
            return result
        except ResponseError:
            clean = True  # the server answered: nothing is owed on this connection
            raise
        finally:
            self._release(conn, dirty=not clean)

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[Connection]:
        """``async with pool.connection() as conn``: released clean, or closed on any exception."""
        conn = await self.acquire()
        clean = False
        try:
            yield conn
            clean = True
        finally:
            self._release(conn, dirty=not clean)

    def discard(self, conn: Connection) -> None:
        """Close ``conn`` (state unknown): it leaves the pool now, its socket closes in the background."""
        if conn in self._slots:
            self.stats_dirty += 1
            self._drop(conn)

    # -- internals -------------------------------------------------------------------
    def _expired(self, slot: _Slot, now: float) -> bool:
        if self.max_lifetime is not None and now - slot.created >= self.max_lifetime:
            return True
        return self.max_idle_time is not None and now - slot.returned >= self.max_idle_time

    def _drop(self, conn: Connection) -> None:
        """Forget ``conn`` and close it; a waiter may now open a new one."""
        if self._slots.pop(conn, None) is None:
            return
        try:
            self._idle.remove(conn)
        except ValueError:
            pass  # it was in use
        self.stats_closed += 1
        loop = self._loop
        if loop is not None and not loop.is_closed():
            task = loop.create_task(conn.aclose())
            self._closing.add(task)
            task.add_done_callback(self._closing.discard)
        self._wake_one()

    def _wake_one(self) -> None:
        wake_first(self._waiters)

    def _arm_reaper(self) -> None:
        if self._reaper is not None or self.max_idle_time is None or self._loop is None:
            return
        self._reaper = self._loop.call_later(max(self.max_idle_time, 0.05), self._reap)

    def _reap(self) -> None:
        """Close what expired while idle, so an unused pool gives its sockets back."""
        self._reaper = None
        loop = self._loop
        if loop is None:
            return
        now = loop.time()
        for conn in list(self._idle):
            if self._expired(self._slots[conn], now):
                self.stats_expired += 1
                self._drop(conn)
        if self._idle:
            self._arm_reaper()

    def _rebind(self, loop: asyncio.AbstractEventLoop) -> None:
        """First use, or a new event loop (asyncio.run twice): the old loop's connections are gone."""
        if self._loop is not None and not self._loop.is_closed():
            raise RuntimeError(
                f"this connection pool for {self.options.address} belongs to another running event loop; "
                "create one client per loop"
            )
        self._slots.clear()
        self._idle.clear()
        self._waiters.clear()
        self._closing.clear()
        self._reaper = None
        self._loop = loop

    async def aclose(self) -> None:
        """Close every connection, idle or in use, and the shared ones and PubSub sockets of clients made on
        this pool; waiting callers are woken to open new ones. The pool and those clients stay usable."""
        self._forget_all()
        await self._close_shared()
        await self._drop_pubsubs()
        if self._closing:
            await asyncio.gather(*self._closing, return_exceptions=True)

    def _forget_all(self) -> None:
        if self._reaper is not None:
            self._reaper.cancel()
            self._reaper = None
        for conn in list(self._slots):
            self._drop(conn)
        while self._waiters:
            self._wake_one()

    async def _close_shared(self) -> None:
        shared = list(self._shared)
        if shared:
            await asyncio.gather(*(conn.aclose() for conn in shared), return_exceptions=True)

    async def _drop_pubsubs(self) -> None:
        """As redis-py's pool disconnects the connection its PubSub holds (``pubsub.connection.disconnect()``,
        redis-py's call too): the PubSub stays subscribed, its next read or subscribe reconnects."""
        sockets = [pubsub.connection for pubsub in list(self._pubsubs)]
        dropping = [socket.disconnect() for socket in sockets if socket is not None and socket.is_connected]
        if dropping:
            await asyncio.gather(*dropping)

    async def _disconnect(self, inuse_connections: bool) -> None:
        """redis-py's ``disconnect``: idle connections closed; in use ones lose their socket (their
        callers get ConnectionError) and reconnect when used again, and so do the sockets of the clients'
        PubSubs; the clients' shared ones too."""
        for conn in [c for c in self._idle]:
            self._drop(conn)
        if inuse_connections:
            for conn in list(self._slots):
                if isinstance(conn, Connection):
                    conn.drop()
                else:  # redis-py's call: a user's connection class may take no argument
                    await conn.disconnect()
            await self._drop_pubsubs()
        await self._close_shared()
        if self._closing:
            await asyncio.gather(*self._closing, return_exceptions=True)

    async def __aenter__(self) -> ConnectionPool:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


_HOOKS = ("get_connection", "release", "make_connection")
_overriding: weakref.WeakKeyDictionary[type, bool] = weakref.WeakKeyDictionary()


def overrides_redis_py_hooks(cls: type) -> bool:
    """True if ``cls`` (a ``ConnectionPool`` subclass) overrides a method redis-py calls for every command."""
    known = _overriding.get(cls)
    if known is None:
        known = _overriding[cls] = any(getattr(cls, name) is not getattr(ConnectionPool, name) for name in _HOOKS)
    return known


class BlockingConnectionPool(BlockingPoolDefaults, ConnectionPool):
    """redis-py's ``BlockingConnectionPool``: past ``max_connections`` a caller waits ``timeout`` seconds
    (None: for ever), then gets ``MaxConnectionsError`` (a ``ConnectionError``, as redis-py raises)."""
