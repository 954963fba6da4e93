"""A RedisCluster pipeline of single-key commands sent as one batch per node (``cluster/pipeline_batches.py``).

The fast path is proved taken (one ``execute_batch`` per node, nothing through the router) and
correct against redis-py's cluster pipeline on the same cluster: keys of every kind (str, bytes,
int, with a hash tag), error replies mixed in, ``raise_on_error`` either way, and a MOVED inside
a batch followed at once. Every test is bounded and ends with nothing in flight or kept.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import redis.asyncio.cluster as redis_py_cluster
import redis.exceptions

import leanredis
from leanredis.cluster import RedisCluster
from leanredis.cluster.node_connection import NodeConnection
from leanredis.cluster.routing import ClusterRouting

from . import test_cluster
from .cluster import LocalCluster
from .families.oracle import same_shape
from .test_cluster import assert_no_leak, move_slot, other_primary

cluster = test_cluster.cluster
rc = test_cluster.rc
theirs = test_cluster.theirs  # redis-py's RedisCluster on the same cluster, for side-by-side checks


@pytest.fixture
def spied(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """How many batches the node connections were given, and how many commands went through the router
    (``_send``; the fast path checks that it is the router's own, so it stays taken with this spy)."""
    counts = {"batches": 0, "routed": 0}
    batch, route = NodeConnection.execute_batch, ClusterRouting._send

    def counted_batch(self: Any, *args: Any, **kwargs: Any) -> Any:
        counts["batches"] += 1
        return batch(self, *args, **kwargs)

    def counted_route(self: Any, *args: Any, **kwargs: Any) -> Any:
        counts["routed"] += 1
        return route(self, *args, **kwargs)

    monkeypatch.setattr(NodeConnection, "execute_batch", counted_batch)
    monkeypatch.setattr(ClusterRouting, "_send", counted_route)
    return counts


def record(pipe: Any, rounds: int) -> Any:
    """Single-key commands over every primary: str, bytes, int and hash-tagged keys; WRONGTYPE and a
    non-integer INCR among them."""
    for i in range(rounds):
        pipe.set(f"s:{i}", f"v{i}").get(f"s:{i}").incr(f"n:{i}").incrby(b"b:%d" % i, 3)
        pipe.set(i, "int key").get(i).lpush(f"s:{i}", "x").incr(f"s:{i}" if i % 2 else f"n:{i}")
        pipe.hset(f"{{user{i}}}:h", "f", i).hget(f"{{user{i}}}:h", "f").expire(f"s:{i}", 100).ttl(f"s:{i}")
        pipe.rpush(f"{{user{i}}}:l", "a", "b").lrange(f"{{user{i}}}:l", 0, -1).get("missing")
    return pipe


async def test_single_key_commands_go_as_one_batch_per_node_and_answer_as_redis_py(
    cluster: LocalCluster, rc: RedisCluster, theirs: redis_py_cluster.RedisCluster, spied: dict[str, int]
) -> None:
    async with asyncio.timeout(30):
        await rc.ping()  # every node connected: a node's first commands, before its socket, go one by one
        reference = await record(theirs.pipeline(), 40).execute(raise_on_error=False)
        with pytest.raises(redis.exceptions.ResponseError) as their_error:
            await record(theirs.pipeline(), 40).execute()
        await rc.flushdb()
        spied.update(batches=0, routed=0)
        ours = await record(rc.pipeline(), 40).execute(raise_on_error=False)
        assert spied == {"batches": 3, "routed": 0}  # one batch per primary, nothing one by one
        assert len(ours) == len(reference) == 40 * 15
        errors = 0
        for index, (mine, their) in enumerate(zip(ours, reference, strict=True)):
            if isinstance(their, Exception):
                errors += 1
                assert isinstance(mine, leanredis.ResponseError), (index, mine, their)
                assert str(mine).removeprefix("ERR ") == str(their), index
            else:
                assert same_shape(mine, their), (index, mine, their)
        assert errors == 40 + 20  # a WRONGTYPE per round, a non-integer INCR every other round
        await rc.flushdb()
        with pytest.raises(leanredis.ResponseError) as our_error:
            await record(rc.pipeline(), 40).execute()
        assert str(our_error.value).removeprefix("ERR ") == str(their_error.value)
        assert str(our_error.value).startswith("Command # 7 (LPUSH s:0 x) of pipeline caused error: ")
        await assert_no_leak(rc)


async def test_a_pipeline_on_one_node_is_one_batch_with_its_results_in_order(
    rc: RedisCluster, spied: dict[str, int]
) -> None:
    async with asyncio.timeout(10):
        await rc.ping()
        pipe = rc.pipeline()
        for i in range(300):
            pipe.set(f"{{one}}:{i}", i)
            pipe.get(f"{{one}}:{i}")
        spied.update(batches=0, routed=0)
        results = await pipe.execute()
        assert spied == {"batches": 1, "routed": 0}
        assert results == [value for i in range(300) for value in (True, str(i).encode())]
        await assert_no_leak(rc)


async def test_a_moved_inside_a_batch_is_followed_at_once_and_repoints_the_slot(
    cluster: LocalCluster, rc: RedisCluster
) -> None:
    async with asyncio.timeout(60):
        keys = [f"{{batchmove}}:{i}" for i in range(20)]
        slot = rc.keyslot(keys[0])
        await rc.mset({key: i for i, key in enumerate(keys)})
        first_owner = cluster.owner(slot).port
        target = other_primary(cluster, slot)
        move_slot(cluster, slot, target)  # keys included; the client still thinks the old owner serves it
        old_owner = cluster.server_by_port(first_owner)
        try:
            moved = rc.stats()["moved"]
            cluster.call(old_owner, "CONFIG", "RESETSTAT")
            pipe = rc.pipeline()
            for i, key in enumerate(keys):
                pipe.incr(key).get(f"elsewhere:{i}")
            results = await pipe.execute()
            assert results == [value for i in range(20) for value in (i + 1, None)]
            assert rc.stats()["moved"] == moved + 20  # each command of the slot followed its MOVED once
            # straight to the node the MOVED named: the old owner was asked once per command, not again
            stats: Any = cluster.call(old_owner, "INFO", "commandstats")
            assert (stats["cmdstat_incrby"]["calls"], stats["cmdstat_incrby"]["rejected_calls"]) == (0, 20), stats
            assert rc.nodes_manager.slots[slot].port == target  # type: ignore[union-attr]
            await assert_no_leak(rc)
        finally:
            move_slot(cluster, slot, first_owner)
