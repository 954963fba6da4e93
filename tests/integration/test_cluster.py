"""RedisCluster against a real local cluster: 3 primaries + 3 replicas, module-scoped, always stopped.

Every test is bounded (``asyncio.timeout``: a routing bug fails, never hangs),
talks only to 127.0.0.1, and ends by checking that no node connection has a
command in flight or bytes kept for a redirect.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import pytest
import redis.asyncio.cluster as redis_py_cluster

import leanredis
from leanredis.cluster import ClusterNode, RedisCluster, key_slot

from .cluster import LocalCluster, running_cluster


@pytest.fixture(scope="module")
def cluster(server_binary: str) -> Iterator[LocalCluster]:
    with running_cluster(server_binary) as local:
        yield local


@pytest.fixture
async def rc(cluster: LocalCluster) -> AsyncIterator[RedisCluster]:
    client = RedisCluster(host="127.0.0.1", port=cluster.servers[0].port)
    await client.initialize()
    await client.flushdb()
    yield client
    await client.aclose()


@pytest.fixture
async def theirs(cluster: LocalCluster) -> AsyncIterator[redis_py_cluster.RedisCluster]:
    client = redis_py_cluster.RedisCluster(host="127.0.0.1", port=cluster.servers[1].port)
    await client.initialize()
    yield client
    await client.aclose()


async def assert_no_leak(client: RedisCluster) -> None:
    await asyncio.sleep(0)  # done callbacks of the last replies (a redirect's count leaves in one) run first
    # a topology refresh a MOVED scheduled may still be in flight (its CLUSTER SHARDS): waited for, bounded
    async with asyncio.timeout(5):
        while client.stats()["inflight"] or client.stats()["queued"]:
            await asyncio.sleep(0.01)
    stats = client.stats()
    assert stats["inflight"] == 0, stats
    assert stats["queued"] == 0, stats
    assert stats["kept_bytes"] == 0, stats
    assert stats["redirects_tracked"] == 0, stats


def keys_on_each_primary(client: RedisCluster, count: int = 30) -> list[str]:
    keys = [f"key:{i}" for i in range(count)]
    owners = {client.get_node_from_key(key).name for key in keys}  # type: ignore[union-attr]
    assert len(owners) == 3  # the keys really span every primary
    return keys


async def test_kept_commands_are_charged_to_max_memory_bytes_and_given_back_once_answered(rc: RedisCluster) -> None:
    """A burst over every primary: each command's kept copy (for a redirect) is charged while in flight;
    once the replies are read, the client still connected, nothing of it (nor of the out-buffers) is held."""
    budget = rc.options.memory_budget
    keys = keys_on_each_primary(rc, 300)
    async with asyncio.timeout(10):
        futures = [rc.set(key, b"v" * 1000) for key in keys]
        parts = budget.parts()
        assert parts["kept"] >= 300 * 1000, parts  # the kept copies, before a byte was written
        assert parts["buffered"] >= 300 * 1000, parts  # and the out-buffers
        assert await asyncio.gather(*futures) == [True] * 300
        await assert_no_leak(rc)
    parts = budget.parts()
    assert (parts["kept"], parts["buffered"]) == (0, 0), parts
    assert sum(parts.values()) == budget.used


async def test_one_callback_writes_every_node_a_burst_reached(rc: RedisCluster) -> None:
    keys = {rc.get_node_from_key(key).name: key for key in keys_on_each_primary(rc)}  # type: ignore[union-attr]
    first, *rest = keys.values()
    async with asyncio.timeout(10):
        await asyncio.gather(*(rc.set(key, "warm") for key in keys.values()))  # every node connected
        conns = [rc.get_node_from_key(key).connection for key in keys.values()]  # type: ignore[union-attr]
        before = [conn.stats_writes for conn in conns]  # type: ignore[union-attr]
        seen: list[list[int]] = []
        replies = [rc.set(first, "1")]
        # between the first node's command and the others': with a write scheduled per node it would run
        # before theirs; with one callback for every connection of the loop, all three were written before it
        asyncio.get_running_loop().call_soon(lambda: seen.append([c.stats_writes for c in conns]))  # type: ignore[union-attr]
        replies += [rc.set(key, "1") for key in rest]
        assert await asyncio.gather(*replies) == [True, True, True]
    assert seen == [[count + 1 for count in before]]
    await assert_no_leak(rc)


async def test_awaiting_a_cluster_client_initializes_it_as_redis_asyncio_does(cluster: LocalCluster) -> None:
    import redis.asyncio

    for cls in (RedisCluster, redis.asyncio.RedisCluster):
        client = cls(host="127.0.0.1", port=cluster.servers[0].port)
        try:
            assert await client is client
            assert client.get_primaries()  # the topology was read by the await
        finally:
            await client.aclose()


async def test_slot_of_every_kind_of_key_matches_cluster_keyslot(cluster: LocalCluster, rc: RedisCluster) -> None:
    async with asyncio.timeout(20):
        for key in ["foo", "{user1000}.following", "a{}b", "{}{x}", "x{y", "é✓", b"\xff\x00bin", 12345, 1.5]:
            assert rc.keyslot(key) == await rc.execute_command("CLUSTER", "KEYSLOT", key), key
        await assert_no_leak(rc)


async def test_topology_names_every_node_with_redis_py_helpers(cluster: LocalCluster, rc: RedisCluster) -> None:
    async with asyncio.timeout(20):
        assert {node.port for node in rc.get_primaries()} == {s.port for s in cluster.primaries}
        for _ in range(100):
            if len(rc.get_replicas()) == 3:
                break
            rc.nodes_manager.schedule_refresh()  # replicas still syncing at the first read
            await asyncio.sleep(0.2)
        assert {node.port for node in rc.get_replicas()} == {s.port for s in cluster.replicas}
        assert len(rc.get_nodes()) == 6
        node = rc.get_node("127.0.0.1", cluster.primaries[0].port)
        assert node is not None and node.server_type == "primary"
        assert rc.get_node(node_name=node.name) is node
        owner = cluster.owner(key_slot("foo"))
        assert rc.get_node_from_key("foo") is rc.get_node(owner.host, owner.port)


async def test_values_written_by_either_client_are_read_by_the_other(cluster: LocalCluster, rc: RedisCluster) -> None:
    theirs = redis_py_cluster.RedisCluster(host="127.0.0.1", port=cluster.servers[1].port)
    try:
        async with asyncio.timeout(30):
            await theirs.initialize()
            ours_keys = [f"ours:{i}" for i in range(300)] + [f"{{tag}}ours:{i}" for i in range(20)]
            await asyncio.gather(*(rc.set(key, key.upper()) for key in ours_keys))
            await asyncio.gather(*(rc.hset(f"h:{i}", mapping={"f": i}) for i in range(50)))
            for key in ours_keys:
                assert await theirs.get(key) == key.upper().encode()
            for i in range(50):
                assert await theirs.hget(f"h:{i}", "f") == str(i).encode()
            for i in range(300):
                await theirs.set(f"theirs:{i}", i)
                await theirs.rpush(f"list:{{t{i % 7}}}", i)
            values = await asyncio.gather(*(rc.get(f"theirs:{i}") for i in range(300)))
            assert values == [str(i).encode() for i in range(300)]
            assert sum([await rc.llen(f"list:{{t{j}}}") for j in range(7)]) == 300
            # hash tags put keys of one tag in one slot: multi-key commands that cannot split work
            await rc.sadd("{s}a", 1, 2, 3)
            await rc.sadd("{s}b", 2, 3, 4)
            assert await rc.sinter("{s}a", "{s}b") == {b"2", b"3"}
            assert await theirs.sinter("{s}a", "{s}b") == {b"2", b"3"}
            await assert_no_leak(rc)
    finally:
        await theirs.aclose()


async def test_split_commands_keep_the_callers_order_and_sum_counts(cluster: LocalCluster, rc: RedisCluster) -> None:
    async with asyncio.timeout(20):
        keys = keys_on_each_primary(rc)
        assert await rc.mset({key: f"v-{key}" for key in keys[::2]}) is True
        assert await rc.mget(keys) == [f"v-{key}".encode() if i % 2 == 0 else None for i, key in enumerate(keys)]
        assert await rc.mget_nonatomic(list(reversed(keys))) == list(reversed(await rc.mget(keys)))
        assert await rc.mset_nonatomic({key: "x" for key in keys}) is True
        assert await rc.exists(*keys, keys[0], "missing") == len(keys) + 1  # a key named twice counts twice
        assert await rc.touch(*keys) == len(keys)
        assert await rc.delete(*keys[:10], "missing") == 10
        assert await rc.unlink(*keys) == len(keys) - 10
        assert await rc.mget(keys) == [None] * len(keys)
        await assert_no_leak(rc)


async def test_multi_key_command_across_slots_raises_before_sending(cluster: LocalCluster, rc: RedisCluster) -> None:
    async with asyncio.timeout(20):
        a, b = "cross:a", "cross:b"
        assert rc.keyslot(a) != rc.keyslot(b)
        writes_before = sum(conn.stats_writes for conn in rc.nodes_manager.connections())
        with pytest.raises(leanredis.CrossSlotError, match="hash to different slots"):
            rc.sinter(a, b)
        with pytest.raises(leanredis.CrossSlotError):
            rc.rename(a, b)
        with pytest.raises(leanredis.CrossSlotError):
            rc.msetnx({a: 1, b: 2})
        await asyncio.sleep(0.01)
        assert sum(conn.stats_writes for conn in rc.nodes_manager.connections()) == writes_before
        await assert_no_leak(rc)


async def test_keyless_commands_go_where_their_meaning_says(cluster: LocalCluster, rc: RedisCluster) -> None:
    async with asyncio.timeout(20):
        keys = keys_on_each_primary(rc)
        await rc.mset({key: 1 for key in keys})
        assert await rc.dbsize() == len(keys)  # summed over the primaries
        assert sorted(await rc.keys("key:*")) == sorted(key.encode() for key in keys)
        assert sorted([key async for key in rc.scan_iter(match="key:*", count=5)]) == sorted(k.encode() for k in keys)
        assert await rc.ping() is True
        assert await rc.randomkey() in {key.encode() for key in keys}
        sha = await rc.script_load("return redis.call('GET', KEYS[1])")
        for key in keys[:6]:  # loaded on every primary: EVALSHA works whichever serves the key
            assert await rc.evalsha(sha, 1, key) == b"1"
        assert await rc.flushdb() is True
        assert await rc.dbsize() == 0
        await assert_no_leak(rc)


def move_slot(cluster: LocalCluster, slot: int, target_port: int, keys_to_move: int | None = None) -> None:
    """Migrate ``slot`` to the primary on ``target_port``: IMPORTING/MIGRATING, MIGRATE keys, SETSLOT NODE.

    ``keys_to_move``: migrate only that many keys and stop there (the slot stays mid-migration: ASK).
    """
    source = cluster.owner(slot)
    target = cluster.server_by_port(target_port)
    source_id, target_id = cluster.ids[source.port], cluster.ids[target.port]
    cluster.call(target, "CLUSTER", "SETSLOT", slot, "IMPORTING", source_id)
    cluster.call(source, "CLUSTER", "SETSLOT", slot, "MIGRATING", target_id)
    keys = cluster.call(source, "CLUSTER", "GETKEYSINSLOT", slot, 1000)
    assert isinstance(keys, list)
    if keys_to_move is not None:
        keys = keys[:keys_to_move]
    if keys:
        cluster.call(source, "MIGRATE", target.host, target.port, "", 0, 5000, "KEYS", *keys)
    if keys_to_move is None:
        for server in cluster.primaries + [target]:
            cluster.call(server, "CLUSTER", "SETSLOT", slot, "NODE", target_id)


def finish_migration(cluster: LocalCluster, slot: int, target_port: int) -> None:
    source = cluster.owner(slot)
    target = cluster.server_by_port(target_port)
    keys = cluster.call(source, "CLUSTER", "GETKEYSINSLOT", slot, 1000)
    if keys:
        cluster.call(source, "MIGRATE", target.host, target.port, "", 0, 5000, "KEYS", *keys)  # type: ignore[misc]
    for server in {*cluster.primaries, source, target}:
        cluster.call(server, "CLUSTER", "SETSLOT", slot, "NODE", cluster.ids[target.port])


def other_primary(cluster: LocalCluster, slot: int) -> int:
    owner = cluster.owner(slot)
    return next(s.port for s in cluster.primaries if s.port != owner.port and s.port in cluster.ids)


async def test_moved_is_followed_with_no_error_and_repoints_only_that_slot(
    cluster: LocalCluster, rc: RedisCluster
) -> None:
    async with asyncio.timeout(30):
        keys = [f"{{moved}}:{i}" for i in range(20)]
        slot = rc.keyslot(keys[0])
        await rc.mset({key: key for key in keys})
        before = list(rc.nodes_manager.slots)
        target = other_primary(cluster, slot)
        move_slot(cluster, slot, target)
        refreshes = rc.stats()["refreshes"]
        # the client still thinks the old owner serves the slot: MOVED, followed for the caller
        assert await rc.get(keys[0]) == keys[0].encode()
        assert rc.stats()["moved"] >= 1
        after = rc.nodes_manager.slots
        assert after[slot] is not None and after[slot].port == target
        assert [i for i in range(16384) if after[i] is not before[i]] == [slot]  # that one slot, no refresh yet
        assert rc.stats()["refreshes"] == refreshes
        values = await asyncio.gather(*(rc.get(key) for key in keys))
        assert values == [key.encode() for key in keys]
        # a refresh follows, once, lazily
        for _ in range(100):
            if rc.stats()["refreshes"] > refreshes:
                break
            await asyncio.sleep(0.02)
        assert rc.stats()["refreshes"] == refreshes + 1
        assert rc.nodes_manager.slots[slot].port == target  # type: ignore[union-attr]
        await assert_no_leak(rc)


async def test_many_moved_replies_at_once_schedule_one_refresh(cluster: LocalCluster, rc: RedisCluster) -> None:
    async with asyncio.timeout(30):
        keys = [f"{{burst}}:{i}" for i in range(500)]
        slot = rc.keyslot(keys[0])
        await rc.mset({key: 1 for key in keys})
        move_slot(cluster, slot, other_primary(cluster, slot))
        refreshes = rc.stats()["refreshes"]
        assert await asyncio.gather(*(rc.incr(key) for key in keys)) == [2] * len(keys)
        assert rc.stats()["moved"] >= 1
        await asyncio.sleep(rc.nodes_manager.refresh_interval + 0.3)
        assert rc.stats()["refreshes"] == refreshes + 1
        await assert_no_leak(rc)


async def test_ask_during_a_migration_reads_moved_keys_without_touching_the_map(
    cluster: LocalCluster, rc: RedisCluster
) -> None:
    async with asyncio.timeout(30):
        keys = [f"{{ask}}:{i}" for i in range(10)]
        slot = rc.keyslot(keys[0])
        await rc.mset({key: key for key in keys})
        target = other_primary(cluster, slot)
        move_slot(cluster, slot, target, keys_to_move=4)
        try:
            table = list(rc.nodes_manager.slots)
            values = await asyncio.gather(*(rc.get(key) for key in keys))
            assert values == [key.encode() for key in keys]
            assert rc.stats()["ask"] >= 1
            assert rc.nodes_manager.slots == table
            # a multi-key read over keys on both sides: TRYAGAIN, retried with backoff, then the server's error
            with pytest.raises(leanredis.TryAgainError):
                await rc.mget(keys)
            assert rc.stats()["retries"] >= 1
        finally:
            finish_migration(cluster, slot, target)
        assert await rc.mget(keys) == [key.encode() for key in keys]
        await assert_no_leak(rc)


async def test_redirect_loop_ends_with_a_clear_error_after_max_redirects(cluster: LocalCluster) -> None:
    client = RedisCluster(host="127.0.0.1", port=cluster.servers[0].port, max_redirects=5)
    slot = key_slot("loop")
    source = cluster.owner(slot)
    target = cluster.server_by_port(other_primary(cluster, slot))
    try:
        async with asyncio.timeout(20):
            await client.initialize()
            # MIGRATING on the source only: it answers ASK (the key is not there), the target (not
            # IMPORTING) answers MOVED back to the source: a loop only max_redirects can end
            cluster.call(source, "CLUSTER", "SETSLOT", slot, "MIGRATING", cluster.ids[target.port])
            with pytest.raises(leanredis.ClusterError, match="redirected 5 times"):
                await client.get("loop")
            assert client.stats()["too_many_redirects"] == 1
            await assert_no_leak(client)
    finally:
        cluster.call(source, "CLUSTER", "SETSLOT", slot, "STABLE")
        await client.aclose()


async def test_failover_of_a_primary_is_followed(cluster: LocalCluster, rc: RedisCluster) -> None:
    async with asyncio.timeout(60):
        key = "failover:key"
        slot = rc.keyslot(key)
        await rc.set(key, "before")
        old = cluster.owner(slot)
        replica = cluster.replicas[cluster.primaries.index(old)] if old in cluster.primaries else None
        if replica is None:
            pytest.skip("the slot's primary changed in an earlier test")
        cluster.call(replica, "CLUSTER", "FAILOVER")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 20
        while cluster.owner(slot).port != replica.port:
            assert loop.time() < deadline, "the replica was not promoted"
            await asyncio.sleep(0.1)
        # the old primary is a replica now: it answers MOVED, which the client follows
        assert await rc.set(key, "after") is True
        assert await rc.get(key) == b"after"
        assert rc.get_node_from_key(key).port == replica.port  # type: ignore[union-attr]
        # roles come with the next refresh
        for _ in range(100):
            node = rc.get_node("127.0.0.1", replica.port)
            if node is not None and node.server_type == "primary":
                break
            rc.nodes_manager.schedule_refresh()
            await asyncio.sleep(0.1)
        assert rc.get_node("127.0.0.1", replica.port).server_type == "primary"  # type: ignore[union-attr]
        # back as it was, for the tests after this one: once the old primary has caught up as a replica
        await asyncio.to_thread(cluster.fail_back, old)
        assert await rc.get(key) == b"after"
        await assert_no_leak(rc)


async def test_startup_nodes_from_url_and_async_with(cluster: LocalCluster) -> None:
    async with asyncio.timeout(20):
        nodes = [ClusterNode("localhost", cluster.servers[4].port), ClusterNode("127.0.0.1", cluster.servers[2].port)]
        async with RedisCluster(startup_nodes=nodes, decode_responses=True) as client:
            await client.set("url:k", "v")
            assert await client.get("url:k") == "v"
            await assert_no_leak(client)
        client = RedisCluster.from_url(f"redis://127.0.0.1:{cluster.servers[1].port}/0", decode_responses=True)
        try:
            assert await client.get("url:k") == "v"  # initialized by the first command
            await assert_no_leak(client)
        finally:
            await client.aclose()
        assert client.stats()["connections"] >= 1
        assert all(not conn.is_connected for conn in client.nodes_manager.connections())


async def test_cluster_state_commands_and_lock_answer_as_redis_py(cluster: LocalCluster, rc: RedisCluster) -> None:
    theirs = redis_py_cluster.RedisCluster(host="127.0.0.1", port=cluster.servers[0].port)
    try:
        async with asyncio.timeout(20):
            await theirs.initialize()
            keys = keys_on_each_primary(rc)
            for key in keys:
                await rc.set(key, "v")
            info = await rc.cluster_info()
            expected = await theirs.cluster_info()
            assert info.keys() == expected.keys() and info["cluster_state"] == expected["cluster_state"] == "ok"
            assert info["cluster_known_nodes"] == "6"
            slot = rc.keyslot(keys[0])
            assert await rc.cluster_keyslot(keys[0]) == await theirs.cluster_keyslot(keys[0]) == slot
            assert await rc.cluster_countkeysinslot(slot) == await theirs.cluster_countkeysinslot(slot) >= 1
            assert await rc.cluster_get_keys_in_slot(slot, 10) == await theirs.cluster_get_keys_in_slot(slot, 10)
            node = rc.get_primaries()[0]
            their_node = theirs.get_node(node.host, node.port)
            assert await rc.cluster_myid(node) == await theirs.cluster_myid(their_node)
            by_node = await rc.cluster_info(target_nodes=RedisCluster.PRIMARIES)
            assert sorted(by_node) == sorted(n.name for n in rc.get_primaries())
            assert rc.get_random_primary_node() in rc.get_primaries()
            with pytest.raises(leanredis.DataError, match="slot"):
                rc.cluster_countkeysinslot(16384)
            async with rc.lock("lock:{job}", timeout=5) as lock:  # redis.asyncio's Lock, on the key's node
                assert await lock.owned()
                assert not await rc.lock("lock:{job}", blocking=False).acquire()
            assert await rc.get("lock:{job}") is None
    finally:
        await theirs.aclose()
    await assert_no_leak(rc)


async def test_a_cluster_given_protocol_3_answers_in_one_shape_alone_in_a_pipeline_and_in_a_transaction(
    cluster: LocalCluster,
) -> None:
    # RedisCluster keeps redis-py's RESP2 shapes whatever protocol is given (documented): the same everywhere,
    # not RESP3 shapes where a node's Pipeline does the parsing
    client = RedisCluster(host="127.0.0.1", port=cluster.servers[0].port, protocol=3)
    try:
        replies = []
        for run in ("alone", "pipeline", "transaction"):
            await client.zadd("{z}1", {"a": 1, "b": 2})
            if run == "alone":
                replies.append(await client.zpopmin("{z}1"))
            else:
                pipe = client.pipeline(transaction=run == "transaction")
                pipe.zpopmin("{z}1")
                replies.append((await pipe.execute())[0])
            await client.delete("{z}1")
        assert replies == [[(b"a", 1.0)]] * 3
    finally:
        await client.aclose()
