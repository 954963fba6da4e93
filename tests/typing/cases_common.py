"""What a type checker sees of the common commands: checked by tests/unit/test_typing.py.

``assert_type`` fails the check when the type differs, ``Any`` included. The ``*_client(r)``
functions also run against a live server in tests/integration/test_reply_types.py, with
``assert_type`` replaced by a check of the value against the type: the types are the replies'.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from typing_extensions import assert_type

import leanredis
from leanredis import Redis, RedisCluster, Sentinel, SentinelRedis
from leanredis.cluster.pipeline import ClusterPipeline
from leanredis.future import CommandFuture
from leanredis.pipeline import Pipeline

if TYPE_CHECKING:
    from leanredis.cluster.chained import ClusterQueued
    from leanredis.commands.chained import Queued


def constructors(s: Redis[str]) -> None:
    """Checked only: never run (these clients would connect to the default port)."""
    assert_type(Redis(), Redis[bytes])
    assert_type(Redis(port=7000, max_inflight=10), Redis[bytes])
    assert_type(Redis.from_url("redis://localhost"), Redis[bytes])
    assert_type(leanredis.from_url("redis://localhost"), Redis[bytes])
    assert_type(Redis(decode_responses=True), Redis[str])
    assert_type(Redis("localhost", 6379, decode_responses=True, max_inflight=10), Redis[str])
    assert_type(Redis.from_url("redis://localhost", decode_responses=True), Redis[str])
    assert_type(leanredis.from_url("redis://localhost", decode_responses=True), Redis[str])
    assert_type(s.client(), Redis[str])


async def bytes_client(r: Redis[bytes]) -> None:
    assert_type(r.get("k"), CommandFuture[bytes | None])
    assert_type(await r.get("k"), bytes | None)
    assert_type(await r.set("k", "v"), bool | None)
    assert_type(await r.set("k", "v", get=True), bytes | None)
    assert_type(await r.mget(["a", "b"]), list[bytes | None])
    assert_type(await r.mset({"a": 1}), bool)
    assert_type(await r.incr("n"), int)
    assert_type(await r.incrby("n", 2), int)
    assert_type(await r.decr("n"), int)
    assert_type(await r.incrbyfloat("f", 0.5), float)
    assert_type(await r.append("k", "x"), int)
    assert_type(await r.strlen("k"), int)
    assert_type(await r.getdel("k"), bytes | None)
    assert_type(await r.getex("k", ex=10), bytes | None)
    assert_type(await r.setex("k", 10, "v"), bool)
    assert_type(await r.setnx("k", "v"), bool)
    assert_type(await r.getrange("k", 0, 2), bytes)
    assert_type(await r.hset("h", "f", "v"), int)
    assert_type(await r.hget("h", "f"), bytes | None)
    assert_type(await r.hgetall("h"), dict[bytes, bytes])
    assert_type(await r.hmget("h", ["f", "g"]), list[bytes | None])
    assert_type(await r.hkeys("h"), list[bytes])
    assert_type(await r.hvals("h"), list[bytes])
    assert_type(await r.hdel("h", "f"), int)
    assert_type(await r.hexists("h", "f"), bool)
    assert_type(await r.hlen("h"), int)
    assert_type(await r.hincrby("h", "f"), int)
    assert_type(await r.hscan("h"), tuple[int, dict[bytes, bytes]])
    assert_type(await r.hrandfield("h"), bytes | None)
    assert_type(await r.hrandfield("h", 2), list[bytes])
    assert_type(await r.lpush("l", "a", "b"), int)
    assert_type(await r.rpush("l", "a"), int)
    assert_type(await r.lpop("l"), bytes | None)
    assert_type(await r.lpop("l", 2), list[bytes] | None)
    assert_type(await r.rpop("l"), bytes | None)
    assert_type(await r.lrange("l", 0, -1), list[bytes])
    assert_type(await r.llen("l"), int)
    assert_type(await r.lindex("l", 0), bytes | None)
    assert_type(await r.lrem("l", 0, "a"), int)
    assert_type(await r.blpop(["l"], timeout=1), tuple[bytes, bytes] | None)
    assert_type(await r.brpop(["l"], timeout=1), tuple[bytes, bytes] | None)
    assert_type(await r.sadd("s", "a"), int)
    assert_type(await r.srem("s", "a"), int)
    assert_type(await r.smembers("s"), set[bytes])
    assert_type(await r.sismember("s", "a"), int)
    assert_type(await r.scard("s"), int)
    assert_type(await r.spop("s"), bytes | None)
    assert_type(await r.spop("s", 3), list[bytes])
    assert_type(await r.srandmember("s", 2), list[bytes])
    assert_type(await r.sinter(["s", "t"]), set[bytes])
    assert_type(await r.zadd("z", {"a": 1.0}), int)
    assert_type(await r.zadd("z", {"a": 1.0}, incr=True), float | None)
    assert_type(await r.zrange("z", 0, -1), list[bytes])
    assert_type(await r.zrange("z", 0, -1, withscores=True), list[tuple[bytes, float]])
    assert_type(await r.zrange("z", 0, -1, withscores=True, score_cast_func=int), list[tuple[bytes, int]])
    assert_type(await r.zrevrange("z", 0, -1, withscores=True), list[tuple[bytes, float]])
    assert_type(await r.zrangebyscore("z", 0, 10), list[bytes])
    assert_type(await r.zrangebyscore("z", 0, 10, withscores=True), list[tuple[bytes, float]])
    assert_type(await r.zrevrangebyscore("z", 10, 0), list[bytes])
    assert_type(await r.zscore("z", "a"), float | None)
    assert_type(await r.zincrby("z", 1.0, "a"), float)
    assert_type(await r.zcard("z"), int)
    assert_type(await r.zrank("z", "a"), int | None)
    assert_type(await r.zrem("z", "a"), int)
    assert_type(await r.zpopmin("z"), list[tuple[bytes, float]])
    assert_type(await r.delete("k"), int)
    assert_type(await r.exists("k"), int)
    assert_type(await r.expire("k", 10), bool)
    assert_type(await r.ttl("k"), int)
    assert_type(await r.keys("*"), list[bytes])
    assert_type(await r.scan(0), tuple[int, list[bytes]])
    assert_type(await r.type("k"), bytes)
    assert_type(await r.rename("a", "b"), bool)
    assert_type(await r.publish("c", "m"), int)
    assert_type(await r.pubsub_channels(), list[bytes])
    async for key in r.scan_iter():
        assert_type(key, bytes)
    async for field, value in r.hscan_iter("h"):
        assert_type(field, bytes)
        assert_type(value, bytes)
    # a command future is a coroutine to create_task and a future to gather, its type kept
    assert_type(asyncio.create_task(r.get("k")), asyncio.Task[bytes | None])
    got, count = await asyncio.gather(r.get("k"), r.incr("n"))
    assert_type(got, bytes | None)
    assert_type(count, int)


async def hscan_no_values(r: Redis[bytes]) -> None:
    """HSCAN NOVALUES: Redis 7.4 and Valkey 8 on."""
    assert_type(await r.hscan("h", no_values=True), tuple[int, list[bytes]])
    async for field in r.hscan_iter("h", no_values=True):
        assert_type(field, bytes)


async def str_client(r: Redis[str]) -> None:
    assert_type(await r.get("k"), str | None)
    assert_type(await r.set("k", "v", get=True), str | None)
    assert_type(await r.mget("a", "b"), list[str | None])
    assert_type(await r.hgetall("h"), dict[str, str])
    assert_type(await r.hget("h", "f"), str | None)
    assert_type(await r.lrange("l", 0, -1), list[str])
    assert_type(await r.lpop("l"), str | None)
    assert_type(await r.blpop(["l"]), tuple[str, str] | None)
    assert_type(await r.smembers("s"), set[str])
    assert_type(await r.zrange("z", 0, -1), list[str])
    assert_type(await r.zrange("z", 0, -1, withscores=True), list[tuple[str, float]])
    assert_type(await r.keys(), list[str])
    assert_type(await r.scan(0), tuple[int, list[str]])
    assert_type(await r.incr("n"), int)
    assert_type(await asyncio.create_task(r.hgetall("h")), dict[str, str])


async def either_client(decode: bool) -> None:
    """Checked only: never run."""
    r = Redis(decode_responses=decode)
    assert_type(r, Redis[bytes | str])
    assert_type(await r.get("k"), bytes | str | None)


async def pipelines(r: Redis[bytes], s: Redis[str]) -> None:
    """Checked only (Queued exists for type checkers alone)."""
    pipe = r.pipeline()
    assert_type(pipe, Pipeline[bytes])
    # a command method records the command and returns the pipeline: chainable
    queued = pipe.set("k", "v").get("k").zrange("z", 0, -1, withscores=True).incr("n")
    assert_type(queued, Queued[bytes, int])
    assert_type(await pipe.execute(), list[Any])
    async with s.pipeline() as spipe:
        # watching (WATCH ran, MULTI not yet): a command runs at once, and awaiting it gives its reply
        await spipe.watch("k")
        assert_type(await spipe.get("k"), str | None)
        assert_type(await spipe.hgetall("h"), dict[str, str])
        spipe.multi()
        assert_type(spipe.set("k", "v"), Queued[str, bool | None])


async def more_families(r: Redis[bytes]) -> None:
    assert_type(await r.ping(), bool)
    assert_type(await r.echo("hi"), bytes)
    assert_type(await r.dbsize(), int)
    assert_type(await r.exists("k"), int)
    assert_type(await r.setbit("bits", 7, 1), int)
    assert_type(await r.getbit("bits", 7), int)
    assert_type(await r.bitcount("bits"), int)
    assert_type(await r.pfadd("hll", "a", "b"), int)
    assert_type(await r.pfcount("hll"), int)
    assert_type(await r.geoadd("geo", (13.361389, 38.115556, "palermo", 15.087269, 37.502669, "catania")), int)
    assert_type(await r.geodist("geo", "palermo", "catania", "km"), float | None)
    assert_type(await r.geopos("geo", "palermo", "nowhere"), list[tuple[float, float] | None])
    assert_type(await r.geohash("geo", "palermo"), list[str | None])
    entry_id = await r.xadd("stream", {"f": "v"})
    assert_type(entry_id, bytes)
    assert_type(await r.xadd("stream", {"f": "v"}, nomkstream=True), bytes | None)
    assert_type(await r.xlen("stream"), int)
    assert_type(await r.xrange("stream"), list[tuple[bytes, dict[bytes, bytes]]])
    assert_type(await r.xrevrange("stream", count=1), list[tuple[bytes, dict[bytes, bytes]]])
    assert_type(await r.xgroup_create("stream", "group", id="0"), bool)
    assert_type(await r.xclaim("stream", "group", "consumer", 0, [entry_id], justid=True), list[bytes])
    assert_type(await r.zunion(["z", "z2"]), list[bytes])
    assert_type(await r.zunion(["z", "z2"], withscores=True), list[tuple[bytes, float]])
    assert_type(await r.zinter(["z", "z2"], withscores=True), list[tuple[bytes, float]])
    assert_type(await r.zdiff(["z", "z2"]), list[bytes])
    assert_type(await r.zdiff(["z", "z2"], withscores=True), list[bytes])
    assert_type(await r.zrandmember("z"), bytes | None)
    assert_type(await r.zrandmember("z", 2), list[bytes])
    assert_type(await r.lpos("l", "q"), int | None)
    assert_type(await r.lpos("l", "q", count=0), list[int])
    assert_type(await r.client_unpause(), bytes)
    assert_type(await r.client_no_evict("off"), bytes)
    assert_type(await r.client_tracking_off(), bytes)
    assert_type(await r.lolwut(), bytes)
    dumped = await r.dump("k")
    assert dumped is not None
    assert_type(await r.restore("k:copy", 0, dumped, replace=True), bytes)
    library = "#!lua name=typing_cases\nredis.register_function('typing_cases_f', function() return 1 end)"
    assert_type(await r.function_load(library, replace=True), bytes)


async def more_families_str(r: Redis[str]) -> None:
    assert_type(await r.echo("hi"), str)
    assert_type(await r.xadd("stream", {"f": "v"}), str)
    assert_type(await r.xrange("stream"), list[tuple[str, dict[str, str]]])
    assert_type(await r.zunion(["z", "z2"], withscores=True), list[tuple[str, float]])
    assert_type(await r.zdiff(["z", "z2"], withscores=True), list[str | bytes])
    assert_type(await r.zrandmember("z", 2), list[str])
    assert_type(await r.client_unpause(), str)
    assert_type(await r.lolwut(), str)
    library = "#!lua name=typing_cases\nredis.register_function('typing_cases_f', function() return 1 end)"
    assert_type(await r.function_load(library, replace=True), str)


def cluster_constructors() -> None:
    """Checked only: never run."""
    assert_type(RedisCluster(host="localhost", port=7000), RedisCluster[bytes])
    assert_type(RedisCluster(host="localhost", port=7000, decode_responses=True), RedisCluster[str])
    assert_type(RedisCluster.from_url("redis://localhost:7000"), RedisCluster[bytes])
    assert_type(RedisCluster.from_url("redis://localhost:7000", decode_responses=True), RedisCluster[str])


async def cluster_client(rc: RedisCluster[str]) -> None:
    """Checked only (the run-time check uses one server, not a cluster)."""
    assert_type(await rc.get("k"), str | None)
    assert_type(await rc.hgetall("h"), dict[str, str])
    assert_type(await rc.zrange("z", 0, -1, withscores=True), list[tuple[str, float]])
    pipe = rc.pipeline()
    assert_type(pipe, ClusterPipeline[str])
    assert_type(pipe.set("k", "v").incr("n"), ClusterQueued[str, int])
    assert_type(await pipe.execute(), list[Any])


def sentinel_clients() -> None:
    """Checked only: never run."""
    assert_type(Sentinel([("localhost", 26379)]).master_for("mymaster"), SentinelRedis[bytes])
    assert_type(Sentinel([("localhost", 26379)], decode_responses=True).master_for("mymaster"), SentinelRedis[str])
    assert_type(Sentinel([("localhost", 26379)]).replica_for("mymaster", decode_responses=True), SentinelRedis[str])


async def pubsub_bytes(r: Redis[bytes]) -> None:
    p = r.pubsub()
    await p.subscribe("c")
    message = await p.get_message(timeout=1.0)
    assert message is not None
    assert_type(message["channel"], bytes | None)
    assert_type(message["data"], bytes | int)
    assert_type(message["type"], str)
    await p.aclose()


async def pubsub_str(s: Redis[str]) -> None:
    async with s.pubsub() as sp:
        await sp.subscribe("c")
        async for m in sp.listen():
            assert_type(m["data"], str | int)
            assert_type(m["pattern"], str | None)
            break
