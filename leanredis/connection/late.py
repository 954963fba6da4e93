"""Replies owed to callers who gave up: read and dropped, unless they never come (a mixin of ``Connection``).

A command given up (its timeout passed, or its caller cancelled it) stays in
the FIFO: its reply must still be read for the ones behind it to match their
callers. A server that never sends it (stalled, or trickling a huge reply)
would make every later command wait behind it; so once the oldest reply owed
is a given-up command's, it has ``late_reply_timeout`` to come, then the
socket is dropped and made again.
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

    def _late_reply_check(self, proto: RedisProtocol, now: float) -> float:
        """The oldest reply owed is a given-up command's: allow it ``late_reply_timeout``, then drop the socket.

        Returns when to look again (NO_DEADLINE: nothing to watch).
        """
        pending = proto.pending
        head = pending[0] if pending else None
        if head is None or not head.done():
            self._late_head = None
            return NO_DEADLINE
        if self._late_head is None or self._late_head() is not head:
            self._late_head = weakref.ref(head)
            self._late_since = now
        limit = self._late_since + self.options.late_reply_timeout
        if now < limit:
            return limit
        self._late_head = None
        self.stats_late_drops += 1
        proto.drop_reason = ConnectionError(
            f"the reply to {command_name(head.name)}, given up by its caller, has not arrived "
            f"{self.options.late_reply_timeout} s later (late_reply_timeout): the server is stalled or "
            "trickling a reply; connection dropped and made again"
        )
        self.drop()
        return NO_DEADLINE

    if TYPE_CHECKING:  # provided by Lifecycle

        def drop(self) -> None: ...
