"""The hiredis-backed reader: the C parser, with our exception classes.

Same interface and results as ``PythonParser`` for everything Redis and
Valkey send. Where the C reader differs (checked by the differential tests):

- a RESP3 attribute ``|`` comes back as a reply of its own (a list) instead
  of being skipped; no server sends attributes unless asked with
  ``DEBUG PROTOCOL attrib``;
- a blob error ``!`` raises ``ProtocolError``; servers send ``-`` errors;
- the CRLF after a bulk payload is not checked;
- a map key that is itself a map or array raises ``TypeError`` from
  ``gets()``; ``HiredisParser`` turns it into ``ProtocolError``.
"""

from __future__ import annotations

from typing import Any

import hiredis

from ..exceptions import ProtocolError, ResponseError


def make_reader(encoding: str | None = None, errors: str = "strict") -> Any:
    """A raw ``hiredis.Reader`` raising our ``ProtocolError``, error replies as ``ResponseError``."""
    if encoding is None:
        return hiredis.Reader(protocolError=ProtocolError, replyError=ResponseError)
    return hiredis.Reader(
        protocolError=ProtocolError, replyError=ResponseError, encoding=encoding, errors=errors
    )


class HiredisParser:
    """``PythonParser``'s interface over hiredis, with every failure as ``ProtocolError``."""

    __slots__ = ("_reader",)

    def __init__(self, encoding: str | None = None, errors: str = "strict") -> None:
        self._reader = make_reader(encoding, errors)

    def set_encoding(self, encoding: str | None = None, errors: str = "strict") -> None:
        """Decode strings with ``encoding`` from the next reply on (None: bytes)."""
        self._reader.set_encoding(encoding=encoding, errors=errors)

    def feed(self, data: bytes | bytearray | memoryview) -> None:
        """Append bytes received from the server."""
        self._reader.feed(data)

    def buffered(self) -> int:
        """Bytes received and not yet consumed by a complete reply."""
        return int(self._reader.len())

    def gets(self) -> Any:
        """Return the next complete reply, or ``False`` if more bytes are needed."""
        try:
            return self._reader.gets()
        except TypeError as exc:  # unhashable map key inside a RESP3 map
            raise ProtocolError(f"malformed RESP3 map: {exc}") from None
