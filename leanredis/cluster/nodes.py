"""The client's view of the cluster: its nodes, their connections, the slot table, and how it changes.

``NodesManager`` owns one multiplexed ``Connection(keeps_commands=True)``
per node, made at the node's first command. Each connection hands error
replies to ``redirected``, which takes the caller's own future over:

- ``MOVED``: re-sent at once to the named node, that one slot repointed,
  and a full refresh scheduled (lazily, jittered, at most one in flight and
  at most one per ``refresh_interval``: never one per error);
- ``ASK``: ``ASKING`` and the command back to back on the target's
  connection (one write, in order); the slot table is left alone;
- ``TRYAGAIN``, ``CLUSTERDOWN``, ``LOADING``: re-sent to the same node after
  a short backoff, at most ``retry_attempts`` times, then the caller gets
  the error.

How many times a command was redirected is kept in ``_attempts``, a dict
keyed by the caller's future, entered at its first redirect and left when
the future is done (a done callback): only redirected commands pay for it.
(The kept command cannot carry the count: it is the encoded ``bytes`` object
itself, ``Packed``, which the connection recognises by ``__class__ is Packed``.)

How it changes (refreshes of the topology, nodes that left) is ``TopologyRefresh``
(``refresh.py``), a part of ``NodesManager``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import random
from typing import Any

from ..commands.table import lookup
from ..connection import Connection
from ..exceptions import (
    AskError,
    BusyLoadingError,
    ClusterDownError,
    ClusterError,
    ConnectionError,
    MovedError,
    RedisError,
    TryAgainError,
)
from ..future import CUSTOM_DEADLINE, CommandFuture
from ..options import ConnectionOptions
from .node_connection import NodeConnection
from .pools import NodePools
from .refresh import TopologyRefresh, _name
from .replicas import ReadBalancer
from .slot_table import SlotTable
from .slots import key_slot
from .topology import PRIMARY, REPLICA, ClusterNode, Topology, node_name

_RETRIED = (TryAgainError, ClusterDownError, BusyLoadingError)


def _retrieve(fut: asyncio.Future[Any]) -> None:
    """Done callback of ASKING: its reply (OK, or an error) is nobody's, but must be read."""
    if not fut.cancelled():
        fut.exception()


class NodesManager(TopologyRefresh, SlotTable):
    """Nodes, slot table, connections, redirects and refreshes of one ``RedisCluster``."""

    def __init__(
        self,
        startup: list[tuple[str, int]],
        options: ConnectionOptions,
        max_redirects: int = 16,
        retry_attempts: int = 3,
        refresh_interval: float = 0.5,
        refresh_jitter: float = 0.1,
        topology_timeout: float = 5.0,
        retire_delay: float = 2.0,
        trouble_window: float = 10.0,
        settle_delay: float = 1.0,
        settle_window: float = 10.0,
        refresh_backoff_cap: float = 5.0,
    ) -> None:
        self.startup = [ClusterNode(host, port) for host, port in startup]
        self.options = options
        self.max_redirects = max_redirects
        self.retry_attempts = retry_attempts
        self.refresh_interval = refresh_interval
        self.refresh_jitter = refresh_jitter
        self.topology_timeout = topology_timeout
        self.retire_delay = retire_delay
        self.trouble_window = trouble_window  # refreshes go on this long after a node's last connection trouble
        # after a change was seen (a refresh that found one, a MOVED), a refresh every settle_delay s for
        # settle_window s: a reshard goes on between the slots we happen to touch
        self.settle_delay = settle_delay
        self.settle_window = settle_window
        # while a primary that no replica can replace stays unreachable, the gap between refreshes doubles
        # (from refresh_interval) up to this: nothing will change until an operator acts
        self.refresh_backoff_cap = refresh_backoff_cap
        self._refresh_gap = refresh_interval
        self.topology = Topology([None] * 16384, {})
        self._init_slot_table(self.topology.slots)  # slot_table.py: the router reads slot_connections
        self.default_node: ClusterNode | None = None
        self.reads: ReadBalancer | None = None  # reads from replicas (RedisCluster sets it)
        self.cache: Any = None  # the client-side cache (a ClusterCache), told of nodes' sockets and slot moves
        self._attempts: dict[CommandFuture[Any], list[int]] = {}  # [redirects, retries] of redirected commands
        self._refresh_pending = False
        self._refresh_handle: asyncio.TimerHandle | None = None
        self._refresh_task: asyncio.Task[None] | None = None
        self._refresh_waiters: list[asyncio.Future[None]] = []  # callers of refreshed(): woken when one ends
        self._last_refresh = float("-inf")
        self._last_trouble = float("-inf")
        self._last_change = float("-inf")
        self._tasks: set[asyncio.Task[Any]] = set()  # retiring connections, refreshes: awaited by aclose
        self._closing = False
        self._retired: list[Connection] = []
        self.pools = NodePools(options)  # dedicated connections per node: blocking commands, WATCH
        self.stats_moved = 0
        self.stats_ask = 0
        self.stats_retries = 0
        self.stats_refreshes = 0
        self.stats_refresh_failures = 0
        self.stats_too_many_redirects = 0

    # -- nodes and connections -----------------------------------------------------
    def connection(self, node: ClusterNode) -> Connection:
        """The node's connection, made now if it has none."""
        conn = node.connection
        if conn is None:
            options = dataclasses.replace(self.options, host=node.host, port=node.port)
            conn = NodeConnection(options, keeps_commands=True)
            self.link_connection(node, conn)
            conn.on_redirect = functools.partial(self.redirected, node)
            conn.on_disconnect = functools.partial(self._node_trouble, node)
            conn.on_connect_failure = functools.partial(self._node_unreachable, node)
            if self.reads is not None:
                conn.reroute = functools.partial(self._reroute_read, node)
                conn.on_lost_command = functools.partial(self._reread_lost, node)
            if self.cache is not None:
                self.cache.attach(node, conn)
        return conn

    def _reread_lost(self, node: ClusterNode, fut: CommandFuture[Any], error: RedisError, packed: Any) -> bool:
        """A replica's socket died with reads in flight: each goes again to the primary of its shard
        (a read is safe to run twice; a MOVED from there is followed as usual). Anything else, or a
        node that is no replica now, keeps its ``ConnectionError``."""
        if self._closing or node.server_type != REPLICA:
            return False
        spec = lookup((_command_name(packed),))
        if spec is None or not spec.readonly:
            return False
        primary = next((members[0] for members in self.topology.shards.values() if node in members[1:]), None)
        if primary is None or primary.server_type != PRIMARY:
            return False
        attempts = self._count(fut)
        attempts[1] += 1
        if attempts[1] > self.retry_attempts:
            return False
        self._send_on(primary, fut, packed, node)
        return True

    def reader(self, primary: ClusterNode) -> ClusterNode:
        """The node of ``primary``'s shard a read goes to (reads from replicas on)."""
        reads = self.reads
        return primary if reads is None else reads.pick(primary, self.topology.shards)

    def _reroute_read(self, node: ClusterNode, fut: CommandFuture[Any], args: Any) -> bool:
        """A read waited for a replica's socket that could not be opened: send it to the primary."""
        if self._closing or node.server_type != REPLICA or args.__class__ is not tuple:
            return False
        spec = lookup(args)
        if spec is None or not spec.readonly:
            return False
        keys = spec.keys_of(args)
        # the primary serving the read's slot now (the replica may have left the topology meanwhile)
        primary = self.slots[key_slot(keys[0])] if keys else None
        if primary is None or primary is node:
            return False
        self._send_on(primary, fut, args, node)  # encoded like any queued tuple
        return True

    def node_at(self, host: str, port: int) -> ClusterNode:
        """The known node at this address, or a new one (a MOVED may name a node not refreshed yet)."""
        name = node_name(host, port)
        node = self.topology.nodes.get(name)
        if node is None:
            node = ClusterNode(host, port, PRIMARY)
            self.topology.nodes[name] = node
        return node

    def connections(self) -> list[Connection]:
        """Every connection the client holds: of the nodes, and of nodes being retired."""
        conns = [node.connection for node in self.topology.nodes.values() if node.connection is not None]
        conns += [n.connection for n in self.startup if n.connection is not None and n.connection not in conns]
        return conns + [conn for conn in self._retired if conn not in conns]

    def _node_trouble(self, node: ClusterNode) -> None:
        """A node's socket was lost, or a connect to it failed: the topology may have changed."""
        if not self._closing and node.connection is not None:  # not a retired node's connection closing
            self._last_trouble = asyncio.get_running_loop().time()
            self.schedule_refresh()

    def _node_unreachable(self, node: ClusterNode) -> None:
        """A connect to a node failed: a replica gets no reads for a while (they go to its primary)."""
        if self.reads is not None and node.server_type == REPLICA and not self._closing:
            self.reads.mark_down(node)
        self._node_trouble(node)

    # -- redirects -------------------------------------------------------------------
    def redirected(self, node: ClusterNode, fut: CommandFuture[Any], error: RedisError, packed: Any) -> bool:
        """``on_redirect`` of every node connection: True when the caller's future was taken over."""
        cls = error.__class__
        if cls is MovedError or cls is AskError:
            attempts = self._count(fut)
            attempts[0] += 1
            if attempts[0] > self.max_redirects:
                self.stats_too_many_redirects += 1
                fut.set_exception(
                    ClusterError(
                        f"{_name(fut)} was redirected {self.max_redirects} times (max_redirects), last by "
                        f"{node.name}: {error}; the cluster's slots are moving faster than they settle"
                    )
                )
                return True
            assert isinstance(error, AskError)
            self._send_on(self.follow(node, error), fut, packed, node)
            return True
        if isinstance(error, _RETRIED):
            attempts = self._count(fut)
            attempts[1] += 1
            if attempts[1] > self.retry_attempts:
                return False  # the caller gets the server's error
            self.stats_retries += 1
            if cls is not TryAgainError:
                self.schedule_refresh()
            delay = min(0.05 * 2 ** (attempts[1] - 1), 1.0) * random.uniform(0.5, 1.0)
            self.connection(node)._loop.call_later(delay, self._resend_later, node, fut, packed)
            return True
        return False

    def follow(self, node: ClusterNode, error: AskError) -> ClusterNode:
        """The node a command ``node`` answered ``MOVED`` or ``ASK`` goes to now, to be sent there at once in
        this loop iteration: for MOVED its slot repointed there and a refresh scheduled; for ASK, ``ASKING``
        encoded ahead of it on that node's connection (one write, in order)."""
        target = self.node_at(error.host, error.port)
        conn = self.connection(target)
        if error.__class__ is MovedError:
            self.stats_moved += 1
            self._last_change = conn._loop.time()
            self._refresh_gap = self.refresh_interval  # the topology moves: back to the quick pace
            self.point_slot(error.slot_id, target)
            if self.cache is not None and target is not node:
                self.cache.node_lost(node.name)  # its slot's writes now go where this client read nothing
            self.schedule_refresh()
        else:
            self.stats_ask += 1
            conn.execute((b"ASKING",), None).add_done_callback(_retrieve)
        return target

    def _count(self, fut: CommandFuture[Any]) -> list[int]:
        attempts = self._attempts.get(fut)
        if attempts is None:
            attempts = self._attempts[fut] = [0, 0]
            fut.add_done_callback(self._forget)
        return attempts

    def _forget(self, fut: CommandFuture[Any]) -> None:
        self._attempts.pop(fut, None)  # type: ignore[call-overload]

    def _resend_later(self, node: ClusterNode, fut: CommandFuture[Any], packed: Any) -> None:
        source = node
        if fut.done():
            return  # the caller gave up while we waited: the bytes go with this call
        if self._closing:
            fut.set_exception(ConnectionError("the cluster client was closed while the command waited to retry"))
            return
        if node.name not in self.topology.nodes:
            # the node left the topology: the same bytes to whoever serves now answer MOVED if need be
            primaries = self.topology.primaries()
            if not primaries:
                fut.set_exception(ClusterDownError("CLUSTERDOWN no primary known to retry the command on"))
                return
            node = random.choice(primaries)
        self._send_on(node, fut, packed, source)

    def _send_on(self, target: ClusterNode, fut: CommandFuture[Any], payload: Any, source: Any) -> None:
        """``payload`` to ``target``'s connection behind the caller's ``fut``, the caller's deadline along.

        ``source`` (the node, or the connection, the command was on) times a call's own timeout
        in its heap until then; a retired connection may still hand over a redirect, so those
        are looked in too. A default deadline travels on the future (``Connection.resend``).
        """
        conn = self.connection(target)
        deadline = None
        if fut.deadline == CUSTOM_DEADLINE:
            first = source if isinstance(source, Connection) else getattr(source, "connection", None)
            for old in (first, *self._retired):
                if old is not None and old is not conn:
                    deadline = old.take_deadline(fut)
                    if deadline is not None:
                        break
        conn.resend(fut, payload, deadline)

    async def aclose(self) -> None:
        """Close every connection; pending commands fail once with ConnectionError."""
        self._closing = True
        try:
            if self._refresh_handle is not None:
                self._refresh_handle.cancel()
                self._refresh_handle = None
            conns = self.connections()  # retired ones included: their tasks are cancelled below
            for task in list(self._tasks):
                task.cancel()
            if self._tasks:
                await asyncio.gather(*self._tasks, return_exceptions=True)
            for conn in conns:
                await conn.aclose()
            await self.pools.aclose()
        finally:
            self._refresh_pending = False
            self._wake_refresh_waiters()
            self._closing = False


__all__ = ["NodeConnection", "NodesManager"]


def _command_name(data: bytes) -> bytes:
    """The command name of an encoded command (``*N\r\n$L\r\nNAME\r\n...``); empty if it does not parse."""
    start = data.find(b"\r\n$")
    if start < 0:
        return b""
    start = data.find(b"\r\n", start + 3)
    if start < 0:
        return b""
    end = data.find(b"\r\n", start + 2)
    return data[start + 2 : end] if end > 0 else b""
