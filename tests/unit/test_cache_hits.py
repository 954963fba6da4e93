"""The cache's hit path without a server: a sender that answers on the next loop iteration, as a connection does."""

from __future__ import annotations

import asyncio
import gc
import time
import tracemalloc
from typing import Any

import pytest

from leanredis.cache import CacheConfig, ClientCache
from leanredis.future import CommandFuture


class Server:
    """Answers PTTL with -1 (no expiry) and a read with ``value``, one loop iteration later, parsed by the
    command's ``parse`` as the reply is read, before its future resolves (as a connection does)."""

    def __init__(self, value: Any) -> None:
        self.value = value
        self.sent = 0

    def send(self, args: tuple[Any, ...], parse: Any) -> CommandFuture[Any]:
        loop = asyncio.get_running_loop()
        fut: CommandFuture[Any] = CommandFuture(loop=loop)
        self.sent += 1
        loop.call_soon(self.answer, fut, parse, -1 if args[0] == b"PTTL" else self.value)
        return fut

    @staticmethod
    def answer(fut: CommandFuture[Any], parse: Any, reply: Any) -> None:
        if not fut.done():
            fut.set_result(reply if parse is None else parse(reply))


@pytest.mark.timeout(60)
async def test_max_bytes_bounds_what_the_cache_holds_hits_answers_included() -> None:
    cache = ClientCache(CacheConfig(max_bytes=1024 * 1024), Server(b"v" * 16).send, "utf-8", time.monotonic)
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for start in range(0, 8_000, 100):
            keys = [b"key:%d" % i for i in range(start, start + 100)]
            await asyncio.gather(*(cache.send((b"GET", key), None) for key in keys))
            assert await cache.send((b"GET", keys[0]), None) == b"v" * 16  # a hit, on what each entry keeps for one
        del keys
        gc.collect()
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    stats = cache.stats()
    assert stats["hits"] == 80 and stats["evictions"] > 4_000 and stats["bytes"] <= stats["max_bytes"], stats
    assert held <= stats["max_bytes"], f"the cache holds {held} bytes for max_bytes={stats['max_bytes']}"


@pytest.mark.timeout(60)
async def test_a_hit_can_be_awaited_gathered_wrapped_in_a_task_and_cancelled_without_harm() -> None:
    server = Server(b"v")
    cache = ClientCache(CacheConfig(), server.send, "utf-8", time.monotonic)
    assert await cache.send((b"GET", b"k"), None) == b"v"
    sent = server.sent
    hit = cache.send((b"GET", b"k"), None)
    assert hit.done() and not hit.cancel()  # nothing to wait for, so nothing to stop
    assert await asyncio.gather(hit, cache.send((b"GET", b"k"), None), hit) == [b"v"] * 3
    assert await asyncio.create_task(cache.send((b"GET", b"k"), None)) == b"v"  # type: ignore[arg-type]
    assert await asyncio.create_task(cache.send((b"GET", b"k"), None)) == b"v"  # type: ignore[arg-type]
    assert await asyncio.wait_for(cache.send((b"GET", b"k"), None), 1) == b"v"
    assert server.sent == sent and cache.stats()["hits"] == 5
