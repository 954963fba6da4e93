"""Keyspace notifications of a real local cluster (3 primaries + 3 replicas): every primary's events.

A node publishes the events of the keys it holds only; ``ClusterKeyspaceNotifications``
subscribes on every primary and merges what they publish. Every wait is bounded.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from leanredis.cluster import RedisCluster
from leanredis.keyspace_notifications import ClusterKeyspaceNotifications, KeyNotification

from .cluster import LocalCluster, running_cluster


@pytest.fixture(scope="module")
def cluster(server_binary: str) -> Iterator[LocalCluster]:
    with running_cluster(server_binary) as local:
        for server in local.servers:
            local.call(server, "CONFIG", "SET", "notify-keyspace-events", "KEA")
        yield local


@pytest.fixture
async def rc(cluster: LocalCluster) -> AsyncIterator[RedisCluster]:
    client = RedisCluster(host="127.0.0.1", port=cluster.servers[0].port, decode_responses=True)
    await client.initialize()
    await client.flushdb()
    yield client
    await client.aclose()


async def _collect(ksn: Any, count: int, limit: float = 5.0) -> list[KeyNotification]:
    got: list[KeyNotification] = []
    async with asyncio.timeout(limit):
        while len(got) < count:
            notification = await ksn.get_message(timeout=1.0)
            if notification is not None:
                got.append(notification)
    return got


def keys_on_every_primary(client: RedisCluster, count: int = 30) -> list[str]:
    keys = [f"user:{i}" for i in range(count)]
    assert len({client.get_node_from_key(key).name for key in keys}) == 3  # type: ignore[union-attr]
    return keys


async def test_events_of_keys_on_every_primary_arrive(rc: RedisCluster) -> None:
    keys = keys_on_every_primary(rc)
    async with rc.keyspace_notifications() as ksn:
        assert isinstance(ksn, ClusterKeyspaceNotifications)
        await ksn.subscribe_keyspace("user:*")
        assert len(ksn.node_pubsubs) == 3
        for key in keys:
            await rc.set(key, "v")
        got = await _collect(ksn, len(keys))
        assert sorted(n.key for n in got) == sorted(keys)
        assert {n.event_type for n in got} == {"set"}
        assert await ksn.get_message(timeout=0.05) is None


async def test_handlers_prefix_and_keyevents_across_nodes(rc: RedisCluster) -> None:
    keys = keys_on_every_primary(rc)
    seen: list[str] = []
    async with ClusterKeyspaceNotifications(rc, key_prefix="user:") as ksn:
        await ksn.subscribe_keyevent("del", handler=lambda n: seen.append(n.key))
        await ksn.subscribe_keyevent("incrby")
        for key in keys:
            await rc.incr(key)
        await rc.delete(*keys)
        got = await _collect(ksn, len(keys))
        assert sorted(n.key for n in got) == sorted(key.removeprefix("user:") for key in keys)
        async with asyncio.timeout(5):
            while len(seen) < len(keys):
                await ksn.get_message(timeout=0.2)
        assert sorted(seen) == sorted(key.removeprefix("user:") for key in keys)
        await ksn.unsubscribe()
        assert not ksn.subscribed


async def test_aclose_closes_every_node_pubsub(rc: RedisCluster, cluster: LocalCluster) -> None:
    ksn = ClusterKeyspaceNotifications(rc)
    await ksn.subscribe_keyspace("k")
    pubsubs = list(ksn.node_pubsubs.values())
    assert len(pubsubs) == 3 and all(p.is_connected for p in pubsubs)
    await ksn.aclose()
    assert not any(p.is_connected for p in pubsubs)
    assert await ksn.get_message(timeout=0.01) is None

    def subscribers() -> int:
        return sum(len(cluster.admin(s).client_list(_type="pubsub")) for s in cluster.primaries)

    async with asyncio.timeout(5):
        while subscribers():
            await asyncio.sleep(0.02)
