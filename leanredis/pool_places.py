"""Places in the pool for sockets it does not own: a PubSub's socket counts toward ``max_connections``.

redis-py's PubSub takes a connection of its client's pool at its first
command and gives it back at ``aclose()``; leanredis's PubSub dials its own
socket (it needs its own protocol), so it takes a ``_Place`` instead: the pool
counts it as a connection in use (``in_use``, ``stats()``, ``get_connection_count()``),
past ``max_connections`` it is waited for or refused as a connection is, and
an idle connection gives its place up to it.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any


class _Place:
    """A place held for a socket the pool does not own: there is nothing here for the pool to close."""

    __slots__ = ()

    async def aclose(self) -> None:
        return None  # the socket is its owner's, who closes it

    async def disconnect(self, nowait: bool = False) -> None:
        return None  # ``disconnect()`` reaches a PubSub's socket through the PubSub (``share_pubsub``)


class HeldPlaces:
    """``hold``, ``holds`` and ``unhold`` of ``leanredis.pool.ConnectionPool`` (a mixin: it shares its state)."""

    # False for the pool a client makes when it was not given max_connections: its PubSubs hold no place
    counts_pubsub = True

    max_connections: int
    timeout: float | None
    stats_closed: int
    _slots: dict[Any, Any]
    _idle: Any
    _loop: asyncio.AbstractEventLoop | None

    if TYPE_CHECKING:

        def _rebind(self, loop: asyncio.AbstractEventLoop) -> None: ...

        def _count(self, conn: Any, now: float) -> None: ...

        def _drop(self, conn: Any) -> None: ...

        def _too_many(self) -> Exception: ...

        async def _wait(self, loop: asyncio.AbstractEventLoop, deadline: float | None) -> None: ...

        def _wake_one(self) -> None: ...

    async def hold(self) -> _Place:
        """A place under ``max_connections`` for a PubSub's socket, waited for (``timeout``) or refused
        (``MaxConnectionsError``) as a connection is; an idle connection gives its place up.
        Give it back with ``unhold``."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            self._rebind(loop)
        deadline = None if self.timeout is None else loop.time() + self.timeout
        while True:
            if len(self._slots) >= self.max_connections and self._idle:
                self._drop(self._idle[0])
            if len(self._slots) < self.max_connections:
                place = _Place()
                self._count(place, loop.time())
                return place
            if self.timeout == 0:
                raise self._too_many()
            await self._wait(loop, deadline)

    def holds(self, place: _Place) -> bool:
        """True while ``place`` counts toward ``max_connections`` (the pool's ``aclose()`` and ``reset()`` forget
        every connection, places included)."""
        return place in self._slots

    def unhold(self, place: _Place) -> None:
        """Give ``place`` back (its socket closed); a second call, or one after the pool forgot it, does nothing."""
        if self._slots.pop(place, None) is None:
            return
        self.stats_closed += 1
        loop = self._loop
        if loop is not None and not loop.is_closed():  # a PubSub collected after its loop ended wakes nobody
            self._wake_one()
