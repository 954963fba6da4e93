"""``split_by_node``: a cluster pipeline's commands grouped by the node serving their key's slot (no server)."""

from __future__ import annotations

from typing import Any

from leanredis.cluster.pipeline_batches import split_by_node
from leanredis.cluster.slots import SLOTS, key_slot
from leanredis.cluster.topology import ClusterNode

NODES = [ClusterNode("127.0.0.1", 7000 + i) for i in range(3)]


def table() -> list[ClusterNode | None]:
    """Three nodes over the slots in thirds, as a fresh cluster shares them."""
    return [NODES[slot * 3 // SLOTS] for slot in range(SLOTS)]


def ok(reply: Any) -> Any:
    return reply


def test_commands_are_grouped_by_the_node_of_their_keys_slot_in_order_with_their_positions() -> None:
    keys: list[Any] = [b"k:%d" % i for i in range(60)]
    keys += [f"str:{i}" for i in range(20)] + list(range(20)) + [f"{{user{i}}}:name" for i in range(20)]
    keys += [b"{tag}a", b"{tag}b", b"a{}b", b"{}x", bytearray(b"ba:1"), 3.5]
    stack = [((b"GET" if i % 2 else b"SET", key, b"v")[: 2 if i % 2 else 3], ok) for i, key in enumerate(keys)]
    slots = table()
    groups = split_by_node(stack, slots)
    assert groups is not None
    expected: dict[str, list[int]] = {}
    for index, key in enumerate(keys):
        expected.setdefault(slots[key_slot(key)].name, []).append(index)  # type: ignore[union-attr]
    assert [node.name for node, _, _ in groups] == list(expected)  # in order of first appearance
    for node, positions, commands in groups:
        assert positions == expected[node.name]
        assert commands == [stack[index] for index in positions]  # the recorded tuples themselves
        assert all(command is stack[index] for command, index in zip(commands, positions, strict=True))
    assert sum(len(positions) for _, positions, _ in groups) == len(stack)


def test_a_pipeline_it_cannot_split_is_left_to_the_router() -> None:
    slots = table()
    single = [((b"SET", b"a", b"1"), ok)]
    assert split_by_node(single, slots) is not None
    assert split_by_node([*single, ((b"MGET", b"a", b"b"), ok)], slots) is None  # not a single-key command
    assert split_by_node([*single, (("GET", b"a"), ok)], slots) is None  # a name as str: the router reads it
    assert split_by_node([*single, ((b"GET",), ok)], slots) is None  # no key: the router says so
    assert split_by_node([*single, ((b"GET", object()), ok)], slots) is None  # a key that cannot be sent
    slots[key_slot(b"a")] = None  # a slot no node serves: the router's CLUSTERDOWN in its place
    assert split_by_node(single, slots) is None
