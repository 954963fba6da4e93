"""The hiredis-backed reader: the C parser, with our exception classes.

Same interface and results as ``PythonParser`` for everything Redis and
Valkey send. Where the C reader differs (checked by the differential tests):

- a RESP3 attribute ``|`` comes back as a reply of its own (a list) instead
  of being skipped; no server sends attributes unless asked with
  ``DEBUG PROTOCOL attrib``;
- a blob error ``!`` raises ``ProtocolError``; servers send ``-`` errors;
- the CRLF after a bulk payload is not checked;
- a map key that is itself a map or array raises ``TypeError`` from
  ``gets()``; ``HiredisParser`` turns it into ``ProtocolError``;
- it accepts a few malformed replies that ``PythonParser`` rejects:
  ``#T``/``#F``, an empty or sign-only big number ``(``, ``,-nan``, and
  length -1 on ``%``, ``~``, ``>`` and ``=`` (read as null);
- a map with a repeated key comes out with its values shifted to the wrong
  keys (a hiredis-py bug); servers never repeat a key.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import hiredis

from ..exceptions import ProtocolError, ResponseError


def make_reader(
    encoding: str | None = None,
    errors: str = "strict",
    not_enough_data: Any = False,
    reply_error: Callable[[str], Exception] = ResponseError,
) -> Any:
    """A raw ``hiredis.Reader`` raising our ``ProtocolError``, error replies as ``reply_error(text)``.

    ``gets()`` returns ``not_enough_data`` when more bytes are needed; pass a
    sentinel to tell that apart from a RESP3 ``#f`` reply, which is ``False``.
    """
    if encoding is None:
        return hiredis.Reader(protocolError=ProtocolError, replyError=reply_error, notEnoughData=not_enough_data)
    return hiredis.Reader(
        protocolError=ProtocolError,
        replyError=reply_error,
        encoding=encoding,
        errors=errors,
        notEnoughData=not_enough_data,
    )


class HiredisParser:
    """``PythonParser``'s interface over hiredis, with every failure as ``ProtocolError``."""

    __slots__ = ("_reader",)

    def __init__(self, encoding: str | None = None, errors: str = "strict", not_enough_data: Any = False) -> None:
        self._reader = make_reader(encoding, errors, not_enough_data)

    def set_encoding(self, encoding: str | None = None, errors: str = "strict") -> None:
        """Decode strings with ``encoding`` from the next reply on (None: bytes)."""
        self._reader.set_encoding(encoding=encoding, errors=errors)

    def feed(self, data: bytes | bytearray | memoryview) -> None:
        """Append bytes received from the server."""
        self._reader.feed(data)

    def buffered(self) -> int:
        """Bytes held by the reader: 0 once every fed byte was read.

        Else an upper bound: hiredis drops consumed bytes in 1 KiB steps, and
        its ``len()`` counts them until then.
        """
        if not self._reader.has_data():
            return 0
        return int(self._reader.len())

    def gets(self) -> Any:
        """Return the next complete reply, or ``not_enough_data`` (``False``) if more bytes are needed."""
        try:
            return self._reader.gets()
        except TypeError as exc:  # unhashable map key inside a RESP3 map
            raise ProtocolError(f"malformed RESP3 map: {exc}") from None
