"""Incremental RESP2/RESP3 reply parser, pure Python (the reference).

Sans-IO, with hiredis's interface: ``feed(bytes)`` then ``gets()`` until it
returns ``False``. Replies come out as hiredis builds them, so the two
implementations are interchangeable and tested against each other:

==========================  =========================================
simple string, bulk, big    bytes (str with an encoding)
number, verbatim string     (verbatim: the text after ``fmt:``)
error ``-``, blob error     ``ResponseError`` instance (a value, not raised)
integer                     int (64-bit signed, else ProtocolError)
null ``_``, ``$-1``, ``*-1``  None
double                      float (``inf``, ``-inf``, ``nan`` included)
boolean                     bool
array, set                  list
map                         dict
push ``>``                  ``Push`` (a list subclass)
attribute ``|``             skipped: the reply it annotates is returned
==========================  =========================================

A RESP3 ``#f`` reply is ``False`` too, so a caller that may see booleans
passes a sentinel as ``not_enough_data`` (hiredis's ``notEnoughData``) and
reads until ``gets()`` returns that sentinel instead.

Known differences of the hiredis reader, documented in ``hiredis_reader``:
it returns an attribute as a reply of its own, rejects blob errors ``!``,
does not check the CRLF after a bulk payload, and accepts some malformed
replies this parser rejects. Integers and lengths are read as strictly as
hiredis reads them: no sign ``+``, no leading zeros, no ``-0``.

Malformed bytes raise ``ProtocolError``; after that the parser must be
thrown away (the connection is closed). Consumed input is dropped as it is
read, so the buffer never holds more than one partial reply plus what was
fed and not yet read.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..exceptions import ProtocolError, ResponseError

try:  # the same class as hiredis, so that results compare equal by type
    from hiredis import PushNotification as Push
except ImportError:  # pragma: no cover - hiredis is a runtime dependency

    class Push(list):  # type: ignore[no-redef]
        """A RESP3 out-of-band push message (pub/sub, invalidation)."""


INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
MAX_AGGREGATE_LEN = 2**32 - 1  # hiredis's default limit on elements
# A header or simple string longer than this without CRLF is not RESP.
MAX_LINE = 1024 * 1024
# Drop consumed bytes once this many have been read, even mid-reply.
_COMPACT_AT = 64 * 1024

_AGGREGATES = frozenset(b"*%~>|")


class _Frame:
    """An aggregate being filled: its items and how many are still owed."""

    __slots__ = ("kind", "items", "remaining", "pending_key")

    def __init__(self, kind: int, remaining: int) -> None:
        self.kind = kind
        self.items: Any = {} if kind == 0x25 else []  # '%'
        self.remaining = remaining
        self.pending_key: Any = _NO_KEY


_NO_KEY = object()


class PythonParser:
    """The pure-Python RESP parser; see the module docstring."""

    __slots__ = (
        "_buf", "_pos", "_stack", "_encoding", "_errors", "_dead", "_decode_error", "_not_enough_data",
        "max_elements", "max_bulk", "_reply_error",
    )

    def __init__(
        self,
        encoding: str | None = None,
        errors: str = "strict",
        not_enough_data: Any = False,
        reply_error: Callable[[str], Exception] = ResponseError,
    ) -> None:
        self._reply_error = reply_error  # what an error reply becomes (hiredis's replyError)
        self.max_elements = MAX_AGGREGATE_LEN  # an aggregate announcing more is refused before it is built
        self.max_bulk = INT64_MAX  # a bulk string announcing more is refused at its header
        self._buf = bytearray()
        self._pos = 0
        self._stack: list[_Frame] = []
        self._encoding = encoding
        self._errors = errors
        self._dead = False
        self._decode_error: UnicodeDecodeError | None = None
        self._not_enough_data = not_enough_data

    def set_encoding(self, encoding: str | None = None, errors: str = "strict") -> None:
        """Decode strings with ``encoding`` from the next reply on (None: bytes)."""
        self._encoding = encoding
        self._errors = errors

    def feed(self, data: bytes | bytearray | memoryview) -> None:
        """Append bytes received from the server."""
        self._buf += data

    def buffered(self) -> int:
        """Bytes received and not yet consumed by a complete reply."""
        return len(self._buf) - self._pos

    def len(self) -> int:
        """As hiredis's ``Reader.len()``: bytes held (what a bound on one reply looks at)."""
        return len(self._buf) - self._pos

    def has_data(self) -> bool:
        """As hiredis's ``Reader.has_data()``: some fed bytes are not consumed yet."""
        return self._pos < len(self._buf)

    def bulk_owed(self) -> tuple[int, int]:
        """(length announced, bytes still to come) of the bulk string whose header was read and whose
        payload is incomplete; (-1, 0) when none is (ask only after ``gets()`` returned "need more")."""
        head = bytes(self._buf[self._pos : self._pos + 24])
        if head[:1] not in (b"$", b"=", b"!"):
            return -1, 0
        digits, crlf, _ = head[1:].partition(b"\r\n")
        if not crlf or not digits.isdigit():
            return -1, 0
        announced = int(digits)
        held = len(self._buf) - self._pos - len(digits) - 3
        return announced, max(0, announced + 2 - held)

    def idle(self) -> bool:
        """True between replies: no byte held and no aggregate open (safe to hand the stream to another parser)."""
        return self._pos >= len(self._buf) and not self._stack

    def gets(self) -> Any:
        """Return the next complete reply, or ``not_enough_data`` (``False``) if more bytes are needed."""
        if self._dead:
            raise ProtocolError("parser is unusable after a protocol error; reconnect")
        try:
            value = self._next()
        except ProtocolError:
            self._dead = True
            raise
        if self._pos >= _COMPACT_AT or (value is not _INCOMPLETE and self._pos == len(self._buf)):
            del self._buf[: self._pos]
            self._pos = 0
        if value is _INCOMPLETE:
            return self._not_enough_data
        return value

    def _line(self) -> bytes | None:
        end = self._buf.find(b"\r\n", self._pos)
        if end < 0:
            if len(self._buf) - self._pos > MAX_LINE:
                raise ProtocolError(f"reply line longer than {MAX_LINE} bytes without CRLF")
            return None
        line = bytes(self._buf[self._pos : end])
        if b"\n" in line or b"\r" in line:
            raise ProtocolError("malformed line: bare CR or LF in a reply header")
        self._pos = end + 2
        return line

    def _text(self, data: bytes) -> Any:
        if self._encoding is None:
            return data
        try:
            return data.decode(self._encoding, self._errors)
        except UnicodeDecodeError as exc:
            # like hiredis: the whole reply is consumed, then the error is raised
            if self._decode_error is None:
                self._decode_error = exc
            return data

    def _next(self) -> Any:
        stack = self._stack
        while True:
            buf = self._buf
            pos = self._pos
            if pos >= len(buf):
                return _INCOMPLETE
            kind = buf[pos]
            if kind == 0x24 or kind == 0x3D or kind == 0x21:  # '$' '=' '!'
                value = self._bulk(kind)
                if value is _INCOMPLETE:
                    return _INCOMPLETE
            elif kind in _AGGREGATES:
                start = pos
                line = self._line()
                if line is None:
                    return _INCOMPLETE
                count = _parse_int(line[1:], "aggregate length")
                if count > self.max_elements or count < -1:
                    raise ProtocolError(f"aggregate length out of range: {count}")
                if count == -1:
                    if kind != 0x2A:  # only '*-1' is a null array
                        self._pos = start
                        raise ProtocolError(f"negative length for RESP type {chr(kind)!r}")
                    value = None
                else:
                    if kind == 0x25 or kind == 0x7C:  # map, attribute: key and value per entry
                        count *= 2
                    frame = _Frame(kind, count)
                    if count:
                        stack.append(frame)
                        continue
                    value = _finish(frame)
            else:
                line = self._line()
                if line is None:
                    return _INCOMPLETE
                value = self._scalar(kind, line)
            # a value is complete: hand it to the innermost open aggregate
            while True:
                if not stack:
                    if value is _ATTRIBUTE_DONE:
                        break  # an attribute annotates the next reply: read on
                    if self._decode_error is not None:
                        exc, self._decode_error = self._decode_error, None
                        raise exc
                    return value
                frame = stack[-1]
                if value is not _ATTRIBUTE_DONE:
                    _add(frame, value)
                    frame.remaining -= 1
                if frame.remaining:
                    break
                stack.pop()
                value = _finish(frame)

    def _bulk(self, kind: int) -> Any:
        start = self._pos
        line = self._line()
        if line is None:
            return _INCOMPLETE
        length = _parse_int(line[1:], "bulk length")
        if length == -1 and kind == 0x24:
            return None
        if length < 0 or length > self.max_bulk:
            raise ProtocolError(f"bulk length out of range: {length}")
        end = self._pos + length
        if len(self._buf) < end + 2:
            self._pos = start  # re-read the header once the payload is complete
            return _INCOMPLETE
        if self._buf[end : end + 2] != b"\r\n":
            raise ProtocolError("bulk string payload not followed by CRLF")
        data = bytes(self._buf[self._pos : end])
        self._pos = end + 2
        if kind == 0x21:  # '!': blob error
            return self._reply_error(data.decode("utf-8", "replace"))
        if kind == 0x3D:  # '=': verbatim "fmt:text"
            if length < 4 or data[3:4] != b":":
                raise ProtocolError("verbatim string without a 3-byte format prefix")
            data = data[4:]
        return self._text(data)

    def _scalar(self, kind: int, line: bytes) -> Any:
        body = line[1:]
        if kind == 0x2B:  # '+'
            return self._text(body)
        if kind == 0x2D:  # '-'
            return self._reply_error(body.decode("utf-8", "replace"))
        if kind == 0x3A:  # ':'
            return _parse_int(body, "integer")
        if kind == 0x5F:  # '_'
            if body:
                raise ProtocolError("null reply with a payload")
            return None
        if kind == 0x2C:  # ','
            return _parse_double(body)
        if kind == 0x23:  # '#'
            if body == b"t":
                return True
            if body == b"f":
                return False
            raise ProtocolError(f"bad boolean reply {body[:16]!r}")
        if kind == 0x28:  # '(' big number, kept as text like hiredis does
            text = body[1:] if body[:1] == b"-" else body
            if not text or not text.isdigit():
                raise ProtocolError(f"bad big number {body[:32]!r}")
            return self._text(body)
        raise ProtocolError(f"unknown RESP type byte {chr(kind)!r}")


class _Incomplete:
    __slots__ = ()


_INCOMPLETE = _Incomplete()
_ATTRIBUTE_DONE = object()


def _add(frame: _Frame, value: Any) -> None:
    if frame.kind == 0x25 or frame.kind == 0x7C:
        if frame.pending_key is _NO_KEY:
            frame.pending_key = value
            return
        key, frame.pending_key = frame.pending_key, _NO_KEY
        if frame.kind == 0x7C:
            return  # attribute contents are not kept
        try:
            frame.items[key] = value
        except TypeError:
            raise ProtocolError(f"map key of unhashable type {type(key).__name__}") from None
    else:
        frame.items.append(value)


def _finish(frame: _Frame) -> Any:
    if frame.kind == 0x7C:
        return _ATTRIBUTE_DONE
    if frame.kind == 0x3E:  # '>'
        return Push(frame.items)
    return frame.items


def _parse_int(text: bytes, what: str) -> int:
    # hiredis's string2ll: -?(0|[1-9][0-9]*), no "-0", within 64 bits
    body = text[1:] if text[:1] == b"-" else text
    if not body or not body.isdigit() or len(text) > 20 or (body[0] == 0x30 and text != b"0"):
        raise ProtocolError(f"bad {what} {text[:32]!r}")
    value = int(text)
    if not INT64_MIN <= value <= INT64_MAX:
        raise ProtocolError(f"{what} out of the 64-bit range: {text[:32]!r}")
    return value


def _parse_double(text: bytes) -> float:
    lowered = text.lower()
    if lowered == b"inf":
        return float("inf")
    if lowered == b"-inf":
        return float("-inf")
    if lowered == b"nan":
        return float("nan")
    # float() alone would also take spaces, "_" and "infinity"; strtod in hiredis does not
    if not text or text.translate(None, b"0123456789+-.eE"):
        raise ProtocolError(f"bad double {text[:32]!r}")
    try:
        value = float(text)
    except ValueError:
        raise ProtocolError(f"bad double {text[:32]!r}") from None
    if value in (float("inf"), float("-inf")):
        raise ProtocolError(f"bad double {text[:32]!r}")
    return value
