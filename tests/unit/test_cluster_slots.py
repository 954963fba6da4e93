"""Hash slots and topology parsing, no server: CRC16-XMODEM values, hash tags, CLUSTER SHARDS/SLOTS replies."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from leanredis.cluster.slots import SLOTS, key_slot
from leanredis.cluster.topology import ClusterNode, Topology, parse_shards, parse_slots
from leanredis.exceptions import DataError


def crc16_xmodem(data: bytes) -> int:
    """The reference: bit by bit, polynomial 0x1021, initial 0 (the Redis Cluster spec's CRC16)."""
    crc = 0
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


@pytest.mark.parametrize(
    ("key", "slot"),
    [
        (b"123456789", 0x31C3 % SLOTS),  # the spec's check value
        (b"foo", 12182),
        (b"bar", 5061),
        ("{user1000}.following", 3443),
        ("{user1000}.followers", 3443),
        ("foo{}{bar}", 8363),  # empty first tag: the whole key
        ("foo{{bar}}zap", 4015),  # tag "{bar"
        ("foo{bar}{zap}", 5061),  # the first tag only: "bar"
        ("", 0),
    ],
)
def test_known_slots(key: object, slot: int) -> None:
    assert key_slot(key) == slot


def test_key_types_hash_as_the_encoder_sends_them() -> None:
    assert key_slot("é") == key_slot("é".encode())
    assert key_slot(123) == key_slot(b"123")
    assert key_slot(1.5) == key_slot(b"1.5")
    assert key_slot(memoryview(b"foo")) == key_slot(bytearray(b"foo")) == 12182
    with pytest.raises(DataError):
        key_slot(None)


@given(st.binary(max_size=64))
def test_slot_is_crc16_xmodem_of_the_tag_or_key(key: bytes) -> None:
    start = key.find(b"{")
    hashed = key
    if start >= 0:
        end = key.find(b"}", start + 1)
        if end > start + 1:
            hashed = key[start + 1 : end]
    assert key_slot(key) == crc16_xmodem(hashed) % SLOTS


def test_cluster_shards_reply_resp2_leaves_out_unhealthy_nodes_but_a_failed_primary_not_yet_replaced() -> None:
    reply = [
        [b"slots", [0, 5460], b"nodes", [
            [b"id", b"a", b"port", 7000, b"ip", b"127.0.0.1", b"endpoint", b"127.0.0.1", b"role", b"master",
             b"health", b"online"],
            [b"id", b"b", b"port", 7003, b"ip", b"127.0.0.1", b"endpoint", b"?", b"role", b"replica",
             b"health", b"loading"],
        ]],
        [b"slots", [5461, 16383], b"nodes", [
            [b"id", b"c", b"port", 7001, b"ip", b"127.0.0.1", b"role", b"master", b"health", b"fail"],
        ]],
    ]  # fmt: skip
    shards = parse_shards(reply, "127.0.0.1")
    # the second shard has no healthy primary: its slots stay with the failed one until a replica is promoted
    # (commands for them wait for its connection or fail with ConnectionError, not CLUSTERDOWN at the client)
    assert len(shards) == 2
    topology = Topology.build(shards, {})
    assert topology.slots[0] is topology.slots[5460] is topology.nodes["127.0.0.1:7000"]
    assert topology.slots[5461] is topology.slots[16383] is topology.nodes["127.0.0.1:7001"]
    assert topology.uncovered() == 0
    assert [n.name for n in topology.replicas()] == []


def test_cluster_shards_reply_resp3_maps_and_slots_fallback() -> None:
    reply = [{"slots": [0, 16383], "nodes": [
        {"port": 7000, "ip": "127.0.0.1", "role": "master", "health": "online"},
        {"port": 7001, "ip": "127.0.0.1", "role": "replica", "health": "online"},
    ]}]  # fmt: skip
    topology = Topology.build(parse_shards(reply, "x"), {})
    assert topology.uncovered() == 0
    assert [n.port for n in topology.primaries()] == [7000] and [n.port for n in topology.replicas()] == [7001]
    slots = [[0, 100, [b"", 7000, b"id"], [b"127.0.0.1", 7001, b"id2"]], [101, 16383, [b"10.0.0.2", 7002]]]
    kept = ClusterNode("127.0.0.1", 7000)
    topology = Topology.build(parse_slots(slots, "127.0.0.1"), {kept.name: kept})
    assert topology.slots[50] is kept  # the known node object (and its connection) is reused
    assert topology.slots[200].name == "10.0.0.2:7002"  # type: ignore[union-attr]


class _SlotNode:
    """A node whose connection answers ``execute`` with the slot it stands for."""

    _loop = None  # bound to no loop: the router's inlined fast path leaves the command to execute

    def __init__(self, slot: int) -> None:
        self.slot = slot
        self.connection = self

    def execute(self, args: tuple[object, ...], parse: object) -> int:
        return self.slot


_SLOT_NODES = [_SlotNode(slot) for slot in range(SLOTS)]  # slot table of the routers under test
_ROUTED_KEYS = [
    b"foo", "foo", "é", 123, -7, 1.5, memoryview(b"foo"), bytearray(b"bar"), b"", "", b"{", b"}", b"{}", b"a{b",
    "{user1000}.following", b"foo{}{bar}", "foo{{bar}}zap", b"foo{bar}{zap}", b"}{x}",
]  # fmt: skip


@pytest.mark.parametrize("reads", [False, True], ids=["primaries", "read_from_replicas"])
def test_the_routers_fast_path_sends_every_key_type_to_the_node_of_its_slot(reads: bool) -> None:
    import leanredis

    client = leanredis.RedisCluster(host="127.0.0.1", port=1, read_from_replicas=reads)  # never connects
    manager = client.nodes_manager
    manager.point_slots(_SLOT_NODES)  # type: ignore[arg-type]
    if reads:
        manager.reader = lambda node: node  # type: ignore[method-assign]
        manager.connection = lambda node: node  # type: ignore[method-assign,assignment,return-value]
    for key in _ROUTED_KEYS:
        assert client._send((b"GET", key), None) == key_slot(key), key


_BRACED = st.lists(st.sampled_from([b"{", b"}", b"a", b"\xff", b"x:1"]), max_size=8).map(b"".join)


@given(_BRACED | st.binary(max_size=24))
def test_the_routers_fast_path_agrees_with_key_slot_on_any_bytes(key: bytes) -> None:
    import leanredis

    client = leanredis.RedisCluster(host="127.0.0.1", port=1)
    client.nodes_manager.point_slots(_SLOT_NODES)  # type: ignore[arg-type]
    assert client._send((b"SET", key, b"v"), None) == key_slot(key)


@pytest.mark.parametrize(
    "method, name", [("get", b"GET"), ("set", b"SET"), ("hset", b"HSET"), ("incr", b"INCRBY"), ("lpush", b"LPUSH")]
)
def test_the_routers_single_key_names_are_the_objects_the_methods_send(method: str, name: bytes) -> None:
    # the router's first test, args[0] in SINGLE_KEY, finds a method's name by identity (no bytes compared:
    # about 200 instructions of a cluster SET) only when the set holds the very constant the method sends;
    # an equal name from elsewhere (execute_command) is found all the same
    import leanredis
    from leanredis.cluster.routing import _READ_SINGLE_KEY
    from leanredis.cluster.slots import SINGLE_KEY

    sent = next(c for c in getattr(leanredis.Redis, method).__code__.co_consts if c == name)
    assert any(held is sent for held in SINGLE_KEY)
    assert name != b"GET" or any(held is sent for held in _READ_SINGLE_KEY)
    assert bytes(bytearray(name)) in SINGLE_KEY
