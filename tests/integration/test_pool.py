"""The pool of dedicated connections: bound and wait, ageing, health checks, dirty ones closed."""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import time
from typing import Any

import pytest

import leanredis
from leanredis import ConnectionError, DataError
from leanredis.pool import ConnectionPool, MaxConnectionsError
from leanredis.server import RedisServer

_names = itertools.count()


def client_for(server: RedisServer, **options: object) -> leanredis.Redis:
    # a name of its own on every socket (pool ones too): counts ignore other tests' connections
    name = f"pooltest-{next(_names)}"
    return leanredis.Redis(host="127.0.0.1", port=server.port, client_name=name, **options)  # type: ignore[arg-type]


async def connected_clients(client: leanredis.Redis) -> int:
    """Sockets of this client on the server (all of them, for a client without a name)."""
    name = client.options.client_name
    return sum(1 for c in await client.client_list() if name is None or c.get("name") == name)


async def test_a_client_that_never_needs_the_pool_has_none(r: leanredis.Redis) -> None:
    await r.set("a", 1)
    before = await connected_clients(r)  # the shared server may still count other tests' closing sockets
    pipe = r.pipeline()
    pipe.incr("a")
    await pipe.execute()
    assert r._pool_box.pool is None
    assert await connected_clients(r) <= before  # no connection was opened for the pipeline


async def test_exhaustion_waits_then_times_out_with_a_clear_error(redis_server: RedisServer) -> None:
    client = client_for(redis_server, max_connections=2, pool_timeout=0.3)
    try:
        held = [asyncio.ensure_future(client.blpop("q", 5)) for _ in range(2)]
        await asyncio.sleep(0.05)
        started = time.perf_counter()
        with pytest.raises(
            MaxConnectionsError, match=r"pool_timeout=0.3 s: all 2 \(max_connections\) in use"
        ) as caught:
            await client.blpop("q", 5)
        assert 0.25 <= time.perf_counter() - started < 1.0
        assert isinstance(caught.value, ConnectionError)  # redis-py's MaxConnectionsError is one too
        stats = client.connection_pool.stats()
        assert (stats["in_use"], stats["waits"], stats["wait_timeouts"], stats["waiting"]) == (2, 1, 1, 0)
        assert await client.ping() is True  # the shared connection never waited
        await client.rpush("q", "a", "b")
        assert sorted(await asyncio.gather(*held)) == [(b"q", b"a"), (b"q", b"b")]
    finally:
        await client.aclose()


@pytest.mark.timeout(30)
@pytest.mark.parametrize("module", ["redis.asyncio", "leanredis"])
async def test_max_connections_given_without_a_wait_refuses_at_once_as_redis_py(
    redis_server: RedisServer, module: str
) -> None:
    """``Redis(max_connections=1)``: redis.asyncio makes a ``ConnectionPool``, which raises MaxConnectionsError
    at once when its connection is out; so does leanredis (``pool_timeout`` unset), for a connection taken
    and for a blocking command alike, and the connection given back serves the next caller."""
    import redis.asyncio
    import redis.exceptions

    lib: Any = redis.asyncio if module == "redis.asyncio" else leanredis
    refused = redis.exceptions.MaxConnectionsError if module == "redis.asyncio" else MaxConnectionsError
    client = lib.Redis(host="127.0.0.1", port=redis_server.port, max_connections=1)
    try:
        taken = await client.connection_pool.get_connection()
        for attempt in (client.connection_pool.get_connection, lambda: client.blpop(["q"], timeout=1)):
            started = time.perf_counter()
            with pytest.raises(refused):
                await asyncio.wait_for(attempt(), 10)
            assert time.perf_counter() - started < 0.5  # refused, not after a wait
        await client.connection_pool.release(taken)
        await client.rpush("q", "a")
        assert await client.blpop(["q"], timeout=1) == (b"q", b"a")
    finally:
        await client.aclose()


async def test_max_connections_with_pool_timeout_waits_for_the_connection_given_back(
    redis_server: RedisServer,
) -> None:
    """``pool_timeout`` given beside ``max_connections``: a caller waits for the connection instead."""
    client = client_for(redis_server, max_connections=1, pool_timeout=10)
    try:
        held = asyncio.ensure_future(client.blpop("w", 5))
        while client.connection_pool.stats()["in_use"] < 1:
            await asyncio.sleep(0.01)
        waiting = asyncio.ensure_future(client.blpop("w", 5))
        while client.connection_pool.stats()["waiting"] < 1:
            await asyncio.sleep(0.01)
        await client.rpush("w", "a", "b")
        assert sorted(await asyncio.gather(held, waiting)) == [(b"w", b"a"), (b"w", b"b")]
    finally:
        await client.aclose()


async def test_a_waiting_caller_gets_the_connection_given_back(redis_server: RedisServer) -> None:
    client = client_for(redis_server, max_connections=1, pool_timeout=3)
    try:
        first = asyncio.ensure_future(client.blpop("q", 0.2))
        await asyncio.sleep(0.02)
        second = asyncio.ensure_future(client.blpop("q", 2))
        await asyncio.sleep(0.02)
        assert client.connection_pool.waiting == 1
        assert await first is None
        await client.rpush("q", "x")
        assert await second == (b"q", b"x")
        stats = client.connection_pool.stats()
        assert (stats["created"], stats["waits"], stats["wait_timeouts"], stats["idle"]) == (1, 1, 0, 1)
    finally:
        await client.aclose()


async def test_a_cancelled_waiter_passes_its_turn_on(redis_server: RedisServer) -> None:
    client = client_for(redis_server, max_connections=1, pool_timeout=3)
    try:
        first = asyncio.ensure_future(client.blpop("q", 0.2))
        await asyncio.sleep(0.02)
        gives_up = asyncio.ensure_future(client.blpop("q", 2))
        patient = asyncio.ensure_future(client.blpop("q", 2))
        await asyncio.sleep(0.02)
        gives_up.cancel()
        assert await first is None
        await client.rpush("q", "x")
        assert await asyncio.wait_for(patient, 2) == (b"q", b"x")
        assert client.connection_pool.stats()["in_use"] == 0
    finally:
        await client.aclose()


async def test_dirty_connection_is_closed_never_reused(redis_server: RedisServer) -> None:
    client = client_for(redis_server)
    try:
        pool = client.connection_pool
        conn = await pool.acquire()
        await conn.execute((b"MULTI",))
        pool.release(conn, dirty=True)
        assert pool.stats()["closed_dirty"] == 1 and pool.idle == 0
        again = await pool.acquire()
        assert again is not conn
        assert await again.execute((b"PING",)) == b"PONG"  # not QUEUED: not inside someone's MULTI
        pool.release(again)
        with pytest.raises(RuntimeError):
            async with pool.connection() as conn:
                raise RuntimeError("caller failed mid-way")
        assert pool.stats()["closed_dirty"] == 2 and pool.idle == 0
        # a reply still owed counts as dirty even if the caller forgets to say so
        owed = await pool.acquire()
        fut = owed.execute((b"BLPOP", "q", 1))
        pool.release(owed)
        assert pool.stats()["closed_dirty"] == 3
        fut.cancel()
        await asyncio.sleep(0.1)
        assert await connected_clients(client) == 1
    finally:
        await client.aclose()


async def test_idle_connections_are_closed_after_max_idle_time(redis_server: RedisServer) -> None:
    client = client_for(redis_server, pool_max_idle_time=0.2)
    try:
        await asyncio.gather(client.blpop("q", 0.05), client.blpop("q", 0.05))
        assert client.connection_pool.idle == 2
        assert await connected_clients(client) == 3
        await asyncio.sleep(0.5)
        stats = client.connection_pool.stats()
        assert (stats["idle"], stats["expired"]) == (0, 2)
        assert await connected_clients(client) == 1
    finally:
        await client.aclose()


async def test_connections_are_replaced_after_max_lifetime(redis_server: RedisServer) -> None:
    # a lifetime two short BLPOPs outlast only on a machine stalled for a second (0.2 s did, under load)
    client = client_for(redis_server, pool_max_lifetime=1.0, pool_max_idle_time=None)
    try:
        await client.blpop("q", 0.01)
        await client.blpop("q", 0.01)
        assert client.connection_pool.stats()["created"] == 1
        await asyncio.sleep(1.1)
        await client.blpop("q", 0.01)
        stats = client.connection_pool.stats()
        assert (stats["created"], stats["expired"]) == (2, 1)
    finally:
        await client.aclose()


async def test_health_check_on_checkout_after_idle(redis_server: RedisServer) -> None:
    client = client_for(redis_server, health_check_interval=0.1)
    try:
        await client.blpop("q", 0.01)
        await client.blpop("q", 0.01)
        assert client.connection_pool.stats()["health_checks"] == 0  # not idle long enough
        pool_ids = [e["id"] for e in await client.client_list() if e["cmd"] == "blpop"]
        await client.execute_command("CLIENT", "KILL", "ID", pool_ids[0])
        await asyncio.sleep(0.2)
        await client.rpush("q", "x")
        assert await client.blpop("q", 1) == (b"q", b"x")
        stats = client.connection_pool.stats()
        assert stats["health_checks"] == 1 and stats["created"] == 1
    finally:
        await client.aclose()


async def test_failed_health_check_drops_the_connection(r: leanredis.Redis) -> None:
    pool = ConnectionPool(r.options, health_check_interval=0.05)
    try:
        conn = await pool.acquire()
        own_id = await conn.execute((b"CLIENT", b"ID"))
        pool.release(conn)
        # its socket dies while idle, and so will its reconnect: the PING on checkout fails
        conn.options = dataclasses.replace(conn.options, port=1, socket_connect_timeout=0.5)
        await r.execute_command("CLIENT", "KILL", "ID", own_id)
        await asyncio.sleep(0.1)
        fresh = await pool.acquire()
        assert fresh is not conn
        assert await fresh.execute((b"PING",)) == b"PONG"
        stats = pool.stats()
        assert (stats["health_checks"], stats["health_failures"], stats["created"]) == (1, 1, 2)
        pool.release(fresh)
    finally:
        await pool.aclose()


def test_invalid_pool_options_are_refused_at_construction() -> None:
    with pytest.raises(DataError, match="max_connections"):
        leanredis.Redis(max_connections=0)
    with pytest.raises(DataError, match="pool_timeout"):
        leanredis.Redis(pool_timeout=-1)
