"""The bounded queue between the pub/sub socket and its readers.

Memory: messages read from the socket wait in a queue of at most
``max_pending_messages`` replies. When it is full, ``overflow="pause"`` stops
reading the socket (``transport.pause_reading()``) until the consumer has
taken it below half: the server then holds what is published, within its
``client-output-buffer-limit pubsub`` (past the hard limit it disconnects
the subscriber, which then reconnects and resubscribes). ``"drop_oldest"``
keeps reading and drops the oldest message, counted in ``stats()``. Either
way the process holds at most the queue plus one read of unparsed bytes.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Any, Literal

from ..budget import PAUSE_MARGIN, MemoryBudget, held_size
from ..future import wake_first
from .protocol import _PubSubProtocol

Overflow = Literal["pause", "drop_oldest"]

DEFAULT_MAX_PENDING_MESSAGES = 10_000


class _MessageQueue:
    """PubSub's queue of replies and the readers waiting on it; ``PubSub.__init__`` sets the state."""

    max_pending_messages: int
    health_check_interval: float
    _next_health_check: float
    _loop: asyncio.AbstractEventLoop
    _proto: _PubSubProtocol | None
    _queue: deque[Any]
    _waiters: deque[asyncio.Future[None]]
    _stats_received: int
    _stats_dropped: int
    _stats_queued_high: int
    budget: MemoryBudget
    overflow: Overflow
    _sizes: deque[int]

    def _deliver(self, reply: Any) -> None:
        """A reply from the socket (message, confirmation, PONG or error) joins the queue, charged to
        max_memory_bytes; under drop_oldest the oldest messages make room in it too."""
        queue = self._queue
        sizes = self._sizes
        budget = self.budget
        self._stats_received += 1
        if len(queue) >= self.max_pending_messages:  # only under drop_oldest: pause never gets here
            queue.popleft()
            budget.charge_pubsub(-sizes.popleft())
            self._stats_dropped += 1
        size = held_size(reply)
        if self.overflow == "drop_oldest" and not budget.fits(size):
            while queue and not budget.fits(size):
                queue.popleft()
                budget.charge_pubsub(-sizes.popleft())
                self._stats_dropped += 1
            if not budget.fits(size):
                budget.refused()
                self._stats_dropped += 1
                return
        budget.charge_pubsub(size)
        sizes.append(size)
        queue.append(reply)
        if self.health_check_interval:
            self._next_health_check = self._loop.time() + self.health_check_interval  # it is alive
        if len(queue) > self._stats_queued_high:
            self._stats_queued_high = len(queue)
        if self._waiters:
            self._wake_one()

    def _wake_one(self) -> None:
        wake_first(self._waiters)

    def _take(self) -> Any:
        """The oldest queued reply; the socket resumes once the queue is below half."""
        reply = self._queue.popleft()
        self.budget.charge_pubsub(-self._sizes.popleft())
        proto = self._proto
        if proto is not None and proto.reading_paused and len(self._queue) <= self.max_pending_messages // 2:
            proto.read_replies()  # bytes read before the pause come first
            queue = self._queue
            budget_low = bool(queue) and self.budget.left < PAUSE_MARGIN  # the next take tries again
            if len(queue) < self.max_pending_messages and not budget_low and proto.transport is not None:
                proto.reading_paused = False
                proto.transport.resume_reading()
        return reply

    def _clear_queue(self) -> None:
        """Forget every queued reply; their charge is given back."""
        self._queue.clear()
        self.budget.charge_pubsub(-sum(self._sizes))
        self._sizes.clear()

    def _wake_all(self) -> None:
        waiters = self._waiters
        self._waiters = deque()
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    async def _wait(self, timeout: float | None) -> None:
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[None] = loop.create_future()
        self._waiters.append(waiter)
        timer = loop.call_later(timeout, _wake, waiter) if timeout is not None else None
        try:
            await waiter
        except BaseException:
            if not waiter.cancelled() and self._queue:  # woken, then cancelled before it ran: pass it on
                self._wake_one()
            raise
        finally:
            if timer is not None:
                timer.cancel()
            # timed out or cancelled: still listed (a woken waiter was popped); a polling loop
            # must not grow the list
            try:
                self._waiters.remove(waiter)
            except ValueError:
                pass


def _wake(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)
