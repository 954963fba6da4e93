"""The routes off the fast path of ``data_received``: a pipeline's replies, raw replies, RESP3 attributes.

``SlowRoutes`` is a part of ``RedisProtocol`` (a mixin: it shares the
protocol's state). ``data_received`` takes one of these when a pipeline is
pending (its replies are collected into one list, ``_route_collecting``),
when a reply must not be decoded (DUMP) or the Python reader runs after a
RESP3 attribute (``_route_slow``), and when a chunk may hold an attribute
(``_receive_attributes``). What becomes of each reply is ``Replies``'s.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any

from ..exceptions import ResponseError
from ..future import CommandFuture, raw_reply
from ..resp import Push, PythonParser
from .replies import _DECODE_FAILURES, MORE, Collect, _take_decode_failure, unparsable

if TYPE_CHECKING:
    from .writes import Packed


class SlowRoutes:
    """The slow reply loops of ``RedisProtocol`` (a mixin: it shares the protocol's state)."""

    pending: deque[CommandFuture[Any]]
    closed: bool
    raw_pending: int
    collecting: int
    batched: int
    max_inflight: int
    keep: bool
    _encoding: str | None
    _errors: str
    _ended: bool
    _reader: Any
    _fast_reader: Any

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

    if TYPE_CHECKING:  # provided by RedisProtocol and Replies

        def data_received(self, data: bytes) -> None: ...
        def _python_reader(self) -> PythonParser: ...
        def _release_kept(self, fut: CommandFuture[Any]) -> Packed | None: ...
        def _error_reply(self, fut: CommandFuture[Any], reply: ResponseError, kept: Packed | None = None) -> None: ...
        def _undecodable(self, reply: Any, error: UnicodeDecodeError) -> None: ...
        def _push(self, message: Any) -> None: ...
        def _unsolicited(self, reply: ResponseError) -> None: ...
