"""Replies owed to callers who gave up: read and dropped, unless they never come (a mixin of ``Connection``).

A command given up (its timeout passed, or its caller cancelled it) stays in
the FIFO: its reply must still be read for the ones behind it to match their
callers. A server that never sends it (stalled, or trickling a huge reply)
would make every later command wait behind it; so once the oldest reply owed
is a given-up command's, it has ``late_reply_timeout`` to come, then the
socket is dropped and made again.

The clock starts when the caller gives up, or, for a command given up
behind one whose reply is still to come, when a check first finds it
oldest. Nothing of this runs per command: a timeout is found by the
deadline sweep, a cancel tells the connections of its loop
(``future.watch_give_ups``), and each arms its one timer, whatever
``socket_timeout`` is (None included).
"""

from __future__ import annotations

import asyncio
import weakref
from typing import TYPE_CHECKING, Any

from ..exceptions import ConnectionError
from ..future import NO_DEADLINE, CommandFuture
from .protocol import RedisProtocol, command_name

if TYPE_CHECKING:
    from ..options import ConnectionOptions


class LateReplies:
    """The late-reply watch of one connection; see the module docstring."""

    options: ConnectionOptions
    stats_late_drops: int
    _loop: asyncio.AbstractEventLoop
    # a given-up command whose reply is still owed, weakly: once its reply came, nothing may keep
    # it (its exception's traceback holds its caller's frames) until the next timer check
    _late_head: weakref.ref[CommandFuture[Any]] | None
    _late_since: float
    # a command was given up since the last check found none owed: look again until none is
    _late_watch: bool
    _proto: RedisProtocol | None
    _timer: asyncio.TimerHandle | None

    def caller_gave_up(self) -> None:
        """A command future of this loop was cancelled (perhaps one of ours): watch the replies owed."""
        proto = self._proto
        if proto is None or not proto.pending:
            return
        self._late_watch = True
        now = self._loop.time()
        if proto.pending[0].done():
            when = self._late_reply_check(proto, now)  # the oldest reply owed is a given-up one: from now
        else:
            when = now + self.options.late_reply_timeout  # one behind: look again then
        if when != NO_DEADLINE and (self._timer is None or self._timer.when() > when):
            self._arm(when)

    def _late_reply_check(self, proto: RedisProtocol, now: float) -> float:
        """The oldest reply owed is a given-up command's: allow it ``late_reply_timeout``, then drop the socket.

        Returns when to look again (NO_DEADLINE: nothing to watch).
        """
        pending = proto.pending
        head = pending[0] if pending else None
        if head is None or not head.done():
            self._late_head = None
            if head is not None and self._late_watch:
                for fut in pending:  # a slow path: a check after a give-up, once per late_reply_timeout at most
                    if fut.done():
                        return now + self.options.late_reply_timeout  # it may become the oldest: look again
            self._late_watch = False
            return NO_DEADLINE
        if self._late_head is None or self._late_head() is not head:
            self._late_head = weakref.ref(head)
            self._late_since = now
        limit = self._late_since + self.options.late_reply_timeout
        if now < limit:
            return limit
        self._late_head = None
        self._late_watch = False
        self.stats_late_drops += 1
        self.abandon_socket(
            proto,
            ConnectionError(
                f"the reply to {command_name(head.name)}, given up by its caller, has not arrived "
                f"{self.options.late_reply_timeout} s later (late_reply_timeout): the server is stalled or "
                "trickling a reply; connection dropped by the client and made again"
            ),
        )
        if proto.transport is not None:
            proto.transport.abort()  # connection_lost fails what was pending, with that reason
        return NO_DEADLINE

    if TYPE_CHECKING:  # provided by Connection and Lifecycle

        def abandon_socket(self, proto: RedisProtocol, reason: Exception | None) -> None: ...

        def _arm(self, when: float) -> None: ...
