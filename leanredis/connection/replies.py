"""The reading side of a socket: replies routed in order to their callers, pushes apart.

``Replies`` is a part of ``RedisProtocol`` (a mixin: it shares the
protocol's state): ``data_received`` and the routes it takes, what a reply
costs of max_reply_bytes and max_memory_bytes while it arrives, and what
becomes of an error reply, an undecodable one and a push.


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
import threading
from collections import deque
from typing import TYPE_CHECKING, Any

from ..exceptions import ConnectionError, ProtocolError, ReplyTooLargeError, ResponseError, error_from_reply
from ..future import CommandFuture
from ..resp import Push, PythonParser
from ..resp.limits import bulk_owed
from .writes import Packed, command_name

if TYPE_CHECKING:
    from ..budget import MemoryBudget
    from .core import Connection


_get_ident = threading.get_ident

# A reply's future is finished through the type's own methods: every future has an instance dict slot
# that is never filled, and CPython 3.11 specializes no method load on such an object (``fut.done()``
# and ``fut.set_result()`` each took a generic lookup per reply, about 50 instructions more than this)
_done = asyncio.Future.done
_set_result = asyncio.Future.set_result

# What the parsers return for "need more bytes": not False, which is a RESP3 #f reply.
MORE = object()
_MALFORMED = (ProtocolError, TypeError, IndexError)

# how often a read paused for memory (``Replies._wait_to_read``) looks whether it was given back
_MEMORY_POLL = 0.002

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


def unparsable(fut: CommandFuture[Any], exc: Exception) -> ProtocolError:
    return ProtocolError(f"cannot parse reply to {command_name(fut.name)}: {exc!r}")


def refused(exc: Exception, max_elements: int) -> str:
    """What a reader refused at a header ("... length out of range"), for ReplyTooLargeError's message."""
    text = str(exc)
    if text.startswith("bulk length out of range: "):  # the Python parser's, past its max_bulk
        return f"it announces a bulk string of {text.rsplit(' ', 1)[-1]} bytes"
    if "bulk string" in text.lower():  # hiredis's own bound, past SIZE_MAX
        return "it announces a bulk string past it"
    return f"it announces an aggregate of more than {max_elements} elements"


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


class Replies:
    """The reading half of ``RedisProtocol`` (a mixin: it shares the protocol's state)."""

    _owner: Connection | None
    transport: asyncio.Transport | None
    pending: deque[CommandFuture[Any]]
    closed: bool
    received: bool
    bytes_in: int
    drop_reason: Exception | None
    raw_pending: int
    collecting: int
    batched: int
    max_inflight: int
    budget: MemoryBudget
    written: int
    reply_charged: int
    keep: bool
    kept_bytes: int
    kept_room: int
    _plain: bool
    _kept_plain: bool
    _encoding: str | None
    _errors: str
    max_reply: int
    memory_wait: int
    _memory_deadline: float
    _memory_timer: asyncio.TimerHandle | None
    _loop: asyncio.AbstractEventLoop
    _max_elements: int
    arriving: int
    _ended: bool
    _reader: Any
    _fast_reader: Any
    _peek_bulk: bool
    _watch_attributes: bool

    def data_received(self, data: bytes) -> None:
        """Hand every complete reply to its caller, in order (the hot path: the loop is inlined)."""
        self.received = True
        self.bytes_in += len(data)
        if self.written:  # a reply: what was written before it left the transport's buffer
            self._sync_written()
        # one byte looked for first (memchr): a two-byte search reads every byte of the data, ~3 instructions each
        if self._watch_attributes and b"|" in data and (b"\n|" in data or data[:1] == b"|"):
            self.arriving += len(data)
            self._receive_attributes(data)  # feeds in pieces, each routed by data_received(b"")
            return
        reader = self._reader
        reader.feed(data)
        pending = self.pending
        waiting = len(pending)  # a keeping connection's kept bytes go back by how many this read answers
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
                    if _done(fut):
                        continue  # cancelled or timed out: the late reply is dropped
                    if cls is ResponseError:
                        self._error_reply(fut, reply, None)
                        continue
                    parse = fut.parse
                    if parse is None:
                        _set_result(fut, reply)
                        continue
                    try:  # inlined, not a call: one frame less per parsed reply
                        value = parse(reply)
                    except Exception as exc:  # a reply of an unexpected shape: this caller's error only
                        fut.set_exception(unparsable(fut, exc))
                        continue
                    _set_result(fut, value)
            elif self._kept_plain:  # bytes replies, each command's bytes kept until its reply (a cluster node)
                while (reply := reader.gets()) is not MORE:
                    cls = reply.__class__
                    if cls is Push:
                        self._push(reply)
                        continue
                    fut = pending.popleft()  # IndexError: a reply nobody asked for
                    if cls is ResponseError:  # first, so that only an error reads the kept bytes (a redirect's)
                        kept = fut.payload  # Packed, or None (a handshake step's, released when sent)
                        fut.payload = None
                        if not _done(fut):  # else cancelled or timed out: the late reply is dropped
                            self._error_reply(fut, reply, kept)
                        continue
                    fut.payload = None  # its bytes leave the count with their write's last reply (below)
                    if _done(fut):
                        continue  # cancelled or timed out: the late reply is dropped
                    parse = fut.parse
                    if parse is None:
                        _set_result(fut, reply)
                        continue
                    try:  # inlined, not a call: one frame less per parsed reply
                        value = parse(reply)
                    except Exception as exc:  # a reply of an unexpected shape: this caller's error only
                        fut.set_exception(unparsable(fut, exc))
                        continue
                    _set_result(fut, value)
            else:
                keep = self.keep  # each command's bytes kept until its reply, and replies decoded
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
                        fut.payload = None  # its bytes leave the count with their write's last reply (below)
                    if _done(fut):
                        continue  # cancelled or timed out: the late reply is dropped
                    if cls is ResponseError:
                        self._error_reply(fut, reply, kept)
                        continue
                    parse = fut.parse
                    if parse is None:
                        _set_result(fut, reply)
                        continue
                    try:  # inlined, not a call: one frame less per parsed reply
                        value = parse(reply)
                    except Exception as exc:  # a reply of an unexpected shape: this caller's error only
                        fut.set_exception(unparsable(fut, exc))
                        continue
                    _set_result(fut, value)
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
        # the writes answered in this read leave the kept bytes and their room goes back, once per read: before
        # the reply still arriving is charged, so that it finds what they held given back (as when each reply
        # gave its bytes back in the loop above)
        if self.keep:
            self._answered(waiting - len(self.pending))
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

    def _charge_reply(self, charge: int, announced: int) -> bool:
        """The reply being read holds (or is owed) ``charge`` bytes: charged; True when past what is left
        of max_memory_bytes, which fails every caller on this socket and drops it (as ``_too_large``)."""
        budget = self.budget
        delta = charge - self.reply_charged
        if delta > 0 and budget.used + delta > budget.limit:
            if self._wait_to_read(delta):
                return False
            budget.refused()
            owner = self._owner
            left = budget.limit - budget.used + self.reply_charged
            what = f"announces a bulk string of {announced} bytes" if announced >= 0 else f"holds {charge} bytes"
            self._fail_all(
                ReplyTooLargeError,
                f"a reply from {owner.options.address if owner else 'the server'} {what}, past what "
                f"max_memory_bytes={budget.max_bytes} can give it ({max(left, 0)} bytes left; the rest is held as "
                "stats()['memory'] shows); connection dropped by the client",
            )
            return True
        self.reply_charged = charge
        budget.used += delta
        budget.replies += delta
        return False

    def _wait_to_read(self, delta: int) -> bool:
        """The reply being read needs ``delta`` bytes more than is left of max_memory_bytes: when they can be
        given back without this socket's replies (out-buffers and transports drain by writing, other replies
        end, queued commands leave), stop reading it until they are, and True. False (refused) when they
        cannot: more than the budget less what stays held whatever happens (sockets, pub/sub messages, the
        cache, this socket's kept bytes and its reply so far). A wait under way already covers the rest of the
        bytes in hand (a read routed in pieces, at a RESP3 attribute): True.

        The wait reserves ``delta``: the budget's ``limit`` is lowered by it, so no command and no other
        reply takes what is given back first. It ends when the reserve is covered (reading resumes, charged)
        or after ``late_reply_timeout``, refused then (``_memory_poll``)."""
        if self.memory_wait:
            return True
        transport = self.transport
        if transport is None or self.closed:
            return False
        budget = self.budget
        held = budget.connections + budget.pubsub + budget.cache + self.kept_now() + self.reply_charged
        if held + delta > budget.limit:
            return False
        owner = self._owner
        self.memory_wait = delta
        budget.limit -= delta
        transport.pause_reading()
        loop = self._loop
        wait = owner.options.late_reply_timeout if owner is not None else 5.0
        self._memory_deadline = loop.time() + wait
        self._memory_timer = loop.call_later(_MEMORY_POLL, self._memory_poll)
        return True

    def _memory_poll(self) -> None:
        """A read paused for memory (``_wait_to_read``): resumed once what it reserved is free, refused at its
        deadline. Polled: the transports' buffers drain with no event of ours to say so."""
        self._memory_timer = None
        delta = self.memory_wait
        if not delta or self.transport is None or self.closed:
            return
        budget = self.budget
        for proto in tuple(budget.protocols):
            if proto.written:
                proto._sync_written()
        if budget.used <= budget.limit:
            self._end_memory_wait()
            self.reply_charged += delta
            budget.used += delta
            budget.replies += delta
            self.transport.resume_reading()
            return
        if self._loop.time() < self._memory_deadline:
            self._memory_timer = self._loop.call_later(_MEMORY_POLL, self._memory_poll)
            return
        self._end_memory_wait()
        budget.refused()
        owner = self._owner
        self._fail_all(
            ReplyTooLargeError,
            f"a reply from {owner.options.address if owner else 'the server'} needs {delta} bytes more than "
            f"max_memory_bytes={budget.max_bytes} had left, and they were not given back within "
            f"late_reply_timeout={owner.options.late_reply_timeout if owner else 5.0} s (what is held is in "
            "stats()['memory']); connection dropped by the client",
        )

    def _end_memory_wait(self) -> None:
        """The reserve of a read paused for memory goes back to the budget (ended, refused or socket lost)."""
        delta = self.memory_wait
        if delta:
            self.memory_wait = 0
            self.budget.limit += delta
            if self._memory_timer is not None:
                self._memory_timer.cancel()
                self._memory_timer = None

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
        """The reply came: the kept bytes are let go of (and returned, for a redirect); they leave the bound, and
        their room of max_memory_bytes goes back, at the end of the read that answers their write (``_answered``)."""
        kept = fut.payload
        if kept is not None and kept.__class__ is Packed:
            fut.payload = None  # its bytes leave the count with their write's last reply (``_answered``)
            return kept  # type: ignore[no-any-return]
        return None

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

    if TYPE_CHECKING:  # provided by RedisProtocol and SlowRoutes

        def _python_reader(self) -> PythonParser: ...
        def kept_now(self) -> int: ...
        def _answered(self, count: int) -> None: ...
        def _sync_written(self) -> None: ...
        def _broken(self, exc: BaseException) -> None: ...
        def _fail_all(self, error: type[Exception], text: str) -> None: ...
        def _route_slow(self) -> None: ...
        def _route_collecting(self) -> None: ...
        def _receive_attributes(self, data: bytes) -> None: ...
        def _collected(self, fut: CommandFuture[Any], collect: Collect, reply: Any) -> None: ...
