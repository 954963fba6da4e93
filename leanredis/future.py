"""CommandFuture: what a command method returns.

An ``asyncio.Future`` that is also a coroutine object. ``asyncio.gather``
takes a future as it is (no Task per command: the batch and flood figures
of ``shared/bench/limit_proto.py`` show a Task each costs 65-79% of the
throughput), while ``asyncio.create_task(r.get(k))``, which redis.asyncio
users write and which only accepts coroutines, still works: the Task drives
it through ``send``/``throw`` like any coroutine.

The slots carry what the connection needs to finish the command and nothing
else: how to parse the reply, when it times out, its name for messages, and
the arguments while it waits for capacity (dropped once encoded).
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

T = TypeVar("T")

# No timeout: a deadline that never comes. A per-call timeout is marked with
# CUSTOM_DEADLINE in the slot and kept in the connection's heap instead.
NO_DEADLINE = float("inf")
CUSTOM_DEADLINE = -1.0


if TYPE_CHECKING:
    # What a command future is at run time too (collections.abc.Coroutine recognises send, throw, close
    # and __await__), said to type checkers so that asyncio.create_task(r.get(k)) is a Task[T]; at run
    # time the base stays asyncio.Future, whose C fast paths a declared ABC base would not change, but
    # which costs nothing to leave as it is.
    class _FutureCoroutine(asyncio.Future[T], Coroutine[Any, Any, T]):
        pass

else:
    _FutureCoroutine = asyncio.Future


class CommandFuture(_FutureCoroutine[T]):
    """The pending result of one command: await it, gather it, or wrap it in a Task."""

    # charge: the bytes of a redirected command charged to max_memory_bytes while it waits in a queue (else unset)
    __slots__ = ("parse", "deadline", "name", "payload", "charge")

    parse: Callable[[Any], Any] | None
    deadline: float
    name: Any
    payload: Any
    charge: int

    # The coroutine protocol, so that asyncio.create_task() and
    # asyncio.ensure_future() accept the object. A Task calls send(None):
    # while pending we yield ourselves as the future to wait on.
    def send(self, value: object) -> CommandFuture[T]:
        """Coroutine protocol: yield self while pending, then stop with the result."""
        if self.done():
            raise StopIteration(self.result())
        self._asyncio_future_blocking = True
        return self

    def throw(self, typ: Any, val: Any = None, tb: Any = None) -> CommandFuture[T]:
        """Coroutine protocol: an exception thrown in (a cancellation) is raised as is."""
        if val is None:
            val = typ() if isinstance(typ, type) else typ
        if tb is not None:
            val = val.with_traceback(tb)
        raise val

    def cancel(self, msg: Any = None) -> bool:
        """Stop waiting; the arguments of a command not yet sent are dropped now, not when it is dequeued.

        Bytes a connection keeps for a redirect stay until the reply: they are in its bounds. The
        connections of this loop are told (``watch_give_ups``): a reply may now be owed to nobody.
        """
        if getattr(self, "payload", None).__class__ is tuple:
            self.payload = None
        if not super().cancel(msg):
            return False
        _gave_up(self.get_loop())
        return True

    def close(self) -> None:
        """Coroutine protocol: nothing to clean up; the connection owns the entry."""


class GiveUpWatcher(Protocol):
    def caller_gave_up(self) -> None: ...


class _Watchers:
    """The connections of one loop, and whether they are to be told of a cancel in this iteration."""

    __slots__ = ("connections", "scheduled")

    def __init__(self) -> None:
        self.connections: weakref.WeakSet[GiveUpWatcher] = weakref.WeakSet()
        self.scheduled = False


# A future does not know its connection: a reference per command would cost memory and a store on
# the hot path. A cancel is rare, so it tells every connection of its loop instead, once per loop
# iteration; each then looks at its own replies owed (connection.late).
_WATCHERS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Watchers] = weakref.WeakKeyDictionary()


def watch_give_ups(loop: asyncio.AbstractEventLoop, connection: GiveUpWatcher) -> None:
    """Call ``connection.caller_gave_up()`` soon after a command future of ``loop`` is cancelled (weakly held)."""
    watchers = _WATCHERS.get(loop)
    if watchers is None:
        watchers = _WATCHERS[loop] = _Watchers()
    watchers.connections.add(connection)


def _gave_up(loop: asyncio.AbstractEventLoop) -> None:
    watchers = _WATCHERS.get(loop)
    if watchers is None or watchers.scheduled or loop.is_closed():
        return
    watchers.scheduled = True
    loop.call_soon(_tell, watchers)


def _tell(watchers: _Watchers) -> None:
    watchers.scheduled = False
    for connection in list(watchers.connections):
        connection.caller_gave_up()


def raw_reply(reply: Any) -> Any:
    """Reply parser that also tells the connection not to decode this reply.

    DUMP and FUNCTION DUMP return binary payloads that must stay bytes even
    with ``decode_responses=True``; their methods name this parser, and the
    connection checks for it by identity (no command names below the client).
    """
    return reply


def wake_first(waiters: Any) -> None:
    """Wake the oldest waiter still waiting (a deque of futures); the cancelled are dropped."""
    while waiters:
        waiter = waiters.popleft()
        if not waiter.done():
            waiter.set_result(None)
            return
