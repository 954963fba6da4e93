"""A connection's timeouts: a call's own timeout, re-sends behind the caller's deadline, and the sweep.

``TimedCalls`` is a part of ``Connection`` (a mixin: it shares the
connection's state). ``execute_with_timeout`` puts a call's own deadline in
the per-call heap (``deadlines.py``); ``resend`` and ``resend_later`` send a
redirected or retried command again, its deadline coming along; one timer
(``_arm``) runs ``_sweep``, which fails every command past its deadline and
says where its time went (``timeouts.py``).
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import TYPE_CHECKING, Any

from ..exceptions import DataError, RedisError
from ..future import CUSTOM_DEADLINE, NO_DEADLINE, CommandFuture
from .deadlines import PerCallDeadlines, expired_at_head
from .protocol import Packed, RedisProtocol, commands_in
from .timeouts import QUEUED, timeout_error

if TYPE_CHECKING:
    from ..budget import MemoryBudget
    from .core import ParseT

_get_running_loop = asyncio._get_running_loop  # the C fast path: None outside a loop, never raises


def check_timeout(timeout: object) -> None:
    """Raise DataError unless ``timeout`` is None or a positive number of seconds."""
    if timeout is not None and (
        isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0
    ):
        raise DataError(f"timeout must be a positive number of seconds or None, not {timeout!r}")


def _started(deadline: float, timeout: float | None) -> float | None:
    """When a command with the default timeout was called (None: no timeout, or not known)."""
    return None if timeout is None or deadline in (NO_DEADLINE, CUSTOM_DEADLINE) else deadline - timeout


class TimedCalls:
    """The timeouts and re-sends of ``Connection`` (a mixin: it shares the connection's state)."""

    _loop: asyncio.AbstractEventLoop
    _proto: RedisProtocol | None
    _queue: deque[CommandFuture[Any]]
    _timer: asyncio.TimerHandle | None
    _timer_when: float
    _per_call: PerCallDeadlines
    _resends: dict[CommandFuture[Any], asyncio.TimerHandle]
    _default_timeout: float | None
    _budget_head: CommandFuture[Any] | None
    _late_watch: bool
    budget: MemoryBudget
    keeps_commands: bool
    stats_timeouts: int
    last_connect_error: RedisError | None
    options: Any

    def execute_with_timeout(self, args: tuple[Any, ...], parse: ParseT, timeout: float | None) -> CommandFuture[Any]:
        """Like ``execute`` with this call's own timeout (None: wait for ever)."""
        check_timeout(timeout)
        loop = self._loop
        if loop is None or loop is not _get_running_loop():
            return self._unbound(args, parse, timeout, True)  # type: ignore[no-any-return]
        fut: CommandFuture[Any] = CommandFuture(loop=loop)
        fut.parse = parse
        fut.name = args[0]
        fut.deadline = NO_DEADLINE
        if timeout is not None:
            deadline = loop.time() + timeout
            fut.deadline = CUSTOM_DEADLINE
            self._per_call.add(deadline, fut, timeout)
            if self._timer is None or self._timer.when() > deadline:
                self._arm(deadline)
        self._submit(args, fut)
        return fut

    def resend(
        self, fut: CommandFuture[Any], packed: Packed, deadline: tuple[float, float | None] | None = None
    ) -> None:
        """Send a command another connection was told to redirect, behind the caller's own future.

        The caller's deadline comes along: a call's own, taken from the other connection's heap
        (``take_deadline``), is given as ``deadline`` (when, timeout); a default one, kept on the
        future and checked in send order, moves to this connection's heap, since a re-sent command
        is out of that order (behind commands sent after it, it would time out as late as they do).
        """
        if fut.done():
            return
        if self._loop is None:
            self._bind_loop(asyncio.get_running_loop())
        if deadline is not None:
            self._add_deadline(fut, *deadline)
        elif fut.deadline != NO_DEADLINE and fut.deadline != CUSTOM_DEADLINE:
            when, fut.deadline = fut.deadline, CUSTOM_DEADLINE
            self._add_deadline(fut, when, self._default_timeout)
        self._submit(packed, fut)

    def take_deadline(self, fut: CommandFuture[Any]) -> tuple[float, float | None] | None:
        """The timeout of ``fut``'s own (when, timeout), if this connection times it: no longer here."""
        return self._per_call.take(fut) if fut.deadline == CUSTOM_DEADLINE else None

    def _add_deadline(self, fut: CommandFuture[Any], when: float, timeout: float | None) -> None:
        self._per_call.add(when, fut, timeout)
        if self._timer is None or self._timer.when() > when:
            self._arm(when)

    def resend_later(self, fut: CommandFuture[Any], packed: Packed, delay: float) -> None:
        """``resend`` after ``delay`` s (a retry's backoff), still bound by the caller's first deadline (slow path).

        A default deadline is kept on the future and checked in send order; a re-sent
        command is out of that order, so its deadline moves to the per-call heap.
        """
        deadline = fut.deadline
        if deadline != NO_DEADLINE and deadline != CUSTOM_DEADLINE:
            fut.deadline = CUSTOM_DEADLINE
            self._add_deadline(fut, deadline, self._default_timeout)
        self._resends[fut] = self._loop.call_later(delay, self._resend_due, fut, packed)

    def _resend_due(self, fut: CommandFuture[Any], packed: Packed) -> None:
        self._resends.pop(fut, None)
        self.resend(fut, packed)

    def _cancel_resends(self, error: RedisError) -> None:
        """aclose: the commands waiting out a retry's backoff fail now with ``error``, never sent again."""
        resends = self._resends
        self._resends = {}
        for fut, handle in resends.items():
            handle.cancel()
            if not fut.done():
                err = type(error)(*error.args)
                fut.set_exception(err)

    # -- timeouts ----------------------------------------------------------
    def _arm(self, when: float) -> None:
        if self._timer is not None:
            self._timer.cancel()
        # at least 1 ms ahead: uvloop turns a timer less than half a millisecond away into call_soon, whose
        # Handle has no when(), and every "is the timer later than this deadline" check asks it. A delay, not
        # call_at: uvloop's call_at reads its millisecond clock again, and a tick between the two reads made
        # a 1 ms margin 0 (CI saw the AttributeError once)
        loop = self._loop
        timer = self._timer = loop.call_later(max(when - loop.time(), 0.001), self._sweep)
        self._timer_when = timer.when()

    def _sweep(self) -> None:
        """Fail every command past its deadline, saying where its time went; re-arm for the next one."""
        self._timer = None
        now = self._loop.time()
        proto = self._proto
        # the last commands of the FIFO may be encoded and not yet written (they did not run)
        unwritten = commands_in(proto.out) if proto is not None and proto.out else 0
        default = self._default_timeout
        for fut, when, timeout in self._per_call.expired_timed(now):
            started = None if timeout is None else when - timeout
            self._time_out(fut, timeout, now, started, *self._where(fut, None, unwritten))
        # A command still waiting for capacity was never sent: once it timed out (or its
        # caller gave up) it leaves the queue now, not when replies make room, so a long
        # stall holds at most the commands that can still succeed.
        queue = self._queue
        # what held them, said once per sweep: a sweep after a stall fails thousands at once, and a failure
        # must cost less than a success, or a client behind its arrivals falls further behind
        held = None
        while queue:
            fut = queue[0]
            if not fut.done():
                deadline = fut.deadline
                if deadline == CUSTOM_DEADLINE or deadline > now:
                    break
                if held is None:
                    held = self._held_by()
                self._time_out(fut, default, now, _started(deadline, default), QUEUED, held)
            queue.popleft()
            fut.payload = None
            self.budget.unqueue(fut)
        if self._budget_head is not None and (not queue or queue[0] is not self._budget_head):
            self._drain()  # the first command waiting for max_memory_bytes left: the next may fit
        late, next_deadline = expired_at_head(queue, now)
        for _, fut in late:
            if held is None:
                held = self._held_by()
            self._time_out(fut, default, now, _started(fut.deadline, default), QUEUED, held)
        if proto is not None:
            late, deadline = expired_at_head(proto.pending, now)
            next_deadline = min(next_deadline, deadline)
            for index, fut in late:
                self._time_out(fut, default, now, _started(fut.deadline, default), *self._where(fut, index, unwritten))
        next_deadline = min(next_deadline, self._per_call.next_deadline())
        if proto is not None:
            next_deadline = min(next_deadline, self._late_reply_check(proto, now))
        if next_deadline != NO_DEADLINE:
            self._arm(next_deadline)

    def _time_out(
        self, fut: CommandFuture[Any], timeout: float | None, now: float, started: float | None, stage: str | None,
        detail: str,
    ) -> None:
        self.stats_timeouts += 1
        self._late_watch = True  # its reply may be owed behind one still to come: the sweep looks again
        payload = getattr(fut, "payload", None)
        # sent: the time _drain stamped on it, or its call when it went out at once (not known when kept)
        sent = payload if payload.__class__ is float else (None if self.keeps_commands else started)
        if payload.__class__ is not Packed:
            fut.payload = None  # arguments of a command never sent; kept bytes leave with the reply
            self.budget.unqueue(fut)
        error = timeout_error(fut, self.options.address, timeout, stage, started, sent, now, detail)
        if stage == QUEUED and self._proto is None:
            error.__cause__ = self.last_connect_error  # it waited for a socket: why there is none (None: connecting)
        fut.set_exception(error)

    if TYPE_CHECKING:  # provided by Connection, WaitQueue, StagesOf, LateReplies and LoopBinding

        def _submit(self, args: Any, fut: CommandFuture[Any]) -> None: ...
        def _unbound(self, args: Any, parse: ParseT, timeout: float | None, timed: bool) -> Any: ...
        def _bind_loop(self, loop: asyncio.AbstractEventLoop | None) -> None: ...
        def _drain(self) -> None: ...
        def _where(self, fut: CommandFuture[Any], index: int | None, unwritten: int) -> tuple[str | None, str]: ...
        def _held_by(self) -> str: ...
        def _late_reply_check(self, proto: RedisProtocol, now: float) -> float: ...
