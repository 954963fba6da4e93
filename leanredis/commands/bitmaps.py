"""Bit commands (SETBIT, BITCOUNT, BITFIELD, ...), with redis.asyncio's names, arguments and return types.

Every reply is an integer or a list of integers, the same in RESP2 and
RESP3, so no method needs a parser. ``bitfield(key)`` returns a builder,
as in redis-py: ``await r.bitfield("k").set("u8", 0, 255).incrby("u8", 0, 1).execute()``.
"""

from __future__ import annotations

from typing import Any, Union

from ..exceptions import DataError
from ..future import CommandFuture
from ..typed import StrT
from .base import CommandsBase, EncodableT, KeyT

BitfieldOffsetT = Union[int, str]  # an offset in bits, or "#n": n times the field's width


class BitFieldOperation:
    """Sub-operations of one BITFIELD command, built by chained calls and sent by ``execute()``.

    An OVERFLOW sub-operation is recorded only when the policy changes: the
    server starts every BITFIELD in WRAP, and ``default_overflow`` (if any)
    opens the command.
    """

    def __init__(self, client: CommandsBase, key: KeyT, default_overflow: str | None = None) -> None:
        self.client = client
        self.key = key
        self._default_overflow = default_overflow
        self.operations: list[tuple[EncodableT, ...]] = []
        self._last_overflow = "WRAP"
        self.reset()

    def __repr__(self) -> str:
        return f"<BitFieldOperation key={self.key!r} operations={len(self.operations)}>"

    def reset(self) -> None:
        """Forget the recorded sub-operations (``execute`` does it after building the command)."""
        self.operations = []
        self._last_overflow = "WRAP"
        self.overflow(self._default_overflow or self._last_overflow)

    def overflow(self, overflow: str) -> BitFieldOperation:
        """Policy of the INCRBY/SET that follow: WRAP, SAT or FAIL (the server checks the word)."""
        overflow = overflow.upper()
        if overflow != self._last_overflow:
            self._last_overflow = overflow
            self.operations.append(("OVERFLOW", overflow))
        return self

    def incrby(
        self, fmt: str, offset: BitfieldOffsetT, increment: int, overflow: str | None = None
    ) -> BitFieldOperation:
        """Add ``increment`` to the field ``fmt`` ("u8", "i16", ...) at ``offset``; its reply is the new value
        (None when FAIL stopped it)."""
        if overflow is not None:
            self.overflow(overflow)
        self.operations.append(("INCRBY", fmt, offset, increment))
        return self

    def get(self, fmt: str, offset: BitfieldOffsetT) -> BitFieldOperation:
        """Read the field ``fmt`` at ``offset``."""
        self.operations.append(("GET", fmt, offset))
        return self

    def set(self, fmt: str, offset: BitfieldOffsetT, value: int) -> BitFieldOperation:
        """Write ``value`` to the field ``fmt`` at ``offset``; its reply is the old value."""
        self.operations.append(("SET", fmt, offset, value))
        return self

    @property
    def command(self) -> list[Any]:
        """The BITFIELD command as it will be sent."""
        command: list[Any] = ["BITFIELD", self.key]
        for operation in self.operations:
            command.extend(operation)
        return command

    def execute(self) -> Any:
        """Send the sub-operations as one BITFIELD and reset: a list with one reply per GET/SET/INCRBY.

        On a pipeline the command is recorded and its list comes with the pipeline's results.
        """
        command = self.command
        self.reset()
        return self.client._send((b"BITFIELD", *command[1:]), None)


class BitmapCommands(CommandsBase[StrT]):
    """SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD, BITFIELD_RO."""

    def setbit(self, name: KeyT, offset: int, value: int) -> CommandFuture[int]:
        """Set the bit at ``offset`` to ``value`` (any truthy value is 1): the bit's previous value."""
        return self._send((b"SETBIT", name, offset, 1 if value else 0), None)

    def getbit(self, name: KeyT, offset: int) -> CommandFuture[int]:
        """The bit at ``offset`` (0 beyond the end or for a missing key)."""
        return self._send((b"GETBIT", name, offset), None)

    def bitcount(
        self, key: KeyT, start: int | None = None, end: int | None = None, mode: str | None = None
    ) -> CommandFuture[int]:
        """Number of bits set, in bytes (or bits with ``mode="BIT"``) ``start`` to ``end`` inclusive."""
        if (start is None) != (end is None):
            raise DataError("bitcount(): start and end must be given together")
        args: list[Any] = [b"BITCOUNT", key]
        if start is not None:
            args += (start, end)
        if mode is not None:
            args.append(mode)
        return self._send(tuple(args), None)

    def bitpos(
        self, key: KeyT, bit: int, start: int | None = None, end: int | None = None, mode: str | None = None
    ) -> CommandFuture[int]:
        """Position of the first bit equal to ``bit`` (0 or 1) from byte (or bit, ``mode="BIT"``) ``start``;
        -1 if none."""
        if bit not in (0, 1):
            raise DataError(f"bitpos(): bit must be 0 or 1, not {bit!r}")
        if start is None and end is not None:
            raise DataError("bitpos(): end needs start")
        args: list[Any] = [b"BITPOS", key, bit]
        if start is not None:
            args.append(start)
            if end is not None:
                args.append(end)
        if mode is not None:
            args.append(mode)
        return self._send(tuple(args), None)

    def bitop(self, operation: str, dest: KeyT, *keys: KeyT) -> CommandFuture[int]:
        """Store in ``dest`` the AND, OR, XOR (or NOT of one key) of ``keys``: the length of ``dest``."""
        return self._send((b"BITOP", operation, dest, *keys), None)

    def bitfield(self, key: KeyT, default_overflow: str | None = None) -> BitFieldOperation:
        """A builder for one BITFIELD command on ``key``; see ``BitFieldOperation``."""
        return BitFieldOperation(self, key, default_overflow=default_overflow)

    def bitfield_ro(
        self,
        key: KeyT,
        encoding: str,
        offset: BitfieldOffsetT,
        items: list[tuple[str, BitfieldOffsetT]] | None = None,
    ) -> CommandFuture[list[int]]:
        """Read-only BITFIELD: the field ``encoding`` at ``offset``, then each (encoding, offset) of ``items``."""
        args: list[Any] = [b"BITFIELD_RO", key, b"GET", encoding, offset]
        for item_encoding, item_offset in items or ():
            args += (b"GET", item_encoding, item_offset)
        return self._send(tuple(args), None)
