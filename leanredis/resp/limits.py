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
"""

from __future__ import annotations

import ctypes
from typing import Any

from ..exceptions import ProtocolError

# Offsets in hiredis 1.x's `struct redisReader` (read.h): int err; char errstr[128]; char *buf;
# size_t pos, len, maxbuf; long long maxelements; ... and hiredis-py's ReaderObject keeps the
# redisReader pointer right after PyObject_HEAD.
_READER_PTR_OFFSET = 16
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


def limit_elements(reader: Any, max_elements: int) -> bool:
    """Refuse (ProtocolError) any aggregate of more than ``max_elements`` before it is allocated.

    False when it cannot be applied to this hiredis-py (the reader keeps hiredis's own limit, 2^32-1).
    """
    if not ELEMENTS_BOUNDED:
        return False
    _set(reader, max_elements)
    return True
