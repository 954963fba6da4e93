"""The slot table: each slot's node, and beside it that node's connection, which the router reads.

``slots`` (16384 ``ClusterNode`` or None) is what the last refresh read, with
the ``MOVED`` replies learnt since. ``slot_connections`` holds, for each slot,
its node's multiplexed connection: None where no node serves the slot or the
node has no connection yet (its first command makes one, the slow way).
``RedisCluster``'s router indexes the second list only: one index where the
node, its None test and its ``connection`` load cost about 100 instructions
per command more. The client holds the very same list object, so it is
changed in place, never replaced.

The two lists must agree at all times (``slot_connections[i]`` is
``slots[i].connection``, or None): every change goes through the three
methods here (one slot repointed, the whole table swapped, a node's
connection made or dropped), never through a write to either list or to a
node's ``connection``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .slots import SLOTS
from .topology import ClusterNode

if TYPE_CHECKING:
    from ..connection import Connection


class SlotTable:
    """The two slot lists of ``NodesManager`` (a mixin: it shares the manager's state)."""

    slots: list[ClusterNode | None]
    slot_connections: list[Connection | None]

    def _init_slot_table(self, slots: list[ClusterNode | None]) -> None:
        self.slots = slots
        self.slot_connections = [None] * SLOTS

    def point_slot(self, slot: int, node: ClusterNode | None) -> None:
        """``slot`` is ``node``'s now (a ``MOVED``), or no node's."""
        self.slots[slot] = node
        self.slot_connections[slot] = None if node is None else node.connection

    def point_slots(self, slots: list[ClusterNode | None]) -> None:
        """``slots`` is the slot table now (a refresh): it is kept, not copied; the connections follow it."""
        self.slots = slots
        self.slot_connections[:] = [None if node is None else node.connection for node in slots]

    def link_connection(self, node: ClusterNode, conn: Connection | None) -> None:
        """``conn`` is ``node``'s connection now (made, or None: dropped), in each slot ``node`` serves.

        One pass over the 16384 slots (about a millisecond): a node's connection is made once, at its
        first command, and dropped when it leaves the cluster.
        """
        node.connection = conn
        table = self.slot_connections
        for slot, held in enumerate(self.slots):
            if held is node:
                table[slot] = conn


__all__ = ["SlotTable"]
