"""What a PubSub does around its connection, as redis.asyncio (8.1) does it: resubscribing binary names with
their handlers, ``on_connect``, RESP3 ``push_handler_func``, a lost connection reported to the reader
when no retry reconnects it, and ``pool.disconnect()`` reaching the connection a PubSub holds.

Each test runs the same steps on leanredis and on redis.asyncio against one server and compares.
"""

from __future__ import annotations

import asyncio
import itertools
import types
from typing import Any

import pytest
import redis
import redis.asyncio

import leanredis
from leanredis.server import RedisServer

BINARY_CHANNEL = b"\x80\x81\x82"  # not valid UTF-8: cannot be a keyword argument
BINARY_PATTERN = b"\x80\x81*"
_names = itertools.count()


def both(server: RedisServer, on_pool: bool = False, **kwargs: Any) -> list[tuple[str, Any, str]]:
    """(library, client, client name): leanredis and redis.asyncio, each named apart (to find its pub/sub socket);
    ``on_pool``: each made on a ``ConnectionPool`` built with ``kwargs``, as applications share one."""
    out = []
    for name, module in (("leanredis", leanredis), ("redis-py", redis.asyncio)):
        client_name = f"{name}-{next(_names)}"
        if on_pool:
            pool = module.ConnectionPool(host="127.0.0.1", port=server.port, client_name=client_name, **kwargs)
            client = module.Redis(connection_pool=pool)
            client.auto_close_connection_pool = True  # closed with the client (redis-py's attribute, unwarned)
        else:
            client = module.Redis(host="127.0.0.1", port=server.port, client_name=client_name, **kwargs)
        out.append((name, client, client_name))
    return out


def subscription(name: str) -> Any:
    return leanredis.Subscription if name == "leanredis" else redis.Subscription


async def kill_pubsub_of(server: RedisServer, client_name: str) -> None:
    """CLIENT KILL the pub/sub socket named ``client_name`` (the server drops it, the client did not ask)."""
    admin = redis.asyncio.Redis(host="127.0.0.1", port=server.port)
    try:
        killed = 0
        for entry in await admin.client_list():
            if entry.get("name") == client_name and (entry.get("sub") != "0" or entry.get("psub") != "0"):
                killed += await admin.client_kill_filter(_id=entry["id"])
        assert killed == 1, await admin.client_list()
    finally:
        await admin.aclose()


@pytest.mark.parametrize("how", ["disconnect", "server-kill"])
async def test_binary_channel_and_pattern_keep_their_handlers_across_a_reconnect(
    redis_server: RedisServer, how: str
) -> None:
    results = {}
    for name, client, client_name in both(redis_server):
        handled: list[Any] = []
        pubsub = client.pubsub()
        try:
            make = subscription(name)
            await pubsub.subscribe(make(BINARY_CHANNEL, handled.append))
            await pubsub.psubscribe(make(BINARY_PATTERN, handled.append))
            acks = [await pubsub.get_message(timeout=2.0) for _ in range(2)]
            if how == "disconnect":
                await pubsub.connection.disconnect()
            else:
                await kill_pubsub_of(redis_server, client_name)
            again = [await pubsub.get_message(timeout=2.0) for _ in range(2)]
            delivered = await client.publish(BINARY_CHANNEL, b"after")
            taken = [await pubsub.get_message(timeout=2.0) for _ in range(2)]  # both to handlers: None
            results[name] = (acks, sorted(again, key=repr), delivered, taken, sorted(handled, key=repr))
        finally:
            await pubsub.aclose()
            await client.aclose()
    assert results["leanredis"] == results["redis-py"], results
    assert results["leanredis"][2] == 2 and len(results["leanredis"][4]) == 2  # channel + pattern, both handled


async def test_on_connect_subscribes_again_and_runs_on_each_reconnect(redis_server: RedisServer) -> None:
    results = {}
    for name, client, _ in both(redis_server):
        pubsub = client.pubsub()
        calls: list[Any] = []
        original = pubsub.on_connect

        async def recording(self: Any, connection: Any, calls: list[Any] = calls) -> None:
            calls.append(sorted(self.channels))
            await type(self).on_connect(self, connection)

        # as an application's wrapper would (bound: redis-py keeps a WeakMethod); looked up at each reconnect
        pubsub.on_connect = types.MethodType(recording, pubsub)
        try:
            await pubsub.subscribe("a", "b")
            acks = [await pubsub.get_message(timeout=2.0) for _ in range(2)]
            first = list(calls)  # the first socket: nothing to subscribe again
            await original(pubsub.connection)  # called directly: SUBSCRIBE a b once more
            direct = [await pubsub.get_message(timeout=2.0) for _ in range(2)]
            await pubsub.connection.disconnect()
            again = [await pubsub.get_message(timeout=2.0) for _ in range(2)]
            results[name] = (acks, first, direct, again, calls)
        finally:
            await pubsub.aclose()
            await client.aclose()
    assert results["leanredis"] == results["redis-py"], results
    assert results["leanredis"][4] == [[b"a", b"b"]]


@pytest.mark.parametrize("returns", ["none", "the-push"])
async def test_push_handler_func_sees_every_resp3_push_first(redis_server: RedisServer, returns: str) -> None:
    results = {}
    for name, client, _ in both(redis_server, protocol=3):
        pushes: list[Any] = []

        async def handler(push: list[Any], pushes: list[Any] = pushes) -> Any:
            pushes.append(push)
            return push if returns == "the-push" else None

        pubsub = client.pubsub(push_handler_func=handler)
        try:
            await pubsub.subscribe("foo")
            ack = await pubsub.get_message(timeout=2.0)
            await client.publish("foo", "hello")
            message = await pubsub.get_message(timeout=2.0)
            await pubsub.ping()
            pong = await pubsub.get_message(timeout=2.0)  # a PING's reply is no push: never handed over
            results[name] = (ack, message, pong, pushes)
        finally:
            await pubsub.aclose()
            await client.aclose()
    assert results["leanredis"] == results["redis-py"], results
    assert results["leanredis"][3] == [[b"subscribe", b"foo", 1], [b"message", b"foo", b"hello"]]


async def test_push_handler_func_on_resp2_is_refused_not_ignored(redis_server: RedisServer) -> None:
    client = leanredis.Redis(host="127.0.0.1", port=redis_server.port, protocol=2)
    try:
        with pytest.raises(leanredis.DataError, match="protocol=3"):
            client.pubsub(push_handler_func=print)
        with pytest.raises(leanredis.DataError, match="unknown option"):
            client.pubsub(push_handler=print)
    finally:
        await client.aclose()


@pytest.mark.parametrize("made", ["retry=None", "on a pool without retry"])
@pytest.mark.parametrize("reader", ["get_message", "listen"])
async def test_without_retry_a_lost_connection_raises_connection_error_then_reconnects(
    redis_server: RedisServer, reader: str, made: str
) -> None:
    results = {}
    clients = both(redis_server, on_pool=True) if made.startswith("on a pool") else both(redis_server, retry=None)
    for name, client, client_name in clients:
        pubsub = client.pubsub()
        try:
            await pubsub.subscribe("foo")
            ack = await pubsub.get_message(timeout=2.0)
            await kill_pubsub_of(redis_server, client_name)
            with pytest.raises(redis.ConnectionError if name == "redis-py" else leanredis.ConnectionError):
                if reader == "get_message":
                    await pubsub.get_message(timeout=2.0)
                else:
                    async for _ in pubsub.listen():
                        pass
            again = await pubsub.get_message(timeout=2.0)  # this call reconnects and subscribes again
            await client.publish("foo", "after")
            message = await pubsub.get_message(timeout=2.0)
            results[name] = (ack, again, message)
        finally:
            await pubsub.aclose()
            await client.aclose()
    assert results["leanredis"] == results["redis-py"], results
    assert results["leanredis"][2]["data"] == b"after"


async def test_with_the_default_retry_a_lost_connection_is_reconnected_without_error(
    redis_server: RedisServer,
) -> None:
    results = {}
    for name, client, client_name in both(redis_server):
        pubsub = client.pubsub()
        try:
            await pubsub.subscribe("foo")
            ack = await pubsub.get_message(timeout=2.0)
            await kill_pubsub_of(redis_server, client_name)
            again = await pubsub.get_message(timeout=2.0)
            results[name] = (ack, again)
        finally:
            await pubsub.aclose()
            await client.aclose()
    assert results["leanredis"] == results["redis-py"], results


async def test_connection_stays_the_lost_one_until_the_next_read_reconnects(redis_server: RedisServer) -> None:
    """``pubsub.connection`` after ``connection.disconnect()`` is an object saying ``is_connected`` False
    (redis-py keeps its connection object), then a connected one once a read has reconnected; None only
    after aclose()."""
    results = {}
    for name, client, _ in both(redis_server):
        pubsub = client.pubsub()
        try:
            await pubsub.subscribe("foo")
            ack = await pubsub.get_message(timeout=2.0)
            await pubsub.connection.disconnect()
            lost = (pubsub.connection is not None, pubsub.connection.is_connected)
            again = await pubsub.get_message(timeout=2.0)  # reconnects, subscribes again
            results[name] = (ack, lost, again, pubsub.connection.is_connected)
        finally:
            await pubsub.aclose()
            await client.aclose()
        assert pubsub.connection is None
    assert results["leanredis"] == results["redis-py"], results
    assert results["leanredis"][1] == (True, False)


async def close_pool(client: Any, close: str) -> None:
    """``pool.disconnect()`` (in-use connections too, redis-py's default) or ``pool.aclose()``."""
    pool = client.connection_pool
    await (pool.disconnect() if close == "disconnect" else pool.aclose())


async def reading(name: str, pubsub: Any) -> None:
    """Until ``pubsub``'s reader task waits for a reply (redis-py's in a socket read it gives no sign of: a
    bounded number of loop turns, each of which it needs to get there)."""
    for _ in range(100):
        await asyncio.sleep(0)
        if name == "leanredis" and pubsub._waiters:
            return
    assert name == "redis-py", "the reader never waited"


@pytest.mark.timeout(60)
@pytest.mark.parametrize("then", ["get_message", "subscribe", "listen"])
@pytest.mark.parametrize("made", ["own pool", "on a pool without retry"])
@pytest.mark.parametrize("close", ["disconnect", "aclose"])
async def test_pool_disconnect_drops_the_pubsub_connection_and_the_next_call_subscribes_again(
    redis_server: RedisServer, close: str, made: str, then: str
) -> None:
    """redis.asyncio's PubSub holds a connection of its client's pool, and ``pool.disconnect()`` (in-use ones too,
    by default) or ``pool.aclose()`` closes it: the next read or subscribe reconnects and subscribes again, no
    error raised. ``disconnect(inuse_connections=False)`` leaves it open."""
    results = {}
    for name, client, _ in both(redis_server, on_pool=made != "own pool"):
        pubsub = client.pubsub()
        try:
            await pubsub.subscribe("foo")
            ack = await pubsub.get_message(timeout=2.0)
            await client.connection_pool.disconnect(inuse_connections=False)
            kept = pubsub.connection.is_connected
            await close_pool(client, close)
            dropped = pubsub.connection.is_connected
            if then == "subscribe":
                await pubsub.subscribe("bar")
                again = [await pubsub.get_message(timeout=2.0) for _ in range(2)]
            elif then == "listen":
                messages = pubsub.listen()
                again = [await asyncio.wait_for(messages.__anext__(), 5.0)]
                await messages.aclose()
            else:
                again = [await pubsub.get_message(timeout=2.0)]
            await client.publish("foo", "after")
            message = await pubsub.get_message(timeout=2.0)
            results[name] = (ack, kept, dropped, again, message)
        finally:
            await pubsub.aclose()
            await client.aclose()
    assert results["leanredis"] == results["redis-py"], results
    _, kept, dropped, again, message = results["leanredis"]
    assert (kept, dropped) == (True, False)
    assert again[0] == {"type": "subscribe", "pattern": None, "channel": b"foo", "data": 1}
    assert message is not None and message["data"] == b"after"


@pytest.mark.timeout(60)
@pytest.mark.parametrize("made", ["own pool", "on a pool without retry"])
@pytest.mark.parametrize("close", ["pool.disconnect()", "connection.disconnect()", "server-kill"])
async def test_a_reader_waiting_when_the_connection_is_dropped_gets_what_redis_py_gives(
    redis_server: RedisServer, close: str, made: str
) -> None:
    """A ``get_message`` waiting when the socket is closed under it: with a retry, redis.asyncio reconnects inside
    the call and it returns the subscribe confirmation; without one it reconnects, subscribes again and then raises
    ConnectionError (never waits on a socket that is gone), and what is published after that is received."""
    results = {}
    for name, client, client_name in both(redis_server, on_pool=made != "own pool"):
        pubsub = client.pubsub()
        try:
            await pubsub.subscribe("foo")
            ack = await pubsub.get_message(timeout=2.0)
            reader = asyncio.ensure_future(pubsub.get_message(timeout=5.0))
            await reading(name, pubsub)
            if close == "pool.disconnect()":
                await client.connection_pool.disconnect()
            elif close == "connection.disconnect()":
                await pubsub.connection.disconnect()
            else:
                await kill_pubsub_of(redis_server, client_name)
            try:
                first: Any = await reader
            except (redis.ConnectionError, leanredis.ConnectionError) as exc:
                first = ("raised", type(exc).__name__)
            reconnected = pubsub.connection.is_connected  # before the error reached the reader, as before a reply
            later = []
            if not (isinstance(first, dict) and first["type"] == "subscribe"):
                later.append(await pubsub.get_message(timeout=2.0))  # subscribed again: the publish reaches it
            await client.publish("foo", "after")
            later.append(await pubsub.get_message(timeout=2.0))
            results[name] = (ack, first, reconnected, later)
        finally:
            await pubsub.aclose()
            await client.aclose()
    assert results["leanredis"] == results["redis-py"], results
    assert results["leanredis"][2] is True and results["leanredis"][3][-1]["data"] == b"after"
