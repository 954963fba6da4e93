"""A cluster node's connection: a ``Connection`` that also tells the manager when a connect attempt failed."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any

from ..connection import Connection
from ..exceptions import RedisError
from ..future import CommandFuture


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
