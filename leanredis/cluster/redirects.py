"""Redirects of work that runs on a connection of its own: blocking commands, transactions, WATCH.

A node's multiplexed connection follows ``MOVED``/``ASK`` per command
(``NodesManager.redirected``: the kept bytes re-sent behind the caller's own
future). A blocking command on a dedicated connection, or a MULTI/EXEC batch
(never kept, never redirected by the connection), gets the error itself;
``Redirects.follow`` says where to run it again, with the same bookkeeping:
``MOVED`` repoints the slot and schedules a refresh, ``ASK`` names a node to
ask once (the slot table is left alone), ``TRYAGAIN``/``CLUSTERDOWN``/
``LOADING`` wait a jittered backoff; at most ``max_redirects`` and
``retry_attempts`` times, then the caller gets an error saying so.

Each of these errors means the server did not run the command (or, for
MULTI/EXEC, the whole transaction), so running it again cannot apply it twice.
"""

from __future__ import annotations

import asyncio
import random

from ..exceptions import (
    AskError,
    BusyLoadingError,
    ClusterDownError,
    ClusterError,
    MovedError,
    RedisError,
    TryAgainError,
)
from .nodes import NodesManager
from .topology import ClusterNode

ASKING = (b"ASKING",)

#: the errors ``follow`` knows what to do with; anything else is the caller's
REDIRECTED = (AskError, TryAgainError, ClusterDownError, BusyLoadingError)


def retry_delay(attempt: int) -> float:
    """Seconds before retry number ``attempt`` (1, 2, ...): 50 ms doubling, at most 1 s, jittered."""
    return min(0.05 * 2 ** (attempt - 1), 1.0) * random.uniform(0.5, 1.0)


class Redirects:
    """How far one piece of work (``what``, for messages) has been sent around the cluster."""

    __slots__ = ("manager", "what", "redirects", "retries")

    def __init__(self, manager: NodesManager, what: str) -> None:
        self.manager = manager
        self.what = what
        self.redirects = 0
        self.retries = 0

    async def follow(
        self, error: RedisError, slot: int | None, node: ClusterNode | None, asking: bool = True
    ) -> tuple[ClusterNode, bool]:
        """After ``error`` from ``node``: the node to run on next and whether to send ``ASKING`` first; or raise.

        A retry goes to the owner of ``slot`` now (``node`` again for keyless work). ``asking=False``:
        ``ASK`` cannot be followed (a WATCH: the transaction after it would need ``ASKING`` too), so it
        is waited out as a ``TRYAGAIN`` is, then a ``ClusterError`` says why.
        """
        manager = self.manager
        if isinstance(error, AskError) and (asking or isinstance(error, MovedError)):
            self.redirects += 1
            if self.redirects > manager.max_redirects:
                manager.stats_too_many_redirects += 1
                raise ClusterError(
                    f"{self.what} was redirected {manager.max_redirects} times (max_redirects), last: {error}; "
                    "the cluster's slots are moving faster than they settle"
                ) from error
            if isinstance(error, MovedError):
                return repoint(manager, error), False
            manager.stats_ask += 1
            return manager.node_at(error.host, error.port), True
        if not isinstance(error, REDIRECTED):
            raise error
        self.retries += 1
        if self.retries > manager.retry_attempts:
            if isinstance(error, AskError):
                raise ClusterError(
                    f"{self.what}: slot {error.slot_id} is migrating to {error.host}:{error.port}, and this cannot "
                    f"follow ASK; still so after {manager.retry_attempts} retries: retry when the migration ends"
                ) from error
            raise error
        manager.stats_retries += 1
        if not isinstance(error, (TryAgainError, AskError)):
            manager.schedule_refresh()
        await asyncio.sleep(retry_delay(self.retries))
        if slot is not None:
            return owner(manager, slot), False
        if node is None:
            raise error
        return node, False


def repoint(manager: NodesManager, error: MovedError) -> ClusterNode:
    """A ``MOVED`` learnt: its slot points at the node it names now, a refresh is scheduled; that node."""
    target = manager.node_at(error.host, error.port)
    manager.stats_moved += 1
    manager.point_slot(error.slot_id, target)
    manager.schedule_refresh()
    return target


def owner(manager: NodesManager, slot: int) -> ClusterNode:
    """The primary serving ``slot``; ``ClusterDownError`` (and a refresh scheduled) when none is known."""
    node = manager.slots[slot]
    if node is None:
        manager.schedule_refresh()
        raise ClusterDownError(f"CLUSTERDOWN slot {slot} is not served by any known node; refreshing the topology")
    return node


__all__ = ["ASKING", "REDIRECTED", "Redirects", "owner", "repoint", "retry_delay"]
