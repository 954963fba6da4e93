"""``Redis.keyspace_notifications()`` against a real server, side by side with redis.asyncio 8.1's.

The server's ``notify-keyspace-events`` is set for the module and restored after.
Every wait is bounded.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import redis.asyncio
import redis.asyncio.keyspace_notifications as theirs_module

import leanredis
from leanredis.keyspace_notifications import KeyeventChannel, KeyNotification, KeyspaceChannel
from leanredis.server import RedisServer


@pytest.fixture(scope="module")
def notifying_server(server_binary: str) -> Iterator[RedisServer]:
    server = RedisServer(server_binary, extra_args=["--notify-keyspace-events", "KEA"])
    server.start()
    yield server
    server.stop()


@pytest.fixture(params=[(2, False), (3, True)], ids=["resp2", "resp3-decode"])
async def clients(request: pytest.FixtureRequest, notifying_server: RedisServer) -> AsyncIterator[tuple[Any, Any]]:
    protocol, decode = request.param
    ours = leanredis.Redis(host="127.0.0.1", port=notifying_server.port, protocol=protocol, decode_responses=decode)
    theirs = redis.asyncio.Redis(host="127.0.0.1", port=notifying_server.port, decode_responses=decode)
    await ours.flushdb()
    yield ours, theirs
    await ours.aclose()
    await theirs.aclose()


async def _until(predicate: Any, limit: float = 5.0) -> None:
    """Wait (bounded) until ``predicate()`` holds."""
    async with asyncio.timeout(limit):
        while not predicate():
            await asyncio.sleep(0.01)


def _fields(notification: Any) -> tuple[Any, ...]:
    return tuple(dataclasses.astuple(notification))


async def _drain(ksn: Any, count: int) -> list[tuple[Any, ...]]:
    """``count`` notifications (None results skipped), within 5 s."""
    got: list[tuple[Any, ...]] = []
    async with asyncio.timeout(5):
        while len(got) < count:
            notification = await ksn.get_message(timeout=1.0)
            if notification is not None:
                got.append(_fields(notification))
    return got


async def test_the_same_notifications_as_redis_py(clients: tuple[Any, Any]) -> None:
    ours, theirs = clients
    mine = ours.keyspace_notifications()
    reference = theirs.keyspace_notifications()
    assert isinstance(reference, theirs_module.AsyncKeyspaceNotifications)
    for ksn in (mine, reference):
        await ksn.subscribe(KeyspaceChannel("user:*"), KeyeventChannel("del"))
        await ksn.subscribe_keyevent("hset")
    await ours.set("user:1", "a")
    await ours.incr("user:2")
    await ours.hset("h", "f", "v")
    await ours.delete("user:1", "nobody")
    await ours.expire("user:2", 100)
    await ours.set("other", "x")  # matches nothing subscribed
    expected = await _drain(reference, 6)
    got = await _drain(mine, 6)
    assert got == expected
    assert [row[1] for row in got] == ["set", "incrby", "hset", "del", "del", "expire"]
    assert await mine.get_message(timeout=0.05) is None
    await mine.aclose()
    await reference.aclose()


async def test_key_prefix_filters_and_strips_as_in_redis_py(clients: tuple[Any, Any]) -> None:
    ours, theirs = clients
    mine = ours.keyspace_notifications(key_prefix="app:")
    reference = theirs.keyspace_notifications(key_prefix="app:")
    for ksn in (mine, reference):
        await ksn.subscribe_keyspace("*")
    await ours.set("other:1", "x")
    await ours.set("app:1", "x")
    await ours.lpush("app:list", 1)
    expected = await _drain(reference, 2)
    got = await _drain(mine, 2)
    assert got == expected
    assert [row[0] for row in got] == ["1", "list"]
    await mine.aclose()
    await reference.aclose()


async def test_handlers_sync_and_async_get_notifications_not_get_message(clients: tuple[Any, Any]) -> None:
    ours, _ = clients
    seen: list[KeyNotification] = []
    seen_async: list[KeyNotification] = []

    async def on_event(notification: KeyNotification) -> None:
        await asyncio.sleep(0)
        seen_async.append(notification)

    async with ours.keyspace_notifications() as ksn:
        await ksn.subscribe_keyspace("a", handler=seen.append)
        await ksn.subscribe_keyevent("rpush", handler=on_event)
        await ksn.subscribe_keyspace("plain")
        await ours.set("a", 1)
        await ours.rpush("l", 1)
        await ours.set("plain", 1)
        returned = []
        async with asyncio.timeout(5):
            while not returned:
                notification = await ksn.get_message(timeout=1.0)
                if notification is not None:
                    returned.append(notification)
        assert [(n.key, n.event_type) for n in seen] == [("a", "set")]
        assert [(n.key, n.event_type, n.is_keyspace) for n in seen_async] == [("l", "rpush", False)]
        assert [(n.key, n.event_type) for n in returned] == [("plain", "set")]
    assert not ksn.subscribed
    assert await ksn.get_message(timeout=0.01) is None


async def test_run_delivers_to_handlers_and_hands_errors_to_the_exception_handler(clients: tuple[Any, Any]) -> None:
    ours, _ = clients
    delivered: list[str] = []
    errors: list[BaseException] = []

    def handler(notification: KeyNotification) -> None:
        if notification.key == "boom":
            raise ValueError("handler failed")
        delivered.append(notification.key)

    ksn = ours.keyspace_notifications()
    await ksn.subscribe_keyspace("*", handler=handler)
    task = asyncio.create_task(ksn.run(poll_timeout=0.1, exception_handler=lambda exc, _ksn: errors.append(exc)))
    await ours.set("boom", 1)
    await ours.set("fine", 1)
    await _until(lambda: delivered == ["fine"] and len(errors) == 1)
    assert isinstance(errors[0], ValueError)
    await ksn.unsubscribe()
    async with asyncio.timeout(5):
        await task  # run() ends by itself once nothing is subscribed
    await ksn.aclose()


async def test_bad_channels_are_refused_and_a_closed_object_is_clear(clients: tuple[Any, Any]) -> None:
    ours, _ = clients
    ksn = ours.keyspace_notifications()
    with pytest.raises(TypeError, match="channel"):
        await ksn.subscribe(42)
    with pytest.raises(TypeError, match="at least one"):
        await ksn.subscribe()
    with pytest.raises(TypeError, match="handler"):
        await ksn.subscribe("__keyspace@0__:k", handler="not callable")
    await ksn.aclose()
    with pytest.raises(RuntimeError, match="closed"):
        await ksn.subscribe_keyspace("k")


async def test_aclose_leaves_no_connection_on_the_server(clients: tuple[Any, Any]) -> None:
    ours, _ = clients
    ksn = ours.keyspace_notifications()
    await ksn.subscribe_keyspace("k")
    name_count = len(await ours.client_list(_type="pubsub"))
    assert name_count == 1
    await ksn.aclose()
    async with asyncio.timeout(5):
        while await ours.client_list(_type="pubsub"):
            await asyncio.sleep(0.02)
