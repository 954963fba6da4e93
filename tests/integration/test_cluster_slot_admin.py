"""RedisCluster's slot administration, ``cluster_links`` and ``replace_default_node``, as redis.asyncio's (8.1).

These commands change the cluster's slot table, so this module has a cluster of its own (module-scoped,
always stopped), never a shared one; each library runs the same steps, and every step that unassigns a
slot assigns it back to its owner, so each run leaves the cluster as it found it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
import redis.asyncio.cluster as redis_py_cluster

import leanredis
from leanredis.cluster import RedisCluster

from .cluster import LocalCluster

SLOT = 100  # served by primaries[0]: RANGES[0] starts at 0


@pytest.fixture(scope="module")
def cluster(server_binary: str) -> Iterator[LocalCluster]:
    local = LocalCluster(server_binary)
    local.start()
    try:
        yield local
    finally:
        local.stop()


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
