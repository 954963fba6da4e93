"""Where a timed-out command's time went: still queued, written and unanswered, or answered late. No I/O.

A command's timeout runs from the call to its reply (``socket_timeout``),
so a user who sees ``TimeoutError`` needs to know whether the server was
slow or the command never left the client. Nothing is timestamped per
command for this; at timeout time the connection knows:

- where the command is: in the wait queue (never written); in the
  protocol's FIFO of replies owed, of which the last ones may still be in
  the out-buffer (encoded, never written: ``commands_in``); at its head
  with bytes of its reply already read (answered late);
- when it was called: its deadline less its timeout;
- when it left the queue, if it waited there: ``_drain`` leaves one time
  stamp per run on every future it sends (a float in ``payload``, shared,
  where ``None`` was stored before); without one it was sent at its call.

``possibly_executed`` follows: False when never written, True once written.
"""

from __future__ import annotations

from collections import deque
from itertools import islice
from typing import TYPE_CHECKING, Any

from ..exceptions import TimeoutError
from ..future import CommandFuture
from .protocol import Packed, command_name

if TYPE_CHECKING:
    from .protocol import RedisProtocol

QUEUED = "queued"  # never written: waiting for room under the bounds, for a socket, or in the out-buffer
UNANSWERED = "unanswered"  # written, no byte of its reply read yet
ANSWERED_LATE = "answered late"  # written, its reply had begun to arrive but was not complete

# the event loop reaching a deadline this much after it is worth saying (a blocked loop, not a slow server)
LOOP_LATE = 0.1


def timeout_error(
    fut: Any,
    address: str,
    timeout: float | None,
    stage: str | None,
    started: float | None,
    sent: float | None,
    now: float,
    detail: str,
) -> TimeoutError:
    """The TimeoutError for ``fut``: its stage, the seconds spent in each, whether the server may have run it.

    ``started``: when it was called (None: unknown); ``sent``: when it was
    encoded to be written (None: unknown, or never); ``detail``: what held it.
    """
    name = command_name(fut.name)
    what = f"after {timeout} s" if timeout is not None else "after its own timeout"
    queued = written = None
    if stage == QUEUED:
        queued = now - started if started is not None else None
        text = f"{name} to {address} timed out {what}, never written"
        text += f": queued {queued:.3f} s" if queued is not None else ""
        text += f" ({detail}); the server did not run it, it is safe to send again"
    elif stage in (UNANSWERED, ANSWERED_LATE):
        if sent is not None:
            written = now - sent
            if started is not None:
                queued = max(0.0, sent - started)
        text = f"{name} to {address} timed out {what}, {'written and unanswered' if stage == UNANSWERED else stage}"
        if queued is not None and written is not None:
            text += f": queued {queued:.3f} s, then written {written:.3f} s"
        elif started is not None:
            text += f": {now - started:.3f} s since the call"
        text += f" ({detail}); the server may have run it"
    else:
        text = f"{name} to {address} timed out {what}"
        if detail:
            text += f" ({detail})"
    if started is not None and timeout is not None:
        lag = now - (started + timeout)
        if lag > LOOP_LATE:
            text += f"; the event loop reached its deadline {lag:.3f} s late (busy or blocked)"
    text += "; its reply, if it comes, will be read and dropped" if stage != QUEUED else ""
    error = TimeoutError(text)
    error.stage = stage
    error.queued_seconds = queued
    error.written_seconds = written
    error.possibly_executed = None if stage is None else stage != QUEUED
    return error


class StagesOf:
    """Where a connection's timed-out command is (a mixin of ``Connection``: it shares its state)."""

    _queue: deque[CommandFuture[Any]]
    _proto: RedisProtocol | None
    _resends: dict[CommandFuture[Any], Any]
    keeps_commands: bool
    last_connect_error: Any

    if TYPE_CHECKING:  # provided by Lifecycle

        def connect_progress(self) -> str: ...

    def _where(self, fut: CommandFuture[Any], index: int | None, unwritten: int) -> tuple[str | None, str]:
        """(stage, what held it) of ``fut``; ``index``: its place among the replies owed, when known.

        ``unwritten``: how many of the last replies owed were encoded and not
        yet written. Without ``index`` (a timeout of its own) the place is found
        from its ``payload`` (arguments while it waits), the head of the FIFO
        and the unwritten tail, never by a search of the whole FIFO.
        """
        proto = self._proto
        if index is None:
            payload = getattr(fut, "payload", None)
            if payload.__class__ is tuple or (payload.__class__ is not float and fut in self._resends):
                return QUEUED, self._held_by()
            if self.keeps_commands and payload.__class__ is Packed and fut in self._queue:
                return QUEUED, self._held_by()  # a kept command waits with its bytes: rare, a search is fine
            if proto is None:
                return None, "its connection was lost"
            pending = proto.pending
            if pending and pending[0] is fut:
                index = 0
            elif unwritten and any(entry is fut for entry in islice(reversed(pending), unwritten)):
                index = len(pending) - 1
        if proto is None:
            return None, "its connection was lost"
        if index is not None and index >= len(proto.pending) - unwritten:
            return QUEUED, "encoded, the write not made yet"
        if index == 0 and proto.arriving:
            return ANSWERED_LATE, f"{proto.arriving} bytes of its reply read"
        transport = proto.transport
        unsent = transport.get_write_buffer_size() if transport is not None else 0
        held = f"{index} earlier replies still owed on the connection" if index else "no byte of its reply read"
        if unsent:
            held += f", {unsent} bytes still in the socket's write buffer"
        return UNANSWERED, held

    def _held_by(self) -> str:
        """What keeps the commands of the wait queue from being written (for a queued timeout)."""
        proto = self._proto
        if proto is None:
            return self.connect_progress()
        return (
            f"waiting for room: {len(proto.pending)} in flight, max_inflight={proto.max_inflight}; "
            f"{len(proto.out) + proto.kept_now()} bytes encoded, max_buffered_bytes={proto.max_buffered}"
            + ("; writes paused, the socket's buffer is full" if proto.write_paused else "")
            + f"; {len(self._queue)} in the queue"
        )
