"""Pub/Sub against real servers, RESP2 and RESP3: shapes, handlers, memory bounds, restart, cancellation.

redis.asyncio is the oracle for message dicts and command return types. The
floods publish from a separate process, so that this process's tracemalloc
figures are the subscriber's alone. Every wait is bounded in count and time.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import tracemalloc
from collections.abc import AsyncIterator
from typing import Any

import pytest
import redis.asyncio

import leanredis
from leanredis.server import RedisServer

from .docs_examples import example
from .families.oracle import same_shape

PROTOCOLS = pytest.mark.parametrize("protocol", [2, 3], ids=["resp2", "resp3"])

FLOOD = 100_000
QUEUE_LIMIT = 1_000
PAYLOAD = 32  # bytes per message body: 100,000 stay well inside the server's 8 MB soft pubsub buffer limit
# The subscriber's Python heap at the peak of a flood, over its start: a 1,000-message queue, one
# socket read of unparsed bytes, and the dicts of the message being handled. Unbounded, the 100,000
# messages would take ~25 MB.
FLOOD_HEAP_BOUND = 3 * 1024 * 1024

PUBLISHER = """
import asyncio, sys, leanredis
async def main():
    port, channel, count, size = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    async with leanredis.Redis(port=port) as r:
        for start in range(0, count, 5000):
            await asyncio.gather(*(r.publish(channel, b"%08d" % i + b"x" * (size - 8))
                                   for i in range(start, min(count, start + 5000))))
        await r.publish(channel, b"end")
asyncio.run(main())
"""


async def wait_until(predicate: Any, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        await asyncio.sleep(0.01)
    return bool(predicate())


async def drain(pubsub: Any, limit: int = 50, timeout: float = 0.3) -> list[dict[str, Any]]:
    """Every message until none comes for ``timeout`` seconds (at most ``limit``).

    get_message also returns None for a message its handler took: only a None that
    took the whole timeout means the stream went quiet.
    """
    out = []
    for _ in range(limit * 2):
        started = time.monotonic()
        message = await pubsub.get_message(timeout=timeout)
        if message is not None:
            out.append(message)
            if len(out) >= limit:
                break
        elif time.monotonic() - started >= timeout * 0.9:
            break
    return out


@pytest.fixture
async def client(redis_server: RedisServer) -> AsyncIterator[leanredis.Redis]:
    c = leanredis.Redis(host="127.0.0.1", port=redis_server.port)
    yield c
    await c.aclose()


# -- shapes ----------------------------------------------------------------------


async def _every_message_type(pubsub: Any, publisher: Any, pings: bool) -> list[dict[str, Any]]:
    await pubsub.subscribe("shape:a", "shape:b")
    await pubsub.psubscribe("shape:*")
    await pubsub.ssubscribe("shape:s")
    assert len(await drain(pubsub, timeout=0.2)) == 4  # confirmations first, so publishes reach every subscription
    await publisher.publish("shape:a", "hello")
    await publisher.spublish("shape:s", "shard")
    if pings:
        await pubsub.ping()
        await pubsub.ping("hi")
    await pubsub.unsubscribe("shape:b")
    await pubsub.unsubscribe()
    await pubsub.punsubscribe()
    await pubsub.sunsubscribe()
    await pubsub.unsubscribe()  # with nothing subscribed: channel None, count 0
    return await drain(pubsub)


@pytest.mark.parametrize("decode", [False, True], ids=["bytes", "decode"])
@PROTOCOLS
async def test_every_message_type_has_redis_py_shape(redis_server: RedisServer, protocol: int, decode: bool) -> None:
    ours = leanredis.Redis(port=redis_server.port, protocol=protocol, decode_responses=decode)
    theirs = redis.asyncio.Redis(port=redis_server.port, protocol=protocol, decode_responses=decode)
    # redis-py 8.1 breaks on a RESP3 PONG with decode_responses (it indexes the str "PONG"): no pings there
    pings = not (protocol == 3 and decode)
    try:
        async with ours.pubsub() as p:
            got = await _every_message_type(p, ours, pings)
            assert not p.subscribed and p.channels == {} and p.patterns == {} and p.shard_channels == {}
        p2 = theirs.pubsub()
        expected = await _every_message_type(p2, theirs, pings)
        await p2.aclose()
    finally:
        await ours.aclose()
        await theirs.aclose()
    types = [m["type"] for m in got]
    assert {"message", "pmessage", "smessage", "unsubscribe", "punsubscribe", "sunsubscribe"} <= set(types)
    assert ("pong" in types) == pings
    assert same_shape(got, expected), f"leanredis {got!r}\nredis-py {expected!r}"


@PROTOCOLS
async def test_publish_and_pubsub_introspection_return_redis_py_types(
    redis_server: RedisServer, protocol: int
) -> None:
    ours = leanredis.Redis(port=redis_server.port, protocol=protocol)
    theirs = redis.asyncio.Redis(port=redis_server.port)
    sub = ours.pubsub()
    try:
        await sub.subscribe("intro:a", "intro:b")
        await sub.psubscribe("intro:*")
        await sub.ssubscribe("intro:s")
        assert await wait_until(lambda: sub.stats()["received"] == 4, 5)
        calls: list[tuple[str, tuple[Any, ...]]] = [
            ("publish", ("intro:a", "x")),
            ("spublish", ("intro:s", "x")),
            ("pubsub_channels", ()),
            ("pubsub_channels", ("intro:*",)),
            ("pubsub_numsub", ("intro:a", "intro:none")),
            ("pubsub_numsub", ()),
            ("pubsub_numpat", ()),
            ("pubsub_shardchannels", ()),
            ("pubsub_shardnumsub", ("intro:s", "intro:none")),
        ]
        for method, args in calls:
            got = await getattr(ours, method)(*args)
            expected = await getattr(theirs, method)(*args)
            if isinstance(got, list) and method == "pubsub_channels":
                got, expected = sorted(got), sorted(expected)
            assert same_shape(got, expected), f"{method}{args}: {got!r} vs {expected!r}"
        assert await ours.publish("intro:a", "x") == 2  # the channel and the pattern
        assert await ours.pubsub_numsub("intro:a") == [(b"intro:a", 1)]
    finally:
        await sub.aclose()
        await ours.aclose()
        await theirs.aclose()


# -- handlers, listen, ignore --------------------------------------------------


@PROTOCOLS
async def test_handlers_get_published_messages_instead_of_the_caller(redis_server: RedisServer, protocol: int) -> None:
    r = leanredis.Redis(port=redis_server.port, protocol=protocol, decode_responses=True)
    seen: list[tuple[str, dict[str, Any]]] = []

    async def on_pattern(message: dict[str, Any]) -> None:
        seen.append(("async", message))

    p = r.pubsub(ignore_subscribe_messages=True)
    try:
        await p.subscribe("plain", **{"h:chan": lambda m: seen.append(("sync", m))})
        await p.psubscribe(**{"hp:*": on_pattern})
        await p.ssubscribe(**{"h:shard": lambda m: seen.append(("shard", m))})
        assert await drain(p, timeout=0.2) == []  # confirmations ignored
        await r.publish("h:chan", "one")
        await r.publish("hp:x", "two")
        await r.spublish("h:shard", "three")
        await r.publish("plain", "four")
        got = await drain(p, timeout=0.3)
        assert got == [{"type": "message", "pattern": None, "channel": "plain", "data": "four"}]
        assert seen == [
            ("sync", {"type": "message", "pattern": None, "channel": "h:chan", "data": "one"}),
            ("async", {"type": "pmessage", "pattern": "hp:*", "channel": "hp:x", "data": "two"}),
            ("shard", {"type": "smessage", "pattern": None, "channel": "h:shard", "data": "three"}),
        ]
    finally:
        await p.aclose()
        await r.aclose()


async def test_listen_yields_until_unsubscribed_then_ends(client: leanredis.Redis) -> None:
    p = client.pubsub()
    await p.subscribe("listen:a")
    got: list[dict[str, Any]] = []

    async def consume() -> None:
        async for message in p.listen():
            got.append(message)
            if message["type"] == "message" and message["data"] == b"2":
                await p.unsubscribe("listen:a")

    task = asyncio.create_task(consume())
    await wait_until(lambda: len(got) == 1, 5)
    for i in range(3):
        await client.publish("listen:a", str(i))
    await asyncio.wait_for(task, 5)  # ends by itself once the unsubscribe is confirmed
    assert [m["type"] for m in got] == ["subscribe", "message", "message", "message", "unsubscribe"]
    assert not p.subscribed
    await p.aclose()


@PROTOCOLS
async def test_undecodable_message_raises_to_the_consumer_and_the_next_one_arrives(
    redis_server: RedisServer, protocol: int
) -> None:
    r = leanredis.Redis(port=redis_server.port, protocol=protocol, decode_responses=True)
    p = r.pubsub(ignore_subscribe_messages=True)
    try:
        await p.subscribe("bad:utf8")
        assert await drain(p, timeout=0.2) == []
        await r.publish("bad:utf8", b"\xff\xfe")
        await r.publish("bad:utf8", "fine")
        with pytest.raises(UnicodeDecodeError):
            await p.get_message(timeout=2)
        assert (await p.get_message(timeout=2) or {}).get("data") == "fine"
        assert p.stats()["reconnects"] == 0
    finally:
        await p.aclose()
        await r.aclose()


async def test_get_message_before_subscribing_raises_like_redis_py(client: leanredis.Redis) -> None:
    p = client.pubsub()
    with pytest.raises(RuntimeError, match="subscribe"):
        await p.get_message()


async def test_bad_options_are_refused(client: leanredis.Redis) -> None:
    with pytest.raises(leanredis.DataError, match="max_pending_messages"):
        client.pubsub(max_pending_messages=0)
    with pytest.raises(leanredis.DataError, match="overflow"):
        client.pubsub(overflow="grow")


# -- memory: 100,000 messages faster than the subscriber reads ------------------


def start_publisher(server: RedisServer, channel: str) -> subprocess.Popen[bytes]:
    # The publisher is not under test: out of asyncio debug mode (a CI pass sets it), its 100,000
    # publishes take a fraction of the time, and the subscriber is what the test measures.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONASYNCIODEBUG"}
    return subprocess.Popen(
        [sys.executable, "-c", PUBLISHER, str(server.port), channel, str(FLOOD), str(PAYLOAD)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
    )


async def wait_process(process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while process.poll() is None and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    if process.poll() is None:
        process.kill()
        pytest.fail("the publisher did not finish in time")
    assert process.returncode == 0, process.stderr.read().decode() if process.stderr else ""


FLOOD_FIGURES: dict[str, dict[str, Any]] = {}


@PROTOCOLS
async def test_flood_under_pause_stays_bounded_and_loses_nothing(fresh_server: RedisServer, protocol: int) -> None:
    r = leanredis.Redis(port=fresh_server.port, protocol=protocol)
    p = r.pubsub(max_pending_messages=QUEUE_LIMIT, overflow="pause")
    await p.subscribe("flood")
    assert (await p.get_message(timeout=5) or {}).get("type") == "subscribe"
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        publisher = start_publisher(fresh_server, "flood")
        # the subscriber reads nothing until the publisher is done: the queue fills, the socket pauses
        await wait_process(publisher, 60)
        assert await wait_until(lambda: p.stats()["reading_paused"], 5)
        expected = 0
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            message = await p.get_message(timeout=5)
            assert message is not None, f"stalled after {expected} messages: {p.stats()}"
            if message["data"] == b"end":
                break
            assert message["data"][:8] == b"%08d" % expected, f"out of order at {expected}"
            expected += 1
            if expected % 10_000 == 0:
                await asyncio.sleep(0.01)  # a consumer with other work: the socket pauses again
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
        await p.aclose()
        await r.aclose()
    stats = p.stats()
    FLOOD_FIGURES[f"pause-resp{protocol}"] = {"peak_heap_bytes": peak, **stats}
    print(f"\npause resp{protocol}: heap peak {peak / 1e6:.2f} MB, stats {stats}")
    assert expected == FLOOD, f"{FLOOD - expected} messages lost"
    assert stats["dropped"] == 0 and stats["reconnects"] == 0
    assert stats["queued_high"] <= QUEUE_LIMIT
    assert stats["pauses"] >= 2  # it paused, resumed below half, and paused again
    assert peak < FLOOD_HEAP_BOUND, f"subscriber heap grew {peak} bytes"


@PROTOCOLS
async def test_flood_under_drop_oldest_stays_bounded_and_counts_drops(
    fresh_server: RedisServer, protocol: int
) -> None:
    r = leanredis.Redis(port=fresh_server.port, protocol=protocol)
    p = r.pubsub(max_pending_messages=QUEUE_LIMIT, overflow="drop_oldest", ignore_subscribe_messages=True)
    await p.subscribe("flood")
    assert await wait_until(lambda: p.stats()["received"] == 1, 5)
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        publisher = start_publisher(fresh_server, "flood")
        await wait_process(publisher, 60)
        # the subscription confirmation, FLOOD messages and "end": all read, only the newest kept
        assert await wait_until(lambda: p.stats()["received"] == FLOOD + 2, 30), p.stats()
        peak = tracemalloc.get_traced_memory()[1] - base
        kept = [m["data"] for m in await drain(p, limit=QUEUE_LIMIT + 10, timeout=0.2)]
    finally:
        tracemalloc.stop()
        await p.aclose()
        await r.aclose()
    stats = p.stats()
    FLOOD_FIGURES[f"drop-resp{protocol}"] = {"peak_heap_bytes": peak, **stats}
    print(f"\ndrop_oldest resp{protocol}: heap peak {peak / 1e6:.2f} MB, stats {stats}")
    assert stats["queued_high"] == QUEUE_LIMIT
    assert stats["dropped"] == FLOOD + 2 - QUEUE_LIMIT
    assert stats["pauses"] == 0
    assert len(kept) == QUEUE_LIMIT and kept[-1] == b"end"
    assert [d[:8] for d in kept[:-1]] == [b"%08d" % i for i in range(FLOOD - QUEUE_LIMIT + 1, FLOOD)]
    assert peak < FLOOD_HEAP_BOUND, f"subscriber heap grew {peak} bytes"


# -- restart -----------------------------------------------------------------------


@PROTOCOLS
async def test_server_restart_resubscribes_everything_and_listen_carries_on(
    fresh_server: RedisServer, protocol: int
) -> None:
    r = leanredis.Redis(port=fresh_server.port, protocol=protocol)
    p = r.pubsub(ignore_subscribe_messages=True)
    got: list[dict[str, Any]] = []
    try:
        await p.subscribe("rs:chan")
        await p.psubscribe("rp:*")
        await p.ssubscribe("rs:shard")

        async def consume() -> None:
            async for message in p.listen():
                got.append(message)

        listener = asyncio.create_task(consume())
        assert await wait_until(lambda: p.stats()["received"] == 3, 5)
        await r.publish("rs:chan", "before")
        assert await wait_until(lambda: len(got) == 1, 5)

        fresh_server.kill()
        assert await wait_until(lambda: not p.is_connected, 5)
        await asyncio.sleep(0.3)  # a few reconnect attempts fail with backoff while it is down
        fresh_server.start()
        assert await wait_until(lambda: p.stats()["reconnects"] == 1, 10), p.stats()

        async def resubscribed() -> bool:
            return (
                await r.pubsub_numsub("rs:chan") == [(b"rs:chan", 1)]
                and await r.pubsub_numpat() == 1
                and await r.pubsub_shardnumsub("rs:shard") == [(b"rs:shard", 1)]
            )

        for _ in range(100):
            try:
                if await resubscribed():
                    break
            except leanredis.ConnectionError:
                pass  # the publisher's own connection reconnects on the next command
            await asyncio.sleep(0.05)
        else:
            pytest.fail(f"not resubscribed after the restart: {p.stats()}")
        await r.publish("rs:chan", "after")
        await r.publish("rp:x", "pattern")
        await r.spublish("rs:shard", "shard")
        assert await wait_until(lambda: len(got) == 4, 5), got
        assert not listener.done()
        listener.cancel()
    finally:
        await p.aclose()
        await r.aclose()
    assert [(m["type"], m["data"]) for m in got] == [
        ("message", b"before"),
        ("message", b"after"),
        ("pmessage", b"pattern"),
        ("smessage", b"shard"),
    ]
    stats = p.stats()
    assert stats["connect_failures"] >= 1 and stats["connects"] == 2


# -- cancellation and release ---------------------------------------------------------


async def test_cancelled_waiters_leave_the_pubsub_usable(client: leanredis.Redis) -> None:
    p = client.pubsub(ignore_subscribe_messages=True)
    await p.subscribe("cancel:a")
    assert await drain(p, timeout=0.2) == []
    for _ in range(3):
        waiter = asyncio.create_task(p.get_message(timeout=None))
        listener = asyncio.create_task(p.listen().__anext__())
        timed = asyncio.create_task(asyncio.wait_for(p.get_message(timeout=None), 0.05))
        await asyncio.sleep(0.02)
        waiter.cancel()
        listener.cancel()
        for task in (waiter, listener):
            with pytest.raises(asyncio.CancelledError):
                await task
        with pytest.raises(asyncio.TimeoutError):
            await timed
    assert len(p._waiters) == 0  # no cancelled waiter left behind
    await client.publish("cancel:a", "still here")
    message = await p.get_message(timeout=2)
    assert message is not None and message["data"] == b"still here"

    # woken by a message, then cancelled before it ran: the next waiter gets the message
    first = asyncio.create_task(p.get_message(timeout=None))
    second = asyncio.create_task(p.get_message(timeout=None))
    await asyncio.sleep(0.02)
    p._deliver([b"message", b"cancel:a", b"handed on"])
    first.cancel()
    message = await asyncio.wait_for(second, 2)
    assert message is not None and message["data"] == b"handed on"
    with pytest.raises(asyncio.CancelledError):
        await first
    await p.aclose()


async def test_aclose_releases_the_dedicated_connection(redis_server: RedisServer) -> None:
    # a name of its own (the pub/sub socket takes it too): other tests' sockets do not count
    client = leanredis.Redis(host="127.0.0.1", port=redis_server.port, client_name="release-test")

    async def count() -> int:
        return sum(1 for c in await client.client_list() if c.get("name") == "release-test")

    before = await count()
    p = client.pubsub()
    await p.subscribe("release:a")
    assert (await p.get_message(timeout=2) or {}).get("type") == "subscribe"
    assert await count() == before + 1  # its own socket: the client's connection is not used
    assert await client.set("release:k", "v") is True
    waiter = asyncio.create_task(p.get_message(timeout=None))
    await asyncio.sleep(0.02)
    await p.aclose()
    assert await asyncio.wait_for(waiter, 2) is None  # a waiter is let go, not left hanging
    for _ in range(100):
        if await count() == before:
            break
        await asyncio.sleep(0.02)
    assert await count() == before
    assert not p.subscribed and p.stats()["queued"] == 0
    # usable again after aclose, as with redis.asyncio
    await p.subscribe("release:b")
    assert (await p.get_message(timeout=2) or {}).get("channel") == b"release:b"
    await p.aclose()
    await client.aclose()


async def test_connect_failure_raises_connection_error_and_subscribes_nothing(server_binary: str) -> None:
    from leanredis.server import free_port

    r = leanredis.Redis(port=free_port(), socket_connect_timeout=1)
    p = r.pubsub()
    with pytest.raises(leanredis.ConnectionError):
        await p.subscribe("nowhere")
    assert not p.subscribed and p.stats()["connect_failures"] == 1
    await p.aclose()


def test_the_pubsub_guide_example_prints_what_it_says(redis_server: RedisServer) -> None:
    code = example("docs/guides/pubsub.md", "pubsub(")
    code = code.replace("redis://localhost:6379/0", f"{redis_server.url}/6")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [
        "{'type': 'message', 'pattern': None, 'channel': b'news', 'data': b'hello'}",
        "handler: b'fire'",
        "{'type': 'pmessage', 'pattern': b'log.*', 'channel': b'log.app', 'data': b'started'}",
        "0 [(b'news', 1)]",
    ]
