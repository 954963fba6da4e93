"""Client-side caching on a cluster: one cache for the client, tracking on every node's connection.

``RedisCluster(..., protocol=3, cache_config=CacheConfig(...))``. The rules are
the standalone cache's (``leanredis/cache``): each node's multiplexed connection
turns ``CLIENT TRACKING`` on at its handshake, so the node that answered a read
announces the key's changes on the same socket, in order with its replies. What
a cluster adds, and how it is handled:

- one store for the whole client: ``max_bytes`` bounds the cache across nodes,
  least recently used entries first, whichever node they came from;
- invalidations come from any node and drop the key's entries wherever they
  were read (the store is keyed by the key);
- a node's writes are announced only to the sockets that read from it: when the
  node's socket is lost, a new one opens, or a slot it served moves to another
  node (a ``MOVED`` seen, or a topology refresh that moved a slot or changed a
  role), the keys read through that node are dropped, and reads in flight
  anywhere are not kept (a node's announcements may be lost with its socket).
  Keys are recorded under the primary serving their slot; with reads from
  replicas a read may have gone to any node of the shard, so a node's trouble
  drops its whole shard's keys;
- a read and its ``PTTL`` are routed alike (same key, same slot), so they go to
  the same node in the same write, as on one server.

Dropping by node uses a record of the keys cached through each node; it may hold
keys evicted since, and is pruned against the store when it grows past twice the
store's entries, so its size follows the cache's.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..cache import CacheConfig, ClientCache
from ..commands.base import list_or_args
from ..commands.funnel import sender
from ..exceptions import DataError
from ..future import CommandFuture
from .slots import slot_of_bytes

if TYPE_CHECKING:
    from ..connection import Connection
    from ..options import ConnectionOptions
    from .nodes import NodesManager
    from .topology import ClusterNode


class ClusterCache(ClientCache):
    """The cache of one ``RedisCluster``: the standalone cache, with its keys recorded per node."""

    def __init__(
        self,
        config: CacheConfig,
        send: Callable[[tuple[Any, ...], Any], CommandFuture[Any]],
        encoding: str,
        clock: Callable[[], float],
        owner_of: Callable[[bytes], ClusterNode | None],
        ready: Callable[[], bool],
        shard_of: Callable[[str], str | None] | None = None,
    ) -> None:
        super().__init__(config, send, encoding, clock)
        self._owner_of = owner_of
        self._ready = ready
        # with reads from replicas: a node's name -> its shard's primary's name (None: not in the topology)
        self._shard_of = shard_of
        self._node_keys: dict[str, set[bytes]] = {}
        self._node_drops: dict[str, int] = {}
        self.on_kept = self._kept

    # -- what the nodes' connections tell us ------------------------------------------
    def attach(self, node: ClusterNode, conn: Connection) -> None:
        """Wire a node's new connection: its pushes, and its sockets opened and lost."""
        name = node.name
        conn.on_push = self.on_push
        # writes while we were away were never announced; the reads in flight are on the new socket: kept
        conn.on_connect = lambda: self.node_lost(name, in_flight=False)
        previous = conn.on_disconnect

        def lost() -> None:
            self.node_lost(name)
            if previous is not None:
                previous()

        conn.on_disconnect = lost

    def node_lost(self, name: str, in_flight: bool = True) -> None:
        """What was read through node ``name`` may change unannounced: its keys go, and (``in_flight``)
        the replies of reads in flight, wherever, are not kept: the node's announcements may be lost."""
        if in_flight:
            self._epoch += 1
        if self._shard_of is not None:
            # reads of a shard's slots go to any of its nodes, and are recorded under its primary: the
            # node's whole shard goes (a node outside the topology: everything, whose shard is unknown)
            primary = self._shard_of(name)
            if primary is None:
                super().flush()
                self._node_keys.clear()
                self._node_drops[name] = self._node_drops.get(name, 0) + 1
                return
            name = primary
        keys = self._node_keys.pop(name, None)
        if in_flight or keys:
            self._node_drops[name] = self._node_drops.get(name, 0) + 1
        if keys:
            store = self.store
            for key in keys:
                store.drop(key)

    def flush(self) -> None:
        super().flush()
        self._node_keys.clear()

    def send(self, args: tuple[Any, ...], parse: Any) -> CommandFuture[Any]:
        if not self._ready():  # no slot table yet: the client's own send waits for it, uncached
            return self._send(args, parse)
        return super().send(args, parse)

    # -- entries kept -------------------------------------------------------------------
    def _kept(self, key: bytes) -> None:
        """An entry of ``key`` was kept: recorded under the node serving its slot."""
        node = self._owner_of(key)
        if node is None:  # no node serves its slot now: nothing would announce its changes
            self.store.drop(key)
            return
        keys = self._node_keys.setdefault(node.name, set())
        keys.add(key)
        if len(keys) > 2 * len(self.store) + 64:  # keys evicted since: prune against the store
            holds = self.store.holds
            self._node_keys[node.name] = {k for k in keys if holds(k)}

    def stats(self) -> dict[str, Any]:  # type: ignore[override]
        """The totals of the standalone cache, and per node: keys held through it and times dropped."""
        totals: dict[str, Any] = dict(super().stats())
        holds = self.store.holds
        names = set(self._node_keys) | set(self._node_drops)
        totals["nodes"] = {
            name: {
                "keys": sum(1 for key in self._node_keys.get(name, ()) if holds(key)),
                "drops": self._node_drops.get(name, 0),
            }
            for name in sorted(names)
        }
        return totals


class ClusterCaching:
    """``RedisCluster``'s side of the cache: turning it on, ``cache_stats()``, ``cache_clear()``."""

    options: ConnectionOptions
    nodes_manager: NodesManager
    _cache: ClusterCache | None
    _ready: bool
    _send: Any

    def _enable_cluster_cache(self, config: CacheConfig) -> None:
        """Tracking on every node's multiplexed connection (not the dedicated ones), one cache for all."""
        if self.options.protocol != 3:
            raise DataError(
                "cache_config needs protocol=3 (the default): invalidations arrive as RESP3 pushes on each "
                "node's connection"
            )
        manager = self.nodes_manager
        manager.options = dataclasses.replace(
            self.options, tracking=config.tracking_command(), resp2_fallback=False
        )

        def owner_of(key: bytes) -> ClusterNode | None:
            return manager.slots[slot_of_bytes(key)]

        def shard_of(name: str) -> str | None:
            for primary, members in manager.topology.shards.items():
                if any(member.name == name for member in members):
                    return primary
            return None

        def ready() -> bool:
            if not self._ready:
                return False
            # the slot table, once read, is only refreshed, never gone: from now on a read goes straight to
            # the standalone cache's send, without this check (a call and a frame per hit)
            self._send = direct_send
            return True

        cache = ClusterCache(
            config,
            sender(self),  # the direct path: on a class whose execute_command is replaced, _send leads back to it
            self.options.encoding,
            time.monotonic,
            owner_of,
            ready,
            shard_of if manager.reads is not None else None,
        )
        direct_send = ClientCache.send.__get__(cache)
        manager.cache = cache
        self._cache = cache
        self._send = cache.send

        def mget(keys: Any, *args: Any) -> Any:
            if isinstance(keys, (list, tuple)) and not keys and not args:
                return type(self).mget(self, keys)  # type: ignore[attr-defined]  # mget([]) as uncached
            return cache.mget(list_or_args(keys, args, "mget"))

        self.__dict__["mget"] = mget  # key by key: only the misses go to the server

    def cache_stats(self) -> dict[str, Any]:
        """The client-side cache's totals (hits, misses, entries, bytes, ...) and, under ``"nodes"``, per
        node: the keys held that were read through it and how many times they were dropped."""
        if self._cache is None:
            raise DataError("this client has no client-side cache: pass cache_config=CacheConfig(...)")
        return self._cache.stats()

    def cache_clear(self) -> None:
        """Empty the client-side cache now."""
        if self._cache is None:
            raise DataError("this client has no client-side cache: pass cache_config=CacheConfig(...)")
        self._cache.flush()


__all__ = ["ClusterCache", "ClusterCaching"]
