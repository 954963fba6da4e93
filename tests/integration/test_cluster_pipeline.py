"""RedisCluster pipelines, transactions and blocking commands against a real local cluster (3 + 3).

Differential where redis-py's ``redis.asyncio.cluster.RedisCluster`` can run the same thing on the
same cluster: equal results, errors in the same places with the same message shape. Every test is
bounded (``asyncio.timeout``) and ends with no command in flight, no bytes kept for a redirect and
no dedicated connection handed out.
"""

from __future__ import annotations

import asyncio
import textwrap
import time
from typing import Any

import pytest
import redis.asyncio.cluster as redis_py_cluster
import redis.exceptions

import leanredis
from leanredis.cluster import RedisCluster

from . import test_cluster
from .cluster import LocalCluster
from .docs_examples import example
from .families.oracle import same_shape
from .test_cluster import assert_no_leak, finish_migration, keys_on_each_primary, move_slot, other_primary

# test_cluster's fixtures: a module-scoped local cluster (one for this module), a flushed client per test
cluster = test_cluster.cluster
rc = test_cluster.rc
theirs = test_cluster.theirs  # redis-py's RedisCluster on the same cluster, for side-by-side checks


async def assert_clean(client: RedisCluster) -> None:
    """``assert_no_leak``, and every dedicated connection (blocking commands, WATCH) given back."""
    await assert_no_leak(client)
    assert client.stats()["dedicated_in_use"] == 0, client.nodes_manager.pools.stats()


def one_key_per_primary(client: RedisCluster) -> list[str]:
    by_owner: dict[str, str] = {}
    for key in keys_on_each_primary(client):
        by_owner.setdefault(client.get_node_from_key(key).name, key)  # type: ignore[union-attr]
    return list(by_owner.values())


def writes(client: RedisCluster) -> dict[str, int]:
    """Writes (``transport.write`` calls) so far on each primary's shared connection."""
    return {node.name: node.connection.stats_writes if node.connection else 0 for node in client.get_primaries()}


def unprefixed(error: BaseException) -> str:
    """An error's text without the ``ERR `` redis-py strips and leanredis keeps."""
    text = str(error)
    return text[4:] if text.startswith("ERR ") else text


def record_mixed(pipe: Any, a: str, b: str, c: str) -> None:
    """The same commands on either client's pipeline: keys ``a``, ``b``, ``c`` on three primaries."""
    pipe.set(a, "va").get(a).incr(b).incrby(b, 5).set(c, "vc")
    pipe.hset(f"h{a}", "f", "v").hgetall(f"h{a}").rpush(f"l{b}", "x", "y").lrange(f"l{b}", 0, -1)
    pipe.sadd(f"s{c}", "m").smembers(f"s{c}").zadd(f"z{a}", {"m": 1.5}).zrange(f"z{a}", 0, -1, withscores=True)
    pipe.expire(a, 100).ttl(a).get("missing")
    pipe.exists(a, b, c, "missing").delete(c, f"h{a}")  # several slots: one command (and result) per slot
    pipe.mset_nonatomic({a: 1, b: 2, c: 3})
    pipe.execute_command("GET", b)


async def test_a_pipeline_over_every_primary_answers_as_redis_py_in_one_write_per_node(
    cluster: LocalCluster, rc: RedisCluster, theirs: redis_py_cluster.RedisCluster
) -> None:
    async with asyncio.timeout(30):
        a, b, c = one_key_per_primary(rc)
        reference_pipe = theirs.pipeline()
        record_mixed(reference_pipe, a, b, c)
        recorded = len(reference_pipe)
        reference = await reference_pipe.execute()
        await rc.flushdb()
        pipe = rc.pipeline()
        record_mixed(pipe, a, b, c)
        assert len(pipe) == recorded == len(reference)
        await rc.ping()  # every node connected, nothing queued: the counts below are the pipeline's
        before = writes(rc)
        ours = await pipe.execute()
        assert same_shape(ours, reference), f"leanredis {ours!r}\nredis-py  {reference!r}"
        assert len(pipe) == 0  # reset by execute
        after = writes(rc)
        assert {name: after[name] - before[name] for name in after} == dict.fromkeys(after, 1)
        await assert_clean(rc)


async def test_errors_come_in_place_or_the_first_is_raised_after_every_reply_as_redis_py(
    cluster: LocalCluster, rc: RedisCluster, theirs: redis_py_cluster.RedisCluster
) -> None:
    async with asyncio.timeout(30):
        a, b, c = one_key_per_primary(rc)

        def record(pipe: Any) -> Any:
            return pipe.set(a, "x").incr(a).lpush(a, 1).get(a).set(b, "after").hset(c, "f", "v")

        reference = await record(theirs.pipeline()).execute(raise_on_error=False)
        with pytest.raises(redis.exceptions.ResponseError) as their_error:
            await record(theirs.pipeline()).execute()
        await rc.flushdb()
        ours = await record(rc.pipeline()).execute(raise_on_error=False)
        kinds = [bool, leanredis.ResponseError, leanredis.WrongTypeError, bytes, bool, int]
        assert [type(value) for value in ours] == kinds
        for mine, their in zip(ours, reference, strict=True):
            if isinstance(mine, Exception):
                assert isinstance(their, redis.exceptions.ResponseError) and unprefixed(mine) == str(their)
            else:
                assert mine == their
        await rc.flushdb()
        with pytest.raises(leanredis.ResponseError) as our_error:
            await record(rc.pipeline()).execute()
        prefix = f"Command # 2 (INCRBY {a} 1) of pipeline caused error: ("
        assert str(our_error.value).startswith(prefix) and str(their_error.value).startswith(prefix)
        # raised once every reply was in: the commands after the error ran, on every node
        assert await rc.get(b) == b"after" and await rc.hget(c, "f") == b"v"
        await assert_clean(rc)


async def test_a_command_whose_keys_span_slots_gets_crossslot_in_its_place(
    cluster: LocalCluster, rc: RedisCluster
) -> None:
    async with asyncio.timeout(20):
        a, b, c = one_key_per_primary(rc)
        pipe = rc.pipeline().set(a, 1).lmove(a, b).set(c, 3)
        result = await pipe.execute(raise_on_error=False)
        assert result[0] is True and result[2] is True
        assert isinstance(result[1], leanredis.CrossSlotError) and "LMOVE" in str(result[1])
        with pytest.raises(leanredis.CrossSlotError, match=r"^Command # 2 \(LMOVE "):
            await rc.pipeline().set(a, 2).lmove(a, b).set(c, 4).execute()
        assert await rc.mget(a, c) == [b"2", b"4"]
        await assert_clean(rc)


async def test_the_pipeline_surface_of_redis_py(cluster: LocalCluster, rc: RedisCluster) -> None:
    async with asyncio.timeout(20):
        a, b, c = one_key_per_primary(rc)
        async with rc.pipeline() as pipe:
            assert await pipe is pipe and bool(pipe) and len(pipe) == 0
            assert await pipe.execute() == []
            assert await pipe.set(a, 1) is pipe  # buffered: awaiting it gives the pipeline back
            pipe.unlink(a, b, c)
            assert len(pipe) == 4
            await pipe.reset()
            assert len(pipe) == 0
            for method in ("multi", "watch", "unwatch", "discard"):
                with pytest.raises(leanredis.RedisClusterException, match=f"method {method}\\(\\) is not supported"):
                    result = getattr(pipe, method)()
                    if asyncio.iscoroutine(result):
                        await result
            with pytest.raises(leanredis.RedisClusterException, match="use rc.pipeline\\(transaction=True\\)"):
                pipe.execute_command("MULTI")
            with pytest.raises(leanredis.DataError, match="target_nodes"):
                pipe.execute_command("GET", a, target_nodes=rc.get_primaries()[0])
            pipe.get(a)
            with pytest.raises(leanredis.DataError, match="allow_redirections"):
                await pipe.execute(allow_redirections=False)
            assert len(pipe) == 0
        with pytest.raises(leanredis.RedisClusterException, match="shard_hint"):
            rc.pipeline(shard_hint="x")
        with pytest.raises(NotImplementedError):
            rc.pipeline(transaction=True).mset_nonatomic({a: 1})
        await assert_clean(rc)


async def test_the_pipeline_refuses_as_redis_py_with_redis_py_s_exception(
    cluster: LocalCluster, rc: RedisCluster, theirs: redis_py_cluster.RedisCluster
) -> None:
    """Outside a transaction: MULTI/WATCH/UNWATCH/DISCARD, shard_hint, and the commands redis-py's pipeline
    blocks when their keys span slots (MSETNX, RENAME, SUNION...) raise RedisClusterException at the call,
    as redis-py's do; in one slot those run here (redis-py blocks them whatever the keys)."""
    async with asyncio.timeout(20):
        a, b, _ = one_key_per_primary(rc)
        for client in (rc, theirs):
            pipe = client.pipeline()
            for method in ("multi", "watch", "unwatch", "discard"):
                with pytest.raises(
                    (leanredis.RedisClusterException, redis.exceptions.RedisClusterException),
                    match=f"^method {method}\\(\\) is not supported outside of transactional context$",
                ):
                    result = getattr(pipe, method)()
                    if asyncio.iscoroutine(result):
                        await result
            with pytest.raises(
                (leanredis.RedisClusterException, redis.exceptions.RedisClusterException),
                match="^shard_hint is deprecated in cluster mode$",
            ):
                client.pipeline(shard_hint="x")
            for name, call in (
                ("mset", lambda p: p.mset({a: 1, b: 2})),
                ("mget", lambda p: p.mget(a, b)),
                ("msetnx", lambda p: p.msetnx({a: 1, b: 2})),
                ("rename", lambda p: p.rename(a, b)),
                ("sunion", lambda p: p.sunion(a, b)),
                ("smove", lambda p: p.smove(a, b, "m")),
                ("pfcount", lambda p: p.pfcount(a, b)),
            ):
                with pytest.raises(
                    (leanredis.RedisClusterException, redis.exceptions.RedisClusterException),
                    match=f"^ERROR: Calling pipelined function {name} is blocked when running redis in cluster mode",
                ):
                    call(pipe)
            await pipe.reset()
        assert await rc.pipeline().msetnx({"{t}a": 1, "{t}b": 2}).rename("{t}a", "{t}c").execute() == [True, True]
        assert await rc.pipeline().mset({"{t}x": 1, "{t}y": 2}).mget("{t}x", "{t}y").execute() == [True, [b"1", b"2"]]
        await assert_clean(rc)


# -- transactions --------------------------------------------------------------------------


async def test_a_transaction_in_one_slot_answers_as_redis_py(
    cluster: LocalCluster, rc: RedisCluster, theirs: redis_py_cluster.RedisCluster
) -> None:
    async with asyncio.timeout(30):

        def record(pipe: Any) -> Any:
            pipe.set("{t}a", 1).incr("{t}a").get("{t}a").lpush("{t}a", "x").rpush("{t}l", 1, 2).lrange("{t}l", 0, -1)
            return pipe.expire("{t}l", 100).ttl("{t}l").delete("{t}a", "{t}l")

        reference = await record(theirs.pipeline(transaction=True)).execute(raise_on_error=False)
        ours = await record(rc.pipeline(transaction=True)).execute(raise_on_error=False)
        assert isinstance(ours[3], leanredis.WrongTypeError)
        assert isinstance(reference[3], redis.exceptions.ResponseError)
        ours[3] = reference[3] = None
        assert same_shape(ours, reference), f"leanredis {ours!r}\nredis-py  {reference!r}"
        node = rc.get_node_from_key("{t}a")
        before = writes(rc)
        assert await rc.pipeline(transaction=True).set("{t}b", 1).get("{t}b").execute() == [True, b"1"]
        after = writes(rc)
        assert {name for name in after if after[name] != before[name]} == {node.name}  # type: ignore[union-attr]
        assert after[node.name] - before[node.name] == 1  # type: ignore[union-attr]  # MULTI..EXEC in one write
        await assert_clean(rc)


async def test_a_transaction_over_two_slots_is_refused_before_anything_is_sent(
    cluster: LocalCluster, rc: RedisCluster, theirs: redis_py_cluster.RedisCluster
) -> None:
    async with asyncio.timeout(20):
        await rc.mset({"{a}k": "before", "{b}k": "before"})
        await rc.ping()
        before = writes(rc)
        pipe = rc.pipeline(transaction=True).set("{a}k", "after").set("{b}k", "after")
        with pytest.raises(leanredis.CrossSlotTransactionError, match="must map to the same slot") as caught:
            await pipe.execute()
        assert isinstance(caught.value, leanredis.CrossSlotError)
        assert len(pipe) == 0
        await asyncio.sleep(0.05)
        assert writes(rc) == before
        their_pipe = theirs.pipeline(transaction=True)
        their_pipe.set("{a}k", "after").set("{b}k", "after")
        with pytest.raises(redis.exceptions.CrossSlotTransactionError):
            await their_pipe.execute()
        assert await rc.mget("{a}k", "{b}k") == [b"before", b"before"]
        # WATCH on one slot, then a command of another: refused at once, as redis-py does
        async with rc.pipeline(transaction=True) as pipe:
            await pipe.watch("{a}k")
            with pytest.raises(leanredis.CrossSlotTransactionError, match="Cannot watch or send commands on"):
                await pipe.get("{b}k")
        with pytest.raises(leanredis.ClusterError, match="At least a command with a key"):
            await rc.pipeline(transaction=True).ping().execute()
        await assert_clean(rc)


async def test_watch_runs_commands_at_once_and_a_change_by_another_client_fails_exec(
    cluster: LocalCluster, rc: RedisCluster, theirs: redis_py_cluster.RedisCluster
) -> None:
    async with asyncio.timeout(20):
        await rc.set("{w}n", 10)
        async with rc.pipeline(transaction=True) as pipe:
            assert await pipe.watch("{w}n") is True and pipe.watching
            assert await pipe.get("{w}n") == b"10"  # immediate mode, on the WATCH connection
            assert rc.stats()["dedicated_in_use"] == 1
            await theirs.set("{w}n", 99)
            pipe.multi()
            pipe.set("{w}n", 11).set("{w}other", 1)
            with pytest.raises(leanredis.WatchError):
                await pipe.execute()
        assert await rc.mget("{w}n", "{w}other") == [b"99", None]  # nothing of it applied

        async def increment(pipe: Any) -> int:
            value = int(await pipe.get("{w}n"))
            pipe.multi()
            pipe.set("{w}n", value + 1)
            return value + 1

        calls = [rc.transaction(increment, "{w}n", value_from_callable=True) for _ in range(20)]
        results = await asyncio.gather(*calls)
        assert sorted(results) == list(range(100, 120)) and await rc.get("{w}n") == b"119"
        await assert_clean(rc)


# -- redirects: a slot migrating, then moved --------------------------------------------------------


def start_migration(cluster: LocalCluster, slot: int, target_port: int, keys: list[str]) -> None:
    """``slot`` IMPORTING on the target, MIGRATING on its owner, and only ``keys`` moved: ASK for them."""
    source = cluster.owner(slot)
    target = cluster.server_by_port(target_port)
    cluster.call(target, "CLUSTER", "SETSLOT", slot, "IMPORTING", cluster.ids[source.port])
    cluster.call(source, "CLUSTER", "SETSLOT", slot, "MIGRATING", cluster.ids[target.port])
    if keys:
        cluster.call(source, "MIGRATE", target.host, target.port, "", 0, 5000, "KEYS", *keys)


async def test_a_pipeline_during_a_migration_follows_ask_then_moved(
    cluster: LocalCluster, rc: RedisCluster, theirs: redis_py_cluster.RedisCluster
) -> None:
    async with asyncio.timeout(60):
        keys = [f"{{mig}}:{i}" for i in range(10)]
        slot = rc.keyslot(keys[0])
        other = one_key_per_primary(rc)
        await rc.mset({key: i for i, key in enumerate(keys)})
        target = other_primary(cluster, slot)
        start_migration(cluster, slot, target, keys[:4])  # keys 0..3 on the target: ASK for them
        try:
            table = list(rc.nodes_manager.slots)

            def record(pipe: Any) -> Any:
                for key in keys:
                    pipe.get(key)
                return pipe.get(other[0]).get(other[1]).get(other[2])

            reference = await record(theirs.pipeline()).execute()
            ours = await record(rc.pipeline()).execute()
            assert ours == reference == [str(i).encode() for i in range(10)] + [None] * 3
            assert rc.stats()["ask"] >= 4 and rc.nodes_manager.slots == table
            # writes: to keys on either side, and a new key (the source sends it to the target)
            pipe = rc.pipeline().incr(keys[0]).incr(keys[9]).set("{mig}:new", "n").get("{mig}:new")
            assert await pipe.execute() == [1, 10, True, b"n"]
            # a transaction on a key already moved: ASKING, then MULTI..EXEC on the target
            assert await rc.pipeline(transaction=True).incr(keys[1]).get(keys[1]).execute() == [2, b"2"]
            # keys on both sides: the target refuses (TRYAGAIN) until the migration ends; nothing applied
            mixed = rc.pipeline(transaction=True).incr(keys[2]).incr(keys[8])
            with pytest.raises(leanredis.TryAgainError):
                await mixed.execute()
            assert [await rc.get(keys[2]), await rc.get(keys[8])] == [b"2", b"8"]
            # WATCH cannot follow ASK (MULTI..EXEC after it would need ASKING too): waited out, then said so
            async with rc.pipeline(transaction=True) as pipe:
                with pytest.raises(leanredis.ClusterError, match="cannot follow ASK"):
                    await pipe.watch(keys[0])
        finally:
            finish_migration(cluster, slot, target)
        moved = rc.stats()["moved"]
        ours = await record(rc.pipeline()).execute()
        assert ours == [b"1", b"2", b"2", b"3", b"4", b"5", b"6", b"7", b"8", b"10", None, None, None]
        assert rc.stats()["moved"] > moved and rc.nodes_manager.slots[slot].port == target  # type: ignore[union-attr]
        await assert_clean(rc)


async def test_a_transaction_follows_moved_and_a_watch_on_a_moved_slot_fails_with_watch_error(
    cluster: LocalCluster, rc: RedisCluster
) -> None:
    async with asyncio.timeout(60):
        key, watched = "{txmove}:a", "{txmove}:w"
        slot = rc.keyslot(key)
        await rc.mset({key: 1, watched: 1})
        first_owner = cluster.owner(slot).port
        target = other_primary(cluster, slot)
        move_slot(cluster, slot, target)  # keys included; the client still thinks the old owner serves it
        moved = rc.stats()["moved"]
        # MOVED inside MULTI: the server discarded the whole transaction (EXECABORT); it runs again there
        assert await rc.pipeline(transaction=True).incr(key).incr(key).execute() == [2, 3]
        assert rc.stats()["moved"] == moved + 1 and rc.nodes_manager.slots[slot].port == target  # type: ignore[union-attr]
        # WATCH, then the slot moves away: the watched keys moved, the transaction fails, nothing applied
        pipe = rc.pipeline(transaction=True)
        await pipe.watch(watched)
        move_slot(cluster, slot, first_owner)
        pipe.multi()
        pipe.incr(watched).incr(key)
        with pytest.raises(leanredis.WatchError, match="Slot rebalancing occurred while watching keys"):
            await pipe.execute()
        assert not pipe.watching and rc.nodes_manager.slots[slot].port == first_owner  # type: ignore[union-attr]
        assert await rc.mget(key, watched) == [b"3", b"1"]

        async def increment(pipe: Any) -> None:
            value = int(await pipe.get(watched))
            pipe.multi()
            pipe.set(watched, value + 1)

        await rc.transaction(increment, watched)
        assert await rc.mget(key, watched) == [b"3", b"2"]
        await assert_clean(rc)


# -- blocking commands ---------------------------------------------------------------------


async def test_blocking_commands_wait_on_their_keys_node_and_are_woken_by_a_push(
    cluster: LocalCluster, rc: RedisCluster, theirs: redis_py_cluster.RedisCluster
) -> None:
    async with asyncio.timeout(30):
        a, b, c = one_key_per_primary(rc)
        waiting = [
            rc.blpop(f"{{{a}}}list", 5),
            rc.brpop([f"{{{b}}}none", f"{{{b}}}list"], 5),
            rc.bzpopmin(f"{{{c}}}zset", 5),
            rc.blmove(f"{{{a}}}src", f"{{{a}}}dst", 5, "LEFT", "RIGHT"),
            rc.blmpop(5, 2, f"{{{b}}}none", f"{{{b}}}mlist", direction="LEFT", count=2),
            rc.xread({f"{{{c}}}stream": "$"}, block=5000),
        ]
        tasks = [asyncio.ensure_future(call) for call in waiting]
        # each on a connection of its own (connected in the machine's own time, not within a fixed 0.3 s)
        while rc.stats()["dedicated_in_use"] < len(tasks):
            await asyncio.sleep(0.01)
        assert not any(task.done() for task in tasks)
        assert rc.stats()["dedicated_in_use"] == len(tasks)
        started = time.monotonic()
        assert await rc.get(a) is None  # the shared connections are not blocked behind them
        assert time.monotonic() - started < 2.5  # behind a blocked one, it would wait up to 5 s
        await theirs.rpush(f"{{{a}}}list", "x")
        await theirs.rpush(f"{{{b}}}list", "y")
        await theirs.zadd(f"{{{c}}}zset", {"m": 2})
        await theirs.rpush(f"{{{a}}}src", "s")
        await theirs.rpush(f"{{{b}}}mlist", "1", "2", "3")
        entry = await theirs.xadd(f"{{{c}}}stream", {"f": "v"})
        results = await asyncio.gather(*tasks)
        assert results[:5] == [
            (f"{{{a}}}list".encode(), b"x"),
            (f"{{{b}}}list".encode(), b"y"),
            (f"{{{c}}}zset".encode(), b"m", 2.0),
            b"s",
            [f"{{{b}}}mlist".encode(), [b"1", b"2"]],
        ]
        assert results[5] == [[f"{{{c}}}stream".encode(), [(entry, {b"f": b"v"})]]]
        # the same calls on redis-py, on the same state: the same return types
        await rc.rpush(f"{{{a}}}list", "x", "x")
        await rc.zadd(f"{{{c}}}zset", {"m": 2, "n": 3})
        for call in ("blpop", "bzpopmin"):
            key = f"{{{a}}}list" if call == "blpop" else f"{{{c}}}zset"
            mine, reference = await getattr(rc, call)(key, 1), await getattr(theirs, call)(key, 1)
            assert type(mine) is type(reference) and len(mine) == len(reference)
        await assert_clean(rc)


async def test_a_blocking_commands_timeout_is_the_standalone_one(cluster: LocalCluster) -> None:
    client = RedisCluster(host="127.0.0.1", port=cluster.servers[0].port, socket_timeout=0.2)
    try:
        async with asyncio.timeout(30):
            await client.initialize()
            # the socket timeout is extended by the command's own wait: None after 0.5 s, no TimeoutError
            for call in (client.blpop("bt:empty", 0.5), client.bzpopmax("bt:empty", 0.5)):
                started = time.monotonic()
                assert await call is None
                assert 0.45 < time.monotonic() - started < 2
            assert await client.xread({"bt:stream": "$"}, block=300) == []
            # a caller that gives up: its connection is closed (the server may still be blocked on it)
            dirty = sum(s["closed_dirty"] for s in client.nodes_manager.pools.stats().values())
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(client.blpop("bt:list", 10), 0.2)
            await asyncio.sleep(0.05)
            assert sum(s["closed_dirty"] for s in client.nodes_manager.pools.stats().values()) == dirty + 1
            await client.rpush("bt:list", "kept")
            assert await client.lrange("bt:list", 0, -1) == [b"kept"]  # nobody popped it
            await assert_clean(client)
    finally:
        await client.aclose()


async def test_blocking_connections_are_bounded_per_node_and_closed_with_the_client_or_the_node(
    cluster: LocalCluster,
) -> None:
    client = RedisCluster(host="127.0.0.1", port=cluster.servers[0].port, max_connections=1, pool_timeout=0.3)
    try:
        async with asyncio.timeout(30):
            await client.initialize()
            a, b, _ = one_key_per_primary(client)
            first = asyncio.ensure_future(client.blpop(f"{{{a}}}1", 2))
            await asyncio.sleep(0.1)
            with pytest.raises(leanredis.MaxConnectionsError, match="max_connections"):
                await client.blpop(f"{{{a}}}2", 2)  # the same node: its one connection is taken
            assert await client.blpop(f"{{{b}}}1", 0.1) is None  # another node: a pool of its own
            node = client.get_node_from_key(a)
            assert node is not None
            client.nodes_manager._retire(node)  # the node left the topology: its pool closes, callers fail
            with pytest.raises(leanredis.ConnectionError):
                await first
            assert client.stats()["dedicated_in_use"] == 0
            await client.blpop(f"{{{b}}}1", 0.1)
        pools = list(client.nodes_manager.pools._pools.values())
        assert pools
    finally:
        await client.aclose()
    assert all(pool.in_use == 0 and pool.idle == 0 for pool in pools)
    assert client.nodes_manager.pools.stats() == {}


async def test_a_blocking_command_in_a_pipeline_keeps_its_place_among_its_nodes_commands(
    cluster: LocalCluster, rc: RedisCluster, theirs: redis_py_cluster.RedisCluster
) -> None:
    async with asyncio.timeout(30):
        a, b, c = one_key_per_primary(rc)

        def record(pipe: Any) -> Any:
            pipe.rpush(f"{{{a}}}q", 1).blpop(f"{{{a}}}q", 1).llen(f"{{{a}}}q").set(b, "b").get(b)
            return pipe.brpop(f"{{{c}}}none", 0.2).incr(c).get(f"{{{a}}}q")

        reference = await record(theirs.pipeline()).execute()
        await rc.flushdb()
        ours = await record(rc.pipeline()).execute()
        assert same_shape(ours, reference), f"leanredis {ours!r}\nredis-py  {reference!r}"
        assert ours == [1, (f"{{{a}}}q".encode(), b"1"), 0, True, b"b", None, 1, None]
        await assert_clean(rc)


async def test_wait_goes_to_every_primary_and_answers_the_least(
    cluster: LocalCluster, rc: RedisCluster, theirs: redis_py_cluster.RedisCluster
) -> None:
    async with asyncio.timeout(30):
        for _ in range(100):  # replicas attached and known: WAIT counts them
            if await theirs.wait(1, 100) == 1:
                break
            await asyncio.sleep(0.1)
        assert await rc.wait(1, 1000) == await theirs.wait(1, 1000) == 1
        started = time.monotonic()
        assert await rc.wait(5, 300) == 1  # no primary has 5 replicas: the timeout, then the least count
        assert time.monotonic() - started >= 0.25
        await assert_clean(rc)


async def test_a_blocking_command_follows_ask_moved_and_the_moved_sent_to_a_blocked_client(
    cluster: LocalCluster, rc: RedisCluster, theirs: redis_py_cluster.RedisCluster
) -> None:
    async with asyncio.timeout(60):
        key = "{bmove}:q"
        slot = rc.keyslot(key)
        target = other_primary(cluster, slot)
        # ASK: the slot migrating, the list on neither side yet: ASKING + BLPOP on the target, where the
        # push goes too (the source answers ASK for a key it lacks)
        start_migration(cluster, slot, target, [])
        try:
            waiting = asyncio.ensure_future(rc.blpop(key, 10))
            await asyncio.sleep(0.3)
            assert not waiting.done() and rc.stats()["ask"] >= 1
            await rc.rpush(key, "a")
            assert await waiting == (key.encode(), b"a")
        finally:
            finish_migration(cluster, slot, target)
        # MOVED: the client's table still names the old owner; the wait runs again on the new one
        moved = rc.stats()["moved"]
        waiting = asyncio.ensure_future(rc.blpop(key, 10))
        await asyncio.sleep(0.3)
        assert not waiting.done() and rc.stats()["moved"] == moved + 1
        await theirs.rpush(key, "b")
        assert await waiting == (key.encode(), b"b")
        # blocked, then the slot moves away: the server tells the blocked client MOVED, the wait follows it
        waiting = asyncio.ensure_future(rc.blpop(key, 20))
        await asyncio.sleep(0.3)
        move_slot(cluster, slot, other_primary(cluster, slot))
        for _ in range(100):
            if rc.stats()["moved"] == moved + 2:
                break
            await asyncio.sleep(0.05)
        assert not waiting.done() and rc.stats()["moved"] == moved + 2
        await theirs.rpush(key, "c")
        assert await waiting == (key.encode(), b"c")
        await assert_clean(rc)


async def test_cancelling_a_pipeline_or_a_watch_mid_wait_leaves_nothing_behind(
    cluster: LocalCluster, rc: RedisCluster
) -> None:
    async with asyncio.timeout(30):
        a, b, c = one_key_per_primary(rc)
        dirty = sum(s["closed_dirty"] for s in rc.nodes_manager.pools.stats().values())
        pipe = rc.pipeline().set(b, 1).blpop(f"{{{a}}}q", 10).get(c).set(f"{{{a}}}after", 1)
        running = asyncio.ensure_future(pipe.execute())
        await asyncio.sleep(0.3)
        running.cancel()
        with pytest.raises(asyncio.CancelledError):
            await running
        async with rc.pipeline(transaction=True) as watching:
            await watching.watch(f"{{{c}}}w")
            blocked = asyncio.ensure_future(watching.blpop(f"{{{c}}}w2", 10))  # immediate mode, on the WATCH socket
            await asyncio.sleep(0.3)
            blocked.cancel()
            with pytest.raises(asyncio.CancelledError):
                await blocked
            assert not watching.watching  # its socket is gone: nothing can be guarded by that WATCH any more
        await asyncio.sleep(0.1)
        assert sum(s["closed_dirty"] for s in rc.nodes_manager.pools.stats().values()) == dirty + 2
        await rc.rpush(f"{{{a}}}q", "x")
        await rc.rpush(f"{{{c}}}w2", "y")
        assert [await rc.llen(f"{{{a}}}q"), await rc.llen(f"{{{c}}}w2")] == [1, 1]  # no abandoned pop took them
        assert await rc.get(b) == b"1"  # sent before the cancel: applied
        await assert_clean(rc)


def test_the_entry_points_take_redis_pys_parameters() -> None:
    import inspect

    from leanredis.cluster.pipeline import ClusterPipeline

    def names(function: Any) -> list[str]:
        return [p.name for p in inspect.signature(function).parameters.values() if p.name != "self"]

    assert names(RedisCluster.pipeline) == names(redis_py_cluster.RedisCluster.pipeline)
    assert inspect.signature(RedisCluster.pipeline).parameters["transaction"].default is None
    for method in ("execute", "reset", "multi", "watch", "unwatch", "discard", "mset_nonatomic"):
        assert names(getattr(ClusterPipeline, method)) == names(getattr(redis_py_cluster.ClusterPipeline, method))


async def test_the_cluster_guides_pipeline_example_runs(cluster: LocalCluster, rc: RedisCluster) -> None:
    block = example("docs/guides/cluster.md", "rc.blpop")
    namespace: dict[str, Any] = {}
    exec("async def example(rc):\n" + textwrap.indent(block, "    "), namespace)
    async with asyncio.timeout(20):
        await rc.rpush("queue", "job")
        await namespace["example"](rc)
        assert await rc.mget("a", "c", "{u1}:n", "queue") == [b"1", b"1", b"1", None]
        await assert_clean(rc)


async def test_the_cluster_guides_first_example_runs(cluster: LocalCluster, rc: RedisCluster) -> None:
    block = example("docs/guides/cluster.md", "leanredis.RedisCluster(host=")
    block = block.replace("port=7000", f"port={cluster.servers[0].port}")
    namespace: dict[str, Any] = {}
    exec("async def first(leanredis):\n" + textwrap.indent(block + "\nreturn rc, replicas", "    "), namespace)
    async with asyncio.timeout(20):
        theirs, replicas = await namespace["first"](leanredis)
        try:
            assert await rc.get("user:{42}:name") == b"ada"
            assert await replicas.dbsize() >= 1  # keyless: summed over the primaries, as the example says
        finally:
            await theirs.aclose()
            await replicas.aclose()


async def test_a_redirect_loop_ends_blocking_commands_and_transactions_with_a_clear_error(
    cluster: LocalCluster,
) -> None:
    client = RedisCluster(host="127.0.0.1", port=cluster.servers[0].port, max_redirects=3)
    key = "{loop}:k"
    slot = client.keyslot(key)
    source = cluster.owner(slot)
    target = cluster.server_by_port(other_primary(cluster, slot))
    try:
        async with asyncio.timeout(20):
            await client.initialize()
            # MIGRATING on the source only: ASK to the target, which (not IMPORTING) answers MOVED back
            cluster.call(source, "CLUSTER", "SETSLOT", slot, "MIGRATING", cluster.ids[target.port])
            with pytest.raises(leanredis.ClusterError, match="BLPOP was redirected 3 times"):
                await client.blpop(key, 1)
            with pytest.raises(leanredis.ClusterError, match=f"transaction on slot {slot} was redirected 3 times"):
                await client.pipeline(transaction=True).set(key, 1).execute()
            assert client.stats()["too_many_redirects"] == 2
    finally:
        cluster.call(source, "CLUSTER", "SETSLOT", slot, "STABLE")
    try:
        async with asyncio.timeout(20):
            assert await client.pipeline(transaction=True).set(key, 1).get(key).execute() == [True, b"1"]
            await assert_clean(client)
    finally:
        await client.aclose()


async def test_a_slot_no_node_serves_fails_each_kind_of_work_clearly_until_the_refresh(
    cluster: LocalCluster, rc: RedisCluster
) -> None:
    async with asyncio.timeout(20):
        key = "{nobody}:k"
        slot = rc.keyslot(key)
        rc.nodes_manager.point_slot(slot, None)  # as after a refresh that found the slot uncovered
        with pytest.raises(leanredis.ClusterDownError, match=f"slot {slot} is not served"):
            await rc.blpop(key, 0.1)
        with pytest.raises(leanredis.ClusterDownError, match=f"slot {slot} is not served"):
            await rc.pipeline(transaction=True).set(key, 1).execute()
        result = await rc.pipeline().set(key, 1).ping().execute(raise_on_error=False)
        assert isinstance(result[0], leanredis.ClusterDownError) and result[1] is True
        for _ in range(100):  # each of them scheduled the refresh that serves the slot again
            if rc.nodes_manager.slots[slot] is not None:
                break
            await asyncio.sleep(0.05)
        assert await rc.pipeline().set(key, 1).get(key).execute() == [True, b"1"]
        await assert_clean(rc)


async def test_a_script_called_on_a_cluster_pipeline_is_loaded_on_every_primary_first(rc: RedisCluster) -> None:
    async with asyncio.timeout(20):
        keys = one_key_per_primary(rc)
        await rc.execute_command("SCRIPT", "FLUSH", target_nodes=rc.PRIMARIES)
        script = rc.register_script("return redis.call('INCRBY', KEYS[1], ARGV[1])")
        pipe = rc.pipeline()
        for key in keys:
            assert await script(keys=[key], args=[2], client=pipe) is pipe  # recorded, not run
        assert await pipe.execute() == [2, 2, 2]  # no NOSCRIPT: loaded on each primary before
        for node in rc.get_primaries():
            assert await rc.execute_command("SCRIPT", "EXISTS", script.sha, target_nodes=node) == [1], node
        await rc.execute_command("SCRIPT", "FLUSH", target_nodes=rc.PRIMARIES)
        async with rc.pipeline(transaction=True) as tx:
            await script(keys=[keys[0]], args=[3], client=tx)
            tx.get(keys[0])
            assert await tx.execute() == [5, b"5"]
        assert not pipe.scripts and not tx.scripts  # forgotten with the commands
        await assert_clean(rc)
