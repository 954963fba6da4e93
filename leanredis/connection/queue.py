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

from ..exceptions import DataError, OverloadError
from ..future import CUSTOM_DEADLINE, NO_DEADLINE, CommandFuture, raw_reply
from ..resp.packer import pack
from .protocol import Packed, command_name

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
    _budget_head: CommandFuture[Any] | None
    _budget_need: int
    keeps_commands: bool

    def _enqueue(self, args: Any, fut: CommandFuture[Any]) -> None:
        proto = self._proto
        queue = self._queue
        if self._fail_fast and proto is not None and not proto.has_room():
            self._overloaded()
            fut.payload = None
            fut.set_exception(
                OverloadError(
                    f"{command_name(fut.name)} refused: {proto.inflight} commands in flight "
                    f"(max_inflight={self.options.max_inflight}) or {len(proto.out) + proto.kept_now()} bytes buffered "
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
        if args.__class__ is Packed:  # a redirected command's bytes: charged while they wait (kept until now)
            fut.charge = len(args)
            self.budget.charge_queued(fut.charge)
        queue.append(fut)
        if len(queue) > self.stats_queued_high:
            self.stats_queued_high = len(queue)
        deadline = fut.deadline
        if deadline != NO_DEADLINE and deadline != CUSTOM_DEADLINE:
            if self._timer is None or self._timer.when() > deadline:
                self._arm(deadline)
        if proto is None:
            self._ensure_connecting()

    def _over_budget(self, args: Any, fut: CommandFuture[Any], size: int) -> bool:
        """``fut``'s command takes ``size`` bytes once encoded, more than is left of max_memory_bytes.

        True when it is refused (failed now): larger than the whole budget (it can never fit, under
        either policy), or under ``overload_policy="fail"``. False: the caller waits (``"wait"``).
        """
        budget = self.budget
        if size > budget.max_bytes:
            budget.refused()
            fut.payload = None
            fut.set_exception(
                DataError(
                    f"{command_name(fut.name)} takes {size} bytes encoded, more than "
                    f"max_memory_bytes={budget.max_bytes}: it can never be sent; raise max_memory_bytes or split "
                    "the value"
                )
            )
            return True
        if self._fail_fast:
            self._overloaded()
            budget.refused()
            fut.payload = None
            fut.set_exception(
                OverloadError(
                    f"{command_name(fut.name)} refused: it takes {size} bytes encoded and "
                    f"{max(budget.limit - budget.used, 0)} of max_memory_bytes={budget.max_bytes} are left "
                    "(stats()['memory'] shows what holds the rest); retry later or use overload_policy='wait'"
                )
            )
            return True
        return False

    def _wait_for_memory(self, fut: CommandFuture[Any], size: int) -> None:
        """``fut``, first in the queue, needs ``size`` bytes of the budget: drained again when memory is given back."""
        self._budget_head = fut
        self._budget_need = size
        self.budget.waiting.add(self)

    def _fail_queue(self, error: Any) -> None:
        """Every waiting command fails (``Lifecycle._fail_queue``); the charge of their bytes is given back."""
        self._budget_head = None
        self.budget.waiting.discard(self)
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
                self.options.address, proto.inflight if proto is not None else 0, len(self._queue),
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
        budget = self.budget
        if self._budget_head is not None:  # the first command did not fit in max_memory_bytes: does it now?
            head = self._budget_head
            if head is queue[0] and not head.done() and budget.limit - budget.used < self._budget_need:
                budget.waiting.add(self)
                return
            self._budget_head = None
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
                    budget.unqueue(fut)
                    continue  # cancelled or timed out while waiting: never sent
                args = fut.payload
                need = proto.encode(args, fut)
                if need:  # not within max_memory_bytes: refused, or first to go when memory is back
                    if self._over_budget(args, fut, need):
                        budget.unqueue(fut)
                        continue
                    queue.appendleft(fut)
                    self._wait_for_memory(fut, need)
                    return
            return
        # has_room() for a run of commands, without a call per command (a flood passes here for each):
        # nothing in this loop pauses the transport, and nothing is kept, so the room left is the count
        # below max_inflight and the bytes below max_buffered_bytes (the unit tests hold this to has_room())
        pending = proto.pending
        append = pending.append
        out = proto.out  # a bytearray: += below extends the protocol's own buffer
        count = proto.max_inflight - len(pending)
        limit = proto.max_buffered
        while queue and count > 0 and len(out) < limit:
            fut = pop()
            args = fut.payload
            fut.payload = stamp
            if fut.done():
                continue  # cancelled or timed out while waiting: never sent
            try:
                data = pack(args)
            except TypeError:  # arguments hiredis cannot pack, or a batch (MULTI..EXEC) waiting as one unit
                size = proto.encode(args, fut)
                if not size:
                    count = proto.max_inflight - len(pending)
                    continue
            else:
                out += data
                if len(out) <= proto.out_room or proto.take_room():
                    append(fut)
                    count -= 1
                    if fut.parse is raw_reply:
                        proto.raw_pending += 1
                    continue
                size = len(data)
                del out[len(out) - size :]
            # not within max_memory_bytes: refused, or first to go when memory is given back
            fut.payload = args
            if self._over_budget(args, fut, size):
                continue
            queue.appendleft(fut)
            self._wait_for_memory(fut, size)
            return

    if TYPE_CHECKING:  # provided by Connection and Lifecycle

        def _arm(self, when: float) -> None: ...

        def _ensure_connecting(self) -> None: ...

        def _schedule_flush(self, proto: RedisProtocol) -> None: ...
