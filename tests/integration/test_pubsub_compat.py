"""PubSub API details redis.asyncio users rely on: channel objects, ``connection``, ``parse_response``,
health checks, ``run()`` that always yields, and the deprecated ``close``/``reset`` aliases.

Each test runs the same steps on leanredis and on redis.asyncio (8.1) against one server.
"""

from __future__ import annotations

import asyncio
import warnings
from typing import Any

import pytest
import redis
import redis.asyncio

import leanredis
from leanredis.server import RedisServer

from .families.oracle import same_shape

CLIENTS = pytest.mark.parametrize(
    "protocol, decode",
    [(2, False), (2, True), (3, False), (3, True)],
    ids=["resp2", "resp2-decode", "resp3", "resp3-decode"],
)


def clients(server: RedisServer, protocol: int, decode: bool, **kwargs: Any) -> tuple[Any, Any]:
    ours = leanredis.Redis(host="127.0.0.1", port=server.port, protocol=protocol, decode_responses=decode)
    theirs = redis.asyncio.Redis(host="127.0.0.1", port=server.port, decode_responses=decode, **kwargs)
    return ours, theirs


async def read_all(pubsub: Any, count: int, timeout: float = 2.0) -> list[Any]:
    """``count`` messages (handled ones count as None), each waited for at most ``timeout`` seconds."""
    out = []
    for _ in range(count):
        out.append(await pubsub.get_message(timeout=timeout))
    return out


def plain(name: Any) -> Any:
    return bytes(name) if isinstance(name, memoryview) else name


@CLIENTS
async def test_subscribe_takes_str_bytes_memoryview_int_and_subscription_objects(
    redis_server: RedisServer, protocol: int, decode: bool
) -> None:
    results = []
    subscriptions = (leanredis.Subscription, redis.Subscription)
    for client, subscription in zip(clients(redis_server, protocol, decode), subscriptions):
        handled: list[Any] = []
        pubsub = client.pubsub()
        try:
            await pubsub.subscribe("a", b"b", memoryview(b"c"), 5, subscription(b"d", handled.append))
            await pubsub.psubscribe(subscription("p*", handled.append), "q*")
            confirmations = await read_all(pubsub, 7)
            for channel in ("a", "b", "c", "5", "d", "px", "qx"):
                await client.publish(channel, f"to {channel}")
            messages = await read_all(pubsub, 7)  # one per publish; "d" and "px" (p*) handled: None
            channels = sorted(plain(name) for name in pubsub.channels)
            patterns = {plain(name): handler is not None for name, handler in pubsub.patterns.items()}
            results.append((confirmations, messages, handled, channels, patterns))
        finally:
            await pubsub.aclose()
            await client.aclose()
    assert same_shape(results[0], results[1]), results
    assert len(results[0][2]) == 2  # d and px went to their handlers


@pytest.mark.parametrize("command", ["subscribe", "psubscribe", "ssubscribe"])
async def test_redis_pys_own_subscription_objects_name_a_binary_channel_and_its_handler(
    redis_server: RedisServer, command: str
) -> None:
    """``from redis.asyncio import Subscription`` is redis-py's class: an application that changed only
    its client still builds those, and its handler must run for the non-UTF-8 channel it names."""
    client = leanredis.Redis(host="127.0.0.1", port=redis_server.port)
    handled: list[Any] = []
    channel = b"\x80\x81"
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    try:
        await getattr(pubsub, command)(redis.asyncio.Subscription(channel + (b"*" if command == "psubscribe" else b""),
                                                                  handled.append))
        assert await pubsub.get_message(timeout=1) is None  # the confirmation, ignored
        publish = client.spublish if command == "ssubscribe" else client.publish
        assert await publish(channel, b"hi") == 1
        assert await pubsub.get_message(timeout=1) is None  # handled, not returned
        assert [(m["channel"], m["data"]) for m in handled] == [(channel, b"hi")]
    finally:
        await pubsub.aclose()
        await client.aclose()


@CLIENTS
async def test_connection_is_none_until_connected_and_after_aclose(
    redis_server: RedisServer, protocol: int, decode: bool
) -> None:
    for client in clients(redis_server, protocol, decode):
        pubsub = client.pubsub()
        try:
            assert pubsub.connection is None
            await pubsub.subscribe("a")
            assert pubsub.connection is not None and pubsub.connection.is_connected
            await pubsub.aclose()
            assert pubsub.connection is None
        finally:
            await pubsub.aclose()
            await client.aclose()


@CLIENTS
async def test_parse_response_gives_raw_replies_or_none(redis_server: RedisServer, protocol: int, decode: bool) -> None:
    results = []
    for client in clients(redis_server, protocol, decode):
        pubsub = client.pubsub()
        try:
            with pytest.raises(RuntimeError, match="pubsub connection not set"):
                await pubsub.parse_response(block=False)
            with pytest.raises(RuntimeError, match="pubsub connection not set"):
                await pubsub.check_health()
            await pubsub.subscribe("a")
            confirmation = await pubsub.parse_response(block=False, timeout=2.0)
            nothing = await pubsub.parse_response(block=False, timeout=0.05)
            await client.publish("a", "hi")
            message = await pubsub.parse_response(block=True)
            await pubsub.check_health()  # no interval: nothing sent
            nothing_again = await pubsub.parse_response(block=False, timeout=0.05)
            results.append((confirmation, nothing, message, nothing_again))
        finally:
            await pubsub.aclose()
            await client.aclose()
    assert results[0][1] is None and results[0][3] is None
    # redis-py with hiredis gives hiredis.PushNotification, a list subclass: compare as lists
    def lists(result: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple(list(r) if isinstance(r, list) else r for r in result)

    assert same_shape(lists(results[0]), lists(results[1])), results


async def next_message(pubsub: Any) -> Any:
    """The next message that is not None (a filtered health-check reply reads as None), in at most 5 reads."""
    for _ in range(5):
        message = await pubsub.get_message(timeout=1.0)
        if message is not None:
            return message
    return None


async def ping_calls(client: Any) -> int:
    stats = (await client.info("commandstats")).get("cmdstat_ping", {})
    return int(stats.get("calls", 0))


@CLIENTS
async def test_health_check_pings_an_idle_connection_and_hides_the_reply(
    redis_server: RedisServer, protocol: int, decode: bool
) -> None:
    results = []
    for client in clients(redis_server, protocol, decode, health_check_interval=0.05):
        pubsub = client.pubsub()
        if isinstance(client, leanredis.Redis):
            pubsub.health_check_interval = 0.05
        try:
            await pubsub.subscribe("a")
            assert (await next_message(pubsub))["type"] == "subscribe"
            before = await ping_calls(client)
            await asyncio.sleep(0.1)  # idle past the interval
            hidden = await pubsub.get_message(timeout=0.3)  # sends the PING; its pong never comes out
            sent = await ping_calls(client) - before
            await pubsub.ping("mine")  # a caller's own PING still comes back
            pong = await next_message(pubsub)
            results.append((hidden, sent >= 1, pong))
        finally:
            await pubsub.aclose()
            await client.aclose()
    assert results[0] == (None, True, results[0][2]) and results[0][2]["type"] == "pong"
    if decode:
        # redis-py 8.1 reads that pong as a str and indexes it ({'type': 'm', 'channel': 'i', ...}): not copied
        assert results[0][:2] == results[1][:2] and results[0][2]["data"] == "mine"
    else:
        assert same_shape(results[0], results[1]), results


@pytest.mark.parametrize("failure", ["source-not-connected", "handler-raises"])
async def test_run_yields_to_the_loop_when_every_turn_fails_at_once(redis_server: RedisServer, failure: str) -> None:
    """A handler (or the source) that fails at once must not starve other tasks: run() yields each turn."""
    client = leanredis.Redis(host="127.0.0.1", port=redis_server.port)
    pubsub = client.pubsub()
    turns = 2_000
    ticks = 0
    ticks_seen: list[int] = []

    class Enough(Exception):
        pass

    def exception_handler(exc: BaseException, _pubsub: Any) -> None:
        ticks_seen.append(ticks)
        if len(ticks_seen) >= turns:
            raise Enough from exc  # ends run(): the test stops whether or not it yielded

    def failing_handler(message: Any) -> None:
        raise ValueError("handler failed")

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    source = None
    try:
        if failure == "source-not-connected":
            source = client.pubsub()  # get_message raises RuntimeError at once, every time
        else:
            await pubsub.subscribe(a=failing_handler)
            for start in range(0, turns + 100, 500):
                await asyncio.gather(*(client.publish("a", str(i)) for i in range(start, start + 500)))
            for _ in range(200):  # every message queued before run() starts
                if pubsub.stats()["queued"] >= turns + 1:
                    break
                await asyncio.sleep(0.01)
        ticking = asyncio.ensure_future(ticker())
        with pytest.raises(Enough):
            await asyncio.wait_for(pubsub.run(exception_handler=exception_handler, pubsub=source), 30)
        ticking.cancel()
        assert ticks_seen[-1] - ticks_seen[0] >= turns // 2, "the other task did not run while run() looped"
    finally:
        await pubsub.aclose()
        await client.aclose()


async def test_run_refuses_a_channel_without_handler_as_redis_py(redis_server: RedisServer) -> None:
    for client in clients(redis_server, 2, False):
        pubsub = client.pubsub()
        try:
            await pubsub.subscribe("no-handler")
            with pytest.raises(Exception, match="Channel: '(b')?no-handler'?' has no handler registered") as info:
                await asyncio.wait_for(pubsub.run(), 5)
            assert type(info.value).__name__ == "PubSubError"
        finally:
            await pubsub.aclose()
            await client.aclose()


async def test_deprecated_close_and_reset_warn_as_redis_py(redis_server: RedisServer) -> None:
    seen = []
    for client in clients(redis_server, 2, False):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            pubsub = client.pubsub()
            await pubsub.subscribe("a")
            await pubsub.close()
            await pubsub.subscribe("a")
            await pubsub.reset()
            await pubsub.aclose()
            await client.ping()
            await client.close()
            await client.aclose()
        seen.append([(w.category, str(w.message), w.filename) for w in caught if w.category is DeprecationWarning])
    assert [(category, message) for category, message, _ in seen[0]] == [
        (category, message) for category, message, _ in seen[1]
    ]
    assert len(seen[0]) == 3
    assert all(filename == __file__ for _, _, filename in seen[0])  # the caller's line, not ours
