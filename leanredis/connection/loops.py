"""The event loop a connection belongs to: bound at its first command, left when that loop has closed.

``LoopBinding`` is a part of ``Connection`` (a mixin: it shares the
connection's state). A connection may be built outside a loop (redis-py
allows it) and is bound at its first command; a command called outside any
loop is a coroutine that sends when run; a connection left on a loop that
has closed (``asyncio.run`` twice with one client) drops what belonged to
it. The idle trim (``memory.IdleTrim``) and the loop's flusher (``flusher.py``: one
callback writes every connection of the loop) are bound with the loop.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..future import CommandFuture, watch_give_ups
from ..memory import IdleTrim
from .deadlines import PerCallDeadlines
from .flusher import Flusher, flusher_of

if TYPE_CHECKING:
    from ..budget import MemoryBudget
    from .core import ParseT
    from .dialer import Backoff
    from .protocol import RedisProtocol

_get_ident = threading.get_ident


def thread_checkable(loop: asyncio.AbstractEventLoop | None) -> bool:
    """True for asyncio's own loops, whose ``_thread_id`` is the running thread's id while they run.

    ``asyncio._get_running_loop()`` calls getpid() each time on Python 3.11 (a system call,
    ~165 ns here, as much as creating the future). On asyncio's loops ``loop._thread_id ==
    get_ident()`` answers "is this loop running now, in this thread"; on others (uvloop) the
    thread the loop was bound in and ``loop.is_running()`` answer it: one loop runs per thread.
    """
    return isinstance(loop, asyncio.BaseEventLoop) and hasattr(loop, "_thread_id")


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


class LoopBinding:
    """The loop binding of ``Connection`` (a mixin: it shares the connection's state)."""

    _loop: asyncio.AbstractEventLoop
    _thread_check: bool
    _bound_thread: int
    _is_running: Callable[[], bool]
    _flusher: Flusher
    _flush_all: Callable[[], None]
    _proto: RedisProtocol | None
    _queue: deque[CommandFuture[Any]]
    _connecting: asyncio.Task[None] | None
    _timer: asyncio.TimerHandle | None
    _per_call: PerCallDeadlines
    _resends: dict[CommandFuture[Any], asyncio.TimerHandle]
    trim: IdleTrim | None
    budget: MemoryBudget
    backoff: Backoff
    stats_writes: int
    options: Any

    def _unbound(self, args: Any, parse: ParseT, timeout: float | None, timed: bool) -> Any:
        """A command called outside the loop the connection is bound to.

        Inside a running loop: bind to it and send; a connection left on a
        loop that has since closed (``asyncio.run`` twice with one client) is
        dropped first. Outside any loop (as in ``asyncio.run(r.ping())``,
        which redis.asyncio allows because its methods are coroutines):
        return a coroutine that sends when run.
        """
        loop = _running_loop()
        if loop is None:
            return self._send_later(args, parse, timeout, timed)
        self._adopt_loop(loop)
        if timed:
            return self.execute_with_timeout(args, parse, timeout)
        return self.execute(args, parse)

    def _adopt_loop(self, loop: asyncio.AbstractEventLoop) -> None:
        """Bind to the running ``loop``; a connection left on a loop since closed is dropped first."""
        if self._loop is not None and self._loop is not loop:
            if not self._loop.is_closed():
                raise RuntimeError(
                    f"this client's connection to {self.options.address} belongs to another running event loop; "
                    "create one client per loop"
                )
            self._abandon_closed_loop()
        self._bind_loop(loop)

    def _abandon_closed_loop(self) -> None:
        """Forget every object of a loop that was closed under us: none of it can run again."""
        if self._proto is not None:
            self._proto.forget()  # what it held of max_memory_bytes goes back: one socket's worth per new loop
        self._proto = None  # its transport and socket go with the old loop's objects
        self.budget.unqueue_all(self._queue)
        self._queue = deque()
        self._connecting = None
        self._timer = None
        self._per_call = PerCallDeadlines()
        self._resends = {}
        self.backoff.reset()

    async def _send_later(self, args: tuple[Any, ...], parse: ParseT, timeout: float | None, timed: bool) -> Any:
        if timed:
            return await self.execute_with_timeout(args, parse, timeout)
        return await self.execute(args, parse)

    # -- connecting --------------------------------------------------------
    def _bind_loop(self, loop: asyncio.AbstractEventLoop | None) -> None:
        """Every command from now on belongs to ``loop`` (None: bound at the first command)."""
        self._loop = loop  # type: ignore[assignment]
        self._thread_check = thread_checkable(loop)
        self._bound_thread = _get_ident()
        self._is_running = loop.is_running if loop is not None else bool
        if loop is not None:
            watch_give_ups(loop, self)
            self._flusher = flusher_of(loop)  # found here, once: the first command of an iteration hands it the socket
            self._flush_all = self._flusher.run  # bound once, not at each iteration's call_soon
        if self.trim is not None:
            self.trim.cancel()
        self.trim = None
        if loop is not None and IdleTrim.applies(self.options.trim_idle):
            self.trim = IdleTrim(
                loop, self.options.trim_idle_delay, self.options.trim_min_growth, self._writes, self._busy
            )

    def _writes(self) -> int:
        return self.stats_writes

    def _busy(self) -> bool:
        proto = self._proto
        return bool(self._queue or (proto is not None and proto.pending))

    if TYPE_CHECKING:  # provided by Connection, TimedCalls and LateReplies

        def caller_gave_up(self) -> None: ...
        def execute(self, args: tuple[Any, ...], parse: ParseT = None) -> CommandFuture[Any]: ...
        def execute_with_timeout(
            self, args: tuple[Any, ...], parse: ParseT, timeout: float | None
        ) -> CommandFuture[Any]: ...
