"""Pub/sub on a cluster: classic channels on one node, shard channels on the node serving their slot.

``RedisCluster.pubsub()`` gives a ``ClusterPubSub`` with redis-py's names:

- ``subscribe``/``psubscribe``/``get_message``/``listen``: one connection
  to one node (the ``node=`` given, else, as redis-py chooses, a node serving
  the slot of the first subscribe's first channel, a replica when reads go to
  replicas; the default node if the first command names no channel): the
  cluster broadcasts classic ``PUBLISH`` to every node. On a reconnect the
  node is looked up again (a node that left is replaced by the default node).
  A node given that is not in the cluster raises ``RedisClusterException``,
  as in redis-py.
- ``ssubscribe``/``sunsubscribe``/``get_sharded_message``: one standalone
  ``PubSub`` per node serving a subscribed shard channel's slot, each
  resubscribing on its own reconnect. When a slot moves, the server sends
  an unrequested ``sunsubscribe`` (or a ``MOVED`` error answers a
  resubscription); and every topology change the client learns is
  noticed at the next read: each shard channel is then subscribed again
  on its slot's current node, with its handler, and a node's pub/sub that
  holds no channel any more is closed.

Each socket holds a place in its node's pool (``leanredis.pubsub.place``), as
redis-py's borrows a connection of the node: it counts toward that node's
``max_connections``; the classic one moves its place when its node changes.
"""

from __future__ import annotations

import asyncio
import dataclasses
from typing import TYPE_CHECKING, Any

from ..exceptions import DataError, MovedError, RedisClusterException, RedisError
from ..pubsub import PubSub
from ..pubsub.subscriptions import Handler, Subscription, _as_subscriptions
from .slots import key_slot
from .topology import ClusterNode

if TYPE_CHECKING:
    from ..typed import Message

if TYPE_CHECKING:
    from .client import RedisCluster


class ClusterPubSub(PubSub[Any]):
    """redis-py's ``ClusterPubSub``: see the module docstring."""

    def __init__(
        self,
        redis_cluster: RedisCluster,
        node: ClusterNode | None = None,
        host: str | None = None,
        port: int | None = None,
        ignore_subscribe_messages: bool = False,
        max_pending_messages: int = 10_000,
        overflow: str = "pause",
        **kwargs: Any,
    ) -> None:
        for name, value in kwargs.items():
            if value is not None:
                raise DataError(f"RedisCluster.pubsub({name}=...) is not supported")
        if node is None and (host is None) != (port is None):
            raise DataError("Specify both host and port")
        if node is None and host is not None:
            node = redis_cluster.get_node(host=host, port=port)
            if node is None:
                raise RedisClusterException(f"Node {host}:{port} doesn't exist in the cluster")
        elif node is not None and redis_cluster._ready:
            _check_node(redis_cluster, node)  # not read yet: checked at the first connect
        options = redis_cluster.options
        if options.read_only:
            options = dataclasses.replace(options, read_only=False)
        # reconnected in the background whatever the retry: a moved node is found again at the reconnect
        super().__init__(
            options, ignore_subscribe_messages, max_pending_messages, overflow, auto_reconnect=True  # type: ignore[arg-type]
        )
        self.cluster = redis_cluster
        self.node = node
        self.node_pubsub_mapping: dict[str, PubSub] = {}
        self._shard_channel_to_node: dict[Any, str] = {}
        self._cluster_shards: dict[Any, Handler | None] = {}  # what the caller asked for, by channel
        self._cluster_pending: set[Any] = set()
        self._seen_topology: Any = None
        self._turn = 0
        self.resolver = self._resolve

    def __repr__(self) -> str:
        return (
            f"<ClusterPubSub node={self.node.name if self.node else None} channels={len(self.channels)} "
            f"patterns={len(self.patterns)} shard_channels={len(self._cluster_shards)} "
            f"shard_nodes={sorted(self.node_pubsub_mapping)}>"
        )

    # -- classic channels: one node -------------------------------------------------------------
    async def _resolve(self) -> tuple[str, int]:
        """The node of the classic subscriptions, looked up at every (re)connect."""
        await self.cluster.initialize()
        node = self.node
        if node is not None and not self._ever_connected:
            _check_node(self.cluster, node)
        if node is None or self.cluster.get_node(node_name=node.name) is None:
            node = self.node = self.cluster.get_default_node()
        if node is None:
            raise DataError("the cluster has no node to subscribe on")
        return node.host, node.port

    @property  # type: ignore[override]
    def connection_pool(self) -> Any:
        """The pool of the node of the classic subscriptions (None before one is known): their socket
        counts toward that node's ``max_connections``, as redis-py's borrows a connection of the node."""
        node = self.node
        return None if node is None else self.cluster.nodes_manager.pools.pool(node)

    async def _take_place(self) -> None:
        await self._resolve()  # the node first: a place in the pool of the node the socket goes to
        await super()._take_place()

    def get_pubsub_node(self) -> ClusterNode | None:
        """The node of the classic subscriptions (None until the first subscribe, unless given)."""
        return self.node

    def set_pubsub_node(
        self, cluster: RedisCluster, node: ClusterNode | None = None, host: str | None = None, port: int | None = None
    ) -> None:
        """Use ``node`` (or ``host``:``port``) for the classic subscriptions from the next connect."""
        if node is None and host is not None and port is not None:
            node = cluster.get_node(host=host, port=port)
        elif node is None and (host is not None or port is not None):
            raise DataError("Specify both host and port")
        if node is not None:
            _check_node(cluster, node)
        self.node = node

    async def _subscribe(
        self, command: bytes, table: dict[Any, Handler | None], pending: set[Any], args: Any, kwargs: Any
    ) -> None:
        """SUBSCRIBE/PSUBSCRIBE; the first one, with no node given, picks the node as redis-py does: one
        serving the slot of its first channel (a replica when reads go to replicas)."""
        if self.node is None and self._proto is None and not self._ever_connected:
            first = _first_name(args, kwargs)
            if first is not None:
                await self.cluster.initialize()
                manager = self.cluster.nodes_manager
                primary = manager.slots[key_slot(first)]
                if primary is not None:
                    self.node = manager.reader(primary)
        await super()._subscribe(command, table, pending, args, kwargs)

    @property
    def shard_channels(self) -> dict[Any, Handler | None]:  # type: ignore[override]
        """The shard channels subscribed (over every node)."""
        return self._cluster_shards

    @shard_channels.setter
    def shard_channels(self, value: dict[Any, Handler | None]) -> None:
        # PubSub's own table (its connection never subscribes a shard channel): kept empty
        if value:
            raise DataError("shard channels of a ClusterPubSub are subscribed with ssubscribe()")

    async def on_connect(self, connection: Any) -> None:
        """Classic channels and patterns again on a new socket (shard channels live on the node pub/subs)."""
        self.pending_unsubscribe_channels.clear()
        self.pending_unsubscribe_patterns.clear()
        if self.channels:
            await self.subscribe(*_as_subscriptions(self.channels))
        if self.patterns:
            await self.psubscribe(*_as_subscriptions(self.patterns))

    # -- shard channels: one PubSub per node ------------------------------------------------------
    def _node_pubsub(self, node: ClusterNode) -> PubSub:
        pubsub = self.node_pubsub_mapping.get(node.name)
        if pubsub is None:
            options = dataclasses.replace(self.options, host=node.host, port=node.port)
            pubsub = PubSub(
                options, False, self.max_pending_messages, self.overflow, auto_reconnect=True  # type: ignore[arg-type]
            )
            pubsub.connection_pool = self.cluster.nodes_manager.pools.pool(node)  # counted as redis-py's
            self.node_pubsub_mapping[node.name] = pubsub
        return pubsub

    async def ssubscribe(self, *args: Any, target_node: Any = None, **kwargs: Handler) -> None:
        """Subscribe to shard channels, each on the node serving its slot; ``channel=handler`` as for subscribe."""
        if target_node is not None:
            raise DataError("ClusterPubSub.ssubscribe(target_node=...) is not supported: the channel's slot decides")
        new: dict[Any, Handler | None] = {}
        for arg in args:
            for item in arg if isinstance(arg, (list, tuple, set, frozenset)) else (arg,):
                if isinstance(item, Subscription):
                    new[item.name] = item.handler
                else:
                    new[item] = None
        new.update(kwargs)
        if not new:
            raise DataError("ssubscribe() needs at least one name")
        await self.cluster.initialize()
        await self._reconcile()
        for channel, handler in new.items():
            await self._subscribe_on_owner(self._normalize(channel), handler)

    async def _subscribe_on_owner(self, channel: Any, handler: Handler | None) -> None:
        node = self.cluster.get_node_from_key(channel)
        assert node is not None  # get_node_from_key raises for an uncovered slot
        try:
            await self._node_pubsub(node).ssubscribe(Subscription(channel, handler))
        except BaseException:
            await self._close_if_idle(node.name)  # a pub/sub made for this channel alone is not kept
            raise
        self._cluster_shards[channel] = handler
        self._cluster_pending.discard(channel)
        self._shard_channel_to_node[channel] = node.name

    async def sunsubscribe(self, *args: Any, target_node: Any = None) -> None:
        """Unsubscribe from the shard channels given, or from every one."""
        names: list[Any] = []
        for arg in args:
            names.extend(arg if isinstance(arg, (list, tuple, set, frozenset)) else (arg,))
        channels = [self._normalize(name) for name in names] if names else list(self._cluster_shards)
        for channel in channels:
            name = self._shard_channel_to_node.get(channel)
            pubsub = self.node_pubsub_mapping.get(name) if name is not None else None
            if pubsub is None:
                self._cluster_shards.pop(channel, None)
                continue
            self._cluster_pending.add(channel)
            await pubsub.sunsubscribe(channel)

    async def get_sharded_message(
        self, ignore_subscribe_messages: bool = False, timeout: float | None = 0.0, target_node: Any = None
    ) -> Message[Any] | None:
        """The next shard-channel message from any node (or ``target_node``), None after ``timeout`` s."""
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        while True:
            if self.cluster.nodes_manager.topology is not self._seen_topology:
                await self._reconcile()
            pubsubs = list(self.node_pubsub_mapping.items())
            if target_node is not None:
                pubsubs = [(name, ps) for name, ps in pubsubs if name == target_node.name]
            if not pubsubs:
                return None
            start = self._turn % len(pubsubs)
            self._turn += 1
            for name, pubsub in pubsubs[start:] + pubsubs[:start]:
                if pubsub._queue:
                    message = await self._next_of(name, pubsub, ignore_subscribe_messages)
                    if message is not None:
                        return message
            left = None if deadline is None else deadline - loop.time()
            if left is not None and left <= 0:
                return None
            await self._wait_any([ps for _, ps in pubsubs], left)

    async def _next_of(
        self, name: str, pubsub: PubSub[Any], ignore_subscribe_messages: bool
    ) -> Message[Any] | None:
        try:
            message = await pubsub.get_message(ignore_subscribe_messages=False, timeout=0)
        except MovedError:
            await self._reconcile(force=True)  # a resubscription hit a node that no longer serves the slot
            return None
        if message is None:
            return None
        kind = message["type"]
        kind = kind.decode() if isinstance(kind, bytes) else kind
        if kind == "sunsubscribe":
            channel = message["channel"]
            if channel in self._cluster_pending:
                self._cluster_pending.discard(channel)
                self._cluster_shards.pop(channel, None)
                self._shard_channel_to_node.pop(channel, None)
                await self._close_if_idle(name)
            elif self._shard_channel_to_node.get(channel) == name:
                # unrequested: the server moved the channel's slot away from this node
                # (a channel tracked on another node now: the confirmation of our own move)
                pubsub.shard_channels.pop(channel, None)
                await self._reconcile(force=True)
            else:
                await self._close_if_idle(name)
        if kind in ("ssubscribe", "sunsubscribe") and (ignore_subscribe_messages or self.ignore_subscribe_messages):
            return None
        return message

    async def _wait_any(self, pubsubs: list[PubSub], timeout: float | None) -> None:
        """Until any of ``pubsubs`` has a reply queued (one waiter listed in each), or ``timeout``."""
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[None] = loop.create_future()
        for pubsub in pubsubs:
            pubsub._waiters.append(waiter)
        timer = loop.call_later(timeout, _wake, waiter) if timeout is not None else None
        try:
            await waiter
        finally:
            if timer is not None:
                timer.cancel()
            for pubsub in pubsubs:
                try:
                    pubsub._waiters.remove(waiter)
                except ValueError:
                    pass

    async def _reconcile(self, force: bool = False) -> None:
        """Every shard channel on its slot's current node (after a slot moved or the topology changed)."""
        manager = self.cluster.nodes_manager
        if force:
            try:
                await manager.refresh()
            except RedisError:
                manager.schedule_refresh()  # no node answered now: the next read looks again
                return
        self._seen_topology = manager.topology
        for channel, handler in list(self._cluster_shards.items()):
            if channel in self._cluster_pending:
                continue
            owner = manager.slots[key_slot(channel)]
            old = self._shard_channel_to_node.get(channel)
            if owner is None or owner.name == old:
                continue
            if old is not None and old in self.node_pubsub_mapping:
                previous = self.node_pubsub_mapping[old]
                if channel in previous.shard_channels and previous.is_connected:
                    previous.pending_unsubscribe_shard_channels.add(channel)
                    try:
                        await previous.sunsubscribe(channel)
                    except RedisError:
                        previous.shard_channels.pop(channel, None)  # its socket is gone: nothing to undo
                previous.shard_channels.pop(channel, None)
            await self._subscribe_on_owner(channel, handler)
        for name in list(self.node_pubsub_mapping):
            await self._close_if_idle(name)

    async def _close_if_idle(self, name: str) -> None:
        pubsub = self.node_pubsub_mapping.get(name)
        if pubsub is not None and not pubsub.subscribed and not pubsub.pending_unsubscribe_shard_channels:
            del self.node_pubsub_mapping[name]
            await pubsub.aclose()

    # -- closing ----------------------------------------------------------------------------------
    async def aclose(self) -> None:
        """Close the classic connection and every node's shard pub/sub; forget every subscription."""
        mapping, self.node_pubsub_mapping = self.node_pubsub_mapping, {}
        self._cluster_shards = {}
        self._cluster_pending = set()
        self._shard_channel_to_node = {}
        try:
            for pubsub in mapping.values():
                await pubsub.aclose()
        finally:
            await super().aclose()

    def stats(self) -> dict[str, Any]:
        """The classic connection's figures, and each node pub/sub's under ``shard_nodes``."""
        stats = super().stats()
        stats["shard_nodes"] = {name: pubsub.stats() for name, pubsub in self.node_pubsub_mapping.items()}
        return stats


def _wake(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


def _check_node(cluster: RedisCluster, node: ClusterNode) -> None:
    """redis-py's refusal of a pub/sub node that is not in the cluster."""
    if cluster.get_node(node_name=node.name) is None:
        raise RedisClusterException(f"Node {node.host}:{node.port} doesn't exist in the cluster")


def _first_name(args: Any, kwargs: Any) -> Any:
    """The first channel or pattern of a subscribe call (None: none given)."""
    for arg in args:
        for item in arg if isinstance(arg, (list, tuple, set, frozenset)) else (arg,):
            return item.name if isinstance(item, Subscription) else item
    return next(iter(kwargs), None)


__all__ = ["ClusterPubSub"]
