"""The writes of a loop iteration: one callback writes every connection that has something to write.

The first command of a loop iteration on a connection hands its protocol to
its loop's ``Flusher`` (``Connection._schedule_flush``), and the first
protocol handed in an iteration schedules ``Flusher.run``, which calls each
one's ``flush`` in the order they were handed. One asyncio Handle per
iteration, not one per connection: a cluster burst writes several node
connections in most iterations, and a Handle (``call_soon``, its
``__init__``, ``_run``, ``Context.run``) costs 2,000-3,000 instructions on
asyncio's loop.

Every connection bound to a loop shares its flusher, looked up once when
the connection binds to the loop (``flusher_of``), never per command. The
connections hold it (and the loop's ready queue, while ``run`` is
scheduled); the table of flushers holds neither the loop nor the flusher:
a flusher reaches its loop through the protocols it holds, so a table that
kept it would keep a loop closed with a write pending, its sockets and
their callers' futures alive for as long as the process runs.
"""

from __future__ import annotations

import asyncio
import weakref
from collections import deque
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .protocol import RedisProtocol


class Flusher:
    """The protocols of one loop waiting for their write, in the order they asked; ``run`` writes them all."""

    __slots__ = ("protos", "scheduled", "__weakref__")

    def __init__(self) -> None:
        self.protos: deque[RedisProtocol] = deque()
        self.scheduled = False  # ``run`` is in the loop's ready queue: the next protocol only joins ``protos``

    def run(self) -> None:
        """Flush every protocol handed since the last run, oldest first.

        Each leaves ``protos`` before its ``flush`` is called, so that none is written twice
        and one that raises does not stop the others: its error goes to the loop's exception
        handler, as an error of its own callback did when each connection scheduled its own
        write. A connection lost or closed since it was handed has a flush with nothing to do
        (no transport, or an out-buffer ``aclose`` wrote already). Protocols handed while this
        runs are written by this run.
        """
        protos = self.protos
        while protos:  # mostly one to three: popleft called each time, cheaper than binding it once
            proto = protos.popleft()
            try:
                proto.flush()
            except (SystemExit, KeyboardInterrupt):
                # they stop the loop, as asyncio lets them; the ones not written yet are, at the next iteration
                if protos:
                    proto._loop.call_soon(self.run)
                else:
                    self.scheduled = False
                raise
            except BaseException as exc:  # what asyncio does with a callback's error: reported, the loop goes on
                proto._loop.call_exception_handler(
                    {"message": "writing to a Redis connection failed", "exception": exc, "protocol": proto}
                )
        self.scheduled = False


_FLUSHERS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, weakref.ref[Flusher]] = weakref.WeakKeyDictionary()


def flusher_of(loop: asyncio.AbstractEventLoop) -> Flusher:
    """The flusher every connection bound to ``loop`` shares (made when no live connection holds one)."""
    found = _FLUSHERS.get(loop)
    flusher = found() if found is not None else None
    if flusher is None:
        flusher = Flusher()
        _FLUSHERS[loop] = weakref.ref(flusher)
    return flusher
