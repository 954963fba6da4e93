"""Slot administration and node links of redis-py's ``RedisCluster``, with its parsed replies.

``cluster_addslots``/``cluster_addslotsrange``/``cluster_setslot``/``cluster_links``
go to the ``target_node`` given (none given: ``RedisClusterException``, as redis-py
raises when it cannot tell where to send); ``cluster_delslots`` sends one
``CLUSTER DELSLOTS`` per slot to the node owning it, ``cluster_delslotsrange`` and
``cluster_setslot_stable`` go to the owner of their (first) slot;
``cluster_count_failure_report`` to the default node. Each answers ``True`` for
``OK`` (a list of them for ``cluster_delslots``); a refusal is the server's
``ResponseError``. ``replace_default_node`` moves where keyless commands go.
"""

from __future__ import annotations

import asyncio
import random
from typing import TYPE_CHECKING, Any, overload

from ..commands.base import CommandsBase
from ..commands.parsers import bool_ok
from ..exceptions import RedisError
from ..future import CommandFuture
from ..typed import ByNode, RespValue, StrT
from .slots import missing_key_error

if TYPE_CHECKING:
    from .topology import ClusterNode


def _flat_links(reply: Any) -> Any:
    """CLUSTER LINKS as redis-py returns it: each link a flat [field, value, ...] list (RESP3 sends maps)."""
    if reply is None:
        return None
    return [[item for pair in link.items() for item in pair] if isinstance(link, dict) else link for link in reply]


class ClusterSlotAdminCommands(CommandsBase[StrT]):
    """``RedisCluster``'s slot administration (see the module docstring)."""

    def _to_target(self, target_node: Any, args: tuple[Any, ...], parse: Any) -> Any:
        if target_node is None or (isinstance(target_node, (list, tuple)) and not target_node):
            raise missing_key_error(args[2:])
        return self._send_to_targets(target_node, args, parse)  # type: ignore[attr-defined]

    @overload
    def cluster_addslots(self, target_node: ClusterNode, *slots: Any) -> CommandFuture[bool]: ...
    @overload
    def cluster_addslots(self, target_node: Any, *slots: Any) -> CommandFuture[ByNode[bool]]: ...
    def cluster_addslots(self, target_node: Any, *slots: Any) -> Any:
        """Assign ``slots`` to ``target_node`` (CLUSTER ADDSLOTS): True."""
        return self._to_target(target_node, (b"CLUSTER", b"ADDSLOTS", *slots), bool_ok)

    @overload
    def cluster_addslotsrange(self, target_node: ClusterNode, *slots: Any) -> CommandFuture[bool]: ...
    @overload
    def cluster_addslotsrange(self, target_node: Any, *slots: Any) -> CommandFuture[ByNode[bool]]: ...
    def cluster_addslotsrange(self, target_node: Any, *slots: Any) -> Any:
        """Assign the ranges ``start, end, ...`` to ``target_node`` (CLUSTER ADDSLOTSRANGE): True."""
        return self._to_target(target_node, (b"CLUSTER", b"ADDSLOTSRANGE", *slots), bool_ok)

    async def cluster_delslots(self, *slots: Any) -> list[bool]:
        """Unassign each slot, on the node owning it (one CLUSTER DELSLOTS each): a True per slot."""
        return list(await asyncio.gather(*(self._send((b"CLUSTER", b"DELSLOTS", slot), bool_ok) for slot in slots)))

    def cluster_delslotsrange(self, *slots: Any) -> CommandFuture[bool]:
        """Unassign the ranges ``start, end, ...`` (CLUSTER DELSLOTSRANGE), on the owner of the first slot: True."""
        return self._send((b"CLUSTER", b"DELSLOTSRANGE", *slots), bool_ok)

    @overload
    def cluster_setslot(
        self, target_node: ClusterNode, node_id: str, slot_id: int, state: str
    ) -> CommandFuture[bool]: ...
    @overload
    def cluster_setslot(
        self, target_node: Any, node_id: str, slot_id: int, state: str
    ) -> CommandFuture[ByNode[bool]]: ...
    def cluster_setslot(self, target_node: Any, node_id: str, slot_id: int, state: str) -> Any:
        """CLUSTER SETSLOT ``slot_id`` IMPORTING|MIGRATING|NODE ``node_id`` on ``target_node``: True.

        ``"stable"`` is ``cluster_setslot_stable``'s (RedisError here, as in redis-py).
        """
        upper = state.upper()
        if upper == "STABLE":
            raise RedisError('For "stable" state please use cluster_setslot_stable')
        if upper not in ("IMPORTING", "NODE", "MIGRATING"):
            raise RedisError(f"Invalid slot state: {state}")
        return self._to_target(target_node, (b"CLUSTER", b"SETSLOT", slot_id, state, node_id), bool_ok)

    def cluster_setslot_stable(self, slot_id: int) -> CommandFuture[bool]:
        """Clear the slot's migrating/importing state, on the node owning it: True."""
        return self._send((b"CLUSTER", b"SETSLOT", slot_id, b"STABLE"), bool_ok)

    @overload
    def cluster_links(self, target_node: ClusterNode) -> CommandFuture[list[list[RespValue[StrT]]]]: ...
    @overload
    def cluster_links(self, target_node: Any) -> CommandFuture[ByNode[list[list[RespValue[StrT]]]]]: ...
    def cluster_links(self, target_node: Any) -> Any:
        """``target_node``'s links to its peers (CLUSTER LINKS), each a flat [field, value, ...] list."""
        return self._to_target(target_node, (b"CLUSTER", b"LINKS"), _flat_links)

    def cluster_count_failure_report(self, node_id: str) -> CommandFuture[int]:
        """How many failure reports the default node holds about ``node_id``."""
        return self._send((b"CLUSTER", b"COUNT-FAILURE-REPORTS", node_id), None)

    def cluster_flushslots(self, target_nodes: Any = None) -> None:
        """Refused, as in redis-py: it would empty a node's slot table."""
        raise NotImplementedError("CLUSTER FLUSHSLOTS is intentionally not implemented in the client.")

    def cluster_bumpepoch(self, target_nodes: Any = None) -> None:
        """Refused, as in redis-py."""
        raise NotImplementedError("CLUSTER BUMPEPOCH is intentionally not implemented in the client.")

    def replace_default_node(self, target_node: Any = None) -> None:
        """Make ``target_node`` the default node; None: another node at random, a primary if there is one."""
        manager = self.nodes_manager  # type: ignore[attr-defined]
        if target_node:
            manager.default_node = target_node
            return
        current = self.get_default_node()  # type: ignore[attr-defined]
        primaries = [node for node in self.get_primaries() if node != current]  # type: ignore[attr-defined]
        if primaries:
            manager.default_node = random.choice(primaries)
            return
        replicas = [node for node in self.get_replicas() if node != current]  # type: ignore[attr-defined]
        if replicas:
            manager.default_node = random.choice(replicas)


__all__ = ["ClusterSlotAdminCommands"]
