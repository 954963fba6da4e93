"""Bounds on what one reply may make the reader hold, applied before anything is allocated.

A hostile or broken server can announce a bulk string of 2 GiB and trickle it,
or an array of 2^31 elements. Bulk strings are bounded by the connection
(``max_reply_bytes``: it checks what the reader holds after each read). An
array is different: hiredis-py allocates the Python list as soon as it reads
the header (``*2147483648`` is a 16 GiB list whose release froze the event
loop for seconds), so its count must be refused before the list exists.
hiredis (C) has that check, ``redisReader.maxelements``, but hiredis-py does
not expose it. ``limit_elements`` sets it through the reader's C struct, once
per reader, at no cost per reply; the struct layout is verified at import
against hiredis-py's public ``setmaxbuf``/``getmaxbuf`` and by feeding a probe
reader an over-long array, and the bound is simply not applied (``ELEMENTS_BOUNDED``
is False, reported by ``stats()``) if any check fails.

A bulk string announced past the bound (``$2147483647``) is refused at its
header: the Python parser checks it as it reads it (``max_bulk``); hiredis
has no such bound, so ``announced_bulk`` reads the header at the reader's
cursor from the same struct (``buf``, ``pos``, ``len``, verified the same
way). The connection asks only after a read that ended no reply, so never
once per reply.
"""

from __future__ import annotations

import ctypes
from typing import Any

from ..exceptions import ProtocolError

# Offsets in hiredis 1.x's `struct redisReader` (read.h): int err; char errstr[128]; char *buf;
# size_t pos, len, maxbuf; long long maxelements; ... and hiredis-py's ReaderObject keeps the
# redisReader pointer right after PyObject_HEAD.
_READER_PTR_OFFSET = 16
_BUF_OFFSET = 136
_POS_OFFSET = 144
_LEN_OFFSET = 152
_MAXBUF_OFFSET = 160
_MAXELEMENTS_OFFSET = 168
_MORE = object()


def _struct_of(reader: Any) -> int | None:
    try:
        return ctypes.c_void_p.from_address(id(reader) + _READER_PTR_OFFSET).value
    except (ValueError, OverflowError):  # pragma: no cover - a layout we do not know
        return None


def _set(reader: Any, max_elements: int) -> None:
    address = _struct_of(reader)
    assert address is not None
    ctypes.c_longlong.from_address(address + _MAXELEMENTS_OFFSET).value = max_elements


def _verify() -> bool:
    """True when this hiredis-py's reader struct is the one the offsets describe (checked, not assumed)."""
    try:
        import hiredis
    except ImportError:  # pragma: no cover - hiredis is a runtime dependency
        return False
    if ctypes.sizeof(ctypes.c_void_p) != 8:  # pragma: no cover - offsets are for 64-bit builds
        return False
    try:
        probe = hiredis.Reader(protocolError=ProtocolError, notEnoughData=_MORE)
        address = _struct_of(probe)
        if not address:
            return False
        for value in (123_456_789, 987_654):
            probe.setmaxbuf(value)
            if ctypes.c_size_t.from_address(address + _MAXBUF_OFFSET).value != value:
                return False
        if ctypes.c_longlong.from_address(address + _MAXELEMENTS_OFFSET).value != 2**32 - 1:
            return False  # hiredis's documented default: the field is not where we think
        _set(probe, 3)
        probe.feed(b"*3\r\n:1\r\n:2\r\n:3\r\n")
        if probe.gets() != [1, 2, 3]:
            return False
        probe.feed(b"*4\r\n")
        try:
            probe.gets()
        except ProtocolError:
            return True
        return False
    except Exception:  # pragma: no cover - any surprise means: do not touch the struct
        return False


ELEMENTS_BOUNDED = _verify()


def _announced(address: int) -> int:
    buf = ctypes.c_void_p.from_address(address + _BUF_OFFSET).value
    pos = ctypes.c_size_t.from_address(address + _POS_OFFSET).value
    end = ctypes.c_size_t.from_address(address + _LEN_OFFSET).value
    if not buf or pos >= end:
        return -1
    head = ctypes.string_at(buf + pos, min(24, end - pos))
    # hiredis stops at an item it cannot finish right after its type byte. A length line and CRLF
    # there, with the item still unfinished, is a bulk string (or verbatim, blob error) header:
    # any other line would have been finished
    digits, crlf, _ = head.partition(b"\r\n")
    if not crlf or not digits.isdigit():
        return -1
    return int(digits)


def bulk_owed(reader: Any) -> tuple[int, int]:
    """(length announced, bytes still to come) of a hiredis reader's unfinished bulk string, or (-1, 0).

    Ask only after ``gets()`` returned "need more bytes" (and only where ``CURSOR_READABLE``).
    """
    address = _struct_of(reader)
    if not address:
        return -1, 0
    buf = ctypes.c_void_p.from_address(address + _BUF_OFFSET).value
    pos = ctypes.c_size_t.from_address(address + _POS_OFFSET).value
    end = ctypes.c_size_t.from_address(address + _LEN_OFFSET).value
    if not buf or pos >= end:
        return -1, 0
    head = ctypes.string_at(buf + pos, min(24, end - pos))
    digits, crlf, _ = head.partition(b"\r\n")
    if not crlf or not digits.isdigit():
        return -1, 0
    announced = int(digits)
    held = end - pos - len(digits) - 2
    return announced, max(0, announced + 2 - held)


def announced_bulk(reader: Any) -> int:
    """The length a hiredis reader's unfinished bulk string announces, or -1 (none, or not known).

    Ask only after ``gets()`` returned "need more bytes".
    """
    address = _struct_of(reader)
    return _announced(address) if address else -1


def _verify_cursor() -> bool:
    """True when ``announced_bulk`` reads this hiredis-py's struct right (checked on a probe, as above)."""
    if not ELEMENTS_BOUNDED:
        return False
    import hiredis

    try:
        probe = hiredis.Reader(protocolError=ProtocolError, notEnoughData=_MORE)
        address = _struct_of(probe)
        if not address:  # pragma: no cover - ELEMENTS_BOUNDED found it
            return False
        probe.feed(b"+OK\r\n*2\r\n:1\r\n$2147483647\r\nab")
        if probe.gets() != b"OK" or probe.gets() is not _MORE:
            return False
        if ctypes.c_size_t.from_address(address + _LEN_OFFSET).value != probe.len():
            return False
        if announced_bulk(probe) != 2147483647:
            return False
        probe.feed(b"\r\n")  # not a bulk string: nothing announced
        other = hiredis.Reader(protocolError=ProtocolError, notEnoughData=_MORE)
        other.feed(b"+12")
        return other.gets() is _MORE and announced_bulk(other) == -1
    except Exception:  # pragma: no cover - any surprise means: do not read the struct
        return False


CURSOR_READABLE = _verify_cursor()


def limit_elements(reader: Any, max_elements: int) -> bool:
    """Refuse (ProtocolError) any aggregate of more than ``max_elements`` before it is allocated.

    False when it cannot be applied to this hiredis-py (the reader keeps hiredis's own limit, 2^32-1).
    """
    if not ELEMENTS_BOUNDED:
        return False
    _set(reader, max_elements)
    return True
