"""One socket: bytes in, replies routed in order to their callers, pushes apart.

``RedisProtocol`` is a thin ``asyncio.Protocol`` over the sans-IO reader. It
holds the out-buffer (everything encoded this loop iteration, written once by
``flush`` and then dropped: release on send), the FIFO of futures waiting for
replies, and the room check that bounds both (``has_room``, the one
definition of "may another command be encoded now"). What may be sent, when
to reconnect and what to do with a push is its owner's business
(``Connection``).

Routing rules, each one a reason for a branch below:

- a reply goes to the oldest pending future; a future already done
  (cancelled, timed out) has its late reply dropped;
- a RESP3 push (``>``) goes to the owner's ``on_push``, never to a caller;
- a reply that cannot be decoded (``decode_responses`` and bytes that are not
  in the encoding) fails the caller it belongs to with ``UnicodeDecodeError``
  and nobody else; a push that cannot be decoded is still a push (delivered
  with U+FFFD for the bad bytes, counted);
- a RESP3 attribute (``|``) annotates the reply after it and is not a reply:
  hiredis returns it as one, so a RESP3 connection watches its bytes for an
  attribute at a reply boundary and reads from there with the Python parser,
  which skips attributes, until it is between replies again;
- a pipeline is one pending future standing for its ``count`` replies in a
  row (its ``parse`` is a ``Collect``): they are gathered into one list,
  errors and undecodable replies as values in their places, and the future
  resolves to the list once the last one came. While one is pending the
  replies go through ``_route_collecting``;
- an error reply the owner can redirect (``on_redirect``: MOVED, ASK,
  TRYAGAIN for a cluster) is handed to it with the caller's own future;
- malformed bytes: every caller fails with ``ProtocolError`` and the socket
  is aborted (the stream cannot be trusted).
"""

from __future__ import annotations

import asyncio
import codecs
import sys
import threading
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..budget import CONNECTION_OVERHEAD, ROOM_STEP
from ..exceptions import (
    ConnectionError,
    DataError,
    ProtocolError,
    RedisError,
    ReplyTooLargeError,
    ResponseError,
    error_from_reply,
)
from ..future import NO_DEADLINE, CommandFuture, raw_reply
from ..resp import HIREDIS_AVAILABLE, Push, PythonParser, encode_command
from ..resp.limits import CURSOR_READABLE, bulk_owed, limit_elements

# asyncio's selector transport copies the unsent rest of a write into its own buffer (3.12 keeps a memoryview)
_COPYING_ASYNCIO = sys.version_info < (3, 12)

if HIREDIS_AVAILABLE:
    from hiredis import pack_command as _pack

    from ..resp import make_reader
else:  # pragma: no cover - hiredis is a runtime dependency
    _pack = None  # type: ignore[assignment]

if TYPE_CHECKING:
    from .core import Connection

_get_ident = threading.get_ident

# What the parsers return for "need more bytes": not False, which is a RESP3 #f reply.
MORE = object()
_MALFORMED = (ProtocolError, TypeError, IndexError)

# Decoding with errors="strict" would raise from inside the reader, after it consumed the
# reply, with nothing to say which reply it was. Readers get this handler instead: it notes
# the failure (per thread: one loop per thread) and lets the reply complete, so the failure is
# charged to the reply it belongs to.
_DECODE_FAILURES: list[tuple[int, UnicodeDecodeError]] = []
STRICT = "leanredis.strict"


def _note_decode_failure(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    _DECODE_FAILURES.append((_get_ident(), exc))
    return "\ufffd", exc.end


codecs.register_error(STRICT, _note_decode_failure)


def _take_decode_failure() -> UnicodeDecodeError | None:
    """This thread's first noted failure (the others of this thread are the same reply's)."""
    me = _get_ident()
    mine = [entry for entry in _DECODE_FAILURES if entry[0] == me]
    if not mine:
        return None
    _DECODE_FAILURES[:] = [entry for entry in _DECODE_FAILURES if entry[0] != me]
    return mine[0][1]


def command_name(name: Any) -> str:
    """A command's name for messages, at most 32 characters."""
    if isinstance(name, (bytes, bytearray)):
        return bytes(name[:32]).decode("utf-8", "replace")
    return str(name)[:32]


def unparsable(fut: CommandFuture[Any], exc: Exception) -> ProtocolError:
    return ProtocolError(f"cannot parse reply to {command_name(fut.name)}: {exc!r}")


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


def _command_end(buffer: bytes | bytearray, start: int) -> int:
    """Where the command at ``start`` of an out-buffer ends: ``*N`` then N bulk strings, as we encode them."""
    end = buffer.index(b"\r\n", start)
    count = int(buffer[start + 1 : end])
    position = end + 2
    for _ in range(count):
        end = buffer.index(b"\r\n", position)
        position = end + 2 + int(buffer[position + 1 : end]) + 2
    return position


def refused(exc: Exception, max_elements: int) -> str:
    """What a reader refused at a header ("... length out of range"), for ReplyTooLargeError's message."""
    text = str(exc)
    if text.startswith("bulk length out of range: "):  # the Python parser's, past its max_bulk
        return f"it announces a bulk string of {text.rsplit(' ', 1)[-1]} bytes"
    if "bulk string" in text.lower():  # hiredis's own bound, past SIZE_MAX
        return "it announces a bulk string past it"
    return f"it announces an aggregate of more than {max_elements} elements"


#: A command already encoded, kept for a redirect or a retry: the very ``bytes`` object that was
#: written, held by reference (no wrapper, no copy); re-sent as these bytes, never encoded again.
#: Nothing else a future carries as its ``payload`` is ``bytes`` (arguments waiting are a tuple, a
#: pipeline a ``Batch``, a send time a float), so ``payload.__class__ is Packed`` tells kept bytes apart.
Packed = bytes


class Collect:
    """The ``parse`` of a future standing for ``count`` replies in a row (a pipeline): their list, in order.

    A reply that is an error stays a ``ResponseError`` value in its place, one that cannot be
    decoded a ``UnicodeDecodeError``: the pipeline applies the parsers (and raises) in one pass.
    """

    __slots__ = ("count", "replies")

    def __init__(self, count: int) -> None:
        self.count = count
        self.replies: list[Any] = []

    def __call__(self, reply: Any) -> Any:  # never called as a parser: the routes collect instead
        raise TypeError("a pipeline's replies are collected, not parsed one by one")


class Batch:
    """Commands encoded together or not at all, nothing between them (a pipeline, MULTI..EXEC): one unit.

    The payload of its future while it waits for room in the connection's queue: the
    commands' ``(args, parse)`` as the pipeline recorded them (not copied) and what goes
    around them (MULTI and EXEC), never encoded bytes.
    """

    __slots__ = ("commands", "around", "release")

    def __init__(
        self, commands: list[tuple[Any, Any]], around: tuple[Any, Any] | None, release: Release | None = None
    ) -> None:
        self.commands = commands
        self.around = around
        # (size, hook): once encoded, hook(positions of the commands encoded longer than size bytes), so
        # that a caller keeping its short commands for messages lets go of the long ones' values
        self.release = release


Release = tuple[int, Callable[[list[int]], None]]


class RedisProtocol(asyncio.Protocol):
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
        # max_buffered_bytes), so that one length compare per command checks both bounds
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
        self.socket_charged = False
        # a connection that may have to re-send (cluster redirects) keeps each command's bytes
        # until its reply; they count against max_buffered_bytes
        self.keep = owner.keeps_commands
        self.kept_bytes = 0
        # keeping since set_retry switched it on: commands sent by the plain fast path (callers that
        # captured ``Connection.execute`` before) are kept at the write, from the out-buffer (see keep_from_now)
        self.keep_at_write = owner.keeps_at_write
        encoding = options.encoding if options.decode_responses else None
        # bytes replies and nothing kept: no decode failure to look for, no kept bytes to release
        self._plain = encoding is None and not self.keep
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
            and len(self.out) + self.kept_bytes < self.max_buffered
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
            need += min(ROOM_STEP, (left - need) >> 3)
        self.out_room += need
        budget.used += need
        self.out_cap = min(self.out_room, self.max_buffered)
        return True

    def keep_from_now(self) -> None:
        """Keep each command's bytes until its reply from now on (``set_retry`` on a plain connection).

        What is in flight stays as it was sent: unkept (a command kept here has a ``Packed``
        payload, one sent before has None). What the plain fast path encodes from now on has no
        payload at all; ``flush`` keeps its bytes, cut from the out-buffer, as it writes them.
        """
        for fut in self.pending:
            if getattr(fut, "payload", None).__class__ is not Packed:
                fut.payload = None
        self.keep = True
        self.keep_at_write = True
        self._plain = False

    def _keep_written(self, out: bytearray) -> None:
        """``flush`` of a connection switched to keeping: each command of ``out`` that the plain fast path
        encoded (its future has no payload) is kept, as the keeping fast path would have kept it.

        ``out`` holds the commands of the last ``len(ends)`` pending futures, in order (as
        ``connection_lost`` counts them too).
        """
        ends = []
        position = 0
        try:
            while position < len(out):
                position = _command_end(out, position)
                ends.append(position)
        except ValueError:  # not our encoding (cannot happen): nothing kept, each fails as it would have
            return
        pending = self.pending
        first = len(pending) - len(ends)
        if first < 0:
            return
        position = 0
        for index, end in enumerate(ends, first):
            fut = pending[index]
            try:
                fut.payload  # noqa: B018 - set (None, Packed) by every path but the plain fast path
            except AttributeError:
                data = bytes(out[position:end])
                fut.payload = data
                self.kept_bytes += len(data)
                self.budget.used += len(data)
            position = end

    # -- asyncio.Protocol ----------------------------------------------------------
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
        budget = self.budget
        budget.used -= self.out_room + self.kept_bytes + self.written + self.reply_charged
        budget.written -= self.written
        budget.replies -= self.reply_charged
        self.out = bytearray()
        self.out_room = self.out_cap = self.kept_bytes = self.written = self.reply_charged = 0
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

    def data_received(self, data: bytes) -> None:
        """Hand every complete reply to its caller, in order (the hot path: the loop is inlined)."""
        self.received = True
        self.bytes_in += len(data)
        if self.written:  # a reply: what was written before it left the transport's buffer
            self._sync_written()
        if self._watch_attributes and (b"\n|" in data or data[:1] == b"|"):
            self.arriving += len(data)
            self._receive_attributes(data)  # feeds in pieces, each routed by data_received(b"")
            return
        reader = self._reader
        reader.feed(data)
        pending = self.pending
        failures = _DECODE_FAILURES
        reply = None
        fut = None  # stays None when no reply to a caller ended in this read
        try:
            if self.raw_pending or reader is not self._fast_reader:
                self._route_slow()
            elif self.collecting:
                self._route_collecting()
            elif self._plain:  # the loop below without its two checks per reply (decode failures, kept bytes)
                while (reply := reader.gets()) is not MORE:
                    cls = reply.__class__
                    if cls is Push:
                        self._push(reply)
                        continue
                    fut = pending.popleft()  # IndexError: a reply nobody asked for
                    if fut.done():
                        continue  # cancelled or timed out: the late reply is dropped
                    if cls is ResponseError:
                        self._error_reply(fut, reply, None)
                        continue
                    parse = fut.parse
                    if parse is None:
                        fut.set_result(reply)
                        continue
                    try:  # inlined, not a call: one frame less per parsed reply
                        value = parse(reply)
                    except Exception as exc:  # a reply of an unexpected shape: this caller's error only
                        fut.set_exception(unparsable(fut, exc))
                        continue
                    fut.set_result(value)
            else:
                keep = self.keep  # a cluster node's connection: each command's bytes are kept until its reply
                kept = None
                while (reply := reader.gets()) is not MORE:
                    if failures:
                        error = _take_decode_failure()
                        if error is not None:
                            self._undecodable(reply, error)
                            continue
                    cls = reply.__class__
                    if cls is Push:
                        self._push(reply)
                        continue
                    fut = pending.popleft()  # IndexError: a reply nobody asked for
                    if keep:
                        kept = fut.payload  # Packed, or None for a batch (MULTI..EXEC is never redirected)
                        if kept is not None:
                            fut.payload = None
                            self.kept_bytes -= len(kept)
                            self.budget.used -= len(kept)
                    if fut.done():
                        continue  # cancelled or timed out: the late reply is dropped
                    if cls is ResponseError:
                        self._error_reply(fut, reply, kept)
                        continue
                    parse = fut.parse
                    if parse is None:
                        fut.set_result(reply)
                        continue
                    try:  # inlined, not a call: one frame less per parsed reply
                        value = parse(reply)
                    except Exception as exc:  # a reply of an unexpected shape: this caller's error only
                        fut.set_exception(unparsable(fut, exc))
                        continue
                    fut.set_result(value)
        except _MALFORMED as exc:
            if isinstance(exc, IndexError) and not pending and reply.__class__ is ResponseError:
                self._unsolicited(reply)
            elif "length out of range" in str(exc):  # past the element or bulk bound: refused at its header
                self._too_large(refused(exc, self._max_elements))
            else:
                self._broken(exc)
            return
        except UnicodeDecodeError as exc:  # a custom raising errors= handler: the reply is lost to us
            self._broken(exc)
            return
        # What is left is one reply still arriving, bounded by max_reply_bytes in bytes read since the last
        # reply ended: an integer add per read. When one ended in this read, the next began in it and the
        # reader holds it, less what it built already (so the count is low by at most that, within one read)
        if fut is None and not self._ended:
            arriving = self.arriving = self.arriving + len(data)
            if arriving > self.max_reply:
                self._too_large(f"{arriving} bytes of it read")
                return
            # a bulk string announced past max_reply_bytes fails now, at its header; its bytes still to
            # come are charged to max_memory_bytes from there (so one past what is left fails there too)
            owed = 0
            if reader.__class__ is PythonParser:
                announced, owed = reader.bulk_owed()
            elif self._peek_bulk:
                announced, owed = bulk_owed(reader)
            else:  # pragma: no cover - a hiredis whose struct we cannot read: bytes read only
                announced = -1
            if announced > self.max_reply:
                self._too_large(f"it announces a bulk string of {announced} bytes")
                return
            if self._charge_reply(arriving + owed, announced):
                return
        else:
            self._ended = False
            arriving = reader.len()
            if arriving and not reader.has_data():
                arriving = 0  # hiredis keeps up to 1 KiB of consumed bytes: none of them is the next reply's
            self.arriving = arriving
            if arriving > self.max_reply:
                self._too_large(f"{arriving} bytes of it read")
                return
            if arriving != self.reply_charged and self._charge_reply(arriving, -1):
                return
        owner = self._owner
        if owner is not None and owner._queue:
            owner._drain()
        if self.budget.waiting:  # memory given back here may be what another connection waits for
            self.budget.wake()

    def _route(self) -> None:
        """Route what the reader holds (fed already)."""
        self.data_received(b"")

    def collect(self, fut: CommandFuture[Any], commands: int) -> None:
        """``fut`` (parse: a ``Collect`` of ``commands``) stands for the commands just encoded: pending, counted."""
        self.pending.append(fut)
        self.collecting += 1
        self.batched += commands - 1
        self.max_inflight -= commands - 1

    def _collected(self, fut: CommandFuture[Any], collect: Collect, reply: Any) -> None:
        """One more reply of the pipeline at the head of the FIFO; the last one resolves it (slow routes)."""
        replies = collect.replies
        replies.append(reply)
        if len(replies) == collect.count:
            self.pending.popleft()
            self.collecting -= 1
            self.batched -= collect.count - 1
            self.max_inflight += collect.count - 1
            collect.replies = []
            if not fut.done():
                fut.set_result(replies)

    def _route_collecting(self) -> None:
        """Reply loop while a pipeline is pending: its replies go into its list, the others as usual."""
        reader = self._reader
        gets = reader.gets
        pending = self.pending
        keep = self.keep
        failures = _DECODE_FAILURES
        while True:
            if pending:
                fut = pending[0]
                collect = fut.parse
                if collect.__class__ is Collect:
                    # the pipeline at the head: its replies in a row, as the ruler reads them
                    replies = collect.replies  # type: ignore[union-attr]
                    append = replies.append
                    owed = collect.count - len(replies)  # type: ignore[union-attr]
                    was_owed = owed
                    while owed:
                        reply = gets()
                        if reply is MORE or reply.__class__ is Push or failures:
                            break
                        append(reply)
                        owed -= 1
                    else:
                        self._ended = True
                        pending.popleft()
                        extra = collect.count - 1  # type: ignore[union-attr]
                        self.collecting -= 1
                        self.batched -= extra
                        self.max_inflight += extra
                        collect.replies = []  # type: ignore[union-attr]
                        if not fut.done():
                            fut.set_result(replies)
                        continue
                    if reply is MORE:
                        if owed != was_owed:
                            self._ended = True  # replies ended in this read: what remains is the next one's
                        return
                    self._ended = True
                    if failures:
                        error = _take_decode_failure()
                        if error is not None:
                            self._undecodable(reply, error)
                            continue
                    if reply.__class__ is Push:
                        self._push(reply)
                        continue
                    self._collected(fut, collect, reply)  # type: ignore[arg-type]
                    continue
            reply = gets()
            if reply is MORE:
                return
            self._ended = True
            if failures:
                error = _take_decode_failure()
                if error is not None:
                    self._undecodable(reply, error)
                    continue
            cls = reply.__class__
            if cls is Push:
                self._push(reply)
                continue
            if not pending:
                if cls is ResponseError:
                    self._unsolicited(reply)
                    return
                raise IndexError("a reply nobody asked for")
            fut = pending.popleft()
            kept = self._release_kept(fut) if keep else None
            if fut.done():
                continue
            if cls is ResponseError:
                self._error_reply(fut, reply, kept)
                continue
            parse = fut.parse
            if parse is None:
                fut.set_result(reply)
                continue
            try:
                value = parse(reply)
            except Exception as exc:  # a reply of an unexpected shape: this caller's error only
                fut.set_exception(unparsable(fut, exc))
                continue
            fut.set_result(value)

    def _route_slow(self) -> None:
        """Reply loop when some replies must not be decoded (DUMP) or the Python reader runs (after an attribute)."""
        pending = self.pending
        encoding = self._encoding
        while True:
            reader = self._reader
            raw = bool(pending) and pending[0].parse is raw_reply
            if raw and encoding is not None:
                reader.set_encoding(encoding=None, errors=self._errors)
            try:
                reply = reader.gets()
            finally:
                if raw and encoding is not None:
                    reader.set_encoding(encoding=encoding, errors=self._errors)
            if reply is MORE:
                if reader is not self._fast_reader and reader.idle():
                    self._reader = self._fast_reader  # between replies again: back to hiredis
                return
            self._ended = True
            if _DECODE_FAILURES:
                error = _take_decode_failure()
                if error is not None:
                    if reply.__class__ is not Push and raw:
                        self.raw_pending -= 1
                    self._undecodable(reply, error)
                    continue
            if reply.__class__ is Push:
                self._push(reply)
                continue
            if not pending and reply.__class__ is ResponseError:
                self._unsolicited(reply)
                return
            if pending and pending[0].parse.__class__ is Collect:
                self._collected(pending[0], pending[0].parse, reply)  # type: ignore[arg-type]
                continue
            fut = pending.popleft()
            if raw:
                self.raw_pending -= 1
            kept = self._release_kept(fut) if self.keep else None
            if fut.done():
                continue
            if reply.__class__ is ResponseError:
                self._error_reply(fut, reply, kept)
            elif fut.parse is None:
                fut.set_result(reply)
            else:
                try:
                    value = fut.parse(reply)
                except Exception as exc:  # a reply of an unexpected shape: this caller's error only
                    fut.set_exception(unparsable(fut, exc))
                    continue
                fut.set_result(value)

    def _charge_reply(self, charge: int, announced: int) -> bool:
        """The reply being read holds (or is owed) ``charge`` bytes: charged; True when past what is left
        of max_memory_bytes, which fails every caller on this socket and drops it (as ``_too_large``)."""
        budget = self.budget
        delta = charge - self.reply_charged
        if delta > 0 and budget.used + delta > budget.limit:
            budget.refused()
            owner = self._owner
            left = budget.limit - budget.used + self.reply_charged
            what = f"announces a bulk string of {announced} bytes" if announced >= 0 else f"holds {charge} bytes"
            self._fail_all(
                ReplyTooLargeError,
                f"a reply from {owner.options.address if owner else 'the server'} {what}, past what is left of "
                f"max_memory_bytes={budget.limit} ({max(left, 0)} bytes left; the rest is held as "
                "stats()['memory'] shows); connection dropped by the client",
            )
            return True
        self.reply_charged = charge
        budget.used += delta
        budget.replies += delta
        return False

    def _too_large(self, how: str) -> None:
        """A reply past max_reply_bytes: the stream is fine but we will not hold it; drop the socket."""
        owner = self._owner
        self._fail_all(
            ReplyTooLargeError,
            f"a reply from {owner.options.address if owner else 'the server'} exceeds max_reply_bytes="
            f"{self.max_reply} ({how}); connection dropped by the client",
        )

    def _unsolicited(self, reply: ResponseError) -> None:
        """An error nobody asked for ("max number of clients reached" on accept): the server is hanging up.

        Not an answer (the backoff keeps growing) and not a malformed stream: the
        socket is dropped and the server's text is the reason callers see.
        """
        self.received = False
        self.drop_reason = error_from_reply(reply.args[0] if reply.args else "")
        if self.transport is not None:
            self.transport.abort()

    def _release_kept(self, fut: CommandFuture[Any]) -> Packed | None:
        """The reply came: the kept bytes leave the bound (and are returned, for a redirect)."""
        kept = fut.payload
        if kept is not None and kept.__class__ is Packed:
            fut.payload = None
            self.kept_bytes -= len(kept)
            self.budget.used -= len(kept)
            return kept  # type: ignore[no-any-return]
        return None

    def _receive_attributes(self, data: bytes) -> None:
        """A chunk that may hold a RESP3 attribute: feed hiredis up to each candidate ``|``.

        A ``|`` right after a CRLF at which hiredis holds no byte starts a
        reply of its own: an attribute. From there the Python parser reads
        (it skips attributes); ``_route_slow`` hands back to hiredis once the
        Python parser is between replies. A ``|`` inside a payload leaves
        hiredis holding bytes and is fed on as data.
        """
        start = 0
        cut = 0 if data[:1] == b"|" else -1
        while True:
            if cut < 0:
                found = data.find(b"\n|", start)
                cut = found + 1 if found >= 0 else -1
            reader = self._reader
            if cut < 0 or reader is not self._fast_reader:
                reader.feed(data[start:] if start else data)
                self._route()
                return
            if cut > start:
                reader.feed(data[start:cut])
                self._route()
                if self.closed or self._reader is None:
                    return
            if not reader.has_data():
                python = self._python_reader()
                self._reader = python
                python.feed(data[cut:])
                self._route()
                return
            start = cut
            cut = -1
            found = data.find(b"\n|", start + 1)
            cut = found + 1 if found >= 0 else -1
            if cut < 0:
                reader.feed(data[start:])
                self._route()
                return

    def _error_reply(self, fut: CommandFuture[Any], reply: ResponseError, kept: Packed | None = None) -> None:
        error = error_from_reply(reply.args[0] if reply.args else "")
        owner = self._owner
        if kept is not None and owner is not None and owner.on_redirect is not None:
            if owner.on_redirect(fut, error, kept):
                return  # the owner re-sends the caller's own future elsewhere
        fut.set_exception(error)
        if error.__class__ is ConnectionError and self.transport is not None:
            # "max number of clients reached": the server is closing this socket. Not its subclasses:
            # after LOADING (BusyLoadingError), NOAUTH or WRONGPASS the server keeps the socket open,
            # and aborting it would fail every other caller in flight on it
            self.transport.abort()

    def _undecodable(self, reply: Any, error: UnicodeDecodeError) -> None:
        """A reply whose bytes are not in the encoding: its own caller's error, or a push still."""
        owner = self._owner
        if reply.__class__ is Push:
            if owner is not None:
                owner.stats_push_decode_errors += 1
            self._push(reply)
            return
        head = self.pending[0]
        if head.parse.__class__ is Collect:
            self._collected(head, head.parse, error)  # type: ignore[arg-type]
            return
        fut = self.pending.popleft()
        if self.keep:
            self._release_kept(fut)
        if not fut.done():
            fut.set_exception(error)

    def _push(self, message: Any) -> None:
        """A RESP3 push (invalidation, pub/sub) on this socket: not a reply to anyone."""
        self._ended = True
        owner = self._owner
        if owner is not None:
            owner.stats_pushes += 1
            if owner.on_push is not None:
                owner.on_push(message)

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
        self._give_back()
        budget = self.budget
        budget.protocols.discard(self)
        if self.socket_charged:
            self.socket_charged = False
            budget.used -= CONNECTION_OVERHEAD
            budget.connections -= CONNECTION_OVERHEAD
        self._reader = None
        self._fast_reader = None
        self.transport = None
        if not self.lost.done():
            self.lost.set_result(None)
        if owner is not None:
            owner._on_lost(self, exc)

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

    def encode(self, args: Any, fut: CommandFuture[Any], check: bool = True) -> int:
        """Encode one command (or re-send ``Packed`` bytes) behind ``fut`` (slow path).

        0 when done: encoded, or ``fut`` failed because an argument cannot be encoded. With
        ``check``, the bytes it would add when they do not fit in what is left of max_memory_bytes
        (nothing encoded, ``fut`` untouched: the caller queues or refuses it).
        """
        if args.__class__ is Packed:
            data = args
        else:
            try:
                data = _pack(args)  # type: ignore[misc]
            except TypeError:
                if args.__class__ is Batch:  # a transaction that waited for room: all of it or none
                    try:
                        return self.encode_batch(args, fut, check)
                    except RedisError as exc:
                        fut.payload = None
                        fut.set_exception(exc)
                        return 0
                scratch = bytearray()
                try:
                    encode_command(args, scratch)
                except Exception as exc:  # DataError for a bad argument; e.g. a non-contiguous memoryview
                    fut.payload = None
                    if not isinstance(exc, RedisError):
                        exc = RedisError(f"cannot encode {command_name(args[0])}: {exc}")
                    fut.set_exception(exc)
                    return 0
                data = bytes(scratch)
        size = len(data)
        keep = self.keep
        budget = self.budget
        # a redirected command waiting in a queue was charged its bytes there: they move, never refused
        charge = getattr(fut, "charge", 0) if budget.queued else 0
        lacks = len(self.out) + size - self.out_room  # the out-buffer's room it would take; kept: its copy too
        if check and not charge and budget.used + max(lacks, 0) + (size if keep else 0) > budget.limit:
            return size * 2 if keep else size
        self.out += data
        if charge:
            budget.unqueue(fut)
        if lacks > 0:
            self.take_room(force=True)
        if keep:
            budget.used += size
            fut.payload = data  # bytes: kept as they are (a re-sent Packed is its own data)
            self.kept_bytes += size
        else:
            fut.payload = None
        self.pending.append(fut)
        if fut.parse is raw_reply:
            self.raw_pending += 1
        return 0

    def encode_batch(self, batch: Batch, unit: CommandFuture[Any], check: bool = False) -> int:
        """Encode every command of ``batch`` (between its ``around``), in order, nothing between; ``unit``
        (its parse a ``Collect``) stands for them all.

        All or nothing: an argument that cannot be encoded removes what this batch added and
        raises ``DataError`` (``unit`` is the caller's to fail). A batch is never redirected
        nor sent again: nothing of it is kept. With ``check``, a batch that does not fit in what
        is left of max_memory_bytes is removed too and its size returned (0 when encoded).
        """
        out = self.out
        start = len(out)
        around = batch.around
        release = batch.release
        size = release[0] if release is not None else 1 << 62
        long: list[int] = []
        index = 0
        try:
            if around is not None:
                out += _pack(around[0])  # type: ignore[misc]
            for args, _ in batch.commands:
                try:
                    data = _pack(args)  # type: ignore[misc]
                except TypeError:
                    scratch = bytearray()
                    encode_command(args, scratch)
                    data = scratch
                out += data
                if len(data) > size:
                    long.append(index)
                index += 1
            if around is not None:
                out += _pack(around[1])  # type: ignore[misc]
        except Exception as exc:
            del out[start:]
            if isinstance(exc, RedisError):
                raise
            raise DataError(f"cannot encode a command of the batch: {exc}") from exc
        if len(out) > self.out_room and not self.take_room(force=not check):
            size = len(out) - start
            del out[start:]
            return size
        unit.payload = None
        if release is not None:
            release[1](long)
        self.collect(unit, len(batch.commands) + (2 if around is not None else 0))
        return 0

    def request(self, args: tuple[Any, ...]) -> CommandFuture[Any]:
        """Encode one handshake command; the future resolves to its raw reply (errors raised)."""
        fut: CommandFuture[Any] = CommandFuture(loop=self._loop)
        fut.parse = None
        fut.name = args[0]
        fut.deadline = NO_DEADLINE
        fut.payload = None
        self.encode(args, fut, check=False)  # the handshake: never refused (a few hundred bytes)
        if self.keep:
            self._release_kept(fut)  # a handshake step is never redirected nor sent again: its error is the connect's
        return fut

    def flush(self) -> None:
        """Write everything encoded this loop iteration in one call, then drop it."""
        self.flush_scheduled = False
        out = self.out
        if not out or self.transport is None:
            return
        self.out = bytearray()
        transport = self.transport
        transport.write(out)
        # the out-buffer's room is given back, and what the transport kept of the write is charged (see
        # ``writes``): once per write, not per command
        self.budget.used -= self.out_room
        self.out_room = self.out_cap = 0
        size = len(out)
        self.handed += size
        if self.written or transport.get_write_buffer_size():
            if self.whole_writes:
                self.writes.append((self.handed, size))
                self.writes_size += size
            self._sync_written()
        if self.keep_at_write:
            self._keep_written(out)
        owner = self._owner
        if owner is not None:
            owner.stats_writes += 1
            owner.stats_bytes_out += len(out)
            if owner._overload_logged and not owner._queue:
                owner._overload_logged = False  # the episode is over: the next refusal is logged again
            watchdog = owner.watchdog
            if watchdog is not None and not watchdog.armed:
                watchdog.poke()
            inflight = len(self.pending) + self.batched
            if inflight > owner.stats_inflight_high:
                owner.stats_inflight_high = inflight
            trim = owner.trim
            if trim is not None and not trim.armed:
                trim.poke()

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

