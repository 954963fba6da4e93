"""List commands, with redis.asyncio's names, arguments and return types.

Blocking commands (BLPOP, BRPOP, BLMOVE, ...) are not here yet: they hold a
reply back for seconds, which a multiplexed connection must plan for.
"""

from __future__ import annotations

from typing import Any, overload

from ..exceptions import DataError
from ..future import CommandFuture
from ..typed import StrT
from .base import CommandsBase, EncodableT, FieldT, KeyT
from .parsers import bool_ok


class ListCommands(CommandsBase[StrT]):
    """List commands."""

    def lpush(self, name: KeyT, *values: FieldT) -> CommandFuture[int]:
        """Prepend values (the last one ends up first): the new length."""
        return self._send((b"LPUSH", name, *_values(values, "lpush")), None)

    def rpush(self, name: KeyT, *values: FieldT) -> CommandFuture[int]:
        """Append values: the new length."""
        return self._send((b"RPUSH", name, *_values(values, "rpush")), None)

    def lpushx(self, name: KeyT, *values: FieldT) -> CommandFuture[int]:
        """Prepend values only if the list exists: the new length (0 if missing)."""
        return self._send((b"LPUSHX", name, *_values(values, "lpushx")), None)

    def rpushx(self, name: KeyT, *values: FieldT) -> CommandFuture[int]:
        """Append values only if the list exists: the new length (0 if missing)."""
        return self._send((b"RPUSHX", name, *_values(values, "rpushx")), None)

    @overload
    def lpop(self, name: KeyT, count: None = ...) -> CommandFuture[StrT | None]: ...
    @overload
    def lpop(self, name: KeyT, count: int) -> CommandFuture[list[StrT] | None]: ...
    def lpop(self, name: KeyT, count: int | None = None) -> CommandFuture[Any]:
        """Remove and return the first element, or a list of up to ``count``; None if missing."""
        if count is None:
            return self._send((b"LPOP", name), None)
        return self._send((b"LPOP", name, count), None)

    @overload
    def rpop(self, name: KeyT, count: None = ...) -> CommandFuture[StrT | None]: ...
    @overload
    def rpop(self, name: KeyT, count: int) -> CommandFuture[list[StrT] | None]: ...
    def rpop(self, name: KeyT, count: int | None = None) -> CommandFuture[Any]:
        """Remove and return the last element, or a list of up to ``count``; None if missing."""
        if count is None:
            return self._send((b"RPOP", name), None)
        return self._send((b"RPOP", name, count), None)

    def lrange(self, name: KeyT, start: int, end: int) -> CommandFuture[list[StrT]]:
        """Elements from ``start`` to ``end`` inclusive (negative counts from the end)."""
        return self._send((b"LRANGE", name, start, end), None)

    def llen(self, name: KeyT) -> CommandFuture[int]:
        """Length of the list (0 if missing)."""
        return self._send((b"LLEN", name), None)

    def lindex(self, name: KeyT, index: int) -> CommandFuture[StrT | None]:
        """Element at ``index``, or None."""
        return self._send((b"LINDEX", name, index), None)

    def lset(self, name: KeyT, index: int, value: EncodableT) -> CommandFuture[bool]:
        """Replace the element at ``index``: True."""
        return self._send((b"LSET", name, index, value), bool_ok)

    def lrem(self, name: KeyT, count: int, value: EncodableT) -> CommandFuture[int]:
        """Remove ``count`` occurrences of ``value`` (from the tail if negative, all if 0): how many."""
        return self._send((b"LREM", name, count, value), None)

    def ltrim(self, name: KeyT, start: int, end: int) -> CommandFuture[bool]:
        """Keep only the elements from ``start`` to ``end`` inclusive: True."""
        return self._send((b"LTRIM", name, start, end), bool_ok)

    def linsert(self, name: KeyT, where: str, refvalue: EncodableT, value: EncodableT) -> CommandFuture[int]:
        """Insert ``value`` BEFORE or AFTER ``refvalue``: the new length, -1 if no ``refvalue``, 0 if no list."""
        return self._send((b"LINSERT", name, where, refvalue, value), None)

    def lmove(
        self, first_list: KeyT, second_list: KeyT, src: str = "LEFT", dest: str = "RIGHT"
    ) -> CommandFuture[StrT | None]:
        """Pop from the ``src`` end of one list, push to the ``dest`` end of another: the element, or None."""
        return self._send(
            (
                b"LMOVE",
                first_list,
                second_list,
                src,
                dest,
            ),
            None,
        )

    @overload
    def lpos(
        self, name: KeyT, value: EncodableT, rank: int | None = ..., count: None = ..., maxlen: int | None = ...
    ) -> CommandFuture[int | None]: ...
    @overload
    def lpos(
        self, name: KeyT, value: EncodableT, rank: int | None = ..., *, count: int, maxlen: int | None = ...
    ) -> CommandFuture[list[int]]: ...
    @overload
    def lpos(
        self, name: KeyT, value: EncodableT, rank: int | None = ..., count: int | None = ..., maxlen: int | None = ...
    ) -> CommandFuture[int | list[int] | None]: ...
    def lpos(
        self,
        name: KeyT,
        value: EncodableT,
        rank: int | None = None,
        count: int | None = None,
        maxlen: int | None = None,
    ) -> CommandFuture[Any]:
        """Index of ``value`` (None if absent), or a list of indexes with ``count``."""
        args: list[Any] = [b"LPOS", name, value]
        if rank is not None:
            args += (b"RANK", rank)
        if count is not None:
            args += (b"COUNT", count)
        if maxlen is not None:
            args += (b"MAXLEN", maxlen)
        return self._send(tuple(args), None)

    def rpoplpush(self, src: KeyT, dst: KeyT) -> CommandFuture[StrT | None]:
        """Pop the last element of ``src`` and push it in front of ``dst``: the element, or None."""
        return self._send((b"RPOPLPUSH", src, dst), None)

    def lmpop(
        self, num_keys: int, *args: KeyT, direction: str, count: int | None = 1
    ) -> CommandFuture[list[StrT | list[StrT]] | None]:
        """Pop ``count`` elements from the ``direction`` (LEFT/RIGHT) end of the first non-empty list:
        [key, [elements]], or None."""
        if count != 1:
            return self._send((b"LMPOP", num_keys, *args, direction, b"COUNT", count), None)
        return self._send((b"LMPOP", num_keys, *args, direction), None)


def _values(values: tuple[Any, ...], command: str) -> tuple[Any, ...]:
    if not values:
        raise DataError(f"{command}() needs at least one value")
    return values
