"""The cluster's shape: nodes, and which primary serves each of the 16384 slots.

Read from ``CLUSTER SHARDS`` (Redis 7+, Valkey: each node's endpoint, ip,
port, role and health) or, on an older server, ``CLUSTER SLOTS``. A
``Topology`` is a plain value: the client swaps in a new one after each
refresh and keeps its ``ClusterNode`` objects (and their connections) for
the addresses that are still there.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ..exceptions import ClusterError
from .slots import SLOTS

if TYPE_CHECKING:
    from ..connection import Connection

PRIMARY = "primary"
REPLICA = "replica"


class ClusterNode:
    """One node of the cluster, by address: redis-py's ``ClusterNode(host, port)``.

    ``server_type`` is ``"primary"`` or ``"replica"`` (None until the
    topology says); ``connection`` is the client's multiplexed connection to
    it, made at its first command.
    """

    __slots__ = ("host", "port", "name", "server_type", "connection", "availability_zone", "__weakref__")

    def __init__(self, host: str, port: int | str = 6379, server_type: str | None = None) -> None:
        if host == "localhost":
            host = "127.0.0.1"  # redis-py does the same: the cluster names its nodes by IP
        self.host = host
        self.port = int(port)
        self.name = node_name(host, self.port)
        self.server_type = server_type
        self.connection: Connection | None = None
        self.availability_zone: str | None = None  # as CLUSTER SHARDS reports it (Valkey 8+, when configured)

    def __repr__(self) -> str:
        return f"[host={self.host},port={self.port},name={self.name},server_type={self.server_type}]"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ClusterNode) and other.name == self.name

    def __hash__(self) -> int:
        return hash(self.name)


def node_name(host: str, port: int) -> str:
    """``host:port``, the key nodes are found by (IPv6 hosts as the cluster spells them)."""
    return f"{host}:{port}"


class Shard:
    """What a refresh learnt: one primary, its replicas and its slot ranges, as (host, port) pairs;
    ``zones``: the availability zone of the nodes that report one."""

    __slots__ = ("primary", "replicas", "ranges", "zones")

    def __init__(
        self,
        primary: tuple[str, int],
        replicas: list[tuple[str, int]],
        ranges: list[tuple[int, int]],
        zones: dict[tuple[str, int], str] | None = None,
    ):
        self.primary = primary
        self.replicas = replicas
        self.ranges = ranges
        self.zones = zones or {}


def _text(value: Any) -> Any:
    return value.decode("utf-8", "replace") if isinstance(value, (bytes, bytearray)) else value


def _as_dict(value: Any) -> dict[str, Any]:
    """A RESP2 flat list of key/value pairs, or a RESP3 map, as a dict with str keys."""
    if isinstance(value, dict):
        return {_text(k): v for k, v in value.items()}
    items = list(value)
    return {_text(items[i]): items[i + 1] for i in range(0, len(items) - 1, 2)}


def _node_host(node: dict[str, Any], fallback_host: str) -> str:
    """Where to reach a node: its ip (the endpoint may be a hostname or ``?``), else the node we asked."""
    for field in ("ip", "endpoint"):
        host = _text(node.get(field))
        if host and host not in ("?", ""):
            return str(host)
    return fallback_host


def parse_shards(reply: Any, asked_host: str) -> list[Shard]:
    """``CLUSTER SHARDS`` -> shards; a node whose health is not ``online`` is left out.

    Except a shard's failed primary while no replica has replaced it
    (mid-failover): its slots stay with it, so that commands for them fail
    with ``ConnectionError`` (or wait for its connection) rather than with
    ``CLUSTERDOWN`` at the client, and the refresh after the promotion moves
    them, and the commands waiting on the dead node, to the new primary.
    """
    shards = []
    for raw in reply:
        shard = _as_dict(raw)
        slots = [int(s) for s in shard.get("slots") or []]
        ranges = [(slots[i], slots[i + 1]) for i in range(0, len(slots) - 1, 2)]
        primary = failed_primary = None
        replicas = []
        zones = {}
        for raw_node in shard.get("nodes") or []:
            node = _as_dict(raw_node)
            address = (_node_host(node, asked_host), int(node["port"]))
            zone = _text(node.get("availability-zone"))
            if zone:
                zones[address] = str(zone)
            is_primary = _text(node.get("role")) == "master"
            if _text(node.get("health", "online")) != "online":
                if is_primary and failed_primary is None:
                    failed_primary = address
                continue
            if is_primary:
                primary = address
            else:
                replicas.append(address)
        if primary is None:
            primary = failed_primary
        if primary is not None and ranges:
            shards.append(Shard(primary, replicas, ranges, zones))
    return shards


def parse_slots(reply: Any, asked_host: str) -> list[Shard]:
    """``CLUSTER SLOTS`` -> shards (one per slot range; replicas as listed)."""
    shards = []
    for entry in reply:
        start, end = int(entry[0]), int(entry[1])
        nodes = [(str(_text(n[0])) or asked_host, int(n[1])) for n in entry[2:]]
        nodes = [(asked_host if host in ("", "?") else host, port) for host, port in nodes]
        if nodes:
            shards.append(Shard(nodes[0], nodes[1:], [(start, end)]))
    return shards


class Topology:
    """Slot -> primary node (a list of 16384 entries, None where uncovered) and nodes by name.

    ``shards``: primary's name -> ``[primary, *its healthy replicas]``, the nodes a read of
    that primary's slots may go to (``read_from_replicas``).
    """

    __slots__ = ("slots", "nodes", "shards")

    def __init__(
        self,
        slots: list[ClusterNode | None],
        nodes: dict[str, ClusterNode],
        shards: dict[str, list[ClusterNode]] | None = None,
    ) -> None:
        self.slots = slots
        self.nodes = nodes
        self.shards = shards if shards is not None else {}

    @classmethod
    def build(cls, shards: Iterable[Shard], known: dict[str, ClusterNode]) -> Topology:
        """A topology from refreshed shards, reusing the ``known`` node objects (and their connections)."""
        nodes: dict[str, ClusterNode] = {}
        slots: list[ClusterNode | None] = [None] * SLOTS

        def node_for(address: tuple[str, int], server_type: str) -> ClusterNode:
            name = node_name(*address)
            node = nodes.get(name)
            if node is None:
                node = known.get(name) or ClusterNode(address[0], address[1])
                nodes[name] = node
                node.server_type = server_type
            elif server_type == PRIMARY:
                node.server_type = PRIMARY  # listed as a replica elsewhere in the same reply (mid-failover)
            return node

        members: dict[str, list[ClusterNode]] = {}
        for shard in shards:
            primary = node_for(shard.primary, PRIMARY)
            primary.availability_zone = shard.zones.get(shard.primary)
            group = members.setdefault(primary.name, [primary])
            for address in shard.replicas:
                replica = node_for(address, REPLICA)
                replica.availability_zone = shard.zones.get(address)
                if replica.server_type == REPLICA and replica not in group:
                    group.append(replica)
            for start, end in shard.ranges:
                if not 0 <= start <= end < SLOTS:
                    raise ClusterError(f"the cluster reported an invalid slot range {start}-{end}")
                slots[start : end + 1] = [primary] * (end - start + 1)
        return cls(slots, nodes, members)

    def primaries(self) -> list[ClusterNode]:
        return [node for node in self.nodes.values() if node.server_type == PRIMARY]

    def replicas(self) -> list[ClusterNode]:
        return [node for node in self.nodes.values() if node.server_type == REPLICA]

    def replicas_of(self, primary: ClusterNode) -> list[ClusterNode]:
        """The healthy replicas of ``primary`` (empty when it has none, or is not a primary)."""
        return self.shards.get(primary.name, [primary])[1:]

    def uncovered(self) -> int:
        """How many slots no primary serves."""
        return self.slots.count(None)


__all__ = ["PRIMARY", "REPLICA", "ClusterNode", "Shard", "Topology", "node_name", "parse_shards", "parse_slots"]
