"""RedisCluster beyond the primaries: reads from replicas, ``target_nodes=``, and pub/sub.

A real local cluster (3 primaries + 3 replicas), module-scoped, always
stopped; every test bounded by ``asyncio.timeout``. Server-side counters
(``INFO commandstats``, ``CLIENT LIST``) say where commands really went;
redis-py's ``RedisCluster`` on the same cluster is the reference for
``target_nodes=`` results and publishes what our pub/sub receives.
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import redis.asyncio.cluster as redis_py_cluster
import redis.exceptions
from redis.cluster import LoadBalancingStrategy as RedisPyStrategy

import leanredis
from leanredis.cluster import ClusterNode, LoadBalancingStrategy, RedisCluster

from .cluster import LocalCluster, running_cluster
from .helpers import until_ok

KEYS = [f"rk:{i}" for i in range(30)]


@pytest.fixture(scope="module")
def cluster(server_binary: str) -> Iterator[LocalCluster]:
    with running_cluster(server_binary) as local:
        yield local


@pytest.fixture
async def theirs(cluster: LocalCluster) -> AsyncIterator[redis_py_cluster.RedisCluster]:
    client = redis_py_cluster.RedisCluster(host="127.0.0.1", port=cluster.servers[1].port)
    await client.initialize()
    # CLUSTER SLOTS hides a replica whose replication offset is still 0: a write on every shard shows them
    await asyncio.gather(*(client.set(key, key) for key in KEYS))
    async with asyncio.timeout(10):
        while len(client.get_replicas()) < 3:
            await asyncio.sleep(0.05)
            await client.nodes_manager.initialize()
    yield client
    await client.aclose()


async def replicas_known(client: RedisCluster) -> None:
    """The first topology read may predate the replicas' sync: refresh until all three are listed."""
    for _ in range(100):
        if len(client.get_replicas()) == 3:
            return
        await client.nodes_manager.refresh()
        await asyncio.sleep(0.1)
    raise AssertionError("the client never saw the three replicas")


def calls(cluster: LocalCluster, command: str) -> dict[int, int]:
    """Port -> how many times ``command`` ran there since the last CONFIG RESETSTAT (the server's own count)."""
    out = {}
    for server in cluster.servers:
        stats = cluster.call(server, "INFO", "commandstats")
        assert isinstance(stats, dict)
        out[server.port] = int(stats.get(f"cmdstat_{command}", {}).get("calls", 0))
    return out


def reset_stats(cluster: LocalCluster) -> None:
    for server in cluster.servers:
        cluster.call(server, "CONFIG", "RESETSTAT")


async def written_everywhere(client: RedisCluster) -> None:
    """Every primary's writes on this client's connection reached its replica (WAIT 1 on each primary)."""
    acks = await client.execute_command("WAIT", 1, 5000, target_nodes=client.get_primaries())
    assert acks >= 3, acks  # summed over the primaries, as redis-py sums WAIT


async def assert_quiet(client: RedisCluster) -> None:
    """Nothing in flight, queued or kept, within 5 s: a background topology refresh (after a node's
    connection failed) may still be answering on a loaded machine; what stays means a leak."""
    for _ in range(500):
        stats = client.stats()
        if stats["inflight"] == 0 and stats["queued"] == 0 and stats["kept_bytes"] == 0:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"still busy after 5 s: {stats}")


# -- options ----------------------------------------------------------------------------------


def test_load_balancing_strategy_takes_redis_pys_enum_ours_or_its_value_and_refuses_others() -> None:
    for given, expected in [
        (RedisPyStrategy.ROUND_ROBIN_REPLICAS, LoadBalancingStrategy.ROUND_ROBIN_REPLICAS),
        (LoadBalancingStrategy.RANDOM_REPLICA, LoadBalancingStrategy.RANDOM_REPLICA),
        ("round_robin", LoadBalancingStrategy.ROUND_ROBIN),
    ]:
        client = RedisCluster(host="127.0.0.1", port=1, load_balancing_strategy=given)
        assert client.load_balancing_strategy is expected
        assert client.options.read_only is True
    assert RedisCluster(host="127.0.0.1", port=1, read_from_replicas=True).load_balancing_strategy is (
        LoadBalancingStrategy.ROUND_ROBIN
    )
    plain = RedisCluster(host="127.0.0.1", port=1)
    assert plain.load_balancing_strategy is None and plain.options.read_only is False
    with pytest.raises(leanredis.DataError, match="load_balancing_strategy"):
        RedisCluster(host="127.0.0.1", port=1, load_balancing_strategy="nearest")
    with pytest.raises(leanredis.DataError, match="read_from_replicas"):
        RedisCluster(host="127.0.0.1", port=1, read_from_replicas="yes")  # type: ignore[arg-type]
    with pytest.raises(leanredis.DataError, match="availability_zone"):
        RedisCluster(host="127.0.0.1", port=1, availability_zone="")
    zoned = RedisCluster(host="127.0.0.1", port=1, availability_zone="az-1")
    assert zoned.load_balancing_strategy is LoadBalancingStrategy.ROUND_ROBIN_REPLICAS and zoned.options.read_only
    with pytest.raises(leanredis.DataError, match="address_remap"):
        RedisCluster(host="127.0.0.1", port=1, address_remap=lambda address: address)


# -- reads from replicas ----------------------------------------------------------------------------


async def test_replicas_only_strategy_reads_on_replicas_and_writes_on_primaries(cluster: LocalCluster) -> None:
    client = RedisCluster(
        host="127.0.0.1", port=cluster.servers[0].port, load_balancing_strategy=RedisPyStrategy.ROUND_ROBIN_REPLICAS
    )
    try:
        async with asyncio.timeout(30):
            await client.initialize()
            await replicas_known(client)
            reset_stats(cluster)
            await asyncio.gather(*(client.set(key, key) for key in KEYS))
            await written_everywhere(client)
            assert await asyncio.gather(*(client.get(key) for key in KEYS)) == [key.encode() for key in KEYS]
            assert await client.mget(KEYS) == [key.encode() for key in KEYS]  # split by slot, read on replicas
            gets, sets, mgets = calls(cluster, "get"), calls(cluster, "set"), calls(cluster, "mget")
            primaries, replicas = {s.port for s in cluster.primaries}, {s.port for s in cluster.replicas}
            assert sum(gets[p] for p in replicas) == len(KEYS) and all(gets[p] == 0 for p in primaries), gets
            assert all(gets[p] > 0 for p in replicas), gets  # every shard's replica served its keys
            slots = len({client.keyslot(key) for key in KEYS})  # one MGET per slot
            assert sum(mgets[p] for p in replicas) == slots and all(mgets[p] == 0 for p in primaries), mgets
            # (a replica counts the SETs it replays from its primary: only the primaries' count says who was asked)
            assert sum(sets[p] for p in primaries) == len(KEYS), sets
            assert client.stats()["moved"] == 0  # no write went to a replica, READONLY sent: nothing redirected
            for replica in client.get_replicas():
                info = await client.client_info(target_nodes=replica)
                assert "r" in info["flags"], info  # the server marks the connection READONLY
            await assert_quiet(client)
    finally:
        await client.aclose()


async def test_round_robin_spreads_reads_over_the_primary_and_its_replica(cluster: LocalCluster) -> None:
    client = RedisCluster(host="127.0.0.1", port=cluster.servers[0].port, read_from_replicas=True)
    try:
        async with asyncio.timeout(30):
            await client.initialize()
            await replicas_known(client)
            await client.set("{rr}k", "v")
            await written_everywhere(client)
            reset_stats(cluster)
            for _ in range(20):
                assert await client.get("{rr}k") == b"v"
            gets = calls(cluster, "get")
            primary = client.get_node_from_key("{rr}k")
            replica = client.get_node_from_key("{rr}k", replica=True)
            assert primary is not None and replica is not None and replica.server_type == "replica"
            assert gets[primary.port] == 10 and gets[replica.port] == 10, gets
            assert sum(gets.values()) == 20
            await assert_quiet(client)
    finally:
        await client.aclose()


async def test_get_node_from_key_replica_names_the_same_node_as_redis_py(
    cluster: LocalCluster, theirs: redis_py_cluster.RedisCluster
) -> None:
    client = RedisCluster(host="127.0.0.1", port=cluster.servers[0].port)
    try:
        async with asyncio.timeout(30):
            await client.initialize()
            await replicas_known(client)
            for key in KEYS[:10]:
                ours, ref = client.get_node_from_key(key, replica=True), theirs.get_node_from_key(key, replica=True)
                assert ours is not None and ref is not None and ours.name == ref.name, key
                assert client.get_node_from_key(key).name == theirs.get_node_from_key(key).name  # type: ignore[union-attr]
    finally:
        await client.aclose()


async def test_availability_zone_prefers_the_replica_in_the_clients_zone(cluster: LocalCluster) -> None:
    zones = {cluster.replicas[0].port: "az-b", cluster.replicas[1].port: "az-a", cluster.replicas[2].port: "az-c"}
    zones.update({server.port: "az-a" for server in cluster.primaries})
    try:
        for port, zone in zones.items():
            cluster.call(cluster.server_by_port(port), "CONFIG", "SET", "availability-zone", zone)
    except Exception as exc:  # Redis 7 has no availability-zone: Valkey 8+ only
        pytest.skip(f"the server has no availability-zone config: {exc}")
    client = RedisCluster(
        host="127.0.0.1", port=cluster.servers[0].port, read_from_replicas=True, availability_zone="az-a"
    )
    try:
        async with asyncio.timeout(30):
            await client.initialize()
            for _ in range(100):  # the zones reach every node by gossip
                if len([node for node in client.get_nodes() if node.availability_zone]) == 6:
                    break
                await asyncio.sleep(0.05)
                await client.nodes_manager.refresh()
            assert {node.port: node.availability_zone for node in client.get_nodes()} == zones
            local_key = next(k for k in KEYS if client.keyslot(k) in range(5461, 10923))  # az-a replica
            other_key = next(k for k in KEYS if client.keyslot(k) <= 5460)  # replica in az-b, primary az-a
            await client.mset({local_key: "l", other_key: "o"})
            await written_everywhere(client)
            reset_stats(cluster)
            for _ in range(10):
                assert await client.get(local_key) == b"l"
                assert await client.get(other_key) == b"o"
            gets = calls(cluster, "get")
            assert gets[cluster.replicas[1].port] == 10, gets  # every read of its shard, in the zone
            assert gets[cluster.primaries[1].port] == 0, gets
            # no replica in the zone: the strategy (round robin over primary and replica) decides
            assert gets[cluster.primaries[0].port] == 5 and gets[cluster.replicas[0].port] == 5, gets
    finally:
        await client.aclose()
        for port in zones:
            cluster.call(cluster.server_by_port(port), "CONFIG", "SET", "availability-zone", "")


async def test_a_replica_reconnected_gets_readonly_again(cluster: LocalCluster) -> None:
    client = RedisCluster(
        host="127.0.0.1", port=cluster.servers[0].port, load_balancing_strategy="round_robin_replicas"
    )
    try:
        async with asyncio.timeout(30):
            await client.initialize()
            await replicas_known(client)
            await client.set("{again}k", "v")
            await written_everywhere(client)
            replica = client.get_node_from_key("{again}k", replica=True)
            assert replica is not None
            assert await client.get("{again}k") == b"v"
            first = await client.client_id(target_nodes=replica)
            cluster.call(cluster.server_by_port(replica.port), "CLIENT", "KILL", "ID", first)
            second = await until_ok(lambda: client.client_id(target_nodes=replica), 10)
            assert second != first  # a new socket
            reset_stats(cluster)
            assert await until_ok(lambda: client.get("{again}k"), 10) == b"v"
            assert calls(cluster, "get")[replica.port] == 1
            assert client.stats()["moved"] == 0
    finally:
        await client.aclose()


# -- target_nodes= ------------------------------------------------------------------------------------

TARGETED_CALLS: list[tuple[str, tuple[Any, ...]]] = [
    ("ping", ()),
    ("dbsize", ()),
    ("keys", ("tn:*",)),
    ("config_get", ("maxmemory-samples",)),
    ("config_set", ("maxmemory-samples", 5)),
    ("client_getname", ()),
    ("command_count", ()),
    ("time", ()),
    ("lastsave", ()),
    ("info", ("server",)),
    ("client_list", ()),
    ("scan", ()),
    ("pubsub_numsub", ("tn-ch",)),
    ("pubsub_channels", ()),
    ("pubsub_numpat", ()),
    ("slowlog_len", ()),
]


def comparable(value: Any) -> Any:
    """What both clients must agree on: exact values where deterministic, else the shape."""
    if isinstance(value, dict) and value and all(isinstance(k, str) and k.count(":") == 1 for k in value):
        return {"by node": sorted(value), "values": sorted({type(v).__name__ for v in value.values()})}
    if isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], dict):  # SCAN: cursors by node, keys
        return ("scan", sorted(value[0]), sorted(value[1]))
    if isinstance(value, list) and all(isinstance(v, bytes) for v in value):
        return sorted(value)
    if isinstance(value, (bool, int, str, bytes)) or value is None:
        return value
    if isinstance(value, list):
        return ("list", len(value))
    return type(value).__name__


async def test_target_nodes_give_the_results_redis_py_gives(
    cluster: LocalCluster, theirs: redis_py_cluster.RedisCluster
) -> None:
    client = RedisCluster(host="127.0.0.1", port=cluster.servers[0].port)
    try:
        async with asyncio.timeout(60):
            await client.initialize()
            await replicas_known(client)
            await client.flushall(target_nodes=RedisCluster.PRIMARIES)
            await client.mset({f"tn:{i}": i for i in range(12)})
            await written_everywhere(client)
            names = sorted(node.name for node in theirs.get_primaries())
            for flag_or_nodes in ["primaries", "replicas", "all", "default-node", "one", "two", "dict"]:
                for method, args in TARGETED_CALLS:
                    results = []
                    for c in (theirs, client):
                        if flag_or_nodes in ("one", "two", "dict"):
                            picked = [
                                c.get_node(node_name=name) for name in names[: 1 if flag_or_nodes == "one" else 2]
                            ]
                            target: Any = picked[0] if flag_or_nodes == "one" else picked
                            if flag_or_nodes == "dict":
                                target = {node.name: node for node in picked}  # type: ignore[union-attr]
                        elif flag_or_nodes == "default-node":
                            target = c.get_node(node_name=theirs.get_default_node().name)  # the same node for both
                        else:
                            target = flag_or_nodes
                        results.append(await getattr(c, method)(*args, target_nodes=target))
                    ref, ours = results
                    assert comparable(ours) == comparable(ref), (flag_or_nodes, method, ref, ours)
            assert await client.execute_command("DBSIZE", target_nodes=RedisCluster.PRIMARIES) == 12
            ids = await client.execute_command("CLIENT ID", target_nodes=RedisCluster.ALL_NODES)
            assert ids.keys() == {node.name for node in client.get_nodes()}
            assert sorted(await client.keys("tn:*", target_nodes=RedisCluster.ALL_NODES)) == sorted(
                f"tn:{i}".encode() for i in range(12)
            )
            scanned = [key async for key in client.scan_iter("tn:*", target_nodes=client.get_replicas())]
            assert sorted(scanned) == sorted(f"tn:{i}".encode() for i in range(12))
            await assert_quiet(client)
    finally:
        await client.aclose()


async def test_target_nodes_refuses_what_names_no_node(cluster: LocalCluster) -> None:
    client = RedisCluster(host="127.0.0.1", port=cluster.servers[0].port)
    try:
        async with asyncio.timeout(20):
            await client.initialize()
            with pytest.raises(leanredis.DataError, match="not a node flag"):
                await client.ping(target_nodes="everyone")
            with pytest.raises(leanredis.DataError, match="not a node of the cluster"):
                await client.dbsize(target_nodes=ClusterNode("127.0.0.1", 1))
            with pytest.raises(leanredis.DataError, match="target_nodes must be"):
                await client.info(target_nodes=42)
            with pytest.raises(leanredis.DataError, match="at least one ClusterNode"):
                await client.execute_command("PING", target_nodes=[])
            with pytest.raises(leanredis.DataError, match="WAIT with target_nodes"):
                await client.wait(1, 10, target_nodes=RedisCluster.PRIMARIES)
            # before the topology is read, a targeted call reads it first
            fresh = RedisCluster(host="127.0.0.1", port=cluster.servers[0].port)
            try:
                assert await fresh.ping(target_nodes=RedisCluster.ALL_NODES) is True
            finally:
                await fresh.aclose()
    finally:
        await client.aclose()


# -- pub/sub ------------------------------------------------------------------------------------------


async def pubsub_clients(cluster: LocalCluster) -> int:
    """How many pub/sub connections the nodes hold (the server's own CLIENT LIST)."""
    total = 0
    for server in cluster.servers:
        admin = cluster.admin(server)
        try:
            total += len(admin.client_list(_type="pubsub"))
        finally:
            admin.close()
    return total


async def next_message(pubsub: Any, kind: str, sharded: bool = False) -> dict[str, Any]:
    while True:
        get = pubsub.get_sharded_message if sharded else pubsub.get_message
        message = await get(timeout=1.0)
        if message is not None and message["type"] == kind:
            return message  # type: ignore[no-any-return]


async def test_classic_subscribe_on_one_node_receives_publishes_made_on_any_node(
    cluster: LocalCluster, theirs: redis_py_cluster.RedisCluster
) -> None:
    client = RedisCluster(host="127.0.0.1", port=cluster.servers[0].port)
    pubsub = client.pubsub()
    try:
        async with asyncio.timeout(20):
            await pubsub.subscribe("news")
            await pubsub.psubscribe("ne*")
            node = pubsub.get_pubsub_node()
            assert node is not None
            assert (await next_message(pubsub, "subscribe"))["channel"] == b"news"
            for primary in theirs.get_primaries():  # published on every primary in turn
                await theirs.publish("news", primary.name, target_nodes=primary)  # counts that node's subscribers
                message = await next_message(pubsub, "message")
                assert message["data"] == primary.name.encode()
                assert (await next_message(pubsub, "pmessage"))["pattern"] == b"ne*"
            assert await client.publish("news", "ours", target_nodes=node) == 2  # the channel and the pattern
            assert (await next_message(pubsub, "message"))["data"] == b"ours"
    finally:
        await pubsub.aclose()
        await client.aclose()


async def test_ssubscribe_on_every_shard_receives_spublish_and_follows_a_moved_slot(
    cluster: LocalCluster, theirs: redis_py_cluster.RedisCluster
) -> None:
    client = RedisCluster(host="127.0.0.1", port=cluster.servers[0].port)
    pubsub = client.pubsub()
    channels = [f"sch:{i}" for i in range(12)]
    moved: tuple[int, str] | None = None
    try:
        async with asyncio.timeout(40):
            await client.initialize()
            owners = {client.get_node_from_key(channel).name for channel in channels}  # type: ignore[union-attr]
            assert len(owners) == 3
            handled: list[dict[str, Any]] = []
            await pubsub.ssubscribe(*channels[1:], **{channels[0]: handled.append})
            assert sorted(pubsub.node_pubsub_mapping) == sorted(owners)  # one pub/sub connection per shard
            assert set(pubsub.shard_channels) == {channel.encode() for channel in channels}
            for _ in channels:
                await next_message(pubsub, "ssubscribe", sharded=True)
            for channel in channels:
                assert await theirs.spublish(channel, f"{channel}!") == 1
            got = [await next_message(pubsub, "smessage", sharded=True) for _ in channels[1:]]
            assert sorted(m["data"] for m in got) == sorted(f"{c}!".encode() for c in channels[1:])
            await until_true(lambda: len(handled) == 1)
            assert handled[0]["data"] == f"{channels[0]}!".encode()

            # the slot of channels[0] moves to another primary: the server unsubscribes us there
            slot = client.keyslot(channels[0])
            source = cluster.owner(slot)
            target = next(s for s in cluster.primaries if s.port != source.port)
            move_empty_slot(cluster, slot, source, target)
            moved = (slot, cluster.ids[source.port])
            for channel in (channels[0], channels[4]):
                for attempt in range(100):  # the new owner serves the channel once we re-subscribed there
                    await pubsub.get_sharded_message(timeout=0.05)
                    await theirs.spublish(channel, f"again-{attempt}")
                    if channel != channels[0]:
                        message = await pubsub.get_sharded_message(timeout=0.5)
                        if message is not None and message["type"] == "smessage":
                            break
                    elif any(m["data"].startswith(b"again") for m in handled):
                        break
                else:
                    raise AssertionError(f"{channel} never received after the slot moved")
            assert pubsub._shard_channel_to_node[channels[0].encode()] == f"127.0.0.1:{target.port}"
    finally:
        if moved is not None:
            back_from = cluster.owner(moved[0])
            back_to = next(s for s in cluster.primaries if cluster.ids[s.port] == moved[1])
            move_empty_slot(cluster, moved[0], back_from, back_to)
        await pubsub.aclose()
        await client.aclose()


def move_empty_slot(cluster: LocalCluster, slot: int, source: Any, target: Any) -> None:
    """IMPORTING/MIGRATING then SETSLOT NODE on every primary: the target's config epoch is bumped, so
    gossip from the source cannot take the slot back."""
    cluster.call(target, "CLUSTER", "SETSLOT", slot, "IMPORTING", cluster.ids[source.port])
    cluster.call(source, "CLUSTER", "SETSLOT", slot, "MIGRATING", cluster.ids[target.port])
    for server in [target, source, *(s for s in cluster.primaries if s not in (source, target))]:
        cluster.call(server, "CLUSTER", "SETSLOT", slot, "NODE", cluster.ids[target.port])


async def until_true(check: Any, limit: float = 5.0) -> None:
    async def loop() -> None:
        while not check():
            await asyncio.sleep(0.01)

    await asyncio.wait_for(loop(), limit)


async def test_pubsub_connections_killed_by_the_servers_resubscribe(
    cluster: LocalCluster, theirs: redis_py_cluster.RedisCluster
) -> None:
    client = RedisCluster(host="127.0.0.1", port=cluster.servers[0].port)
    pubsub = client.pubsub()
    channels = [f"re:{i}" for i in range(12)]
    try:
        async with asyncio.timeout(30):
            await pubsub.subscribe("re-classic")
            await pubsub.ssubscribe(*channels)
            await next_message(pubsub, "subscribe")
            for server in cluster.servers:
                cluster.call(server, "CLIENT", "KILL", "TYPE", "pubsub")
            for channel in channels:  # each node's pub/sub reconnects and subscribes again on its own
                for attempt in range(200):
                    await theirs.spublish(channel, f"{channel}-{attempt}")
                    message = await pubsub.get_sharded_message(timeout=0.05)
                    if message is not None and message["type"] == "smessage" and message["channel"] == channel.encode():
                        break
                else:
                    raise AssertionError(f"{channel}: nothing after the reconnect")
            for attempt in range(200):
                await theirs.publish("re-classic", attempt)
                message = await pubsub.get_message(timeout=0.05)
                if message is not None and message["type"] == "message":
                    break
            else:
                raise AssertionError("re-classic: nothing after the reconnect")
            assert pubsub.stats()["reconnects"] == 1
            assert all(stats["reconnects"] == 1 for stats in pubsub.stats()["shard_nodes"].values())
    finally:
        await pubsub.aclose()
        await client.aclose()


async def test_aclose_leaves_no_pubsub_connection_on_any_node(cluster: LocalCluster) -> None:
    client = RedisCluster(host="127.0.0.1", port=cluster.servers[0].port)
    try:
        async with asyncio.timeout(20):
            before = await pubsub_clients(cluster)
            pubsub = client.pubsub()
            await pubsub.subscribe("c1")
            await pubsub.ssubscribe(*(f"close:{i}" for i in range(12)))
            await until_true(lambda: len(pubsub.node_pubsub_mapping) == 3)
            for _ in range(50):
                if await pubsub_clients(cluster) == before + 4:
                    break
                await asyncio.sleep(0.05)
            assert await pubsub_clients(cluster) == before + 4  # the classic one and one per shard
            while await pubsub.get_sharded_message(timeout=0.2) is not None:
                pass  # the 12 confirmations
            # a reader cancelled while waiting on every node leaves no waiter behind
            reader = asyncio.ensure_future(pubsub.get_sharded_message(timeout=None))
            await until_true(lambda: all(ps._waiters for ps in pubsub.node_pubsub_mapping.values()))
            reader.cancel()
            with pytest.raises(asyncio.CancelledError):
                await reader
            assert all(not ps._waiters for ps in pubsub.node_pubsub_mapping.values())
            await pubsub.aclose()
            assert pubsub.node_pubsub_mapping == {} and not pubsub.is_connected and not pubsub.subscribed
            for _ in range(100):
                if await pubsub_clients(cluster) == before:
                    break
                await asyncio.sleep(0.05)
            assert await pubsub_clients(cluster) == before
            # sunsubscribe of every channel closes the node pub/subs as their confirmations are read
            again = client.pubsub()
            await again.ssubscribe(*(f"close:{i}" for i in range(12)))
            await again.sunsubscribe()
            for _ in range(200):
                if not again.node_pubsub_mapping:
                    break
                await again.get_sharded_message(timeout=0.05)
            assert again.node_pubsub_mapping == {} and again.shard_channels == {}
            await again.aclose()
    finally:
        await client.aclose()


async def test_pubsub_refuses_unknown_nodes_and_options(cluster: LocalCluster) -> None:
    client = RedisCluster(host="127.0.0.1", port=cluster.servers[0].port)
    try:
        async with asyncio.timeout(20):
            await client.initialize()
            with pytest.raises(leanredis.DataError, match="both host and port"):
                client.pubsub(host="127.0.0.1")
            with pytest.raises(leanredis.RedisClusterException, match="^Node 127.0.0.1:1 doesn.t exist"):
                client.pubsub(host="127.0.0.1", port=1)
            with pytest.raises(leanredis.DataError, match="push_handler_func"):
                client.pubsub(push_handler_func=print)
            node = client.get_primaries()[1]
            pubsub = client.pubsub(node=node)
            try:
                await pubsub.subscribe("x")
                assert pubsub.get_pubsub_node() is node
                assert pubsub.options.port == node.port
            finally:
                await pubsub.aclose()
    finally:
        await client.aclose()


# -- a failover turns a primary with writes in flight into a replica (failed back after) -------------------


async def test_writes_in_flight_on_a_primary_a_failover_made_a_replica_fail_as_possibly_executed(
    cluster: LocalCluster,
) -> None:
    """Reads in flight on a replica whose socket dies go again to the primary; writes in flight on a node
    that was the primary when they were sent, and is a replica now, may have run there: they fail with
    possibly_executed=True and are never sent to the new primary."""
    client = RedisCluster(
        host="127.0.0.1", port=cluster.servers[0].port, client_name="demoted",
        load_balancing_strategy=LoadBalancingStrategy.RANDOM_REPLICA,
        socket_timeout=30,  # the writes wait through the failover, longer than the 5 s default on a loaded machine
    )
    old = new = None
    keys = [f"{{demoted}}w{i}" for i in range(20)]
    writes: list[asyncio.Future[Any]] = []
    try:
        async with asyncio.timeout(60):
            await client.initialize()
            await replicas_known(client)
            await client.set("{demoted}k", "v")
            await written_everywhere(client)
            primary = client.get_node_from_key("{demoted}k")
            assert primary is not None
            old = cluster.server_by_port(primary.port)
            new = cluster.replica_of(old)
            cluster.call(old, "CLIENT", "PAUSE", "20000", "WRITE")  # the SETs are read, neither run nor answered
            writes = [asyncio.ensure_future(client.set(key, "x")) for key in keys]
            conn = client.nodes_manager.connection(primary)
            # >=: a topology refresh the client sent to this node may wait behind the paused SETs too
            await until_true(lambda: conn.inflight >= len(keys))
            cluster.call(new, "CLUSTER", "FAILOVER", "TAKEOVER")
            await asyncio.to_thread(cluster.wait_role, new, "master", 10)
            while primary.server_type != "replica":  # the client learns the new roles; the writes still wait
                await client.nodes_manager.refresh()
                await asyncio.sleep(0.05)
            # Under load the demoted node may answer some paused SETs before its socket dies (a redirect the
            # client follows): those are not what this test is about. The ones still owed when it dies are.
            owed = [(key, write) for key, write in zip(keys, writes) if not write.done()]
            assert owed, f"every write was answered before the socket died: {[w.exception() for w in writes]}"
            # the old primary's socket dies, with the writes on it
            listed = str(cluster.call(old, "CLIENT", "LIST"))
            ids = [line.split()[0].split("=")[1] for line in listed.splitlines() if " name=demoted " in line]
            assert ids, listed
            for ident in ids:
                cluster.call(old, "CLIENT", "KILL", "ID", ident)
            results = await asyncio.gather(*(write for _, write in owed), return_exceptions=True)
            assert all(isinstance(r, leanredis.ConnectionError) for r in results), results
            assert all(r.possibly_executed is True for r in results), [r.possibly_executed for r in results]
            owed_keys = [key for key, _ in owed]
            assert cluster.call(new, "EXISTS", *owed_keys) == 0, "a write was sent again to the new primary"
            await assert_quiet(client)
    finally:
        await client.aclose()
        await asyncio.gather(*writes, return_exceptions=True)  # each write's outcome read, whatever failed above
        if old is not None:
            cluster.call(old, "CLIENT", "UNPAUSE")
            if cluster.role(old) != "master":
                await asyncio.to_thread(cluster.fail_back, old)


# -- last: a replica dies (restarted after) -------------------------------------------------------------


REPLICA_KEY = "{dead}k"


@dataclass
class ReplicaReads:
    """A client reading from replicas, the key it reads, and the replica serving that key's reads."""

    client: RedisCluster
    key: str
    replica: ClusterNode
    server: Any  # the replica's process: a test may kill it, the fixture restarts it


@pytest.fixture
async def replica_reads(cluster: LocalCluster) -> AsyncIterator[ReplicaReads]:
    """A RANDOM_REPLICA client, a key written and replicated, its replica's connection open (a read
    answered); after the test the client is closed and the replica, if killed, restarted and healthy."""
    client = RedisCluster(
        host="127.0.0.1", port=cluster.servers[0].port, load_balancing_strategy=LoadBalancingStrategy.RANDOM_REPLICA
    )
    replica_server = None
    try:
        async with asyncio.timeout(30):
            await client.initialize()
            await replicas_known(client)
            await client.set(REPLICA_KEY, "v")
            await written_everywhere(client)
            replica = client.get_node_from_key(REPLICA_KEY, replica=True)
            assert replica is not None
            assert await client.get(REPLICA_KEY) == b"v"  # its connection is open
            replica_server = cluster.server_by_port(replica.port)
        yield ReplicaReads(client, REPLICA_KEY, replica, replica_server)
    finally:
        await client.aclose()
        if replica_server is not None:
            replica_server.start()
            cluster.wait(cluster.healthy, time.monotonic() + 30, "the replica back")


async def test_reads_fall_back_to_the_primary_when_a_replica_dies(
    cluster: LocalCluster, replica_reads: ReplicaReads
) -> None:
    client, key, replica = replica_reads.client, replica_reads.key, replica_reads.replica
    async with asyncio.timeout(60):
        replica_reads.server.kill()  # its directory (nodes.conf) is kept for the restart after
        reads = client.nodes_manager.reads
        conn = client.nodes_manager.connection(replica)
        await until_true(lambda: not conn.is_connected)  # the client saw its socket close
        values = await asyncio.gather(*(client.get(key) for _ in range(50)), return_exceptions=True)
        assert values == [b"v"] * 50, values  # every read answered, by the primary
        assert reads is not None and reads.is_down(replica)  # its connect failed: no reads sent there now
        # reads that were waiting for the dead replica's socket go to the primary, not to the caller
        waiting = [conn.execute((b"GET", key), None) for _ in range(5)]
        assert await asyncio.gather(*waiting) == [b"v"] * 5
        await assert_quiet(client)


async def test_reads_in_flight_on_a_replica_that_dies_are_answered_by_its_primary(
    cluster: LocalCluster, replica_reads: ReplicaReads
) -> None:
    client, key, replica = replica_reads.client, replica_reads.key, replica_reads.replica
    async with asyncio.timeout(60):
        cluster.call(replica_reads.server, "CLIENT", "PAUSE", "10000", "ALL")  # reads written, never answered
        reads = [client.get(key) for _ in range(50)]
        conn = client.nodes_manager.connection(replica)
        await until_true(lambda: conn.inflight == 50)
        replica_reads.server.kill()  # the socket dies with the 50 reads in flight on it
        values = await asyncio.gather(*reads, return_exceptions=True)
        assert values == [b"v"] * 50, values  # each read again on the primary, none failed
        await assert_quiet(client)


# redis-py's ClusterPubSub refused in __init__ fails again in its __del__ (no ``connection`` set yet):
# collected here (gc.collect() below), that noise is theirs
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
async def test_pubsub_picks_its_node_and_refuses_unknown_ones_as_redis_py(
    cluster: LocalCluster, theirs: redis_py_cluster.RedisCluster
) -> None:
    """With no node given, the first subscribe's first channel chooses: a node serving its slot, as in
    redis-py; a node not in the cluster (node=, host/port, set_pubsub_node) raises RedisClusterException
    with redis-py's text."""
    client = RedisCluster(host="127.0.0.1", port=cluster.servers[0].port)
    try:
        async with asyncio.timeout(30):
            await client.initialize()
            channels: dict[str, str] = {}  # one channel per primary
            n = 0
            while len(channels) < 3:
                name = f"news:{n}"
                channels.setdefault(client.get_node_from_key(name).name, name)  # type: ignore[union-attr]
                n += 1
            for owner, channel in channels.items():
                for subscribe in ("subscribe", "psubscribe"):
                    ours, ref = client.pubsub(), theirs.pubsub()
                    try:
                        await getattr(ours, subscribe)(channel)
                        await getattr(ref, subscribe)(channel)
                        assert ours.get_pubsub_node().name == ref.get_pubsub_node().name == owner  # type: ignore[union-attr]
                    finally:
                        await ours.aclose()
                        await ref.aclose()
            ghost, their_ghost = ClusterNode("127.0.0.1", 1), redis_py_cluster.ClusterNode("127.0.0.1", 1)
            text = "^Node 127.0.0.1:1 doesn't exist in the cluster$"
            errors = (leanredis.RedisClusterException, redis.exceptions.RedisClusterException)
            for mine, other in ((client, theirs),):
                with pytest.raises(errors, match=text):
                    mine.pubsub(node=ghost)
                with pytest.raises(errors, match=text):
                    other.pubsub(node=their_ghost)
                with pytest.raises(errors, match=text):
                    other.pubsub(host="127.0.0.1", port=1)
                gc.collect()
                pubsub = mine.pubsub()
                with pytest.raises(errors, match=text):
                    pubsub.set_pubsub_node(mine, ghost)
                await pubsub.aclose()
    finally:
        await client.aclose()
