"""One socket: bytes in, replies routed in order to their callers, pushes apart.

``RedisProtocol`` is a thin ``asyncio.Protocol`` over the sans-IO reader. It
holds the out-buffer (everything encoded this loop iteration, written once by
``flush`` and then dropped: release on send), the FIFO of futures waiting for
replies, and the room check that bounds both (``has_room``, the one
definition of "may another command be encoded now"). What may be sent, when
to reconnect and what to do with a push is its owner's business
(``Connection``).

Its two sides are mixins of their own: ``Replies`` (``replies.py``: bytes
in, each reply routed to its caller; the routes off its fast path in
``routes.py``) and ``Writes`` (``writes.py``: commands encoded into the
out-buffer and written). Here: the state both share, the
bounds, the transport's callbacks and the teardown that fails every caller.
"""

from __future__ import annotations

import asyncio
import sys
from collections import deque
from typing import TYPE_CHECKING, Any

from ..budget import CONNECTION_OVERHEAD, ROOM_STEP
from ..exceptions import ConnectionError, ProtocolError
from ..future import CommandFuture
from ..resp import HIREDIS_AVAILABLE, PythonParser
from ..resp.limits import CURSOR_READABLE, limit_elements
from .replies import (  # noqa: F401 - Collect, command_name and the reader's markers: importable from here too
    MORE,
    STRICT,
    Collect,
    Replies,
    _take_decode_failure,
    command_name,
)
from .routes import SlowRoutes
from .writes import Batch, Packed, Release, Writes, _pack  # noqa: F401 - importable from here too

# asyncio's selector transport copies the unsent rest of a write into its own buffer (3.12 keeps a memoryview)
_COPYING_ASYNCIO = sys.version_info < (3, 12)

if HIREDIS_AVAILABLE:
    from ..resp import make_reader

if TYPE_CHECKING:
    from .core import Connection


def commands_in(buffer: bytes | bytearray) -> int:
    """How many whole commands an out-buffer holds (each is one RESP array); slow path only.

    0 when it cannot tell (an aggregate past the parser's bound): every command then counts
    as written, which is the cautious answer for ``possibly_executed``.
    """
    reader = PythonParser(not_enough_data=MORE)
    reader.feed(buffer)
    found = 0
    try:
        while reader.gets() is not MORE:
            found += 1
    except Exception:  # noqa: BLE001 - teardown must go on: "possibly executed" for all is still true
        return 0
    return found


class RedisProtocol(Replies, SlowRoutes, Writes, asyncio.Protocol):
    """One socket: the out-buffer, the FIFO of pending futures, the reader. See the module docstring."""

    def __init__(self, owner: Connection) -> None:
        self._owner: Connection | None = owner
        self._loop = owner._loop
        self.transport: asyncio.Transport | None = None
        self.pending: deque[CommandFuture[Any]] = deque()
        self.out = bytearray()
        self.flush_scheduled = False
        self.write_paused = False
        self.closed = False
        self.received = False  # the server sent something: backoff resets only then
        self.adopted = False  # the dial handed it over: its loss is the connection's, not the dial's
        self.bytes_in = 0
        self.drop_reason: Exception | None = None  # an error the server sent unasked before hanging up
        # replies that must skip decode_responses (DUMP): rare, so counted
        self.raw_pending = 0
        # pipelines pending (Collect futures), and the replies they owe beyond one each: max_inflight
        # below is lowered by the latter while they are owed, so the admission checks stay one compare
        self.collecting = 0
        self.batched = 0
        options = owner.options
        self.max_inflight = options.max_inflight
        self.max_buffered = options.max_buffered_bytes
        # max_memory_bytes (shared by every connection of the client): the out-buffer holds ``out_room`` of it,
        # taken in steps when a command takes the buffer past it (``take_room``: the fast path only compares
        # lengths) and given back at the write; kept bytes per kept command, the transport's buffer per write
        # (``written``), the reply being read per read (``reply_charged``) and the socket itself once
        self.budget = owner.budget
        self.out_room = 0
        # what Connection.execute lets the out-buffer reach before its slow path (_make_room): min(out_room,
        # max_buffered_bytes), so that one length compare per command checks both bounds; on a connection that
        # keeps its commands, also the kept bytes' room and bound (``set_kept_cap``)
        self.out_cap = 0
        self.written = 0
        # the writes the transport may still hold, as (end offset in the stream, size): uvloop keeps a write's
        # object whole until its last byte is sent (asyncio copies what the kernel did not take), so each is
        # charged whole while any byte of it is held; ``handed`` counts every byte handed to the transport
        self.writes: deque[tuple[int, int]] = deque()
        self.writes_size = 0
        self.handed = 0
        self.whole_writes = True  # set per transport in connection_made
        self.reply_charged = 0
        # a reply that needs more than is left of max_memory_bytes pauses reading (``_wait_to_read``): the
        # bytes it reserved, its timer and its deadline
        self.memory_wait = 0
        self._memory_timer: asyncio.TimerHandle | None = None
        self._memory_deadline = 0.0
        self.socket_charged = False
        # a connection that may have to re-send (cluster redirects) keeps each command's bytes
        # until its reply; they count against max_buffered_bytes. Counted per write, not per command (an
        # add and its int per command were a tenth of a cluster SET): every byte of the out-buffer but
        # ``out_unkept`` (pipelines, handshake steps) is a command kept, and ``flush`` moves them into
        # ``kept_bytes`` as one entry of ``kept_writes`` (the count of futures ever pending when its last
        # one is answered, its size), which leaves once that many are answered (``_answered``): a write
        # partly answered stays counted whole until its last reply (``kept_now`` is the sum)
        self.keep = owner.keeps_commands
        self.kept_bytes = 0
        self.out_unkept = 0
        self.kept_writes: deque[tuple[int, int]] = deque()
        self.answered = 0  # futures taken off ``pending`` by replies, ever (a keeping connection's)
        # what the kept bytes hold of max_memory_bytes, taken as out_room is (``take_kept_room``, a step ahead) so
        # that a kept command only adds its size and compares; given back down to ``kept_now()`` after each read
        self.kept_room = 0
        # keeping since set_retry switched it on: commands sent by the plain fast path (callers that
        # captured ``Connection.execute`` before) are kept at the write, from the out-buffer (see keep_from_now)
        self.keep_at_write = owner.keeps_at_write
        encoding = options.encoding if options.decode_responses else None
        # bytes replies and nothing kept: no decode failure to look for, no kept bytes to release
        self._plain = encoding is None and not self.keep
        self._kept_plain = encoding is None and self.keep  # bytes replies, kept commands: a loop of their own
        errors = options.encoding_errors
        self._encoding = encoding
        self._errors = STRICT if errors == "strict" else errors
        self._python_only = options.parser == "python" or not HIREDIS_AVAILABLE
        self.max_reply = options.max_reply_bytes
        self._max_elements = max(16, options.max_reply_bytes // 3)  # each element takes 3 bytes at least
        # bytes read since the last reply ended (within one read: see data_received); both readers let go
        # of an aggregate's elements once built, so what they hold is not what the reply has cost
        self.arriving = 0
        self._ended = False  # a reply ended in this read where data_received's locals cannot tell (push, slow loop)
        if self._python_only:
            self._reader: Any = self._python_reader()
        else:
            self._reader = make_reader(encoding, self._errors, not_enough_data=MORE)
            limit_elements(self._reader, self._max_elements)
        self._peek_bulk = not self._python_only and CURSOR_READABLE
        self._fast_reader = self._reader
        # hiredis hands a RESP3 attribute over as a reply of its own: watch for them
        self._watch_attributes = options.protocol == 3 and not self._python_only
        self.lost: asyncio.Future[None] = self._loop.create_future()

    def _python_reader(self) -> PythonParser:
        reader = PythonParser(self._encoding, self._errors, not_enough_data=MORE)
        reader.max_elements = self._max_elements
        reader.max_bulk = self.max_reply
        return reader

    # -- the bounds --------------------------------------------------------------
    @property
    def inflight(self) -> int:
        """Replies owed: one per pending future, and a pipeline's future owes its ``count``."""
        return len(self.pending) + self.batched

    def has_room(self) -> bool:
        """May one more command be encoded now: under max_inflight, under max_buffered_bytes, writable,
        and some of max_memory_bytes left (each path then checks the command's own encoded size against
        what is left: ``encode`` and ``Connection``'s fast paths)."""
        budget = self.budget
        return (
            len(self.pending) < self.max_inflight
            and len(self.out) + self.kept_now() < self.max_buffered
            and not self.write_paused
            and budget.used < budget.limit
        )

    def take_room(self, force: bool = False) -> bool:
        """The out-buffer grew past ``out_room``: take what it lacks of max_memory_bytes, and a step more (an
        eighth of what is left, at most ``ROOM_STEP``) so that the next commands of this loop iteration need
        no call. False, nothing taken, when what it lacks is not left (``force``: taken anyway)."""
        budget = self.budget
        need = len(self.out) - self.out_room
        left = budget.limit - budget.used
        if need > left and not force:
            return False
        if left > need:
            step = (left - need) >> 3
            need += step if step < ROOM_STEP else ROOM_STEP
        room = self.out_room = self.out_room + need
        budget.used += need
        if self.keep:
            self.set_kept_cap(self.kept_now())
        else:
            self.out_cap = room if room < self.max_buffered else self.max_buffered
        return True

    def take_kept_room(self, kept: int) -> bool:
        """The out-buffer (the command just encoded last in it) and ``kept`` kept bytes (its copy counted) passed
        the room they hold of max_memory_bytes: take what they lack, the kept bytes a step more (as ``take_room``).
        False, nothing taken, when what they lack is not left."""
        budget = self.budget
        out = len(self.out)
        out_room = self.out_room
        kept_room = self.kept_room
        lacks = out - out_room
        need = kept - kept_room
        left = budget.limit - budget.used
        if (lacks if lacks > 0 else 0) + (need if need > 0 else 0) > left:
            return False
        # take_room(force=True) and set_kept_cap inlined, min() as comparisons: once per loop iteration and
        # connection, a cluster's burst pays this three times as often per command as a single connection
        if lacks > 0:
            if left > lacks:
                step = (left - lacks) >> 3
                lacks += step if step < ROOM_STEP else ROOM_STEP
            out_room = self.out_room = out_room + lacks
            budget.used += lacks
            left -= lacks
        if need > 0:
            if left > need:
                step = (left - need) >> 3
                need += step if step < ROOM_STEP else ROOM_STEP
            kept_room = self.kept_room = kept_room + need
            budget.used += need
        cap = out + kept_room - kept
        if out_room < cap:
            cap = out_room
        bound = out + (self.max_buffered - out - kept) // 2
        self.out_cap = cap if cap < bound else bound
        return True

    def set_kept_cap(self, kept: int) -> None:
        """A keeping connection's ``out_cap``: how far the out-buffer may grow while each kept command adds as many
        bytes to the ``kept`` bytes as to it, both within their rooms and together under max_buffered_bytes, so
        that one length compare per command checks the three (``Connection._execute_keeping``). Replies only
        lower the kept bytes; whatever lowers a room, or adds kept bytes and not as many to the out-buffer, sets
        it again (the out-buffer emptied by a write sets it to 0)."""
        out = len(self.out)
        cap = out + self.kept_room - kept
        if self.out_room < cap:
            cap = self.out_room
        bound = out + (self.max_buffered - out - kept) // 2  # min() as comparisons: a builtin call is dearer
        self.out_cap = cap if cap < bound else bound

    def kept_now(self) -> int:
        """The bytes kept for a redirect now: the writes not wholly answered, and the kept commands not written yet."""
        if not self.keep:
            return 0
        return self.kept_bytes + len(self.out) - self.out_unkept

    def _answered(self, count: int) -> None:
        """A read took ``count`` futures off ``pending`` (a keeping connection's): the writes wholly answered
        leave the kept bytes, and the room beyond what is kept goes back. Once per read, not per reply; with
        ``count`` 0 (kept commands left otherwise, a handshake step's), only the room beyond goes back."""
        if count:
            answered = self.answered = self.answered + count
            writes = self.kept_writes
            if not self.pending:  # all answered (a future re-sent here in the read made the count short)
                writes.clear()
                self.kept_bytes = 0
            else:
                while writes and writes[0][0] <= answered:
                    self.kept_bytes -= writes.popleft()[1]
        out = len(self.out)
        kept = self.kept_bytes + out - self.out_unkept
        excess = self.kept_room - kept
        if excess > 0:
            self.kept_room = kept
            # set_kept_cap(kept) inlined (once per read): the kept room is the kept bytes now, so the cap is
            # the least of the out-buffer's room, the out-buffer itself and the bound's share
            cap = self.out_room if self.out_room < out else out
            bound = out + (self.max_buffered - out - kept) // 2
            self.out_cap = cap if cap < bound else bound
            budget = self.budget
            budget.used -= excess
            if budget.waiting:
                budget.wake()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        transport.set_write_buffer_limits(high=self.max_buffered)  # type: ignore[attr-defined]
        # asyncio's plain socket transport before Python 3.12 copies what the kernel did not take and drops the
        # object written: only what it reports is held. uvloop, 3.12's asyncio and TLS keep the object: whole
        self.whole_writes = not (_COPYING_ASYNCIO and transport.__class__.__module__ == "asyncio.selector_events")
        budget = self.budget
        budget.used += CONNECTION_OVERHEAD
        budget.connections += CONNECTION_OVERHEAD
        budget.protocols.add(self)
        self.socket_charged = True

    def _give_back(self) -> None:
        """What this socket's commands and reply hold leaves the budget (its callers were failed)."""
        self._end_memory_wait()
        budget = self.budget
        budget.used -= self.out_room + self.kept_room + self.written + self.reply_charged
        budget.written -= self.written
        budget.replies -= self.reply_charged
        self.out = bytearray()
        self.out_room = self.out_cap = self.kept_bytes = self.kept_room = self.written = self.reply_charged = 0
        self.out_unkept = 0
        self.kept_writes.clear()
        self.writes.clear()
        self.writes_size = 0
        if budget.waiting:
            budget.wake()

    def _sync_written(self) -> None:
        """The transport's buffer as it is now (the kernel took some): every write it still holds a byte of is
        charged whole (see ``writes``), the others are given back."""
        transport = self.transport
        held = transport.get_write_buffer_size() if transport is not None else 0
        writes = self.writes
        if held:
            consumed = self.handed - held
            while writes and writes[0][0] <= consumed:
                self.writes_size -= writes.popleft()[1]
            charge = max(self.writes_size, held)
        else:
            writes.clear()
            self.writes_size = charge = 0
        delta = charge - self.written
        if delta:
            self.written = charge
            budget = self.budget
            budget.used += delta
            budget.written += delta

    def pause_writing(self) -> None:
        self.write_paused = True

    def resume_writing(self) -> None:
        self.write_paused = False
        if self.written:
            self._sync_written()
        owner = self._owner
        if owner is not None and owner._queue:
            owner._drain()

    def eof_received(self) -> bool | None:
        return None  # close the transport; connection_lost follows

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        owner = self._owner
        self._owner = None
        address = owner.options.address if owner is not None else "server"
        pending = self.pending
        self.pending = deque()
        count = len(pending)
        reason = self.drop_reason or exc
        # the last ones were encoded after the last write (the socket died within this loop iteration):
        # never written, so they did not run. Counted in commands: a pipeline's future stands for several
        written = count + self.batched - (commands_in(self.out) if self.out else 0)
        self.max_inflight += self.batched
        self.collecting = self.batched = 0
        # the owner may send a kept command again (a read whose reply was lost): it says so by taking it
        retry = owner.on_lost_command if owner is not None and self.keep else None
        index = 0
        for fut in pending:
            first = index  # of this entry's commands; a pipeline partly written may have run in part
            parse = fut.parse
            index += parse.count if parse.__class__ is Collect else 1  # type: ignore[union-attr]
            kept = getattr(fut, "payload", None) if retry is not None else None  # unset on the fast path
            fut.payload = None
            if not fut.done():
                err = ConnectionError(
                    f"connection to {address} lost with {count} command(s) pending" + (f": {reason}" if reason else "")
                )
                err.possibly_executed = first < written  # written: the server may have run it
                err.__cause__ = reason
                if retry is not None and kept.__class__ is Packed and retry(fut, err, kept):
                    continue
                fut.set_exception(err)
        pending.clear()
        self._leave_budget()
        self._reader = None
        self._fast_reader = None
        self.transport = None
        if not self.lost.done():
            self.lost.set_result(None)
        if owner is not None:
            owner._on_lost(self, exc)

    def forget(self) -> None:
        """Its loop was closed under it (a client used again from a new ``asyncio.run``): nothing of it can run
        again. What it held leaves the budget, as ``connection_lost`` would have given it back; its callers
        are futures of the closed loop, dropped with it. The socket closes with its transport's collection."""
        if self.closed:
            return  # connection_lost gave everything back already
        self.closed = True
        self._owner = None
        self.pending = deque()
        self._leave_budget()

    def _leave_budget(self) -> None:
        """Everything this socket held leaves the budget, its overhead too (the socket is gone)."""
        self._give_back()
        budget = self.budget
        budget.protocols.discard(self)
        if self.socket_charged:
            self.socket_charged = False
            budget.used -= CONNECTION_OVERHEAD
            budget.connections -= CONNECTION_OVERHEAD

    # -- used by the owner and the dialer ------------------------------------------------
    def _broken(self, exc: BaseException) -> None:
        """The byte stream cannot be trusted: fail everything, close the socket."""
        _take_decode_failure()
        self._fail_all(ProtocolError, f"malformed reply from the server, connection closed: {exc}")

    def _fail_all(self, error: type[Exception], text: str) -> None:
        """Every caller waiting on this socket fails once with ``error(text)``; the socket is aborted.

        Its owner lets go of it now, not when the close is reported: nothing more is written to it, and
        the next command goes to a new connection.
        """
        owner = self._owner
        reason = error(text)
        self._give_back()  # what is encoded here belongs to the callers failed below: never written
        if owner is not None:
            owner.stats_protocol_errors += 1
            owner.abandon_socket(self, reason)
        else:
            self.drop_reason = reason
        pending = self.pending
        self.pending = deque()
        for fut in pending:
            fut.payload = None
            if not fut.done():
                fut.set_exception(error(text))
        self.max_inflight += self.batched
        self.collecting = self.batched = 0
        transport = self.transport
        if transport is not None:
            transport.abort()  # connection_lost will follow and clean up the rest

    def resp2(self) -> None:
        """The server has no HELLO: RESP2 from now on, so no RESP3 attribute to watch for."""
        self._watch_attributes = False

    def abandon(self) -> None:
        """Nobody will own this socket (a failed or cancelled connect): abort it now."""
        self._owner = None
        transport = self.transport
        if transport is not None:
            transport.abort()

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()
