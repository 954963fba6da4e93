"""``Encoder``: redis-py's shape for turning values into bytes and replies into str.

``Redis.get_encoder()`` returns one with the client's ``encoding``,
``encoding_errors`` and ``decode_responses``; code written against
redis-py's ``Encoder`` (``encode``, ``decode(value, force=False)``) runs
unchanged.
"""

from __future__ import annotations

from typing import Any

from .exceptions import DataError


class Encoder:
    """Encode values to bytes (str with ``encoding``) and decode bytes when ``decode_responses`` (or forced)."""

    __slots__ = ("encoding", "encoding_errors", "decode_responses")

    def __init__(self, encoding: str, encoding_errors: str, decode_responses: bool) -> None:
        self.encoding = encoding
        self.encoding_errors = encoding_errors
        self.decode_responses = decode_responses

    def encode(self, value: Any) -> bytes | bytearray | memoryview:
        """bytes as they are; int and float as their repr; str encoded; anything else (bool too) refused."""
        if isinstance(value, (bytes, bytearray, memoryview)):
            return value
        if isinstance(value, bool):
            raise DataError("Invalid input of type: 'bool'. Convert to a bytes, string, int or float first.")
        if isinstance(value, (int, float)):
            return repr(value).encode()
        if not isinstance(value, str):
            raise DataError(
                f"Invalid input of type: '{type(value).__name__}'. Convert to a bytes, string, int or float first."
            )
        return value.encode(self.encoding, self.encoding_errors)

    def decode(self, value: Any, force: bool = False) -> Any:
        """A str from bytes-like ``value`` when ``decode_responses`` or ``force``; anything else as it is."""
        if self.decode_responses or force:
            if isinstance(value, memoryview):
                value = value.tobytes()
            if isinstance(value, (bytes, bytearray)):
                return bytes(value).decode(self.encoding, self.encoding_errors)
        return value
