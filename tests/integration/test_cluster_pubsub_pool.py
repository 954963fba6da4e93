"""A cluster PubSub's sockets count toward their node's ``max_connections``, as redis.asyncio (8.1)'s ClusterPubSub
borrows a connection of the node (``_ClusterNodePoolAdapter``): the classic one in the pool of its node, each
node's shard pub/sub in that node's pool, each primary's keyspace-notification pub/sub in that primary's; all
given back at ``aclose()``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

import leanredis
from leanredis.cluster import RedisCluster
from leanredis.keyspace_notifications import ClusterKeyspaceNotifications

from .cluster import LocalCluster, running_cluster


@pytest.fixture(scope="module")
def cluster(server_binary: str) -> Iterator[LocalCluster]:
    with running_cluster(server_binary) as local:
        yield local


@pytest.mark.timeout(60)
async def test_cluster_pubsub_sockets_count_toward_their_node_max_connections(cluster: LocalCluster) -> None:
    client = RedisCluster(host="127.0.0.1", port=cluster.servers[0].port, max_connections=1, pool_timeout=0)
    pubsub, other = client.pubsub(), client.pubsub()
    try:
        async with asyncio.timeout(30):
            pools = client.nodes_manager.pools
            await pubsub.ping()  # no channel to choose a node by: the default node's, known at the connect
            assert (pubsub.get_pubsub_node(), pools.in_use) == (client.get_default_node(), 1)
            await pubsub.aclose()
            assert pools.in_use == 0
            await pubsub.subscribe("news")
            node = pubsub.get_pubsub_node()
            assert node is not None
            assert (pools.pool(node).in_use, pools.in_use) == (1, 1)
            other.set_pubsub_node(client, node)
            with pytest.raises(leanredis.MaxConnectionsError):  # that node's one connection is the PubSub's
                await other.subscribe("other")
            assert pools.in_use == 1
            # a shard channel served by another node: a socket, and a place, in that node's pool
            names = [f"sch:{i}" for i in range(200)]
            channel = next(name for name in names if client.get_node_from_key(name) != node)
            owner = client.get_node_from_key(channel)
            await pubsub.ssubscribe(channel)
            assert (pools.pool(owner).in_use, pools.in_use) == (1, 2)
            # a shard channel of the classic subscriptions' node: refused there, nothing left behind
            mine = next(name for name in names if client.get_node_from_key(name) == node)
            with pytest.raises(leanredis.MaxConnectionsError):
                await pubsub.ssubscribe(mine)
            assert pools.in_use == 2
            await pubsub.aclose()
            assert pools.in_use == 0
            await other.subscribe("other")  # the node's place is free again
            assert pools.pool(node).in_use == 1
    finally:
        await other.aclose()
        await pubsub.aclose()
        await client.aclose()
    assert pools.in_use == 0


@pytest.mark.timeout(60)
async def test_cluster_keyspace_notifications_count_one_connection_per_primary(cluster: LocalCluster) -> None:
    client = RedisCluster(host="127.0.0.1", port=cluster.servers[0].port, max_connections=1, pool_timeout=0)
    ksn = ClusterKeyspaceNotifications(client)
    try:
        async with asyncio.timeout(30):
            await ksn.subscribe_keyspace("k")
            pools = client.nodes_manager.pools
            primaries = client.get_primaries()
            assert [pools.pool(node).in_use for node in primaries] == [1] * len(primaries)
            pubsub = client.pubsub()
            pubsub.set_pubsub_node(client, primaries[0])
            with pytest.raises(leanredis.MaxConnectionsError):  # the primary's one connection is taken
                await pubsub.subscribe("news")
            await ksn.aclose()
            assert pools.in_use == 0
    finally:
        await ksn.aclose()
        await client.aclose()


@pytest.mark.timeout(60)
async def test_a_cluster_pubsub_moved_to_another_node_moves_its_place(cluster: LocalCluster) -> None:
    client = RedisCluster(host="127.0.0.1", port=cluster.servers[0].port, max_connections=1, pool_timeout=0)
    pubsub = client.pubsub()
    try:
        async with asyncio.timeout(30):
            await pubsub.subscribe("news")
            assert (await pubsub.get_message(timeout=5.0))["type"] == "subscribe"
            first = pubsub.get_pubsub_node()
            second = next(node for node in client.get_primaries() if node != first)
            pools = client.nodes_manager.pools
            pubsub.set_pubsub_node(client, second)  # from the next connect
            await pubsub.connection.disconnect()  # reconnects in the background, on the second node
            assert (await pubsub.get_message(timeout=5.0))["type"] == "subscribe"
            assert pubsub.connection.port == second.port
            assert (pools.pool(first).in_use, pools.pool(second).in_use) == (0, 1)
    finally:
        await pubsub.aclose()
        await client.aclose()
    assert pools.in_use == 0
