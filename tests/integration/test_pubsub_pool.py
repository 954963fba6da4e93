"""A PubSub's socket counts toward its client's pool ``max_connections``, as redis.asyncio (8.1)'s PubSub holds a
connection of the pool: from its first command to ``aclose()``, across a lost socket, given back exactly once.

Where redis.asyncio can be watched doing the same, each test runs the same steps on both against one server
(each library's own ``ConnectionPool`` or ``BlockingConnectionPool``) and compares what the pools report
(``get_connection_count()``, public on both).
"""

from __future__ import annotations

import asyncio
import gc
import itertools
import time
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
import redis
import redis.asyncio

import leanredis
from leanredis.server import RedisServer, free_port

LIBRARIES = (("leanredis", leanredis), ("redis-py", redis.asyncio))
_names = itertools.count()


def in_use(pool: Any) -> int:
    """Connections the pool counts as in use (``get_connection_count()``: [(idle, ...), (in use, ...)])."""
    return int(pool.get_connection_count()[1][0])


@asynccontextmanager
async def client_on(module: Any, pool_class: str, port: int, **kwargs: Any) -> AsyncIterator[tuple[Any, str]]:
    """(client, client name) on a ``pool_class`` of ``module`` built with ``kwargs``; both closed after."""
    name = f"pubsub-pool-{next(_names)}"
    pool = getattr(module, pool_class)(host="127.0.0.1", port=port, client_name=name, **kwargs)
    client = module.Redis(connection_pool=pool)
    try:
        yield client, name
    finally:
        await client.aclose()
        await pool.aclose()


async def kill_pubsub_of(server: RedisServer, client_name: str) -> None:
    """CLIENT KILL the pub/sub socket named ``client_name``: the server drops it, the client did not ask."""
    admin = redis.asyncio.Redis(host="127.0.0.1", port=server.port)
    try:
        killed = 0
        for entry in await admin.client_list():
            if entry.get("name") == client_name and entry.get("sub") != "0":
                killed += await admin.client_kill_filter(_id=entry["id"])
        assert killed == 1, await admin.client_list()
    finally:
        await admin.aclose()


async def publish(server: RedisServer, channel: str) -> int:
    """PUBLISH from a client of its own (on a full pool, redis-py's client has no connection to publish with)."""
    async with leanredis.Redis(host="127.0.0.1", port=server.port) as publisher:
        return await publisher.publish(channel, "hi")


@pytest.mark.timeout(30)
async def test_a_pubsub_holds_a_pool_connection_from_its_first_command_to_aclose_as_redis_py(
    redis_server: RedisServer,
) -> None:
    results = {}
    for name, module in LIBRARIES:
        async with client_on(module, "ConnectionPool", redis_server.port, max_connections=5) as (client, _):
            pool = client.connection_pool
            pubsub = client.pubsub()
            seen = [("made", in_use(pool))]
            with pytest.raises(RuntimeError):  # nothing subscribed: no connection taken to read
                await pubsub.get_message(timeout=0.01)
            seen.append(("get_message", in_use(pool)))
            await pubsub.subscribe("a", "b")
            seen.append(("subscribe", in_use(pool)))
            await pubsub.subscribe("c")
            seen.append(("subscribe again", in_use(pool)))
            await pubsub.unsubscribe()
            for _ in range(6):  # three confirmations of each
                await pubsub.get_message(timeout=2.0)
            seen.append(("unsubscribed from all", pubsub.subscribed, in_use(pool)))
            await pubsub.aclose()
            seen.append(("aclose", in_use(pool)))
            await pubsub.ping()
            seen.append(("ping", in_use(pool)))
            await pubsub.aclose()
            seen.append(("aclose", in_use(pool)))
            async with client.pubsub() as other:
                await other.psubscribe("p*")
                seen.append(("psubscribe", in_use(pool)))
            seen.append(("async with", in_use(pool)))
            results[name] = seen
    assert results["leanredis"] == results["redis-py"], results
    assert [entry[-1] for entry in results["leanredis"]] == [0, 0, 1, 1, 1, 0, 1, 0, 1, 0]


@pytest.mark.timeout(30)
async def test_past_max_connections_a_plain_pool_refuses_a_pubsub_at_once_as_redis_py(
    redis_server: RedisServer,
) -> None:
    results = {}
    for name, module in LIBRARIES:
        async with client_on(module, "ConnectionPool", redis_server.port, max_connections=2) as (client, _):
            pool = client.connection_pool
            first, second, third = client.pubsub(), client.pubsub(), client.pubsub()
            await first.subscribe("a")
            await second.subscribe("b")
            started = time.perf_counter()
            with pytest.raises(redis.exceptions.MaxConnectionsError) as refused:
                await third.subscribe("c")
            assert time.perf_counter() - started < 0.5
            if name == "leanredis":
                assert isinstance(refused.value, leanredis.MaxConnectionsError)
            outcome = [in_use(pool), third.connection is None, third.subscribed]
            await first.aclose()
            await third.subscribe("c")  # the place given back is taken
            outcome += [in_use(pool), await publish(redis_server, "c")]
            for pubsub in (second, third):
                await pubsub.aclose()
            outcome.append(in_use(pool))
            results[name] = outcome
    assert results["leanredis"] == results["redis-py"], results
    assert results["leanredis"] == [2, True, False, 2, 1, 0]


@pytest.mark.timeout(30)
async def test_past_max_connections_a_blocking_pool_makes_a_pubsub_wait_then_fail_as_redis_py(
    redis_server: RedisServer,
) -> None:
    results = {}
    for name, module in LIBRARIES:
        async with client_on(
            module, "BlockingConnectionPool", redis_server.port, max_connections=1, timeout=0.3
        ) as (client, _):
            pool = client.connection_pool
            holder, waiter = client.pubsub(), client.pubsub()
            await holder.subscribe("a")
            started = time.perf_counter()
            with pytest.raises(redis.exceptions.ConnectionError):  # redis-py's: "No connection available."
                await waiter.subscribe("b")
            waited = time.perf_counter() - started
            outcome: list[Any] = [0.25 < waited < 2.0, in_use(pool), waiter.connection is None]
            # waiting, it gets the connection the holder gives back (gather starts the subscribe first)
            await asyncio.gather(waiter.subscribe("b"), holder.aclose())
            outcome += [in_use(pool), await publish(redis_server, "b")]
            await waiter.aclose()
            outcome.append(in_use(pool))
            results[name] = outcome
    assert results["leanredis"] == results["redis-py"], results
    assert results["leanredis"] == [True, 1, True, 1, 1, 0]


@pytest.mark.timeout(30)
async def test_an_idle_pool_connection_makes_room_for_a_pubsub_as_redis_py(redis_server: RedisServer) -> None:
    """redis-py's PubSub takes the idle connection; ours closes it and takes its place: counted the same."""
    results = {}
    for name, module in LIBRARIES:
        async with client_on(module, "ConnectionPool", redis_server.port, max_connections=1) as (client, _):
            pool = client.connection_pool
            key = f"pubsub-pool-list-{name}"
            await client.rpush(key, "v")
            await client.blpop([key], timeout=1)  # a blocking command: on a pool connection in both libraries
            counts = [c for c, _ in pool.get_connection_count()]
            pubsub = client.pubsub()
            await pubsub.subscribe("a")
            counts += [c for c, _ in pool.get_connection_count()]
            await pubsub.aclose()
            results[name] = counts + [in_use(pool)]
    assert results["leanredis"] == results["redis-py"], results
    assert results["leanredis"] == [1, 0, 0, 1, 0]


@pytest.mark.timeout(30)
async def test_a_lost_pubsub_socket_keeps_its_place_until_aclose_as_redis_py(redis_server: RedisServer) -> None:
    """On a pool built without retry options neither library reconnects on its own: the read after the loss
    raises ConnectionError, the next one reconnects; the connection stays counted throughout."""
    results = {}
    for name, module in LIBRARIES:
        async with client_on(module, "ConnectionPool", redis_server.port, max_connections=1) as (client, cname):
            pool = client.connection_pool
            pubsub = client.pubsub()
            await pubsub.subscribe("a")
            assert (await pubsub.get_message(timeout=2.0))["type"] == "subscribe"
            await kill_pubsub_of(redis_server, cname)
            with pytest.raises(redis.exceptions.ConnectionError):
                await pubsub.get_message(timeout=2.0)
            outcome: list[Any] = [in_use(pool)]
            again = await pubsub.get_message(timeout=2.0)  # reconnects and subscribes again
            outcome += [again["type"] if again else again, in_use(pool)]
            await pubsub.aclose()
            outcome.append(in_use(pool))
            results[name] = outcome
    assert results["leanredis"] == results["redis-py"], results
    assert results["leanredis"] == [1, "subscribe", 1, 0]


@pytest.mark.timeout(30)
async def test_a_pubsub_reconnecting_on_its_own_keeps_one_place_and_takes_a_forgotten_one_again(
    redis_server: RedisServer,
) -> None:
    """leanredis's own reconnect in the background (a client with retries): the place is kept while the
    socket is made again; after the pool's ``aclose()`` forgot every connection, the new socket takes one
    again, so the pool never has a socket it does not count."""
    name = f"pubsub-pool-{next(_names)}"
    async with leanredis.Redis(host="127.0.0.1", port=redis_server.port, client_name=name, max_connections=1) as r:
        pubsub = r.pubsub()
        try:
            await pubsub.subscribe("a")
            assert (await pubsub.get_message(timeout=2.0))["type"] == "subscribe"
            pool = r.connection_pool
            await kill_pubsub_of(redis_server, name)
            assert (await pubsub.get_message(timeout=5.0))["type"] == "subscribe"  # subscribed again
            assert (pubsub.stats()["reconnects"], pool.in_use) == (1, 1)
            await pool.aclose()  # forgets every connection and drops the PubSub's socket
            assert (await pubsub.get_message(timeout=5.0))["type"] == "subscribe"
            assert (pubsub.stats()["reconnects"], pool.in_use, pool.can_get_connection()) == (2, 1, False)
        finally:
            await pubsub.aclose()
        assert pool.in_use == 0


@pytest.mark.timeout(30)
async def test_a_failed_first_connect_gives_the_place_back_as_redis_py() -> None:
    results = {}
    port = free_port()  # nothing listens there
    for name, module in LIBRARIES:
        async with client_on(module, "ConnectionPool", port, max_connections=1) as (client, _):
            pool = client.connection_pool
            pubsub = client.pubsub()
            outcome = []
            for _ in range(2):  # the second would be refused if the first had kept the place
                with pytest.raises(redis.exceptions.ConnectionError) as failed:
                    await pubsub.subscribe("a")
                outcome += [isinstance(failed.value, redis.exceptions.MaxConnectionsError), in_use(pool)]
            await pubsub.aclose()
            results[name] = outcome
    assert results["leanredis"] == results["redis-py"], results
    assert results["leanredis"] == [False, 0, False, 0]


@pytest.mark.timeout(30)
async def test_a_pubsub_collected_without_aclose_gives_its_place_back(redis_server: RedisServer) -> None:
    async with leanredis.Redis(host="127.0.0.1", port=redis_server.port, max_connections=1, pool_timeout=0) as r:
        pubsub = r.pubsub(auto_reconnect=False)
        await pubsub.subscribe("a")
        pool = r.connection_pool
        await pubsub.connection.disconnect()  # lost, and not made again until the next read
        assert pool.in_use == 1
        collected = weakref.ref(pubsub)
        del pubsub
        gc.collect()
        assert collected() is None
        assert pool.in_use == 0
        again = r.pubsub()
        await again.subscribe("a")  # the place is free
        assert pool.in_use == 1
        await again.aclose()
        assert pool.in_use == 0


@pytest.mark.timeout(30)
async def test_commands_that_come_together_on_one_pubsub_take_one_place(redis_server: RedisServer) -> None:
    """Also while they wait for it: the first to get a place takes it for all (redis.asyncio 8.1 would take
    a connection for each, and its PubSub would keep only the last)."""
    async with leanredis.Redis(host="127.0.0.1", port=redis_server.port, max_connections=1, pool_timeout=2) as r:
        pool = r.connection_pool
        pubsub, holder = r.pubsub(), r.pubsub()
        try:
            await asyncio.gather(pubsub.subscribe("a"), pubsub.subscribe("b"), pubsub.psubscribe("c*"), pubsub.ping())
            assert (pool.in_use, pubsub.stats()["connects"]) == (1, 1)  # one place, one socket
            await pubsub.aclose()
            await holder.subscribe("h")
            # the pool is full: the four wait, and the place the holder gives back serves them all
            await asyncio.gather(
                pubsub.subscribe("a"), pubsub.subscribe("b"), pubsub.psubscribe("c*"), pubsub.ping(), holder.aclose()
            )
            assert (pool.in_use, pool.waiting, pool.stats()["wait_timeouts"]) == (1, 0, 0)
            assert pubsub.stats()["connects"] == 2  # one socket more, not four
        finally:
            await pubsub.aclose()
            await holder.aclose()
        assert pool.in_use == 0


@pytest.mark.timeout(30)
async def test_a_pubsub_cancelled_while_it_waits_for_a_place_takes_none(redis_server: RedisServer) -> None:
    async with leanredis.Redis(host="127.0.0.1", port=redis_server.port, max_connections=1, pool_timeout=1) as r:
        holder, waiter, third = r.pubsub(), r.pubsub(), r.pubsub()
        try:
            await holder.subscribe("a")
            pool = r.connection_pool
            task = asyncio.ensure_future(waiter.subscribe("b"))
            while not pool.waiting:
                await asyncio.sleep(0)  # the task's first steps, until it waits on the pool: a few turns
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            await holder.aclose()
            assert (pool.in_use, pool.waiting, waiter.connection) == (0, 0, None)
            await third.subscribe("c")  # the place given back is free: taken at once, not after pool_timeout
            assert (pool.in_use, pool.waiting, pool.stats()["wait_timeouts"]) == (1, 0, 0)  # no waiter left behind
        finally:
            for pubsub in (third, waiter, holder):
                await pubsub.aclose()


@pytest.mark.timeout(60)
@pytest.mark.parametrize("pool_class", ["ConnectionPool", "BlockingConnectionPool"])
async def test_200_pubsub_cycles_leave_the_pool_empty(redis_server: RedisServer, pool_class: str) -> None:
    """max_connections=1: a place kept by any cycle would refuse (or stall) the next one."""
    kwargs = {"timeout": 2} if pool_class == "BlockingConnectionPool" else {}
    async with client_on(leanredis, pool_class, redis_server.port, max_connections=1, **kwargs) as (client, _):
        pool = client.connection_pool
        for cycle in range(200):
            pubsub = client.pubsub()
            await pubsub.subscribe(f"channel-{cycle}")
            assert in_use(pool) == 1
            await pubsub.aclose()
        stats = pool.stats()
        assert (in_use(pool), stats["created"] - stats["closed"], stats["waits"]) == (0, 0, 0)


@pytest.mark.timeout(30)
async def test_without_max_connections_pubsubs_are_not_stopped_at_the_default_bound(redis_server: RedisServer) -> None:
    """``Redis()`` not given ``max_connections``: its 50 bound blocking commands and WATCH, not PubSubs (redis.asyncio's
    default pool holds 100 with its PubSubs). 60 subscribers at once, then a blocking command still gets a connection;
    given ``max_connections``, the PubSubs count (the tests above)."""
    client = leanredis.Redis(host="127.0.0.1", port=redis_server.port)
    pubsubs = [client.pubsub() for _ in range(60)]
    try:
        async with asyncio.timeout(10):  # counted against 50, the 51st would wait pool_timeout (20 s)
            for i, pubsub in enumerate(pubsubs):
                await pubsub.subscribe(f"default-bound-{i}")
        assert in_use(client.connection_pool) == 0
        assert await asyncio.wait_for(client.blpop(["default-bound-list"], timeout=0.01), 5) is None
    finally:
        for pubsub in pubsubs:
            await pubsub.aclose()
        await client.aclose()


@pytest.mark.timeout(30)
async def test_given_max_connections_counts_pubsubs_from_the_client_and_from_url(redis_server: RedisServer) -> None:
    url = f"redis://127.0.0.1:{redis_server.port}/0?max_connections=2&pool_timeout=0.2"
    for client in (
        leanredis.Redis(host="127.0.0.1", port=redis_server.port, max_connections=2, pool_timeout=0.2),
        leanredis.Redis.from_url(url),
    ):
        pubsubs = [client.pubsub() for _ in range(3)]
        try:
            await pubsubs[0].subscribe("a")
            await pubsubs[1].subscribe("b")
            assert in_use(client.connection_pool) == 2
            with pytest.raises(leanredis.ConnectionError, match="max_connections"):
                await pubsubs[2].subscribe("c")
        finally:
            for pubsub in pubsubs:
                await pubsub.aclose()
            await client.aclose()
