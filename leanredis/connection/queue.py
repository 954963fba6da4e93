"""Commands waiting for room: the wait queue behind a connection's bounds.

When the protocol has no room (``RedisProtocol.has_room``: ``max_inflight``
replies owed, ``max_buffered_bytes`` encoded and unwritten, or the transport
paused) or no socket yet, a command waits here with its arguments, not
encoded. Policy ``wait``: at most ``max_queued`` wait, and replies make room
(``_drain`` runs after each read). Policy ``fail``: ``OverloadError`` at once
when the protocol is full, and at most ``max_inflight`` wait for a
connection. A waiting command whose caller gave up is skipped, never sent.

A batch (MULTI..EXEC) waits as one entry (``protocol.Batch``, its arguments
only) and is encoded whole when it reaches the head with room, as a single
command would be: nothing can land between its commands, and it passes the
bounds by its own size at most.
"""

from __future__ import annotations

import logging
from collections import deque
from typing import TYPE_CHECKING, Any

from ..budget import arguments_size
from ..exceptions import OverloadError
from ..future import CUSTOM_DEADLINE, NO_DEADLINE, CommandFuture, raw_reply
from .protocol import _pack, command_name

if TYPE_CHECKING:
    from ..budget import MemoryBudget
    from .protocol import RedisProtocol

logger = logging.getLogger("leanredis")


class WaitQueue:
    """The queue half of ``Connection`` (a mixin: it shares the connection's state)."""

    _queue: deque[CommandFuture[Any]]
    _proto: RedisProtocol | None
    _fail_fast: bool
    _timer: Any
    stats_overloads: int
    stats_queued_high: int
    _overload_logged: bool
    _queue_limit: int
    _loop: Any
    options: Any
    budget: MemoryBudget
    keeps_commands: bool

    def _enqueue(self, args: Any, fut: CommandFuture[Any]) -> None:
        proto = self._proto
        queue = self._queue
        budget = self.budget
        # its arguments are held (and charged) while it waits: estimated here, never on the fast path; a
        # command moved from another connection's queue (a cluster's reroute) carries its charge along
        size = 0 if getattr(fut, "charge", 0) else arguments_size(args) * (2 if self.keeps_commands else 1)
        if size and not budget.fits(size):
            # whatever the policy: holding it would pass the bound (callers' arguments are part of it)
            self._overloaded()
            budget.refused()
            fut.payload = None
            fut.set_exception(
                OverloadError(
                    f"{command_name(fut.name)} refused: its arguments (about {size} bytes) do not fit in what is "
                    f"left of max_memory_bytes={budget.limit} ({max(budget.limit - budget.used, 0)} bytes left; "
                    "stats()['memory'] shows what holds the rest); retry later or raise max_memory_bytes"
                )
            )
            return
        if self._fail_fast and proto is not None and not proto.has_room():
            self._overloaded()
            fut.payload = None
            fut.set_exception(
                OverloadError(
                    f"{command_name(fut.name)} refused: {len(proto.pending)} commands in flight "
                    f"(max_inflight={proto.max_inflight}) or {len(proto.out) + proto.kept_bytes} bytes buffered "
                    f"(max_buffered_bytes={proto.max_buffered}); retry later or use overload_policy='wait'"
                )
            )
            return
        limit = self._queue_limit
        if len(queue) >= limit:
            self._overloaded()
            fut.payload = None
            fut.set_exception(
                OverloadError(
                    f"{command_name(fut.name)} refused: {len(queue)} commands already waiting "
                    f"for the connection (limit {limit}); the server is not keeping up or is down"
                )
            )
            return
        fut.payload = args
        if size:
            fut.charge = size
            budget.charge_queued(size)
        queue.append(fut)
        if len(queue) > self.stats_queued_high:
            self.stats_queued_high = len(queue)
        deadline = fut.deadline
        if deadline != NO_DEADLINE and deadline != CUSTOM_DEADLINE:
            if self._timer is None or self._timer.when() > deadline:
                self._arm(deadline)
        if proto is None:
            self._ensure_connecting()

    def _fail_queue(self, error: Any) -> None:
        """Every waiting command fails (``Lifecycle._fail_queue``); their arguments' charge is given back."""
        self.budget.unqueue_all(self._queue)
        super()._fail_queue(error)  # type: ignore[misc]

    def _overloaded(self) -> None:
        """A command refused: logged once per overload episode (until the queue and pipe empty), not per command."""
        self.stats_overloads += 1
        if not self._overload_logged:
            self._overload_logged = True
            proto = self._proto
            logger.warning(
                "%s overloaded: commands refused with OverloadError (%d in flight, %d waiting); "
                "further refusals are counted in stats()['overloads'] until it drains",
                self.options.address, len(proto.pending) if proto is not None else 0, len(self._queue),
            )

    def _drain(self) -> None:
        """Move waiting commands into the out-buffer while the protocol has room.

        Runs after every read while commands wait, so under a backlog it is
        the hot path: the encoding is inlined, the room check is the
        protocol's own.
        """
        proto = self._proto
        queue = self._queue
        if proto is None or not queue or not proto.has_room():
            return
        if not proto.flush_scheduled:
            self._schedule_flush(proto)
        # when these left the queue, for a timeout's message (connection.timeouts): once per run, not per command
        stamp = self._loop.time()
        pop = queue.popleft
        if proto.keep:  # a cluster node's connection: the bytes are kept, and counted by has_room()
            while queue and proto.has_room():
                fut = pop()
                if fut.done():
                    fut.payload = None
                    continue  # cancelled or timed out while waiting: never sent
                proto.encode(fut.payload, fut)
            return
        # has_room() for a run of commands, without a call per command (a flood passes here for each):
        # nothing in this loop pauses the transport, and nothing is kept, so the room left is the count
        # below max_inflight and the bytes below max_buffered_bytes (the unit tests hold this to has_room())
        pending = proto.pending
        append = pending.append
        out = proto.out  # a bytearray: += below extends the protocol's own buffer
        count = proto.max_inflight - len(pending)
        limit = proto.max_buffered
        budget = self.budget
        while queue and count > 0 and len(out) < limit:
            fut = pop()
            args = fut.payload
            fut.payload = stamp
            charge = getattr(fut, "charge", 0)  # its arguments' charge gives way to its bytes' (never more)
            if charge:
                fut.charge = 0
                budget.used -= charge
                budget.queued -= charge
            if fut.done():
                continue  # cancelled or timed out while waiting: never sent
            try:
                data = _pack(args)
            except TypeError:  # arguments hiredis cannot pack, or a batch (MULTI..EXEC) waiting as one unit
                proto.encode(args, fut)
                count = proto.max_inflight - len(pending)
                continue
            out += data
            budget.used += len(data)
            append(fut)
            count -= 1
            if fut.parse is raw_reply:
                proto.raw_pending += 1

    if TYPE_CHECKING:  # provided by Connection and Lifecycle

        def _arm(self, when: float) -> None: ...

        def _ensure_connecting(self) -> None: ...

        def _schedule_flush(self, proto: RedisProtocol) -> None: ...
