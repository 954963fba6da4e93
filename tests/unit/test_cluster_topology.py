"""``parse_shards`` mid-failover: a failed primary keeps its slots until a replica replaces it."""

from __future__ import annotations

from leanredis.cluster.topology import parse_shards


def _node(port: int, role: str, health: str) -> dict[str, object]:
    return {"ip": "127.0.0.1", "port": port, "role": role, "health": health}


def test_a_failed_primary_keeps_its_slots_until_a_replica_is_promoted() -> None:
    failing = [{"slots": [0, 99], "nodes": [_node(1, "master", "fail"), _node(2, "replica", "online")]}]
    (shard,) = parse_shards(failing, "127.0.0.1")
    assert shard.primary == ("127.0.0.1", 1) and shard.replicas == [("127.0.0.1", 2)]
    assert shard.ranges == [(0, 99)]
    promoted = [{"slots": [0, 99], "nodes": [_node(1, "master", "fail"), _node(2, "master", "online")]}]
    (shard,) = parse_shards(promoted, "127.0.0.1")
    assert shard.primary == ("127.0.0.1", 2) and shard.replicas == []


def test_a_failed_replica_is_left_out_and_a_shard_without_slots_is_dropped() -> None:
    reply = [
        {"slots": [0, 9], "nodes": [_node(1, "master", "online"), _node(2, "replica", "fail")]},
        {"slots": [], "nodes": [_node(3, "master", "online")]},
    ]
    (shard,) = parse_shards(reply, "127.0.0.1")
    assert shard.primary == ("127.0.0.1", 1) and shard.replicas == []
