"""Blocking commands: redis-py return types, on pool connections, cancellation leaves nothing dirty."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

import leanredis
from leanredis import TimeoutError
from leanredis.server import RedisServer

from .families.oracle import same_shape
from .helpers import stopped


async def blocked_clients(client: leanredis.Redis) -> int:
    return sum(1 for entry in await client.client_list() if "b" in entry.get("flags", ""))


async def test_return_types_match_redis_py(pair: Any) -> None:
    ours, theirs = pair
    calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = [
        ("blpop", (["l1", "l2"], 0.05), {}),
        ("blpop", ("l2", 1), {}),
        ("brpop", (["l2"], 1), {}),
        ("brpop", (["none"], 0.05), {}),
        ("bzpopmin", ("z", 1), {}),
        ("bzpopmax", (["none", "z"], 1), {}),
        ("bzpopmin", ("none", 0.05), {}),
        ("blmove", ("l2", "dst", 1, "RIGHT", "LEFT"), {}),
        ("blmove", ("none", "dst", 0.05), {}),
        ("brpoplpush", ("l2", "dst", 1), {}),
        ("brpoplpush", ("none", "dst", 0.05), {}),
        ("blmpop", (1, 2, "none", "l2"), {"direction": "LEFT", "count": 2}),
        ("blmpop", (0.05, 1, "none"), {"direction": "RIGHT"}),
        ("bzmpop", (1, 1, ["z"]), {"min": True, "count": 2}),
        ("bzmpop", (1, 1, ["z"]), {"max": True, "count": 2}),
        ("bzmpop", (0.05, 1, ["none"]), {"max": True}),
        ("wait", (0, 10), {}),
    ]
    results = []
    for client in (ours, theirs):
        await ours.flushdb()
        await ours.rpush("l2", "a", "b", "c", "d", "e", "f", "g")
        await ours.zadd("z", {"m1": 1, "m2": 2.5, "m3": 3, "m4": 4, "m0": 0.1, "m5": 1e20, "m6": 0.3, "m7": 0.7})
        results.append([await getattr(client, name)(*args, **kwargs) for name, args, kwargs in calls])
    for (name, args, _), mine, reference in zip(calls, *results, strict=True):
        assert same_shape(mine, reference), f"{name}{args}: leanredis {mine!r} vs redis-py {reference!r}"


async def test_a_blocked_command_does_not_stall_the_shared_connection(r: leanredis.Redis) -> None:
    blocked = asyncio.ensure_future(r.blpop("q", 1))
    await asyncio.sleep(0.05)
    assert await blocked_clients(r) == 1
    started = time.perf_counter()
    values = await asyncio.gather(*(r.incr("n") for _ in range(100)))
    assert values == list(range(1, 101))
    assert time.perf_counter() - started < 0.5
    await r.rpush("q", "x")
    assert await blocked == (b"q", b"x")
    stats = r.connection_pool.stats()
    assert (stats["in_use"], stats["idle"], stats["closed_dirty"]) == (0, 1, 0)


async def test_cancelled_blpop_does_not_disturb_the_next_command_on_any_connection(r: leanredis.Redis) -> None:
    task = asyncio.ensure_future(r.blpop("q", 0))
    try:
        for _ in range(500):  # until the server holds the BLPOP (a loaded machine takes more than 50 ms)
            if await blocked_clients(r) == 1:
                break
            await asyncio.sleep(0.01)
        assert await blocked_clients(r) == 1
    finally:
        task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    stats = r.connection_pool.stats()
    assert (stats["in_use"], stats["idle"], stats["closed_dirty"]) == (0, 0, 1)  # closed, not returned
    for _ in range(100):
        if await blocked_clients(r) == 0:
            break
        await asyncio.sleep(0.01)
    assert await blocked_clients(r) == 0  # the server let go of the blocked socket
    await r.rpush("q", "first", "second")
    assert await r.blpop("q", 1) == (b"q", b"first")  # the element was not taken by the dead caller
    assert await r.lrange("q", 0, -1) == [b"second"]
    assert await r.get("missing") is None  # the shared connection did not see any of it


async def test_blocking_time_extends_the_socket_timeout(redis_server: RedisServer) -> None:
    client = leanredis.Redis(host="127.0.0.1", port=redis_server.port, socket_timeout=0.2)
    try:
        started = time.perf_counter()
        assert await client.blpop("empty", 0.5) is None  # not a TimeoutError after 0.2 s
        assert time.perf_counter() - started >= 0.45
        assert await client.bzpopmin("empty", 0.3) is None
    finally:
        await client.aclose()


async def test_socket_timeout_still_bounds_a_blocking_command_and_the_connection_is_closed(
    redis_server: RedisServer,
) -> None:
    client = leanredis.Redis(host="127.0.0.1", port=redis_server.port, socket_timeout=0.2)
    try:
        await client.ping()
        # the server stopped (SIGSTOP), not paused for 0.8 s, which a loaded machine could outlast (the BLPOP
        # would then run and answer None): only the client's own deadline (0.1 s + 0.2 s) can end the call
        with stopped(redis_server):
            started = time.perf_counter()
            blocking = asyncio.ensure_future(client.blpop("empty", 0.1))
            done, _ = await asyncio.wait({blocking}, timeout=10)
            elapsed = time.perf_counter() - started
            assert done, "socket_timeout did not bound the blocking command"
            with pytest.raises(TimeoutError):
                blocking.result()
        assert elapsed >= 0.3, f"timed out after {elapsed:.3f} s, before the server's 0.1 s and socket_timeout's 0.2 s"
        stats = client.connection_pool.stats()
        assert stats["closed_dirty"] == 1 and stats["in_use"] == 0 and stats["idle"] == 0
    finally:
        await client.aclose()


async def test_xread_with_block_waits_on_a_pool_connection(r: leanredis.Redis) -> None:
    waiting = asyncio.ensure_future(r.xread({"s": "$"}, block=1000))
    await asyncio.sleep(0.05)
    assert await r.ping() is True
    entry_id = await r.xadd("s", {"f": "v"})
    result = await waiting
    assert result == [[b"s", [(entry_id, {b"f": b"v"})]]]
    assert r.connection_pool.stats()["created"] == 1


async def test_a_negative_timeout_is_the_servers_error_and_its_connection_serves_again(r: leanredis.Redis) -> None:
    with pytest.raises(leanredis.ResponseError, match="negative"):  # sent as redis-py sends it
        await r.blpop("q", -1)
    assert await r.blpop("q", 0.05) is None
    assert r.connection_pool.stats()["created"] == 1
