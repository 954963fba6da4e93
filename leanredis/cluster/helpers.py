"""redis-py's cluster helpers of ``RedisCluster``: its nodes, a key's slot and node, the encoder, the counters.

``ClusterHelpers`` is a part of ``RedisCluster`` (a mixin: it shares the
client's state); each reads the slot map the client holds (``NodesManager``).
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any

from ..encoding import Encoder
from ..exceptions import ClusterError, DataError
from .slots import key_slot
from .topology import ClusterNode

if TYPE_CHECKING:
    from .nodes import NodesManager


class ClusterHelpers:
    """The cluster helpers of ``RedisCluster`` (a mixin: it shares the client's state)."""

    nodes_manager: NodesManager
    options: Any

    def get_nodes(self) -> list[ClusterNode]:
        """Every node of the cluster (primaries and replicas)."""
        return list(self.nodes_manager.topology.nodes.values())

    def get_primaries(self) -> list[ClusterNode]:
        """The primaries of the slot map the client holds."""
        return self.nodes_manager.topology.primaries()

    def get_replicas(self) -> list[ClusterNode]:
        """The replicas of the slot map the client holds."""
        return self.nodes_manager.topology.replicas()

    def get_random_node(self) -> ClusterNode:
        """Any node of the slot map, primary or replica, chosen at random."""
        return random.choice(self.get_nodes())

    def get_default_node(self) -> ClusterNode | None:
        """Where keyless commands without a better place go (a startup node that is a primary)."""
        return self.nodes_manager.default_node

    def set_default_node(self, node: ClusterNode) -> None:
        """Send keyless commands without a better place to ``node``, which must be in the slot map (else DataError)."""
        if node is None or self.get_node(node_name=node.name) is None:
            raise DataError("The requested node does not exist in the cluster.")
        self.nodes_manager.default_node = self.get_node(node_name=node.name)

    def get_node(
        self, host: str | None = None, port: int | None = None, node_name: str | None = None
    ) -> ClusterNode | None:
        """The node at ``host:port`` (or named ``node_name``), None if not in the topology."""
        if node_name is None:
            if host is None or port is None:
                raise DataError("get_node() needs host and port, or node_name")
            node_name = ClusterNode(host, port).name
        return self.nodes_manager.topology.nodes.get(node_name)

    def keyslot(self, key: Any) -> int:
        """The slot of ``key`` (CRC16 of the key or its ``{hash tag}``, mod 16384)."""
        return key_slot(key)

    def get_node_from_key(self, key: Any, replica: bool = False) -> ClusterNode | None:
        """The primary serving ``key``'s slot (``replica=True``: its first replica, None if it has none)."""
        node = self.nodes_manager.slots[key_slot(key)]
        if node is None:
            raise ClusterError(f"slot {key_slot(key)} is not served by any node")
        if not replica:
            return node
        replicas = self.nodes_manager.topology.replicas_of(node)
        return replicas[0] if replicas else None

    def get_encoder(self) -> Encoder:
        """An ``Encoder`` with the client's encoding, encoding_errors and decode_responses."""
        o = self.options
        return Encoder(o.encoding, o.encoding_errors, o.decode_responses)

    def stats(self) -> dict[str, Any]:
        """Cluster counters (redirects, retries, refreshes) and every node connection's in-flight figures."""
        manager = self.nodes_manager
        conns = manager.connections()
        return {
            "nodes": len(manager.topology.nodes),
            "connections": len(conns),
            "inflight": sum(conn.inflight for conn in conns),
            "queued": sum(conn.queued for conn in conns),
            "kept_bytes": sum(conn.kept_bytes for conn in conns),
            "moved": manager.stats_moved,
            "ask": manager.stats_ask,
            "retries": manager.stats_retries,
            "refreshes": manager.stats_refreshes,
            "refresh_failures": manager.stats_refresh_failures,
            "too_many_redirects": manager.stats_too_many_redirects,
            "redirects_tracked": len(manager._attempts),
            "dedicated_in_use": manager.pools.in_use,
        }
