"""What applications do with redis.asyncio beyond its commands, on leanredis and redis.asyncio alike.

Each test is an idiom an application's own test suite used (compat/run.py found them; compat/repro.py
reproduces each): a pool subclass overriding redis-py's ``release``, a blocking read cancelled at
shutdown, ``await Redis(...)``, a pool handed in and not touched until used, ...
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from types import ModuleType
from typing import Any

import pytest
import redis.asyncio

import leanredis
from leanredis.connection import Connection as MultiplexedConnection
from leanredis.server import RedisServer

pytestmark = pytest.mark.timeout(30)

LIBS = [pytest.param(redis.asyncio, id="redis.asyncio"), pytest.param(leanredis, id="leanredis")]


def counting_pool_class(lib: ModuleType) -> tuple[type, list[Any]]:
    """pydocket's ReauthenticatingPool: ``async def release(self, connection)``, redis-py's signature."""
    released: list[Any] = []

    class Pool(lib.ConnectionPool):  # type: ignore[name-defined,misc]
        async def release(self, connection: Any) -> None:
            released.append(connection)
            try:
                await connection.re_auth()  # what the override does with the connection it is given
            finally:
                await super().release(connection)

    return Pool, released


async def blocked_commands(observer: leanredis.Redis, name: str) -> int:
    clients = await observer.client_list()
    return sum(1 for client in clients if client.get("cmd") == name)


async def until(predicate: Callable[[], Awaitable[bool]], what: str) -> None:
    """Wait (bounded) for a state only the server can report: a client blocked, or gone."""
    for _ in range(200):
        if await predicate():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"not reached within 2 s: {what}")


@pytest.mark.parametrize("lib", LIBS)
async def test_a_pool_subclass_overriding_release_is_called_by_blocking_commands(
    lib: ModuleType, redis_server: RedisServer
) -> None:
    pool_class, released = counting_pool_class(lib)
    pool = pool_class.from_url(f"redis://127.0.0.1:{redis_server.port}/0")
    r = lib.Redis(connection_pool=pool)
    try:
        await r.delete("idioms:list")
        assert await r.blpop(["idioms:empty"], timeout=0.1) is None
        await r.rpush("idioms:list", "x")
        assert tuple(await r.blpop(["idioms:list"], timeout=1)) == (b"idioms:list", b"x")
        assert len(released) >= 2  # redis-py: every command; leanredis: the two that took a pool connection
        assert await r.ping() is True
    finally:
        await r.aclose()
        await pool.disconnect()


@pytest.mark.parametrize("subclass", [False, True], ids=["pool", "pool-overriding-release"])
@pytest.mark.parametrize("command", ["xread", "blpop"])
@pytest.mark.parametrize("lib", LIBS)
async def test_a_cancelled_blocking_command_ends_at_once_and_closes_its_connection(
    lib: ModuleType, command: str, subclass: bool, redis_server: RedisServer
) -> None:
    """pydocket's fixtures cancel a worker blocked in ``xread(block=60_000)`` and wait for it."""
    pool_class = counting_pool_class(lib)[0] if subclass else lib.ConnectionPool
    pool = pool_class.from_url(f"redis://127.0.0.1:{redis_server.port}/0")
    r = lib.Redis(connection_pool=pool)
    observer = leanredis.Redis(port=redis_server.port)
    blocking: Callable[[], Awaitable[Any]]
    if command == "xread":
        blocking = lambda: r.xread({"idioms:stream": "$"}, block=60_000)  # noqa: E731
    else:
        blocking = lambda: r.blpop(["idioms:never"], timeout=0)  # noqa: E731
    try:
        await r.ping()
        task = asyncio.create_task(blocking())
        await until(_is(lambda: blocked_commands(observer, command), 1), f"{command} blocked on the server")
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(task, 2)  # within 2 s, not the command's 60 s or for ever
        # the server no longer blocks for it: the connection was closed, not kept with a reply owed
        await until(_is(lambda: blocked_commands(observer, command), 0), f"{command}'s connection closed")
        if lib is leanredis:
            assert pool.in_use == 0
        assert await r.ping() is True  # and the client goes on
    finally:
        await r.aclose()
        await pool.disconnect()
        await observer.aclose()


def _is(count: Callable[[], Awaitable[int]], expected: int) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return await count() == expected

    return check


@pytest.mark.parametrize("lib", LIBS)
async def test_awaiting_a_client_initializes_it_and_returns_it(lib: ModuleType, redis_server: RedisServer) -> None:
    """aiogram's conftest: ``conn = await storage.redis``."""
    r = lib.Redis(port=redis_server.port)
    try:
        assert await r is r
        assert await r.ping() is True
    finally:
        await r.aclose()


@pytest.mark.parametrize("lib", LIBS)
async def test_a_pool_handed_in_is_not_read_until_a_command_needs_it(lib: ModuleType) -> None:
    """aiogram's test_from_url patches ``ConnectionPool.from_url``: ``Redis(connection_pool=<a MagicMock>)``."""
    from unittest.mock import MagicMock

    pool = MagicMock()
    r = lib.Redis(connection_pool=pool)
    assert r.connection_pool is pool
    if lib is leanredis:  # redis.asyncio awaits the mock's get_connection(); leanredis says what is wrong
        with pytest.raises(leanredis.DataError, match="does not say where to connect"):
            await asyncio.wait_for(r.ping(), 5)
        with pytest.raises(leanredis.DataError, match="does not say where to connect"):
            await asyncio.wait_for(r.blpop(["k"], timeout=0.1), 5)
    await r.aclose()


@pytest.mark.parametrize("protocol", [None, 2, 3])
async def test_a_pubsubs_connection_has_redis_py_connection_attributes(
    protocol: int | None, redis_server: RedisServer
) -> None:
    """pydocket's test_pubsub_connections_speak_resp2: ``pubsub.connection.protocol`` after subscribe."""
    seen = []
    for lib in (redis.asyncio, leanredis):
        r = lib.Redis(port=redis_server.port, db=1, decode_responses=True, protocol=protocol)
        pubsub = r.pubsub()
        try:
            await pubsub.subscribe("idioms:channel")
            conn = pubsub.connection
            seen.append(
                (
                    conn.protocol,
                    conn.get_protocol(),
                    conn.host,
                    conn.port,
                    conn.db,
                    conn.is_connected,
                    conn.encoder.decode_responses,
                    conn.socket_timeout,
                )
            )
        finally:
            await pubsub.aclose()
            await r.aclose()
    assert seen[0] == seen[1]


@pytest.mark.parametrize("lib", LIBS)
async def test_the_top_level_connection_classes_are_redis_pys(lib: ModuleType, redis_server: RedisServer) -> None:
    """pydocket's test_data_connections_keep_the_client_default_resp_version: ``Connection().protocol``."""
    default = lib.Connection()
    assert (default.host, default.port, default.db, default.protocol) == ("localhost", 6379, 0, 3)
    assert lib.UnixDomainSocketConnection(path="/tmp/idioms.sock").path == "/tmp/idioms.sock"
    assert issubclass(lib.SSLConnection, lib.Connection)
    conn = lib.Connection(host="127.0.0.1", port=redis_server.port, db=2, protocol=2)
    try:
        await conn.connect()
        await conn.send_command("PING")
        assert await conn.read_response() in (b"PONG", "PONG")
        assert (conn.db, conn.protocol, conn.is_connected) == (2, 2, True)
    finally:
        await conn.disconnect()
    pool = lib.ConnectionPool(connection_class=lib.SSLConnection, host="127.0.0.1", port=redis_server.port)
    assert pool.connection_class is lib.SSLConnection
    if lib is leanredis:
        assert pool.options.ssl is not None  # the class means TLS, as redis-py's does
        assert MultiplexedConnection is not leanredis.Connection  # the client's own, kept at its module path


@pytest.mark.parametrize("lib", LIBS)
async def test_initialize_before_the_server_is_up_defers_the_error_to_the_first_command(lib: ModuleType) -> None:
    """cashews' client-side cache: ``await client.initialize()``, then a listener that retries until the
    server answers; only a single-connection client connects in ``initialize()``."""
    from leanredis.server import free_port

    port = free_port()  # nobody listens there
    r = lib.Redis(port=port)
    try:
        assert await asyncio.wait_for(r.initialize(), 10) is r
        with pytest.raises(lib.ConnectionError):
            await asyncio.wait_for(r.ping(), 10)
    finally:
        await r.aclose()
    single = lib.Redis(port=port, single_connection_client=True)
    try:
        with pytest.raises(lib.ConnectionError):
            await asyncio.wait_for(single.initialize(), 10)
    finally:
        await single.aclose()


@pytest.mark.timeout(60)
@pytest.mark.parametrize("lib", LIBS)
async def test_an_execute_command_override_gets_the_command_name_as_a_str(lib: ModuleType) -> None:
    """cashews' SafeRedis: on a connection error, ``if command.lower() in ["unlink", "del", "memory", "ttl"]:
    return 0`` and ``if command.lower() == "ping": raise``; redis-py's methods pass the name as a str."""
    from leanredis.server import free_port

    class Safe(lib.Redis):  # type: ignore[name-defined,misc]
        async def execute_command(self, command: Any, *args: Any, **options: Any) -> Any:
            try:
                return await super().execute_command(command, *args, **options)
            except lib.ConnectionError:
                if command.lower() == "ping":
                    raise
                if command.lower() in ["unlink", "del", "memory", "ttl"]:
                    return 0
                return None

    r = Safe(port=free_port())  # nobody listens there
    try:
        # two commands: redis.asyncio retries each refused connect with backoff, seconds apiece
        assert await asyncio.wait_for(r.ttl("k"), 20) == 0
        with pytest.raises(lib.ConnectionError):
            await asyncio.wait_for(r.ping(), 20)
    finally:
        await r.aclose()
