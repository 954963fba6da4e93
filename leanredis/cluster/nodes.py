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
import dataclasses
import functools
import logging
import operator
import random
from collections import deque
from collections.abc import Callable
from typing import Any

from ..commands.table import lookup
from ..connection import Connection
from ..connection.protocol import Packed
from ..exceptions import (
    AskError,
    BusyLoadingError,
    ClusterDownError,
    ClusterError,
    ConnectionError,
    MovedError,
    RedisError,
    ResponseError,
    TimeoutError,
    TryAgainError,
)
from ..future import CUSTOM_DEADLINE, CommandFuture
from ..options import ConnectionOptions
from .pools import NodePools
from .replicas import ReadBalancer
from .slots import key_slot
from .topology import PRIMARY, REPLICA, ClusterNode, Shard, Topology, node_name, parse_shards, parse_slots

logger = logging.getLogger("leanredis")

_RETRIED = (TryAgainError, ClusterDownError, BusyLoadingError)


def _retrieve(fut: asyncio.Future[Any]) -> None:
    """Done callback of ASKING: its reply (OK, or an error) is nobody's, but must be read."""
    if not fut.cancelled():
        fut.exception()


class NodeConnection(Connection):
    """A node's connection: also tells the manager when a connect attempt failed its waiting commands.

    ``reroute(future, args)`` (a replica's connection, reads from replicas on): offered every
    command that waited for a socket that could not be opened; True when it was sent elsewhere.
    """

    on_connect_failure: Callable[[], None] | None = None
    reroute: Callable[[CommandFuture[Any], Any], bool] | None = None

    def _fail_queue(self, error: RedisError) -> None:
        reroute = self.reroute
        if reroute is not None and self._queue:
            waiting, self._queue = self._queue, deque()
            for fut in waiting:
                if fut.done() or not reroute(fut, fut.payload):
                    self._queue.append(fut)
        super()._fail_queue(error)
        if self.on_connect_failure is not None and not self._closed:
            self.on_connect_failure()

    def take_waiting(self) -> list[CommandFuture[Any]]:
        """The commands waiting for a socket or for room (never written), taken out; each keeps its ``payload``."""
        queue = self._queue
        self._queue = deque()
        return [fut for fut in queue if not fut.done()]

    @property
    def unreachable(self) -> bool:
        """No socket, and commands wait for one or the last connect attempt failed."""
        return self._proto is None and (bool(self._queue) or self.last_connect_error is not None)


class NodesManager:
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
        self.slots = self.topology.slots  # the hot path reads this list
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
            conn = node.connection = NodeConnection(options, keeps_commands=True)
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
        primary = next(
            (members[0] for members in self.topology.shards.values() if node in members[1:]), None
        )
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
            target = self.node_at(error.host, error.port)
            conn = self.connection(target)
            if cls is MovedError:
                self.stats_moved += 1
                self._last_change = conn._loop.time()
                self._refresh_gap = self.refresh_interval  # the topology moves: back to the quick pace
                self.slots[error.slot_id] = target
                if self.cache is not None and target is not node:
                    self.cache.node_lost(node.name)  # its slot's writes now go where this client read nothing
                self.schedule_refresh()
            else:
                self.stats_ask += 1
                # ASKING and the command are encoded in this same loop iteration: one write, in order
                conn.execute((b"ASKING",), None).add_done_callback(_retrieve)
            self._send_on(target, fut, packed, node)
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

    # -- refreshing the topology -------------------------------------------------------
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
        self.slots = new.slots
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
        node.connection = None
        if conn is None:
            return
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

