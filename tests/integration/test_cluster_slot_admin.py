"""RedisCluster's slot and node administration, its views of the cluster (``cluster_nodes``, ``cluster_slots``,
``cluster_shards``...), ``cluster_links``, ``replace_default_node`` and ``set_retry``, as redis.asyncio's (8.1).

These commands change the cluster's slot table, so this module has a cluster of its own (module-scoped,
always stopped), never a shared one; each library runs the same steps, and every step that unassigns a
slot assigns it back to its owner, so each run leaves the cluster as it found it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import pytest
import redis.asyncio.cluster as redis_py_cluster

import leanredis
from leanredis.cluster import RedisCluster

from .cluster import LocalCluster, running_cluster

SLOT = 100  # served by primaries[0]: RANGES[0] starts at 0


@pytest.fixture(scope="module")
def cluster(server_binary: str) -> Iterator[LocalCluster]:
    with running_cluster(server_binary) as local:
        yield local


def outcome(value: Any) -> Any:
    """An exception as (library-neutral class name, message without the server's ERR prefix), else the value."""
    if isinstance(value, BaseException):
        text = str(value).split("\n")[0]
        return type(value).__name__, text.removeprefix("ERR ")
    return value


async def steps(client: Any, cluster: LocalCluster) -> list[Any]:
    owner = client.get_node(host="127.0.0.1", port=cluster.primaries[0].port)
    other = client.get_node(host="127.0.0.1", port=cluster.primaries[1].port)
    owner_id = cluster.ids[cluster.primaries[0].port]
    calls = [
        lambda: client.cluster_setslot_stable(SLOT),
        lambda: client.cluster_delslots(SLOT, SLOT + 1),
        lambda: client.cluster_delslots(SLOT),  # already unassigned: the server's error
        lambda: client.cluster_addslots(owner, SLOT, SLOT + 1),
        lambda: client.cluster_addslots(other, SLOT),  # busy: the server's error
        lambda: client.cluster_delslotsrange(SLOT, SLOT + 2),
        lambda: client.cluster_addslotsrange(owner, SLOT, SLOT + 2),
        lambda: client.cluster_setslot(owner, owner_id, SLOT, "node"),
        lambda: client.cluster_setslot(owner, owner_id, SLOT, "stable"),
        lambda: client.cluster_setslot(owner, owner_id, SLOT, "sideways"),
        lambda: client.cluster_addslots([], SLOT),  # nowhere to send it
        lambda: client.cluster_count_failure_report(owner_id),
        lambda: client.cluster_flushslots(),
        lambda: client.cluster_bumpepoch(),
    ]
    results = []
    for call in calls:
        try:
            results.append(outcome(await call()))
        except Exception as exc:
            results.append(outcome(exc))
    links = await client.cluster_links(owner)
    results.append(sorted({tuple(link[0::2]) for link in links}))  # flat [field, value, ...] lists: the fields
    results.append(len(links) >= 2 * 5)  # a link to and from each of the 5 other nodes
    return results


@pytest.mark.parametrize("protocol", [2, 3])
async def test_slot_administration_answers_as_redis_py(cluster: LocalCluster, protocol: int) -> None:
    """leanredis on either protocol gives what redis.asyncio gives with its defaults (RESP3, legacy shapes)."""
    results = {}
    clients = (
        ("leanredis", RedisCluster(host="127.0.0.1", port=cluster.servers[0].port, protocol=protocol)),
        ("redis-py", redis_py_cluster.RedisCluster(host="127.0.0.1", port=cluster.servers[0].port)),
    )
    for name, client in clients:
        try:
            async with asyncio.timeout(30):
                await client.initialize()
                results[name] = await steps(client, cluster)
        finally:
            await client.aclose()
            await asyncio.to_thread(cluster.wait_healthy)  # every node agrees on the slots given back
    assert results["leanredis"] == results["redis-py"], results
    assert results["leanredis"][10][0] == "RedisClusterException"
    assert results["leanredis"][1] == [True, True]


async def test_a_missing_target_is_a_redis_cluster_exception_of_either_library(cluster: LocalCluster) -> None:
    client = RedisCluster(host="127.0.0.1", port=cluster.servers[0].port)
    try:
        async with asyncio.timeout(30):
            await client.initialize()
            with pytest.raises(leanredis.RedisClusterException, match="Missing key"):
                await client.cluster_links(None)
    finally:
        await client.aclose()


async def test_replace_default_node_moves_keyless_commands_to_another_primary(cluster: LocalCluster) -> None:
    await asyncio.to_thread(cluster.wait_healthy)
    client = RedisCluster(host="127.0.0.1", port=cluster.servers[0].port)
    try:
        async with asyncio.timeout(30):
            await client.initialize()
            first = client.get_default_node()
            client.replace_default_node()
            second = client.get_default_node()
            assert second != first and second.server_type == "primary"
            nodes = await client.execute_command("CLUSTER", "NODES")  # routed to the default node
            text = nodes.decode() if isinstance(nodes, bytes) else str(nodes)
            myself = [line.split()[0] for line in text.splitlines() if "myself" in line]
            assert myself == [cluster.ids[second.port]], text
            client.replace_default_node(first)
            assert client.get_default_node() == first
    finally:
        await client.aclose()


def _no_timings(value: Any) -> Any:
    """A parsed reply without what changes from one call to the next (ping/pong times, epochs, replication
    offsets)."""
    if isinstance(value, dict):
        return {
            key: _no_timings(item)
            for key, item in value.items()
            if key not in ("last_ping_sent", "last_pong_rcvd", "epoch", "replication-offset", b"replication-offset")
        }
    if isinstance(value, list):
        return [_no_timings(item) for item in value]
    return value


async def node_admin_steps(client: Any, cluster: LocalCluster, key: str) -> list[Any]:
    owner = client.get_node(host="127.0.0.1", port=cluster.primaries[0].port)
    client.set_default_node(owner)  # cluster_nodes() answers from the default node ("myself")
    owner_id = cluster.ids[cluster.primaries[0].port]
    replica_port = next(s.port for s in cluster.replicas if cluster.replica_of(cluster.primaries[0]) is s)
    calls = [
        lambda: client.cluster_nodes(),
        lambda: client.cluster_slots(owner),
        lambda: client.cluster_shards(owner),
        lambda: client.cluster_replicas(owner_id, target_nodes=owner),
        lambda: client.cluster_failover(owner),  # a primary: the server's error
        lambda: client.cluster_failover(owner, "sideways"),
        lambda: client.cluster_failover(None),  # nowhere to send it
        lambda: client.cluster_replicate(owner, owner_id),  # itself: the server's error
        lambda: client.cluster_replicate(None, owner_id),
        lambda: client.cluster_save_config(owner),
        lambda: client.cluster_save_config(),
        lambda: client.cluster_set_config_epoch(1, target_nodes=owner),  # it knows other nodes: refused
        lambda: client.cluster_reset(True, target_nodes=owner),  # it holds a key: refused
        lambda: client.get_nodes_from_slot("GET", key),
        lambda: client.get_nodes_from_slot("MGET", "{a}1", "{a}2"),
        lambda: client.get_nodes_from_slot("MGET", "a", "b"),  # two slots
        lambda: client.get_nodes_from_slot("PING"),  # no key
        lambda: client.auth("not-the-password"),  # no password configured: the server's error
        # a known node: a handshake entry for a moment (the test waits it out), then nothing changed
        lambda: client.cluster_meet("127.0.0.1", cluster.primaries[1].port, target_nodes=owner),
    ]
    results = []
    for call in calls:
        try:
            value = await call()
            if isinstance(value, list) and value and hasattr(value[0], "port"):
                value = [node.port for node in value]  # get_nodes_from_slot: each library's ClusterNode
            results.append(_no_timings(outcome(value)))
        except Exception as exc:
            results.append(outcome(exc))
    owned = [entry for entry in results[1].values() if entry["primary"][1] == cluster.primaries[0].port]
    results.append(bool(owned) and all(replica_port in {port for _, port in e["replicas"]} for e in owned))
    return results


@pytest.mark.parametrize("protocol", [2, 3])
async def test_node_views_and_administration_answer_as_redis_py(cluster: LocalCluster, protocol: int) -> None:
    def settled() -> bool:  # no MEET's handshake under way, every link up, every replica in sync (listed)
        text = str(cluster.call(cluster.primaries[0], "CLUSTER", "NODES"))
        slots: Any = cluster.call(cluster.primaries[0], "CLUSTER", "SLOTS")
        return "handshake" not in text and "disconnected" not in text and all(len(entry) > 3 for entry in slots)

    await asyncio.to_thread(cluster.wait_healthy)
    results = {}
    clients = (
        ("leanredis", RedisCluster(host="127.0.0.1", port=cluster.servers[0].port, protocol=protocol)),
        ("redis-py", redis_py_cluster.RedisCluster(host="127.0.0.1", port=cluster.servers[0].port, protocol=protocol)),
    )
    for name, client in clients:
        try:
            await asyncio.to_thread(cluster.wait, settled, time.monotonic() + 30, "the cluster settling")
            async with asyncio.timeout(30):
                await client.initialize()
                key = next(f"k{i}" for i in range(10_000) if client.keyslot(f"k{i}") < 5000)  # on primaries[0]
                await client.set(key, "v")
                assert await client.exists(key) == 1  # cluster_reset must be refused, never run
                results[name] = await node_admin_steps(client, cluster, key)
                await client.delete(key)
        finally:
            await client.aclose()
    await asyncio.to_thread(cluster.wait_healthy)
    ours, theirs = results["leanredis"], results["redis-py"]
    assert ours == theirs, [(index, a, b) for index, (a, b) in enumerate(zip(ours, theirs)) if a != b]
    assert f"127.0.0.1:{cluster.primaries[0].port}" in ours[0]  # a dict by address, as redis-py's
    assert ours[6][0] == ours[8][0] == ours[10][0] == "RedisClusterException"
    assert ours[9] is True and ours[-2] is True and ours[-1] is True


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # redis-py's cluster_error_retry_attempts, compared
async def test_set_retry_sets_how_often_a_cluster_command_goes_again(cluster: LocalCluster) -> None:
    from leanredis.retry import NoBackoff, Retry

    client = RedisCluster(host="127.0.0.1", port=cluster.servers[0].port, cluster_error_retry_attempts=2)
    theirs = redis_py_cluster.RedisCluster(
        host="127.0.0.1", port=cluster.servers[0].port, cluster_error_retry_attempts=2
    )
    assert client.retry.get_retries() == theirs.retry.get_retries() == 2
    assert client.nodes_manager.retry_attempts == 2
    new = Retry(NoBackoff(), 5)
    client.set_retry(new)
    assert client.retry is new and client.get_retry() is new
    assert client.nodes_manager.retry_attempts == 5
    await client.aclose()
    await theirs.aclose()
