"""How the client's view of the cluster changes: topology refreshes, and nodes that left retired.

``TopologyRefresh`` is a part of ``NodesManager`` (a mixin: it shares the
manager's state).

A refresh reads ``CLUSTER SHARDS`` (``CLUSTER SLOTS`` where the server lacks
it) from the first node that answers, connected nodes first and nodes whose
socket is down last. What schedules one, each rate-limited as above: a MOVED,
a node's lost socket or failed connect; then, while a primary stays
unreachable (a failover under way), one per ``refresh_interval`` until the
promotion shows, or, when it has no replica to be promoted (or no node
answers), at a gap that doubles up to ``refresh_backoff_cap``; and after any change seen (a refresh that found one, a
MOVED), one per ``settle_delay`` for ``settle_window`` seconds, since a
reshard moves slots no command of ours touches. A node that left the
topology has its waiting (never written) commands sent at once to the node
now serving their slot, and its connection closed once idle (at most
``retire_delay`` seconds later).
"""

from __future__ import annotations

import asyncio
import logging
import operator
import random
from typing import TYPE_CHECKING, Any

from ..commands.table import lookup
from ..connection.protocol import Packed
from ..exceptions import ClusterError, ConnectionError, ResponseError, TimeoutError
from ..future import CommandFuture
from .node_connection import NodeConnection
from .pools import NodePools
from .slots import key_slot
from .topology import PRIMARY, ClusterNode, Shard, Topology, parse_shards, parse_slots

if TYPE_CHECKING:
    from ..connection import Connection

logger = logging.getLogger("leanredis")


class TopologyRefresh:
    """The refreshes of ``NodesManager`` (a mixin: it shares the manager's state)."""

    startup: list[ClusterNode]
    refresh_interval: float
    refresh_jitter: float
    topology_timeout: float
    retire_delay: float
    trouble_window: float
    settle_delay: float
    settle_window: float
    refresh_backoff_cap: float
    _refresh_gap: float
    topology: Topology
    slots: list[ClusterNode | None]
    default_node: ClusterNode | None
    cache: Any
    _refresh_pending: bool
    _refresh_handle: asyncio.TimerHandle | None
    _refresh_task: asyncio.Task[None] | None
    _refresh_waiters: list[asyncio.Future[None]]
    _last_refresh: float
    _last_trouble: float
    _last_change: float
    _tasks: set[asyncio.Task[Any]]
    _closing: bool
    _retired: list[Connection]
    pools: NodePools
    stats_refreshes: int
    stats_refresh_failures: int

    def schedule_refresh(self, after: float = 0.0) -> None:
        """A full refresh soon (not before ``after`` s): at most one in flight, at most one per
        ``refresh_interval`` (more while refreshes back off, see ``_background_refresh``), jittered."""
        if self._closing:
            return
        handle = self._refresh_handle
        if self._refresh_pending and (after or handle is None):
            return  # one is running, or due already
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # outside a loop: the next command's routing will ask again
        delay = max(after, self._last_refresh + self._refresh_gap - loop.time())
        if handle is not None:
            if handle.when() <= loop.time() + delay + self.refresh_jitter:
                return  # the one planned comes as soon as this one would
            handle.cancel()  # an error or a MOVED wants it sooner than the follow-up (settle_delay) planned
        self._refresh_pending = True
        # at least 1 ms: uvloop makes a call_later nearer than 0.5 ms a plain Handle, without the when() read above
        delay = max(delay + random.uniform(0, self.refresh_jitter), 0.001)
        self._refresh_handle = loop.call_later(delay, self._start_refresh, loop)

    def _start_refresh(self, loop: asyncio.AbstractEventLoop) -> None:
        self._refresh_handle = None
        task = self._refresh_task = loop.create_task(self._background_refresh())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _background_refresh(self) -> None:
        loop = asyncio.get_running_loop()
        changed = failed = False
        try:
            changed = await self.refresh()
            if changed:
                self._last_change = loop.time()
        except Exception as exc:  # logged and counted: the next error or redirect schedules another
            failed = True
            self.stats_refresh_failures += 1
            logger.warning("cluster topology refresh failed: %s", exc)
        finally:
            self._refresh_pending = False
            self._refresh_task = None
            self._wake_refresh_waiters()
        unreachable = self._unreachable_primaries()
        if not changed and (failed or any(not self.topology.replicas_of(node) for node in unreachable)):
            # no node answered, or a primary is down with no replica to take its place: refreshing at
            # refresh_interval while traffic hits it learns nothing; back off (a change seen, a MOVED or
            # every primary reachable again bring the interval back)
            self._refresh_gap = min(self._refresh_gap * 2, max(self.refresh_backoff_cap, self.refresh_interval))
        else:
            self._refresh_gap = self.refresh_interval
        if unreachable:
            # a primary's socket is down while commands want it (killed, or its host gone): the next
            # refresh, rate-limited as always, until a replica's promotion shows or the node answers again;
            # the node's own connect failures come too seldom for that once its backoff has grown
            self.schedule_refresh()
        elif loop.time() - self._last_change < self.settle_window:
            # the topology is moving (a reshard, a failover): look again for a while; the last slots of a
            # reshard may move with no command of ours there to be told MOVED, and a node left with no slot
            # (then forgotten) would keep its socket until some other event
            self.schedule_refresh(self.settle_delay)

    async def refreshed(self, limit: float) -> None:
        """Until the refresh due or running now has ended (one is scheduled if none is), at most ``limit`` s."""
        self.schedule_refresh()
        if not self._refresh_pending:
            return  # closing, or no loop to refresh on
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._refresh_waiters.append(waiter)
        try:
            await asyncio.wait((waiter,), timeout=limit)
        finally:
            if not waiter.done():
                waiter.cancel()
                self._refresh_waiters.remove(waiter)

    @property
    def last_change(self) -> float:
        """Loop time of the last topology change seen (a refresh that found one, or a MOVED)."""
        return self._last_change

    async def changed_or_reachable(self, since: float, limit: float) -> None:
        """Refreshes until the topology changed after ``since`` or no primary in use is unreachable, at most
        ``limit`` s: a lost primary's commands wait for its failover rather than for its dead socket."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + limit
        while not self._closing and self._last_change <= since and self._unreachable_primaries():
            left = deadline - loop.time()
            if left <= 0:
                return
            await self.refreshed(left)

    def _wake_refresh_waiters(self) -> None:
        waiters, self._refresh_waiters = self._refresh_waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    def _unreachable_primaries(self) -> list[ClusterNode]:
        """The primaries whose socket is down while commands want them (lately troubled only)."""
        if asyncio.get_running_loop().time() - self._last_trouble > self.trouble_window:
            return []  # nothing was troubled lately: no refresh for a primary nobody uses
        return [
            node
            for node in self.topology.primaries()
            if isinstance(node.connection, NodeConnection) and node.connection.unreachable
        ]

    async def refresh(self) -> bool:
        """Read the topology from the first node that answers (known nodes, then startup nodes).

        True when it differs from the one the client had (slots, nodes or roles)."""
        self._last_refresh = asyncio.get_running_loop().time()
        known = list(self.topology.nodes.values())
        random.shuffle(known)
        # connected nodes first, a node whose socket is down last (a dead primary would hold the refresh for
        # its connect attempts and backoff); primaries before replicas
        known.sort(key=lambda node: (_reach(node), node.server_type != PRIMARY))
        candidates = known + [node for node in self.startup if node.name not in self.topology.nodes]
        errors = []
        for node in candidates:
            try:
                shards = await self._read_shards(node)
            except (ConnectionError, TimeoutError, OSError, ResponseError) as exc:
                errors.append(f"{node.name}: {exc}")
                continue
            if shards:
                self.stats_refreshes += 1
                return self.apply(shards)
            errors.append(f"{node.name}: no slot is served")
        raise ClusterError(f"no node answered with the cluster's topology ({'; '.join(errors) or 'no node known'})")

    async def _read_shards(self, node: ClusterNode) -> list[Shard]:
        conn = self.connection(node)
        timeout = self.topology_timeout
        try:
            reply = await conn.execute_with_timeout((b"CLUSTER", b"SHARDS"), None, timeout)
            return parse_shards(reply, node.host)
        except ResponseError as exc:
            if "unknown subcommand" not in str(exc).lower() and "unknown command" not in str(exc).lower():
                raise
        reply = await conn.execute_with_timeout((b"CLUSTER", b"SLOTS"), None, timeout)
        return parse_slots(reply, node.host)

    def apply(self, shards: list[Shard]) -> bool:
        """Swap in the topology of ``shards``; nodes that left have their connections retired.

        True when something changed: a slot's node, the set of nodes or a role."""
        known = dict(self.topology.nodes)
        roles = {name: node.server_type for name, node in known.items()}
        for node in self.startup:
            known.setdefault(node.name, node)
        new = Topology.build(shards, known)  # sets the roles of the known nodes it keeps
        changed = any(map(operator.is_not, new.slots, self.slots)) or roles != {
            name: node.server_type for name, node in new.nodes.items()
        }
        if changed and self.cache is not None:
            # a node that lost a slot or changed role: what was read through it may change unannounced
            moved = {old.name for old, now in zip(self.slots, new.slots) if old is not None and old is not now}
            moved.update(
                name for name, role in roles.items() if name in new.nodes and new.nodes[name].server_type != role
            )
            for name in moved:
                self.cache.node_lost(name)
        leaving = [node for name, node in self.topology.nodes.items() if name not in new.nodes]
        leaving += [
            node
            for node in self.startup
            if node.name not in new.nodes and node.connection is not None and node not in self.topology.nodes.values()
        ]
        self.topology = new
        self.point_slots(new.slots)
        if self.default_node is None or self.default_node.name not in new.nodes:
            self.default_node = self._pick_default()
        for node in leaving:  # after the swap: their waiting commands are routed by the new table
            self._retire(node)
        return changed

    def _pick_default(self) -> ClusterNode | None:
        for startup in self.startup:
            node = self.topology.nodes.get(startup.name)
            if node is not None and node.server_type == PRIMARY:
                return node
        primaries = self.topology.primaries()
        return primaries[0] if primaries else None

    def _retire(self, node: ClusterNode) -> None:
        """A node left the topology: its waiting commands rerouted now, its connection closed once its
        replies are in (or ``retire_delay`` s)."""
        self.pools.retire(node)
        conn = node.connection
        if conn is None:
            return
        self.link_connection(node, None)
        if isinstance(conn, NodeConnection):
            for fut in conn.take_waiting():
                self._reroute(node, fut, conn)
        self._retired.append(conn)
        task = asyncio.get_running_loop().create_task(self._close_when_idle(conn))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _reroute(self, left: ClusterNode, fut: CommandFuture[Any], source: Connection) -> None:
        """A command that waited on a node which left, never written: to its slot's node now.

        Bytes kept from a redirect go to a primary, which answers MOVED if it is
        the wrong one (as in ``_resend_later``); a keyless command was meant for
        that node alone: it fails, once, as never sent.
        """
        payload = fut.payload
        fut.payload = None
        node = None
        if payload.__class__ is Packed:
            primaries = self.topology.primaries()
            node = random.choice(primaries) if primaries else None
        elif payload is not None:
            spec = lookup(payload)
            keys = spec.keys_of(payload) if spec is not None else ()
            if keys:
                node = self.slots[key_slot(keys[0])]
        if node is None:
            error = ConnectionError(
                f"{_name(fut)} waited for {left.name}, which left the cluster before it was sent; retry it"
            )
            error.possibly_executed = False
            fut.set_exception(error)
            return
        self._send_on(node, fut, payload, source)

    async def _close_when_idle(self, conn: Connection) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.retire_delay
        try:
            while (conn.inflight or conn.queued) and loop.time() < deadline:
                await asyncio.sleep(0.05)
            await conn.aclose()
        finally:
            if conn in self._retired:
                self._retired.remove(conn)

    if TYPE_CHECKING:  # provided by NodesManager

        def connection(self, node: ClusterNode) -> Connection: ...
        def point_slots(self, slots: list[ClusterNode | None]) -> None: ...
        def link_connection(self, node: ClusterNode, conn: Connection | None) -> None: ...
        def _send_on(self, target: ClusterNode, fut: CommandFuture[Any], payload: Any, source: Any) -> None: ...


def _reach(node: ClusterNode) -> int:
    """0: connected, 1: not connected yet, 2: its socket is down (lost, or connects fail)."""
    conn = node.connection
    if conn is None:
        return 1
    return 0 if conn.is_connected else 2


def _name(fut: CommandFuture[Any]) -> str:
    name = fut.name
    if isinstance(name, (bytes, bytearray)):
        return bytes(name[:32]).decode("utf-8", "replace")
    return str(name)[:32]
