"""The place a PubSub's socket holds in its client's pool, so that it counts toward ``max_connections``.

redis.asyncio's PubSub takes a connection of the pool at its first command
(``subscribe``, ``ping``, ...), keeps it across reconnects and gives it back
at ``aclose()``; past ``max_connections`` a ``ConnectionPool`` refuses at once
(``MaxConnectionsError``) and a ``BlockingConnectionPool`` waits ``timeout``
seconds. Ours holds a place (``ConnectionPool.hold``) the same way: taken
before its first socket is dialled, kept while it is lost and made again,
given back once (``aclose()``, ``reset()``, a first connect that failed, or the
PubSub collected without ``aclose()``, by a ``weakref.finalize``). A place the
pool forgot (its ``aclose()``, which also drops the socket, or ``reset()``, which
leaves the socket open and uncounted, as redis-py's leaves a PubSub's connection)
is taken again before the next socket is made.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable
from typing import Any


class _PoolPlace:
    """Taking and giving back the pool place of a ``PubSub`` (a mixin: it shares its state)."""

    # the pool of the client that made this PubSub (redis-py's attribute); None: a PubSub made on its own
    connection_pool: Any = None
    _place: Any = None
    _give_back: Callable[[], Any] | None = None  # a weakref.finalize
    _place_lock: asyncio.Lock | None = None

    def _holds_place(self) -> bool:
        pool = self.connection_pool
        return pool is None or not pool.counts_pubsub or (self._place is not None and pool.holds(self._place))

    async def _take_place(self) -> None:
        """Hold a place in the pool unless one is held: waits, or raises ``MaxConnectionsError``, as the pool does.

        Callers that come together wait for the first (one place per PubSub); one that is cancelled
        while waiting leaves nothing taken.
        """
        if self._holds_place():
            return
        lock = self._place_lock
        if lock is None:
            lock = self._place_lock = asyncio.Lock()
        async with lock:
            if self._holds_place():
                return
            # one the pool forgot (only its finalizer is left to drop), or one in the pool of another node
            # (a ClusterPubSub whose node changed): given back there
            self._give_place_back()
            pool = self.connection_pool
            place = await pool.hold()
            self._place = place
            # called once: by _give_place_back, or when this PubSub is collected without aclose()
            give_back = weakref.finalize(self, pool.unhold, place)
            give_back.atexit = False  # at exit the pool and its loop are gone: nothing to give back to
            self._give_back = give_back

    def _give_place_back(self) -> None:
        give_back, self._give_back, self._place = self._give_back, None, None
        if give_back is not None:
            give_back()

    def _forget_place_lock(self) -> None:
        """A new event loop: a lock of the old one cannot be waited on in it."""
        self._place_lock = None
