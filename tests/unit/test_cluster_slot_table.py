"""The router's table of slot connections against the slot table it mirrors, through every change."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from leanredis.exceptions import AskError, MovedError


class _DroppingTransport:
    """Takes every write whole and keeps nothing: a node connection that never dials."""

    def __init__(self, proto: Any) -> None:
        self.proto = proto

    def close(self) -> None:
        self.proto.connection_lost(None)

    def write(self, data: Any) -> None:
        pass

    def get_write_buffer_size(self) -> int:
        return 0

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        pass

    def is_closing(self) -> bool:
        return False


def _socket(conn: Any) -> None:
    from leanredis.connection.protocol import RedisProtocol

    proto = RedisProtocol(conn)
    proto.connection_made(_DroppingTransport(proto))  # type: ignore[arg-type]
    conn._proto = proto


def _shards(*layout: tuple[int, list[int], list[tuple[int, int]]]) -> list[Any]:
    """Shards of 127.0.0.1 nodes named by port (ports below 10 refuse, should anything dial)."""
    from leanredis.cluster.topology import Shard

    return [
        Shard(("127.0.0.1", primary), [("127.0.0.1", port) for port in replicas], ranges)
        for primary, replicas, ranges in layout
    ]


def _mismatch(manager: Any) -> list[tuple[int, Any, Any]]:
    """The slots whose entry in the router's table is not their node's connection (at most 5)."""
    derived = [None if node is None else node.connection for node in manager.slots]
    table = manager.slot_connections
    assert len(table) == len(derived) == 16384
    return [(slot, held, want) for slot, (held, want) in enumerate(zip(table, derived)) if held is not want][:5]


def test_the_routers_slot_connections_follow_every_change_of_the_slot_table_and_of_the_connections() -> None:
    import leanredis
    from leanredis.cluster.redirects import Redirects, repoint

    async def drive() -> list[tuple[str, list[Any]]]:
        client = leanredis.RedisCluster(host="127.0.0.1", port=1, socket_timeout=None)  # never dials
        manager = client.nodes_manager
        table = manager.slot_connections
        manager.schedule_refresh = lambda after=0.0: None  # type: ignore[method-assign]  # the test refreshes
        seen: list[tuple[str, list[Any]]] = []

        def step(name: str) -> None:
            seen.append((name, _mismatch(manager)))
            assert client._slot_connections is manager.slot_connections is table, name  # never replaced

        def node(port: int) -> Any:
            return manager.topology.nodes[f"127.0.0.1:{port}"]

        step("new client")
        manager.apply(_shards((1, [4], [(0, 5460)]), (2, [5], [(5461, 10922)]), (3, [6], [(10923, 16383)])))
        step("first refresh")
        assert table[0] is None and manager.slots[0] is node(1)
        first = manager.connection(node(1))
        step("a connection made")
        assert table[0] is table[5460] is first and table[5461] is None
        _socket(first)
        second = manager.connection(node(2))
        _socket(second)
        step("another connection made")
        manager.apply(_shards((1, [4], [(0, 5460)]), (2, [5], [(5461, 10922)]), (3, [6], [(10923, 16383)])))
        step("a refresh that changes nothing")
        assert table[0] is first and table[5461] is second

        # MOVED, as a node connection follows it: the target's connection is made first, then the slot repointed
        assert manager.follow(node(1), MovedError("100 127.0.0.1:2")) is node(2)
        step("MOVED to a connected node")
        assert table[100] is second
        # MOVED as a dedicated connection's redirect follows it: to a node with no connection yet
        assert repoint(manager, MovedError("200 127.0.0.1:3")) is node(3)
        step("MOVED to a node with no connection")
        assert table[200] is None and manager.slots[200] is node(3)
        third = manager.connection(node(3))
        _socket(third)
        step("that node's connection made")
        assert table[200] is table[16383] is third
        # MOVED to a node no refresh has named yet
        repoint(manager, MovedError("300 127.0.0.1:7"))
        step("MOVED to a new node")
        assert table[300] is None

        # ASK: ASKING goes ahead of the command on the target's connection; neither table changes
        before = list(manager.slots), list(table)
        assert manager.follow(node(1), AskError("400 127.0.0.1:2")) is node(2)
        assert (await Redirects(manager, "test").follow(AskError("401 127.0.0.1:3"), 401, node(1))) == (node(3), True)
        step("ASK")
        assert (list(manager.slots), list(table)) == before

        # a failover: the replica of 1 is promoted (its connection made before, as reads from replicas do)
        promoted = manager.connection(node(4))
        _socket(promoted)
        step("a replica's connection made")
        assert table[0] is first
        manager.apply(_shards((4, [1], [(0, 5460)]), (2, [5], [(5461, 10922)]), (3, [6], [(10923, 16383)])))
        step("failover: the replica promoted")
        assert table[0] is table[300] is promoted and node(1).connection is first
        # a failover to a replica with no connection yet: None, until its first command makes one
        manager.apply(_shards((4, [], [(0, 5460)]), (5, [2], [(5461, 10922)]), (3, [6], [(10923, 16383)])))
        step("failover to a replica with no connection")
        assert table[5461] is None
        manager.connection(node(5))
        step("the new primary's connection made")

        # a node leaves the cluster: its connection is retired, its slots served by another node
        manager.apply(_shards((4, [], [(0, 5460)]), (5, [], [(5461, 10922)]), (2, [], [(10923, 16383)])))
        step("a node left")
        assert table[10923] is second and "127.0.0.1:3" not in manager.topology.nodes

        # slots left uncovered, then covered again
        manager.apply(_shards((4, [], [(0, 5460)]), (5, [], [(5461, 10922)])))
        step("slots uncovered")
        assert table[16383] is None
        manager.apply(_shards((4, [], [(0, 5460)]), (5, [], [(5461, 10922)]), (2, [], [(10923, 16383)])))
        step("slots covered again")
        manager.point_slot(0, None)
        step("a slot left with no node")
        assert table[0] is None

        for conn in manager.connections():
            proto = conn._proto
            if proto is not None:
                for fut in proto.pending:
                    fut.cancel()
        await client.aclose()
        step("closed")
        return seen

    seen = asyncio.run(asyncio.wait_for(drive(), 30))
    assert [name for name, wrong in seen if wrong] == [], seen


@pytest.mark.parametrize("order", ["slots first", "connections first"])
def test_a_slot_table_set_up_by_hand_reaches_the_router(order: str) -> None:
    # benchmarks/icount_paths.py fills the slot list by hand, then makes the connections; a table swapped in
    # after the connections were made must carry them as well
    import leanredis
    from leanredis.cluster.topology import ClusterNode

    client = leanredis.RedisCluster(host="127.0.0.1", port=1)
    manager = client.nodes_manager
    nodes = [ClusterNode("127.0.0.1", port, "primary") for port in (1, 2, 3)]
    layout = [nodes[slot * 3 // 16384] for slot in range(16384)]
    if order == "slots first":
        manager.slots[:] = layout
        conns = [manager.connection(node) for node in nodes]
    else:
        conns = [manager.connection(node) for node in nodes]
        manager.point_slots(layout)
    assert _mismatch(manager) == []
    assert client._slot_connections[0] is conns[0] and client._slot_connections[16383] is conns[2]
