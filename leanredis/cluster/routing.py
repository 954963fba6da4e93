"""The router of ``RedisCluster``: where each command goes, by its keys' slot or its route.

``_send(args, parse)``: a single-key command (GET, SET, HSET, ...) is one
slot computation (``slots.py``), one index into the slots' node connections
(``slot_table.py``) and that connection's ``execute``, inlined in the same
frame; everything else reads the command table (``commands.table``): its
keys (one slot, or split by slot for MGET, MSET, DEL, UNLINK, EXISTS, TOUCH),
or its route when keyless (every primary for DBSIZE, KEYS, FLUSHDB..., a random
primary, the default node). ``_send_reading`` is ``_send`` when reads go to
replicas; ``_send_to_targets`` sends to the nodes ``target_nodes=`` names.
Redirects, retries and refreshes are ``nodes.NodesManager``'s.
"""

from __future__ import annotations

import asyncio
import random
from binascii import crc_hqx
from threading import get_ident as _get_ident
from typing import TYPE_CHECKING, Any

from ..commands.funnel import sender
from ..commands.table import COMMANDS, lookup
from ..exceptions import ClusterDownError, DataError
from ..future import CommandFuture, raw_reply
from ..resp.packer import pack
from .fanout import COMBINERS, SPLITTABLE, TO_ALL_PRIMARIES, Ordered, join, part_args, split_by_slot
from .nodes import NodesManager
from .slots import SINGLE_KEY, SLOTS, cross_slot_error, key_bytes, key_slot, missing_key_error, slot_of_bytes
from .targets import COMBINE, ByNode, resolve
from .topology import ClusterNode

if TYPE_CHECKING:
    from ..connection import Connection

# Read-only single-key commands (GET, HGET, ...): what the fast path of reads from replicas sends to a replica.
_READ_SINGLE_KEY = frozenset(name for name in SINGLE_KEY if COMMANDS[name.decode()].readonly)  # the same objects

_MASK = SLOTS - 1  # a slot is CRC16(key) mod 16384: the low 14 bits


class ClusterRouting:
    """``RedisCluster``'s routing (a mixin: it shares the client's state): see the module docstring."""

    nodes_manager: NodesManager
    _slot_connections: list[Connection | None]  # nodes_manager.slot_connections
    _ready: bool

    if TYPE_CHECKING:  # provided by RedisCluster and ClusterHelpers

        async def initialize(self) -> Any: ...
        def get_primaries(self) -> list[ClusterNode]: ...

    def _send(self, args: tuple[Any, ...], parse: Any) -> CommandFuture[Any]:
        """Send ``args`` to the node serving its keys (the hot path for single-key commands)."""
        if args[0] in SINGLE_KEY:
            key = args[1]
            if key.__class__ is not bytes:
                key = key.encode() if key.__class__ is str else key_bytes(key)
            # each slot's node connection (slot_table.py), None where the slot has no node or its node no
            # connection yet (then _route makes it). slot_of_bytes inlined for a key without a hash tag (a
            # call is a frame per command); 123 is ord("{"): ``b"{" in key`` first tries b"{" as an integer
            # and raises inside, 8 times dearer
            conn = self._slot_connections[crc_hqx(key, 0) & _MASK if 123 not in key else slot_of_bytes(key)]
            if conn is not None:
                # The node connection's execute (Connection._execute_keeping) inlined, statement for
                # statement: one frame less per command, the most of what the router cost beyond the
                # standalone client (tests/unit/test_cluster_routing.py holds the two equal)
                loop = conn._loop
                if loop is None or (
                    loop._thread_id != _get_ident()  # type: ignore[attr-defined]
                    if conn._thread_check
                    else conn._bound_thread != _get_ident() or not conn._is_running()
                ):  # first command, outside any loop, a new loop
                    return conn.execute(args, parse)
                proto = conn._proto
                if (
                    proto is None
                    or conn._queue
                    or len(proto.pending) >= proto.max_inflight
                    or proto.write_paused
                ):
                    return conn.execute(args, parse)  # no socket or no room: it waits, or fails
                try:
                    data = pack(args)
                except TypeError:  # arguments hiredis cannot pack: encoded in Python, or this caller's DataError
                    return conn.execute(args, parse)
                fut: CommandFuture[Any] = CommandFuture(loop=loop)
                fut.parse = parse
                fut.name = args[0]
                out = proto.out
                out += data  # kept bytes: counted from the out-buffer, then per write (RedisProtocol.kept_now)
                if len(out) > proto.out_cap and not conn._keep_room(proto, data, args, fut):
                    return fut
                if not proto.flush_scheduled:
                    conn._schedule_flush(proto)  # sets this iteration's deadline
                fut.deadline = conn._tick_deadline
                fut.payload = data  # the bytes object itself, kept by reference until the reply
                proto.pending.append(fut)
                if parse is raw_reply:
                    proto.raw_pending += 1
                return fut
        return self._route(args, parse)

    def _send_reading(self, args: tuple[Any, ...], parse: Any) -> CommandFuture[Any]:
        """``_send`` when reads go to replicas: a single-key read to a node of its slot's shard."""
        if args[0] in _READ_SINGLE_KEY:
            key = args[1]
            if key.__class__ is not bytes:
                key = key.encode() if key.__class__ is str else key_bytes(key)
            manager = self.nodes_manager
            node = manager.slots[crc_hqx(key, 0) & _MASK if 123 not in key else slot_of_bytes(key)]
            if node is not None:  # the node of the slot, not its connection: the read may go to a replica
                return manager.connection(manager.reader(node)).execute(args, parse)
        return ClusterRouting._send(self, args, parse)

    def _route(self, args: tuple[Any, ...], parse: Any) -> CommandFuture[Any]:
        if not self._ready:
            return self._send_when_ready(args, parse)  # type: ignore[return-value]
        spec = lookup(args)
        if spec is None:
            return self._to_node(self._default(), args, parse)
        route = spec.route
        if route == "keys" or route == "multi_shard":
            keys = spec.keys_of(args)
            if not keys:
                return self._to_node(self._random_primary(), args, parse)
            slot = key_slot(keys[0])
            for key in keys[1:]:
                if key_slot(key) != slot:
                    if route == "multi_shard" and spec.name in SPLITTABLE:
                        return self._split(spec.name, args, parse)
                    raise cross_slot_error(spec.name)
            return self._to_slot(slot, args, parse, spec.readonly)
        if route == "slot":
            try:
                slot = int(args[2])
            except (IndexError, ValueError) as exc:
                raise DataError(f"{spec.name} needs a slot number as its first argument") from exc
            return self._to_slot(slot, args, parse)
        if route == "all_primaries" or route == "all_nodes":
            combine = TO_ALL_PRIMARIES.get(spec.name)
            if combine is not None:
                return self._to_primaries(args, parse, combine)
            if spec.name == "RANDOMKEY":
                return self._to_node(self._random_primary(), args, parse)
            return self._to_node(self._default(), args, parse)
        if route == "random":
            return self._to_node(self._random_primary(), args, parse)
        if route == "needs_target":
            raise missing_key_error(args[1:])
        return self._to_node(self._default(), args, parse)

    async def _send_when_ready(self, args: tuple[Any, ...], parse: Any) -> Any:
        await self.initialize()
        return await sender(self)(args, parse)

    # -- target_nodes= ----------------------------------------------------------------------------
    def _send_to_targets(self, targets: Any, args: tuple[Any, ...], parse: Any) -> Any:
        """``args`` to every node ``targets`` names; the replies combined as redis-py combines them."""
        if not self._ready:
            return self._send_to_targets_when_ready(targets, args, parse)
        nodes = []
        for given in resolve(self, targets):  # type: ignore[arg-type] # self is a RedisCluster
            node = self.nodes_manager.topology.nodes.get(given.name)
            if node is None:
                raise DataError(f"target_nodes: {given.name} is not a node of the cluster")
            nodes.append(node)
        spec = lookup(args)
        name = spec.name if spec is not None else str(args[0])
        if len(nodes) == 1 and name not in COMBINE and name != "SCAN":
            return self._to_node(nodes[0], args, parse)
        parts = [self._to_node(node, args, parse) for node in nodes]
        return join(asyncio.get_running_loop(), args[0], parts, ByNode([node.name for node in nodes], name))

    async def _send_to_targets_when_ready(self, targets: Any, args: tuple[Any, ...], parse: Any) -> Any:
        await self.initialize()
        return await self._send_to_targets(targets, args, parse)

    def _to_slot(self, slot: int, args: tuple[Any, ...], parse: Any, read: bool = False) -> CommandFuture[Any]:
        manager = self.nodes_manager
        node = manager.slots[slot]
        if node is None:
            manager.schedule_refresh()
            raise ClusterDownError(f"CLUSTERDOWN slot {slot} is not served by any known node; refreshing the topology")
        if read and manager.reads is not None:
            node = manager.reader(node)
        return manager.connection(node).execute(args, parse)

    def _to_node(self, node: ClusterNode | None, args: tuple[Any, ...], parse: Any) -> CommandFuture[Any]:
        if node is None:
            self.nodes_manager.schedule_refresh()
            raise ClusterDownError("CLUSTERDOWN no primary is known; refreshing the topology")
        return self.nodes_manager.connection(node).execute(args, parse)

    def _default(self) -> ClusterNode | None:
        return self.nodes_manager.default_node

    def _random_primary(self) -> ClusterNode | None:
        primaries = self.get_primaries()
        return random.choice(primaries) if primaries else None

    def _to_primaries(self, args: tuple[Any, ...], parse: Any, combine: Any) -> CommandFuture[Any]:
        primaries = self.get_primaries()
        if not primaries:
            raise ClusterDownError("CLUSTERDOWN no primary is known")
        parts = [self._to_node(node, args, parse) for node in primaries]
        return join(asyncio.get_running_loop(), args[0], parts, combine)

    def _split(self, name: str, args: tuple[Any, ...], parse: Any) -> CommandFuture[Any]:
        """A multi-key command over several slots: one command per slot, replies put back together."""
        width, how = SPLITTABLE[name]
        if (len(args) - 1) % width:
            raise DataError(f"{name} takes {'key/value pairs' if width == 2 else 'keys'}")
        groups = split_by_slot(args, width)
        read = name in ("MGET", "EXISTS")
        parts = [self._to_slot(slot, part_args(args, width, indexes), parse, read) for slot, indexes in groups.items()]
        combine = Ordered(list(groups.values()), (len(args) - 1) // width) if how == "ordered" else COMBINERS[how]
        return join(asyncio.get_running_loop(), args[0], parts, combine)


__all__ = ["ClusterRouting"]
