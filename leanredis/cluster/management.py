"""Cluster commands of redis-py's ``RedisCluster`` that read the cluster's own state, and ``lock()``.

Each sends through the cluster's router: ``CLUSTER COUNTKEYSINSLOT`` and
``GETKEYSINSLOT`` to the node owning the slot, the others to the default node,
or to the nodes named by ``target_nodes=`` (the cluster client wraps the
methods of ``TARGETED`` for it, as for ``ping`` or ``info``).
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any, overload

from ..client_features import ClientFeatures
from ..commands.base import CommandsBase, KeyT
from ..commands.introspection import str_list
from ..exceptions import DataError
from ..future import CommandFuture
from ..typed import ByNode, StrT

if TYPE_CHECKING:
    from .topology import ClusterNode


def cluster_info_reply(reply: Any) -> dict[str, str]:
    """``CLUSTER INFO``'s ``field:value`` lines -> {field: value} (text, as redis-py returns them)."""
    text = reply.decode("utf-8", "replace") if isinstance(reply, (bytes, bytearray)) else str(reply)
    return dict(line.split(":", 1) for line in text.splitlines() if ":" in line)


class ClusterManagementCommands(CommandsBase[StrT]):
    """``cluster_info``, ``cluster_keyslot``, ``cluster_countkeysinslot``, ``cluster_get_keys_in_slot``,
    ``cluster_myid``, ``cluster_myshardid``, ``get_random_primary_node``, and ``Redis``'s ``lock``."""

    def cluster_info(self) -> CommandFuture[dict[str, str]]:
        """The cluster's state as the default node (or ``target_nodes=``) sees it: {field: value}."""
        return self._send((b"CLUSTER", b"INFO"), cluster_info_reply)

    def cluster_keyslot(self, key: KeyT) -> CommandFuture[int]:
        """The slot of ``key`` as the server computes it (``keyslot()`` computes it here)."""
        return self._send((b"CLUSTER", b"KEYSLOT", key), None)

    def cluster_countkeysinslot(self, slot_id: int) -> CommandFuture[int]:
        """How many keys the node owning ``slot_id`` holds in it."""
        _check_slot(slot_id)
        return self._send((b"CLUSTER", b"COUNTKEYSINSLOT", slot_id), None)

    def cluster_get_keys_in_slot(self, slot: int, num_keys: int) -> CommandFuture[list[str]]:
        """Up to ``num_keys`` keys of ``slot``, from the node owning it (as text, as redis-py returns them)."""
        _check_slot(slot)
        return self._send((b"CLUSTER", b"GETKEYSINSLOT", slot, num_keys), str_list)

    def cluster_myshardid(self) -> CommandFuture[StrT]:
        """The shard id of the default node (or of ``target_nodes=``)."""
        return self._send((b"CLUSTER", b"MYSHARDID"), None)

    @overload
    def cluster_myid(self, target_node: ClusterNode) -> CommandFuture[StrT]: ...
    @overload
    def cluster_myid(self, target_node: Any) -> CommandFuture[ByNode[StrT]]: ...
    def cluster_myid(self, target_node: Any) -> Any:
        """The node id of ``target_node`` (a ``ClusterNode`` or a node flag, as in redis-py)."""
        return self._send_to_targets(target_node, (b"CLUSTER", b"MYID"), None)  # type: ignore[attr-defined]

    def get_random_primary_node(self) -> ClusterNode:
        """A primary chosen at random."""
        primaries = self.get_primaries()  # type: ignore[attr-defined]
        if not primaries:
            raise DataError("no primary is known yet: await the client's initialize() first")
        return random.choice(primaries)  # type: ignore[no-any-return]

    # redis.asyncio's lock(name, timeout=, sleep=, blocking=, ...): the client's own, on the key's node
    lock = ClientFeatures.lock


def _check_slot(slot: Any) -> None:
    if isinstance(slot, bool) or not isinstance(slot, int) or not 0 <= slot < 16384:
        raise DataError(f"a slot is an int in 0..16383, not {slot!r}")


# the methods that take redis-py's target_nodes= (wrapped by the cluster client)
TARGETED = ("cluster_info", "cluster_keyslot", "cluster_myshardid")

__all__ = ["TARGETED", "ClusterManagementCommands", "cluster_info_reply"]
