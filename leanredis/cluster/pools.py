"""Dedicated connections per cluster node, for the commands that must own one.

A node's multiplexed connection is shared by every caller; a blocking
command (BLPOP, XREAD BLOCK, ...) would stall them all, and a WATCH belongs
to one socket. Those take a connection of their own from the node's
``ConnectionPool`` (``leanredis.pool``: bounded by ``max_connections`` per
node, aged, health-checked, never reused dirty), made at the node's first
such command. A node that leaves the topology has its pool closed (its
callers get ``ConnectionError``); ``aclose`` closes every pool.
"""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

from ..options import ConnectionOptions
from ..pool import ConnectionPool
from .topology import ClusterNode


class NodePools:
    """One ``ConnectionPool`` per node, by node name; ``config`` is the client's pool settings."""

    def __init__(self, options: ConnectionOptions, config: tuple[Any, ...] = ()) -> None:
        self.options = options
        # (max_connections, pool_timeout, max_idle_time, max_lifetime, health_check_interval), as Redis takes them
        self.config = config
        self.counts_pubsub = True  # the client's: False when it was not given max_connections
        self._pools: dict[str, ConnectionPool] = {}
        self._retired: list[ConnectionPool] = []  # closed, but a caller woken by the close may open one more
        self._closing: set[asyncio.Task[None]] = set()

    def __repr__(self) -> str:
        return f"<NodePools nodes={len(self._pools)} in_use={self.in_use}>"

    def pool(self, node: ClusterNode) -> ConnectionPool:
        """The node's pool, made now if it has none."""
        pool = self._pools.get(node.name)
        if pool is None:
            options = dataclasses.replace(self.options, host=node.host, port=node.port)
            pool = self._pools[node.name] = ConnectionPool(options, *self.config)
            pool.counts_pubsub = self.counts_pubsub
        return pool

    @property
    def in_use(self) -> int:
        """Dedicated connections handed out and not given back, over every node."""
        return sum(pool.in_use for pool in (*self._pools.values(), *self._retired))

    def stats(self) -> dict[str, dict[str, Any]]:
        """Each node's pool figures (``ConnectionPool.stats``), by node name."""
        return {name: pool.stats() for name, pool in self._pools.items()}

    def retire(self, node: ClusterNode) -> None:
        """The node left the topology: close its pool, in-use connections included."""
        pool = self._pools.pop(node.name, None)
        self._retired = [old for old in self._retired if old.in_use or old.idle]
        if pool is None:
            return
        self._retired.append(pool)
        task = asyncio.get_running_loop().create_task(pool.aclose())
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    async def aclose(self) -> None:
        """Close every pool, of current and retired nodes; pending callers fail once with ConnectionError."""
        pools = [*self._pools.values(), *self._retired]
        self._pools.clear()
        self._retired.clear()
        for pool in pools:
            await pool.aclose()
        if self._closing:
            await asyncio.gather(*self._closing, return_exceptions=True)


__all__ = ["NodePools"]
