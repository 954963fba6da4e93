"""The cluster's own view and node administration of redis-py's ``RedisCluster``, with its parsed replies.

``cluster_nodes``/``cluster_replicas`` give ``{"host:port": {node_id, flags, slots, ...}}``,
``cluster_slots`` ``{(start, end): {"primary": (host, port), "replicas": [...]}}`` and
``cluster_shards`` redis-py's list of shards (RESP3's maps as they come), all from the
default node unless ``target_nodes=`` says otherwise. ``cluster_failover``,
``cluster_replicate`` and ``cluster_save_config`` go only where they are told (none
given: ``RedisClusterException``, as redis-py raises); ``cluster_meet``,
``cluster_reset`` and ``cluster_set_config_epoch`` to the default node by default.
Each of these answers ``True`` for ``OK``; a refusal is the server's ``ResponseError``.
``get_nodes_from_slot`` names the node a command's keys go to.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any, Union, overload

from ..commands.base import CommandsBase
from ..commands.parsers import bool_ok, str_if_bytes
from ..commands.table import lookup
from ..exceptions import RedisClusterException, RedisError
from ..future import CommandFuture
from ..typed import ByNode, RespValue, StrT
from .slots import key_slot, missing_key_error
from .targets import Targeted

if TYPE_CHECKING:
    from .topology import ClusterNode

# a node of CLUSTER NODES/REPLICAS: its fields as text, ``connected`` a bool, its slots and migrations
NodeDetail = dict[str, Union[str, bool, list[list[str]], list[dict[str, str]]]]
# CLUSTER SLOTS: {(start, end): {"primary": (host, port), "replicas": [(host, port), ...]}}
SlotsMap = dict[tuple[int, int], dict[str, Union[tuple[str, int], list[tuple[str, int]]]]]

# commands redis-py sends to a random slot's node when they name no key
_KEYLESS_ANYWHERE = frozenset(("EVAL", "EVALSHA", "FCALL", "FCALL_RO"))


def _slot_ranges(items: list[str]) -> tuple[list[list[str]], list[dict[str, str]]]:
    """A CLUSTER NODES line's slots (``0-5460``, ``7``) and migrations (``[7->-id]``, ``[7-<-id]``)."""
    slots: list[list[str]] = []
    migrations: list[dict[str, str]] = []
    for item in items:
        if item.startswith("["):
            slot, direction, node_id = item[1:-1].partition("->-" if "->-" in item else "-<-")
            state = "migrating" if direction == "->-" else "importing"
            migrations.append({"slot": slot, "node_id": node_id, "state": state})
        else:
            slots.append(item.split("-"))
    return slots, migrations


def _node_line(line: str) -> tuple[str, dict[str, Any]]:
    items = line.split(" ")
    node_id, address, flags, master_id, ping, pong, epoch, connected = items[:8]
    hostname = address.split("@")[1].split(",")[1] if "@" in address and "," in address else ""
    detail: dict[str, Any] = {
        "node_id": node_id,
        "hostname": hostname,
        "flags": flags,
        "master_id": master_id,
        "last_ping_sent": ping,
        "last_pong_rcvd": pong,
        "epoch": epoch,
        "slots": [],
        "migrations": [],
        "connected": connected == "connected",
    }
    if len(items) >= 9:
        detail["slots"], detail["migrations"] = _slot_ranges(items[8:])
    return address.split("@")[0], detail


def cluster_nodes_reply(reply: Any) -> dict[str, dict[str, Any]]:
    """CLUSTER NODES (one text) or CLUSTER REPLICAS (a line each) -> {"host:port": detail}, as redis-py."""
    lines = reply.splitlines() if isinstance(reply, (str, bytes)) else reply
    return dict(_node_line(str_if_bytes(line)) for line in lines)


def cluster_slots_reply(reply: Any) -> dict[tuple[int, int], dict[str, Any]]:
    """CLUSTER SLOTS -> {(start, end): {"primary": (host, port), "replicas": [(host, port), ...]}}."""
    slots = {}
    for entry in reply:
        start, end, primary = entry[:3]
        slots[start, end] = {
            "primary": (str_if_bytes(primary[0]), primary[1]),
            "replicas": [(str_if_bytes(replica[0]), replica[1]) for replica in entry[3:]],
        }
    return slots


def cluster_shards_reply(reply: Any) -> Any:
    """CLUSTER SHARDS as redis-py returns it: RESP3's maps as they are; RESP2's flat lists made into
    ``{"slots": [(start, end), ...], "nodes": [{field: value}, ...]}`` (field names as the server sent them)."""
    if reply and isinstance(reply[0], dict):
        return reply
    shards = []
    for shard in reply:
        ranges = shard[1]
        nodes = [dict(zip(node[0::2], node[1::2])) for node in shard[3]]
        shards.append({"slots": list(zip(ranges[0::2], ranges[1::2])), "nodes": nodes})
    return shards


class ClusterNodeAdminCommands(CommandsBase[StrT]):
    """``RedisCluster``'s view of its nodes and their administration (see the module docstring)."""

    def _at(self, target_nodes: Any, args: tuple[Any, ...], parse: Any) -> Any:
        """``args`` by the command table's route, or to ``target_nodes``."""
        if target_nodes is None:
            return self._send(args, parse)
        return Targeted(self, target_nodes)._send(args, parse)  # type: ignore[arg-type]

    def _only_at(self, target_nodes: Any, args: tuple[Any, ...], parse: Any) -> Any:
        """``args`` to ``target_nodes``, which must be given (redis-py has nowhere else to send them)."""
        if target_nodes is None or (isinstance(target_nodes, (list, tuple)) and not target_nodes):
            raise missing_key_error(args)
        return Targeted(self, target_nodes)._send(args, parse)  # type: ignore[arg-type]

    def cluster_nodes(self) -> CommandFuture[dict[str, NodeDetail]]:
        """The cluster as the default node sees it: {"host:port": {node_id, flags, slots, ...}}."""
        return self._send((b"CLUSTER", b"NODES"), cluster_nodes_reply)

    @overload
    def cluster_replicas(self, node_id: str, target_nodes: None = ...) -> CommandFuture[dict[str, NodeDetail]]: ...
    @overload
    def cluster_replicas(self, node_id: str, target_nodes: Any) -> CommandFuture[ByNode[dict[str, NodeDetail]]]: ...
    def cluster_replicas(self, node_id: str, target_nodes: Any = None) -> Any:
        """The replicas of primary ``node_id``, parsed as ``cluster_nodes``."""
        return self._at(target_nodes, (b"CLUSTER", b"REPLICAS", node_id), cluster_nodes_reply)

    @overload
    def cluster_slots(self, target_nodes: None = ...) -> CommandFuture[SlotsMap]: ...
    @overload
    def cluster_slots(self, target_nodes: Any) -> CommandFuture[ByNode[SlotsMap]]: ...
    def cluster_slots(self, target_nodes: Any = None) -> Any:
        """{(start, end): {"primary": (host, port), "replicas": [...]}} (CLUSTER SLOTS)."""
        return self._at(target_nodes, (b"CLUSTER", b"SLOTS"), cluster_slots_reply)

    @overload
    def cluster_shards(self, target_nodes: None = ...) -> CommandFuture[list[dict[StrT, RespValue[StrT]]]]: ...
    @overload
    def cluster_shards(self, target_nodes: Any) -> CommandFuture[ByNode[list[dict[StrT, RespValue[StrT]]]]]: ...
    def cluster_shards(self, target_nodes: Any = None) -> Any:
        """The cluster's shards, their slot ranges and nodes (CLUSTER SHARDS): RESP3's maps as they are, RESP2's
        lists made into dicts, whose ``slots`` are (start, end) tuples."""
        return self._at(target_nodes, (b"CLUSTER", b"SHARDS"), cluster_shards_reply)

    @overload
    def cluster_failover(self, target_node: ClusterNode, option: str | None = ...) -> CommandFuture[bool]: ...
    @overload
    def cluster_failover(self, target_node: Any, option: str | None = ...) -> CommandFuture[ByNode[bool]]: ...
    def cluster_failover(self, target_node: Any, option: str | None = None) -> Any:
        """Make the replica ``target_node`` take over its primary (``option``: FORCE or TAKEOVER): True."""
        if option:
            if option.upper() not in ("FORCE", "TAKEOVER"):
                raise RedisError(f"Invalid option for CLUSTER FAILOVER command: {option}")
            return self._only_at(target_node, (b"CLUSTER", b"FAILOVER", option), bool_ok)
        return self._only_at(target_node, (b"CLUSTER", b"FAILOVER"), bool_ok)

    @overload
    def cluster_meet(self, host: str, port: int, target_nodes: None = ...) -> CommandFuture[bool]: ...
    @overload
    def cluster_meet(self, host: str, port: int, target_nodes: Any) -> CommandFuture[ByNode[bool]]: ...
    def cluster_meet(self, host: str, port: int, target_nodes: Any = None) -> Any:
        """Introduce the node at ``host:port`` to the cluster: True."""
        return self._at(target_nodes, (b"CLUSTER", b"MEET", host, port), bool_ok)

    @overload
    def cluster_replicate(self, target_nodes: ClusterNode, node_id: str) -> CommandFuture[bool]: ...
    @overload
    def cluster_replicate(self, target_nodes: Any, node_id: str) -> CommandFuture[ByNode[bool]]: ...
    def cluster_replicate(self, target_nodes: Any, node_id: str) -> Any:
        """Make ``target_nodes`` replicas of primary ``node_id``: True."""
        return self._only_at(target_nodes, (b"CLUSTER", b"REPLICATE", node_id), bool_ok)

    @overload
    def cluster_reset(self, soft: bool = ..., target_nodes: None = ...) -> CommandFuture[bool]: ...
    @overload
    def cluster_reset(self, soft: bool = ..., *, target_nodes: Any) -> CommandFuture[ByNode[bool]]: ...
    def cluster_reset(self, soft: bool = True, target_nodes: Any = None) -> Any:
        """Reset a node (SOFT, or HARD with ``soft=False``): True."""
        return self._at(target_nodes, (b"CLUSTER", b"RESET", b"SOFT" if soft else b"HARD"), bool_ok)

    @overload
    def cluster_save_config(self, target_nodes: ClusterNode) -> CommandFuture[bool]: ...
    @overload
    def cluster_save_config(self, target_nodes: Any = ...) -> CommandFuture[ByNode[bool]]: ...
    def cluster_save_config(self, target_nodes: Any = None) -> Any:
        """Make ``target_nodes`` save their cluster configuration to disk: True."""
        return self._only_at(target_nodes, (b"CLUSTER", b"SAVECONFIG"), bool_ok)

    @overload
    def cluster_set_config_epoch(self, epoch: int, target_nodes: None = ...) -> CommandFuture[bool]: ...
    @overload
    def cluster_set_config_epoch(self, epoch: int, target_nodes: Any) -> CommandFuture[ByNode[bool]]: ...
    def cluster_set_config_epoch(self, epoch: int, target_nodes: Any = None) -> Any:
        """Set a new node's configuration epoch: True."""
        return self._at(target_nodes, (b"CLUSTER", b"SET-CONFIG-EPOCH", epoch), bool_ok)

    async def get_nodes_from_slot(self, command: str, *args: Any) -> list[ClusterNode]:
        """[the node ``command`` with ``args`` goes to by its keys' slot] (a replica if reads go to replicas)."""
        await self.initialize()  # type: ignore[attr-defined]
        words = (*command.split(), *args) if isinstance(command, str) else (command, *args)
        spec = lookup(words)
        manager = self.nodes_manager  # type: ignore[attr-defined]
        if spec is not None and spec.route == "slot":  # the slot is the argument (CLUSTER COUNTKEYSINSLOT...)
            return [manager.slots[int(words[2])]]
        keys = spec.keys_of(words) if spec is not None else []
        if not keys:
            if str(spec.name if spec is not None else command).upper() in _KEYLESS_ANYWHERE:
                return [manager.slots[random.randrange(16384)]]  # a script or function without keys: any node
            raise missing_key_error(tuple(args))
        slots = {key_slot(key) for key in keys}
        if len(slots) > 1:
            raise RedisClusterException(f"{command} - all keys must map to the same key slot")
        node = manager.slots[slots.pop()]
        if node is not None and spec is not None and spec.readonly and manager.reads is not None:
            node = manager.reader(node)
        return [node]


__all__ = [
    "ClusterNodeAdminCommands",
    "cluster_nodes_reply",
    "cluster_shards_reply",
    "cluster_slots_reply",
]
