"""Client-side caching against a real server: invalidation, races, bounds, reconnects, bcast, TTL."""

from __future__ import annotations

import asyncio
import gc
import random
from typing import Any

import pytest

import leanredis
from leanredis import CacheConfig, memory
from leanredis.server import RedisServer

from .families.oracle import same_shape
from .helpers import MakeCached, pause_server


async def invalidations_settled(client: leanredis.Redis) -> None:
    """A round trip on the cached connection: every invalidation sent before its reply has arrived."""
    await client.ping()


async def test_a_write_by_another_client_is_seen_within_100_ms(
    make_cached: MakeCached, writer: leanredis.Redis
) -> None:
    cached = make_cached()
    await writer.set("seen", "old")
    assert await cached.get("seen") == b"old"
    assert await cached.get("seen") == b"old"
    assert cached.cache_stats()["hits"] == 1
    await writer.set("seen", "new")
    loop = asyncio.get_running_loop()
    started = loop.time()
    while await cached.get("seen") != b"new":
        assert loop.time() - started < 0.1, "a stale value was served for 100 ms"
        await asyncio.sleep(0.001)
    assert cached.cache_stats()["invalidations"] == 1


@pytest.mark.parametrize("decode", [False, True], ids=["bytes", "decode"])
async def test_cached_reads_return_what_redis_py_returns(
    redis_server: RedisServer, make_cached: MakeCached, writer: leanredis.Redis, decode: bool
) -> None:
    import redis.asyncio

    cached = make_cached(decode_responses=decode)
    # protocol=3, as the caching client is given it (redis-py caches only then): its RESP3 reply shapes
    theirs = redis.asyncio.Redis(host="127.0.0.1", port=redis_server.port, protocol=3, decode_responses=decode)
    try:
        await writer.set("s", "text")
        await writer.hset("h", mapping={"a": "1", "b": "2"})
        await writer.rpush("l", "x", "y", "z")
        await writer.sadd("set", "p", "q")
        await writer.zadd("z", {"m": 1.5, "n": 2})
        calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = [
            ("get", ("s",), {}), ("strlen", ("s",), {}), ("getrange", ("s", 0, 1), {}), ("exists", ("s",), {}),
            ("type", ("h",), {}), ("hget", ("h", "a"), {}), ("hgetall", ("h",), {}), ("hmget", ("h", ["a", "b"]), {}),
            ("hexists", ("h", "a"), {}), ("hlen", ("h",), {}), ("hkeys", ("h",), {}), ("hvals", ("h",), {}),
            ("lrange", ("l", 0, -1), {}), ("llen", ("l",), {}), ("lindex", ("l", 1), {}),
            ("smembers", ("set",), {}), ("sismember", ("set", "p"), {}), ("scard", ("set",), {}),
            ("zrange", ("z", 0, -1), {}), ("zrange", ("z", 0, -1), {"withscores": True}), ("zscore", ("z", "m"), {}),
            ("zcard", ("z",), {}), ("zrank", ("z", "n"), {}), ("mget", (["s", "missing", "s"],), {}),
            ("get", ("missing",), {}),
        ]
        for _ in range(2):  # a miss, then a hit: both must match redis-py
            for name, args, kwargs in calls:
                ours = await getattr(cached, name)(*args, **kwargs)
                expected = await getattr(theirs, name)(*args, **kwargs)
                assert same_shape(ours, expected), f"{name}{args}: {ours!r} vs redis-py {expected!r}"
        stats = cached.cache_stats()
        assert stats["hits"] >= len(calls) - 1, stats
        # a hit hands out a copy: changing it does not change the cache
        first = await cached.lrange("l", 0, -1)
        first.append("mutated")
        assert len(await cached.lrange("l", 0, -1)) == 3
    finally:
        await theirs.aclose()


async def test_a_miss_keeps_its_own_copy_of_a_list_or_dict(make_cached: MakeCached, writer: leanredis.Redis) -> None:
    cached = make_cached()
    await writer.rpush("copied:l", "x", "y")
    await writer.hset("copied:h", mapping={"a": "1"})
    listed = await cached.lrange("copied:l", 0, -1)  # a miss: the cache keeps the reply too
    mapped = await cached.hgetall("copied:h")
    listed.append(b"mutated")
    mapped[b"b"] = b"mutated"
    assert await cached.lrange("copied:l", 0, -1) == [b"x", b"y"]
    assert await cached.hgetall("copied:h") == {b"a": b"1"}
    assert cached.cache_stats()["hits"] == 2


async def test_concurrent_misses_of_one_read_share_one_request(
    make_cached: MakeCached, writer: leanredis.Redis
) -> None:
    cached = make_cached()
    await writer.set("shared", "v")
    before = await writer.info("commandstats")
    results = await asyncio.gather(*(cached.get("shared") for _ in range(100)))
    after = await writer.info("commandstats")
    assert results == [b"v"] * 100
    assert after["cmdstat_get"]["calls"] - before.get("cmdstat_get", {"calls": 0})["calls"] == 1
    assert cached.cache_stats()["shared_misses"] == 99


async def test_a_storm_of_readers_and_writers_leaves_no_stale_entry(
    make_cached: MakeCached, writer: leanredis.Redis
) -> None:
    cached = make_cached()
    keys = [f"storm:{i}" for i in range(50)]
    loop = asyncio.get_running_loop()
    stop = loop.time() + 2.0

    async def write(seed: int) -> None:
        rng = random.Random(seed)
        while loop.time() < stop:
            await writer.set(rng.choice(keys), rng.random())

    async def read(seed: int) -> None:
        rng = random.Random(seed)
        while loop.time() < stop:
            await cached.mget(rng.sample(keys, 5))
            await cached.get(rng.choice(keys))

    await asyncio.gather(*(write(i) for i in range(4)), *(read(100 + i) for i in range(8)))
    await invalidations_settled(cached)
    truth = await writer.mget(keys)
    served = await cached.mget(keys)
    assert served == truth, "a cached value differs from the server's after the writers stopped"
    stats = cached.cache_stats()
    assert stats["hits"] > 0 and stats["invalidations"] > 0, stats


async def test_a_read_in_flight_when_its_key_changes_is_never_served_stale(
    redis_server: RedisServer, make_cached: MakeCached, writer: leanredis.Redis
) -> None:
    cached = make_cached()
    other = leanredis.Redis(host="127.0.0.1", port=redis_server.port)
    try:
        for round_ in range(20):
            await writer.set("race", f"old{round_}")
            await cached.ping()
            pause_server(redis_server, 100)  # both commands wait at the server: GET then SET
            read = cached.get("race")
            await asyncio.sleep(0.01)
            write = other.set("race", f"new{round_}")
            assert await read == f"old{round_}".encode()
            await write
            await invalidations_settled(cached)
            assert await cached.get("race") == f"new{round_}".encode()
    finally:
        await other.aclose()


async def test_killing_the_cached_connection_then_writing_never_serves_stale(
    make_cached: MakeCached, writer: leanredis.Redis
) -> None:
    cached = make_cached(ttl=None)
    await writer.set("killed", "before")
    assert await cached.get("killed") == b"before"
    assert await cached.get("killed") == b"before"  # a hit
    ident = await cached.client_id()
    await writer.execute_command("CLIENT", "KILL", "ID", ident)
    await writer.set("killed", "after")
    values = set()
    for _ in range(20):
        try:
            values.add(await cached.get("killed"))
        except leanredis.ConnectionError:
            pass  # the loss may be seen by a command first: one outcome, an error
    assert values == {b"after"}
    assert cached.stats()["reconnects"] == 1


async def test_flushall_empties_the_cache(make_cached: MakeCached, writer: leanredis.Redis) -> None:
    cached = make_cached()
    await writer.set("f", "1")
    assert await cached.get("f") == b"1"
    await writer.flushall()
    await invalidations_settled(cached)
    assert cached.cache_stats()["entries"] == 0
    assert await cached.get("f") is None


async def test_entries_expire_after_ttl(make_cached: MakeCached, writer: leanredis.Redis) -> None:
    cached = make_cached(ttl=0.2)
    await writer.set("t", "1")
    assert await cached.get("t") == b"1"
    assert await cached.get("t") == b"1"
    assert cached.cache_stats()["hits"] == 1
    await asyncio.sleep(0.25)
    assert await cached.get("t") == b"1"
    stats = cached.cache_stats()
    assert stats["hits"] == 1 and stats["expirations"] == 1


async def test_bcast_caches_only_keys_under_its_prefixes(make_cached: MakeCached, writer: leanredis.Redis) -> None:
    cached = make_cached(mode="bcast", prefixes=["user:"])
    await writer.set("user:1", "ada")
    await writer.set("order:1", "tea")
    for _ in range(2):
        assert await cached.get("user:1") == b"ada"
        assert await cached.get("order:1") == b"tea"
    stats = cached.cache_stats()
    assert stats["entries"] == 1 and stats["hits"] == 1
    await writer.set("user:1", "grace")  # announced by prefix, whoever read it
    await invalidations_settled(cached)
    assert await cached.get("user:1") == b"grace"


async def test_100k_distinct_keys_stay_under_max_bytes_with_rss_to_match(
    make_cached: MakeCached, writer: leanredis.Redis
) -> None:
    value = b"x" * 1024
    count = 100_000
    for start in range(0, count, 10_000):
        await writer.mset({f"big:{i}": value for i in range(start, start + 10_000)})
    cached = make_cached(max_bytes=8 * 1024 * 1024)
    gc.collect()
    rss_before = memory.rss_bytes() or 0
    for start in range(0, count, 1_000):
        await asyncio.gather(*(cached.get(f"big:{i}") for i in range(start, start + 1_000)))
        assert cached.cache_stats()["bytes"] <= 8 * 1024 * 1024
    stats = cached.cache_stats()
    assert stats["evictions"] > 80_000 and stats["entries"] < 8_000, stats
    gc.collect()
    memory.trim()
    grown = (memory.rss_bytes() or 0) - rss_before
    assert grown < 32 * 1024 * 1024, f"RSS grew {grown} bytes for an 8 MiB cache"


async def test_cache_needs_resp3_and_a_cacheconfig(redis_server: RedisServer) -> None:
    with pytest.raises(leanredis.DataError, match="protocol=3"):
        leanredis.Redis(port=redis_server.port, protocol=2, cache_config=CacheConfig())
    with pytest.raises(leanredis.DataError, match="prefixes"):
        CacheConfig(prefixes=["a:"])
    plain = leanredis.Redis(port=redis_server.port)
    with pytest.raises(leanredis.DataError, match="no client-side cache"):
        plain.cache_stats()
