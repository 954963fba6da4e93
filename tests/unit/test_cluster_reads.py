"""Reads from replicas and target_nodes results, without a server: the node picked, the replies combined."""

from __future__ import annotations

from collections import Counter

import pytest

from leanredis.cluster.replicas import LoadBalancingStrategy, ReadBalancer
from leanredis.cluster.targets import ByNode
from leanredis.cluster.topology import ClusterNode, Topology, parse_shards


def shard_topology() -> Topology:
    reply = [{"slots": [0, 16383], "nodes": [
        {"port": 7000, "ip": "127.0.0.1", "role": "master", "health": "online", "availability-zone": "az-a"},
        {"port": 7001, "ip": "127.0.0.1", "role": "replica", "health": "online", "availability-zone": "az-b"},
        {"port": 7002, "ip": "127.0.0.1", "role": "replica", "health": "online"},
        {"port": 7003, "ip": "127.0.0.1", "role": "replica", "health": "loading"},
    ]}]  # fmt: skip
    return Topology.build(parse_shards(reply, "127.0.0.1"), {})


def picks(balancer: ReadBalancer, topology: Topology, count: int = 60) -> Counter[int]:
    primary = topology.slots[0]
    assert primary is not None
    return Counter(balancer.pick(primary, topology.shards).port for _ in range(count))


def test_shards_list_the_primary_then_its_healthy_replicas_with_their_zones() -> None:
    topology = shard_topology()
    primary = topology.slots[0]
    assert primary is not None
    assert [node.port for node in topology.shards[primary.name]] == [7000, 7001, 7002]  # 7003 is loading
    assert [node.port for node in topology.replicas_of(primary)] == [7001, 7002]
    assert {n.port: n.availability_zone for n in topology.nodes.values()} == {7000: "az-a", 7001: "az-b", 7002: None}


@pytest.mark.parametrize(
    ("strategy", "expected"),
    [
        (LoadBalancingStrategy.ROUND_ROBIN, {7000: 20, 7001: 20, 7002: 20}),
        (LoadBalancingStrategy.ROUND_ROBIN_REPLICAS, {7001: 30, 7002: 30}),
    ],
)
def test_round_robin_strategies_take_turns(strategy: LoadBalancingStrategy, expected: dict[int, int]) -> None:
    assert picks(ReadBalancer(strategy), shard_topology()) == expected


def test_random_replica_never_picks_the_primary_and_random_may() -> None:
    topology = shard_topology()
    assert set(picks(ReadBalancer(LoadBalancingStrategy.RANDOM_REPLICA), topology, 300)) == {7001, 7002}
    assert set(picks(ReadBalancer(LoadBalancingStrategy.RANDOM), topology, 300)) == {7000, 7001, 7002}


def test_a_replica_marked_down_gets_no_reads_until_its_time_is_up() -> None:
    topology = shard_topology()
    balancer = ReadBalancer(LoadBalancingStrategy.ROUND_ROBIN_REPLICAS, down_for=60)
    balancer.mark_down(topology.nodes["127.0.0.1:7001"])
    balancer.mark_down(topology.nodes["127.0.0.1:7002"])
    assert picks(balancer, topology) == {7000: 60}  # no replica up: the primary
    expired = ReadBalancer(LoadBalancingStrategy.ROUND_ROBIN_REPLICAS, down_for=-1)
    expired.mark_down(topology.nodes["127.0.0.1:7001"])
    assert picks(expired, topology) == {7001: 30, 7002: 30}


def test_the_clients_zone_wins_over_the_strategy_when_a_replica_is_there() -> None:
    topology = shard_topology()
    assert picks(ReadBalancer(LoadBalancingStrategy.ROUND_ROBIN, zone="az-b"), topology) == {7001: 60}
    # the primary's zone does not count; no replica in the zone: the strategy decides
    assert picks(ReadBalancer(LoadBalancingStrategy.ROUND_ROBIN, zone="az-a"), topology) == {
        7000: 20,
        7001: 20,
        7002: 20,
    }


def test_a_primary_without_replicas_serves_its_reads() -> None:
    lone = ClusterNode("127.0.0.1", 7100, "primary")
    assert ReadBalancer(LoadBalancingStrategy.RANDOM_REPLICA).pick(lone, {}) is lone


def test_several_nodes_replies_combine_as_redis_pys_result_callbacks() -> None:
    names = ["a:1", "b:2"]
    assert ByNode(names, "DBSIZE")([3, 4]) == 7
    assert ByNode(names, "PING")([True, False]) is False
    assert sorted(ByNode(names, "KEYS")([[b"k1", b"k2"], [b"k2", b"k3"]])) == [b"k1", b"k2", b"k3"]
    assert ByNode(names, "PUBSUB NUMSUB")([[(b"c", 1), (b"d", 0)], [(b"c", 2)]]) == [(b"c", 3), (b"d", 0)]
    assert ByNode(names, "SCAN")([(5, [b"x"]), (0, [b"y"])]) == ({"a:1": 5, "b:2": 0}, [b"x", b"y"])
    assert ByNode(names, "CLIENT ID")([11, 12]) == {"a:1": 11, "b:2": 12}
