"""Sentinel: find the master (or a replica) of a monitored service and follow its failovers.

``Sentinel([(host, port), ...])`` keeps one small client per sentinel.
``discover_master(name)`` asks them in turn (``SENTINEL MASTER name``) and
moves the one that answered to the front, as redis-py does.
``master_for(name)`` and ``replica_for(name)`` return ``Redis`` clients
whose connection asks the sentinels for its address at every (re)connect
(``Connection.resolver``, a ``sentinel_follower.Follower``), so a client
follows a failover without being rebuilt:

- a lost connection (the demoted master kills its clients) reconnects to
  whatever the sentinels name then;
- a ``READONLY`` reply on a master client means it still talks to a
  demoted master: the reply reaches the caller as ``ReadOnlyError``, the
  socket is dropped (``Connection.drop``) and the next command reconnects.
  The check is a done-callback on a sample of commands (the first of each
  write batch, one in ~32 at random) on master clients only: within the
  noise of a plain client at 250k GETs/s; plain ``Redis`` clients pay nothing.

Blocking commands (the client's pool) and ``pubsub()`` resolve the same
way when they connect.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Iterable
from operator import methodcaller
from typing import Any, Generic, Literal, overload

from .client import Redis
from .commands.funnel import sender
from .commands.resp3_shapes import resp3_send
from .commands.sentinel import SentinelManagerCommands
from .config import POOL_PLUMBING, built_quietly
from .connection import Connection
from .exceptions import (
    ConnectionError,
    DataError,
    MasterNotFoundError,
    ResponseError,
    SlaveNotFoundError,
    TimeoutError,
)
from .pool import ConnectionPool
from .pool_connection import PooledConnection
from .registry import FROM_ABOVE
from .sentinel_follower import Address, Follower, Sender
from .typed import StrT

# A sentinel that does not answer must not hold up the next one: these apply
# to the sentinel connections unless sentinel_kwargs says otherwise.
_SENTINEL_DEFAULTS: dict[str, Any] = {"socket_timeout": 1.0, "socket_connect_timeout": 1.0}
_SENTINEL_BACKOFF_CAP = 0.25  # seconds before trying a sentinel that failed again (Redis's own cap is 2 s)

# what redis-py's SentinelConnectionPool keeps in connection_kwargs besides the user's options
_REDIS_PY_POOL_PLUMBING = POOL_PLUMBING | {"connection_pool"}

_STATE_INTS = frozenset(
    {
        "port",
        "link-pending-commands",
        "link-refcount",
        "last-ping-sent",
        "last-ok-ping-reply",
        "last-ping-reply",
        "down-after-milliseconds",
        "info-refresh",
        "role-reported-time",
        "config-epoch",
        "num-slaves",
        "num-other-sentinels",
        "quorum",
        "failover-timeout",
        "parallel-syncs",
        "master-link-down-time",
        "master-port",
        "slave-priority",
        "slave-repl-offset",
        "replica-announced",
    }
)


def parse_sentinel_state(reply: Any) -> dict[str, Any]:
    """One SENTINEL MASTER/REPLICAS entry as redis-py's dict: ints, and ``is_master``/``is_sdown``/... flags."""
    if isinstance(reply, dict):
        items = list(reply.items())
    else:
        items = list(zip(reply[::2], reply[1::2], strict=True))
    state: dict[str, Any] = {}
    for key, value in items:
        key = key.decode() if isinstance(key, bytes) else str(key)
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        if key in _STATE_INTS:
            try:
                value = int(value)
            except (TypeError, ValueError):
                pass  # a field whose format changed in a newer server: keep its text
        state[key] = value
    flags = set(str(state.get("flags", "")).split(","))
    for flag, name in (
        ("master", "is_master"),
        ("slave", "is_slave"),
        ("s_down", "is_sdown"),
        ("o_down", "is_odown"),
        ("sentinel", "is_sentinel"),
        ("disconnected", "is_disconnected"),
        ("master_down", "is_master_down"),
    ):
        state[name] = flag in flags
    return state


class Sentinel(SentinelManagerCommands, Generic[StrT]):
    """Clients of a set of sentinels: discovery of masters and replicas, and clients that follow them.

    ``sentinel_kwargs`` configure the connections to the sentinels (default:
    the ``socket_*`` entries of ``connection_kwargs``, and 1 s timeouts);
    ``connection_kwargs`` those of the clients ``master_for``/``replica_for``
    return. A master is accepted from a sentinel that sees it up and sees at
    least ``min_other_sentinels`` other sentinels.
    """

    # StrT, the string type of master_for's and replica_for's clients, from the decode_responses literal
    @overload
    def __init__(
        self: Sentinel[bytes], sentinels: Iterable[tuple[str, int]], min_other_sentinels: int = ...,
        sentinel_kwargs: dict[str, Any] | None = ..., force_master_ip: str | None = ..., *,
        decode_responses: Literal[False] = ..., **connection_kwargs: Any,
    ) -> None: ...
    @overload
    def __init__(
        self: Sentinel[str], sentinels: Iterable[tuple[str, int]], min_other_sentinels: int = ...,
        sentinel_kwargs: dict[str, Any] | None = ..., force_master_ip: str | None = ..., *,
        decode_responses: Literal[True], **connection_kwargs: Any,
    ) -> None: ...
    @overload
    def __init__(
        self: Sentinel[bytes | str], sentinels: Iterable[tuple[str, int]], min_other_sentinels: int = ...,
        sentinel_kwargs: dict[str, Any] | None = ..., force_master_ip: str | None = ..., *,
        decode_responses: bool, **connection_kwargs: Any,
    ) -> None: ...
    def __init__(
        self,
        sentinels: Iterable[tuple[str, int]],
        min_other_sentinels: int = 0,
        sentinel_kwargs: dict[str, Any] | None = None,
        force_master_ip: str | None = None,
        **connection_kwargs: Any,
    ) -> None:
        if sentinel_kwargs is None:
            sentinel_kwargs = {k: v for k, v in connection_kwargs.items() if k.startswith("socket_")}
        kwargs = {**_SENTINEL_DEFAULTS, **sentinel_kwargs, "decode_responses": True}
        self.sentinel_kwargs = sentinel_kwargs
        self.sentinels: list[Redis] = [Redis(host=host, port=int(port), **kwargs) for host, port in sentinels]
        for client in self.sentinels:
            connection = client.connection
            # one sentinel down: ask the next one at once, not after retries of our own
            connection.options = dataclasses.replace(
                connection.options, reconnect_backoff_cap=_SENTINEL_BACKOFF_CAP, connect_retries=0
            )
        if not self.sentinels:
            raise DataError("Sentinel() needs at least one (host, port) of a sentinel")
        self.min_other_sentinels = min_other_sentinels
        self.force_master_ip = force_master_ip
        self.connection_kwargs = connection_kwargs

    def __repr__(self) -> str:
        addresses = ",".join(s.connection.options.address for s in self.sentinels)
        return f"<Sentinel sentinels=[{addresses}]>"

    async def __aenter__(self) -> Sentinel:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connections to the sentinels (clients made by master_for/replica_for close on their own)."""
        for sentinel in self.sentinels:
            await sentinel.aclose()

    def _to_front(self, sentinel: Redis) -> None:
        sentinels = self.sentinels
        if sentinels[0] is not sentinel and sentinel in sentinels:
            sentinels.remove(sentinel)
            sentinels.insert(0, sentinel)

    def check_master_state(self, state: dict[str, Any], service_name: str) -> bool:
        """True if this sentinel's view of the master can be trusted: up, a master, enough peers."""
        if not state.get("is_master") or state.get("is_sdown") or state.get("is_odown"):
            return False
        return int(state.get("num-other-sentinels", 0)) >= self.min_other_sentinels

    async def discover_master(self, service_name: str) -> Address:
        """(host, port) of the master of ``service_name``; ``MasterNotFoundError`` if no sentinel knows it."""
        errors: list[str] = []
        for sentinel in list(self.sentinels):
            address = sentinel.connection.options.address
            try:
                reply = await sentinel.execute_command("SENTINEL", "MASTER", service_name)
            except (ConnectionError, TimeoutError) as exc:
                errors.append(f"{address} unreachable: {exc}")
                continue
            except ResponseError as exc:  # "No such master with that name": ask the next one
                errors.append(f"{address}: {exc}")
                continue
            state = parse_sentinel_state(reply)
            if self.check_master_state(state, service_name):
                self._to_front(sentinel)
                return self.force_master_ip or state["ip"], int(state["port"])
            errors.append(f"{address}: master {state.get('ip')}:{state.get('port')} flags={state.get('flags')}")
        raise MasterNotFoundError(
            f"No master found for {service_name!r} through {len(errors)} sentinel(s): " + "; ".join(errors)
        )

    @staticmethod
    def filter_slaves(slaves: Iterable[dict[str, Any]]) -> list[Address]:
        """(host, port) of the replicas no sentinel sees down."""
        return [(s["ip"], int(s["port"])) for s in slaves if not s.get("is_sdown") and not s.get("is_odown")]

    async def discover_slaves(self, service_name: str) -> list[Address]:
        """(host, port) of the live replicas of ``service_name`` from the first sentinel that knows some; [] if none."""
        for sentinel in list(self.sentinels):
            try:
                reply = await sentinel.execute_command("SENTINEL", "REPLICAS", service_name)
            except (ConnectionError, TimeoutError, ResponseError):
                continue  # unreachable, or does not monitor this name: the next sentinel may
            slaves = self.filter_slaves(parse_sentinel_state(entry) for entry in reply)
            if slaves:
                return slaves
        return []

    discover_replicas = discover_slaves

    filter_replicas = filter_slaves

    async def execute_command(self, *args: Any, once: bool = False, return_responses: bool = False,
                              **kwargs: Any) -> Any:  # fmt: skip
        """Send a command to every sentinel, or with ``once`` to one picked at random, as redis.asyncio's
        Sentinel does: True when every reply is truthy, or with ``return_responses`` the list of the replies."""
        return await self._on_sentinels(methodcaller("execute_command", *args, **kwargs), once, return_responses)

    @overload
    def master_for(
        self, service_name: str, *, decode_responses: Literal[True], **kwargs: Any
    ) -> SentinelRedis[str]: ...
    @overload
    def master_for(
        self, service_name: str, *, decode_responses: Literal[False], **kwargs: Any
    ) -> SentinelRedis[bytes]: ...
    @overload
    def master_for(self, service_name: str, **kwargs: Any) -> SentinelRedis[StrT]: ...
    def master_for(self, service_name: str, **kwargs: Any) -> SentinelRedis[Any]:
        """A client of the current master of ``service_name`` that follows it across failovers."""
        # redis-py hands these options to its pool: a deprecated one among them warns of nothing there
        options = {**self.connection_kwargs, **kwargs}
        return built_quietly(lambda: SentinelRedis(Follower(self, service_name, True), **options))

    @overload
    def replica_for(
        self, service_name: str, *, decode_responses: Literal[True], **kwargs: Any
    ) -> SentinelRedis[str]: ...
    @overload
    def replica_for(
        self, service_name: str, *, decode_responses: Literal[False], **kwargs: Any
    ) -> SentinelRedis[bytes]: ...
    @overload
    def replica_for(self, service_name: str, **kwargs: Any) -> SentinelRedis[StrT]: ...
    def replica_for(self, service_name: str, **kwargs: Any) -> SentinelRedis[Any]:
        """A client of a replica of ``service_name`` (round robin at each connect; the master if none)."""
        options = {**self.connection_kwargs, **kwargs}
        return built_quietly(lambda: SentinelRedis(Follower(self, service_name, False), **options))

    slave_for = replica_for


class _SentinelPool(ConnectionPool):
    """The dedicated connections (blocking commands, WATCH) of a sentinel client: resolved at connect too."""

    follower: Follower

    async def acquire(self, make: Any = None) -> Any:
        conn = await super().acquire(make)
        conn.resolver = self.follower.resolve  # a PooledConnection (get_connection) resolves the same way
        return conn


class SentinelManagedConnection(PooledConnection):
    """redis-py's name for the connections of a ``SentinelConnectionPool``: a ``PooledConnection`` whose
    address the sentinels give at every connect."""


class SentinelManagedSSLConnection(SentinelManagedConnection):
    """redis-py's name for the TLS connections of a ``SentinelConnectionPool`` (``ssl=True`` in its
    connection kwargs makes the pool's connections TLS ones: the class itself adds nothing)."""


class SentinelConnectionPool(_SentinelPool):
    """redis-py's ``SentinelConnectionPool(service_name, sentinel_manager, **connection_kwargs)``.

    ``Redis(connection_pool=pool)`` on it is a client of the master of ``service_name``
    (``is_master=False``: of a replica) that follows failovers as ``Sentinel.master_for``'s
    does, its ``pubsub()`` included. ``sentinel_manager`` is a ``leanredis.Sentinel``, or
    redis.asyncio's (its sentinels' addresses and options are read).
    """

    def __init__(self, service_name: str, sentinel_manager: Any, **kwargs: Any) -> None:
        is_master = kwargs.pop("is_master", True)
        self.check_connection = kwargs.pop("check_connection", False)
        kwargs.pop("connection_class", None)  # redis-py's SentinelManaged(SSL)Connection: the options say TLS
        kwargs.pop("host", None)
        kwargs.pop("port", None)
        max_connections = kwargs.pop("max_connections", None)
        self._owns_manager = not isinstance(sentinel_manager, Sentinel)
        if self._owns_manager:
            sentinel_manager = sentinel_from_redis_py(sentinel_manager)
        kwargs.update(host=f"{service_name}(sentinel)", port=0)  # until the first connect: what it is
        self._init_redis_py(SentinelManagedConnection, max_connections, 0, kwargs)
        self.service_name = service_name
        self.sentinel_manager: Sentinel = sentinel_manager
        self.is_master = is_master
        self.follower = Follower(sentinel_manager, service_name, is_master)

    def __repr__(self) -> str:
        role = "master" if self.is_master else "replica"
        return f"<{type(self).__module__}.{type(self).__name__}(service={self.service_name}({role}))>"

    def share(self, connection: Connection) -> None:
        """A client made on this pool: its connection asks the sentinels where to connect."""
        super().share(connection)
        connection.resolver = self.follower.resolve

    def wrap_sender(self, send: Sender, connection: Connection) -> Sender:
        return self.follower.watching_sender(send, connection) if self.is_master else send

    async def get_master_address(self) -> Address:
        """(host, port) of the master the sentinels name now."""
        return await self.sentinel_manager.discover_master(self.service_name)

    async def rotate_slaves(self) -> AsyncIterator[Address]:
        """The replicas' addresses, then the master's (redis-py's order for a replica pool)."""
        for address in await self.sentinel_manager.discover_slaves(self.service_name):
            yield address
        try:
            yield await self.get_master_address()
        except MasterNotFoundError:
            pass
        raise SlaveNotFoundError(f"No slave found for {self.service_name!r}")

    rotate_replicas = rotate_slaves

    async def aclose(self) -> None:
        await super().aclose()
        if self._owns_manager:
            await self.sentinel_manager.aclose()


def sentinel_from_redis_py(manager: Any) -> Sentinel:
    """A ``Sentinel`` on the sentinels of redis.asyncio's ``Sentinel`` ``manager``, with its options."""
    try:
        addresses = [
            (s.connection_pool.connection_kwargs["host"], int(s.connection_pool.connection_kwargs["port"]))
            for s in manager.sentinels
        ]
    except (AttributeError, KeyError, TypeError) as exc:
        raise DataError(
            f"sentinel_manager must be a leanredis.Sentinel or a redis.asyncio Sentinel, not {type(manager).__name__}"
        ) from exc
    return Sentinel(
        addresses,
        min_other_sentinels=getattr(manager, "min_other_sentinels", 0),
        sentinel_kwargs=dict(getattr(manager, "sentinel_kwargs", None) or {}),
        **dict(getattr(manager, "connection_kwargs", None) or {}),
    )


def pool_from_redis_py(pool: Any) -> SentinelConnectionPool:
    """Our ``SentinelConnectionPool`` for redis.asyncio's: the same service, sentinels and connection options."""
    kwargs = {k: v for k, v in pool.connection_kwargs.items() if k not in _REDIS_PY_POOL_PLUMBING}
    if "SSL" in getattr(pool.connection_class, "__name__", ""):
        kwargs["ssl"] = True
    return SentinelConnectionPool(
        pool.service_name,
        pool.sentinel_manager,
        is_master=pool.is_master,
        max_connections=pool.max_connections,
        **kwargs,
    )


class SentinelRedis(Redis[StrT]):
    """A ``Redis`` whose server is named by sentinels at each connect; see the module docstring."""

    def __init__(self: SentinelRedis[Any], follower: Follower, **kwargs: Any) -> None:
        # Until the first connect the address is a placeholder that says what it is.
        kwargs.pop("host", None)
        kwargs.pop("port", None)
        super().__init__(host=f"{follower.service_name}(sentinel)", port=0, **kwargs)
        self.follower = follower
        connection = self.connection
        connection.resolver = follower.resolve
        if follower.is_master:
            self._send = follower.watching_sender(connection.execute, connection)
            if self.options.resp3_shapes:
                self._send = resp3_send(self._send)  # protocol=3 given: redis-py's RESP3 reply shapes

    def __repr__(self) -> str:
        role = "master" if self.follower.is_master else "replica"
        return f"<{type(self).__name__} {self.follower.service_name} {role} {self.connection!r}>"

    @property
    def service_name(self) -> str:
        """The name the sentinels monitor this server under."""
        return self.follower.service_name

    def with_timeout(self, timeout: float | None) -> Redis:
        """A view of this client whose commands use ``timeout``, following the master as the client does."""
        view = super().with_timeout(timeout)
        view.follower = self.follower  # type: ignore[attr-defined]
        if self.follower.is_master:
            view._send = self.follower.watching_sender(sender(view), self.connection)
        return view

    def _get_pool(self) -> ConnectionPool:
        box = self._pool_box
        if box.pool is None:
            pool = _SentinelPool(self.options, *box.config)
            pool.follower = self.follower
            box.pool = pool
        return box.pool


FROM_ABOVE["pool_from_redis_py_sentinel"] = pool_from_redis_py  # for Redis(connection_pool=...), below
