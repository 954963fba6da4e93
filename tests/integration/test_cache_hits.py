"""The cache's hit path: looked up on the caller's own arguments, bound to the loop it was read on."""

from __future__ import annotations

import asyncio
import sys
from typing import Any

import pytest

import leanredis
from leanredis.exceptions import DataError, ResponseError
from leanredis.server import RedisServer

from .helpers import MakeCached, cached_client


async def test_a_write_drops_the_entries_of_every_spelling_of_its_key(
    make_cached: MakeCached, writer: leanredis.Redis
) -> None:
    cached = make_cached()
    await writer.set("spelled", "1")
    reads = (
        lambda: cached.get("spelled"),
        lambda: cached.get(b"spelled"),
        lambda: cached.execute_command("GET", "spelled"),
    )
    for _ in range(2):  # a miss, then a hit, for each spelling
        assert [await read() for read in reads] == [b"1"] * 3
    assert cached.cache_stats()["hits"] == 3
    await writer.set("spelled", "2")
    await cached.ping()  # every invalidation sent before its reply has arrived
    assert [await read() for read in reads] == [b"2"] * 3


async def test_an_argument_the_server_refuses_is_refused_on_a_hit_too(
    make_cached: MakeCached, writer: leanredis.Redis
) -> None:
    cached = make_cached()
    await writer.set("ranged", "abcdef")
    assert await cached.getrange("ranged", 0, 1) == b"ab"
    assert await cached.getrange("ranged", 0, 1) == b"ab"  # kept under (0, 1)
    assert cached.cache_stats()["hits"] == 1
    # equal to (0, 1) in Python, not on the wire: what the uncached client answers, not the entry
    with pytest.raises(DataError):
        await cached.getrange("ranged", False, True)
    with pytest.raises(ResponseError):
        await cached.getrange("ranged", 0.0, 1.0)  # type: ignore[arg-type]
    assert cached.cache_stats()["hits"] == 1
    # one argument past the key: its own check on a hit
    await writer.hset("fielded", "1", "one")
    assert await cached.hget("fielded", 1) == b"one"  # type: ignore[arg-type]
    assert await cached.hget("fielded", 1) == b"one"  # type: ignore[arg-type]  # kept under field 1
    assert cached.cache_stats()["hits"] == 2
    assert await cached.hget("fielded", 1.0) is None  # type: ignore[arg-type]  # field "1.0" on the wire
    with pytest.raises(DataError):
        await cached.hget("fielded", True)  # type: ignore[arg-type]
    assert cached.cache_stats()["hits"] == 2


async def test_a_hit_keeps_its_entry_from_being_the_next_to_go(
    make_cached: MakeCached, writer: leanredis.Redis
) -> None:
    cached = make_cached(max_entries=2)
    await writer.mset({"lru:a": "a", "lru:b": "b", "lru:c": "c"})
    await cached.get("lru:a")
    await cached.get("lru:b")
    assert await cached.get("lru:a") == b"a"  # a hit: b is now the oldest
    await cached.get("lru:c")  # evicts b
    before = cached.cache_stats()["hits"]
    assert await cached.get("lru:a") == b"a"
    assert cached.cache_stats()["hits"] == before + 1
    await cached.get("lru:b")
    assert cached.cache_stats()["hits"] == before + 1, "b was used less recently than a and went first"


async def test_what_a_key_spelled_as_str_holds_is_counted_in_the_bytes(make_cached: MakeCached) -> None:
    cached = make_cached()
    key = "counted:" + "k" * 200
    await cached.hget(key.encode(), b"field" * 40)
    as_bytes = cached.cache_stats()["bytes"]
    cached.cache_clear()
    await cached.hget(key, "field" * 40)  # the entry holds the str key and the str field besides the bytes
    as_str = cached.cache_stats()["bytes"]
    assert as_str >= as_bytes + sys.getsizeof(key) + sys.getsizeof("field" * 40) - sys.getsizeof(b"field" * 40)


def test_a_cached_client_on_a_new_loop_never_serves_what_it_read_on_the_closed_one(redis_server: RedisServer) -> None:
    import redis

    cached = cached_client(redis_server.port)
    other = redis.Redis(host="127.0.0.1", port=redis_server.port)
    try:
        other.set("looped", "1")

        async def read_twice() -> list[Any]:
            return [await cached.get("looped"), await cached.get("looped")]

        assert asyncio.run(read_twice()) == [b"1", b"1"]
        assert cached.cache_stats()["hits"] == 1
        # the first loop is closed, and its socket with it: this write's invalidation is never read
        other.set("looped", "2")
        assert asyncio.run(read_twice()) == [b"2", b"2"]
        # called outside any loop, as redis.asyncio allows: sent once the coroutine runs
        assert asyncio.run(cached.get("looped")) == b"2"  # type: ignore[arg-type]
        other.set("looped", "3")

        async def read_and_close() -> Any:
            try:
                return await cached.get("looped")
            finally:
                await cached.aclose()  # on the loop its connection is bound to

        assert asyncio.run(read_and_close()) == b"3"
    finally:
        other.close()


async def test_a_key_that_cannot_be_hashed_is_read_as_the_uncached_client_reads_it(
    make_cached: MakeCached, writer: leanredis.Redis
) -> None:
    cached = make_cached()
    await writer.set("unhashable", "1")
    assert await cached.get(b"unhashable") == b"1"  # kept: the next reads would find it if they could hash
    for _ in range(2):
        assert await cached.get(bytearray(b"unhashable")) == b"1"  # type: ignore[arg-type]
        assert await cached.get(memoryview(bytearray(b"unhashable"))) == b"1"  # writable: hash() refuses
        assert await cached.hget(bytearray(b"unhashable:h"), "f") is None  # type: ignore[arg-type]


async def test_a_cancelled_or_refused_miss_keeps_nothing_and_the_next_read_is_kept(
    make_cached: MakeCached, writer: leanredis.Redis
) -> None:
    cached = make_cached()
    await cached.ping()
    await writer.set("dropped", "1")
    read = cached.get("dropped")
    read.cancel()  # before its reply: the reply is read and dropped
    await cached.ping()  # every reply sent before this one has arrived
    assert cached.cache_stats()["entries"] == 0
    assert await cached.get("dropped") == b"1"  # not the cancelled read's outcome: a read of its own
    assert await cached.get("dropped") == b"1"
    assert cached.cache_stats()["hits"] == 1

    await writer.hset("refused", "f", "v")
    with pytest.raises(ResponseError, match="WRONGTYPE"):
        await cached.get("refused")
    assert cached.cache_stats()["entries"] == 1  # "dropped" only: an error reply is the caller's, never kept
    await writer.delete("refused")
    await writer.set("refused", "2")
    await cached.ping()
    assert await cached.get("refused") == b"2"  # the error was not kept, nor is the read still shared
    assert await cached.get("refused") == b"2"
    assert cached.cache_stats()["hits"] == 2
