"""Set commands, with redis.asyncio's names, arguments and return types.

SMEMBERS, SINTER, SUNION and SDIFF return a Python ``set`` (RESP3 sends a
set type, RESP2 an array: both become ``set``). SPOP and SRANDMEMBER with a
count return a ``list``, as redis.asyncio does. SSCAN returns
``(cursor: int, members: list)``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, overload

from ..future import CommandFuture
from ..typed import StrT
from .base import CommandsBase, EncodableT, FieldT, KeyT, list_or_args
from .parsers import register, scan_reply, to_bool


def to_set(reply: Any) -> set[Any]:
    """Array (RESP2) or set (RESP3, a list here) of members -> set."""
    return set(reply) if reply else set()


class SetCommands(CommandsBase[StrT]):
    """SADD, SMEMBERS, SINTER and the rest of the set family."""

    def sadd(self, name: KeyT, *values: FieldT) -> CommandFuture[int]:
        """Add members: how many were new."""
        return self._send((b"SADD", name, *values), None)

    def srem(self, name: KeyT, *values: FieldT) -> CommandFuture[int]:
        """Remove members: how many were there."""
        return self._send((b"SREM", name, *values), None)

    def smembers(self, name: KeyT) -> CommandFuture[set[StrT]]:
        """Every member, as a set."""
        return self._send((b"SMEMBERS", name), to_set)

    def sismember(self, name: KeyT, value: EncodableT) -> CommandFuture[int]:
        """1 if ``value`` is a member, else 0 (an int, as redis-py returns)."""
        return self._send((b"SISMEMBER", name, value), None)

    def smismember(self, name: KeyT, values: Any, *args: EncodableT) -> CommandFuture[list[int]]:
        """1 or 0 for each value, in order."""
        return self._send((b"SMISMEMBER", name, *list_or_args(values, args, "smismember")), None)

    def scard(self, name: KeyT) -> CommandFuture[int]:
        """Number of members."""
        return self._send((b"SCARD", name), None)

    @overload
    def spop(self, name: KeyT, count: None = ...) -> CommandFuture[StrT | None]: ...
    @overload
    def spop(self, name: KeyT, count: int) -> CommandFuture[list[StrT]]: ...
    def spop(self, name: KeyT, count: int | None = None) -> CommandFuture[Any]:
        """Remove and return a random member (or None); a list of up to ``count`` with ``count``."""
        if count is None:
            return self._send((b"SPOP", name), None)
        return self._send((b"SPOP", name, count), None)

    @overload
    def srandmember(self, name: KeyT, number: None = ...) -> CommandFuture[StrT | None]: ...
    @overload
    def srandmember(self, name: KeyT, number: int) -> CommandFuture[list[StrT]]: ...
    def srandmember(self, name: KeyT, number: int | None = None) -> CommandFuture[Any]:
        """A random member (or None); a list of ``number`` members with ``number``."""
        if number is None:
            return self._send((b"SRANDMEMBER", name), None)
        return self._send((b"SRANDMEMBER", name, number), None)

    def smove(self, src: KeyT, dst: KeyT, value: EncodableT) -> CommandFuture[bool]:
        """Move ``value`` from ``src`` to ``dst``: True if it was moved."""
        return self._send((b"SMOVE", src, dst, value), to_bool)

    def sinter(self, keys: Any, *args: KeyT) -> CommandFuture[set[StrT]]:
        """Intersection of the sets, as a set."""
        return self._send((b"SINTER", *list_or_args(keys, args, "sinter")), to_set)

    def sunion(self, keys: Any, *args: KeyT) -> CommandFuture[set[StrT]]:
        """Union of the sets, as a set."""
        return self._send((b"SUNION", *list_or_args(keys, args, "sunion")), to_set)

    def sdiff(self, keys: Any, *args: KeyT) -> CommandFuture[set[StrT]]:
        """Members of the first set that are in none of the others, as a set."""
        return self._send((b"SDIFF", *list_or_args(keys, args, "sdiff")), to_set)

    def sinterstore(self, dest: KeyT, keys: Any, *args: KeyT) -> CommandFuture[int]:
        """Store the intersection in ``dest``: its size."""
        return self._send((b"SINTERSTORE", dest, *list_or_args(keys, args, "sinterstore")), None)

    def sunionstore(self, dest: KeyT, keys: Any, *args: KeyT) -> CommandFuture[int]:
        """Store the union in ``dest``: its size."""
        return self._send((b"SUNIONSTORE", dest, *list_or_args(keys, args, "sunionstore")), None)

    def sdiffstore(self, dest: KeyT, keys: Any, *args: KeyT) -> CommandFuture[int]:
        """Store the difference in ``dest``: its size."""
        return self._send((b"SDIFFSTORE", dest, *list_or_args(keys, args, "sdiffstore")), None)

    def sintercard(self, numkeys: int, keys: list[KeyT], limit: int = 0) -> CommandFuture[int]:
        """Size of the intersection, counting stops at ``limit`` (0: no limit)."""
        return self._send((b"SINTERCARD", numkeys, *list_or_args(keys, (), "sintercard"), b"LIMIT", limit), None)

    def sscan(
        self,
        name: KeyT,
        cursor: int = 0,
        match: EncodableT | None = None,
        count: int | None = None,
    ) -> CommandFuture[tuple[int, list[StrT]]]:
        """One SSCAN step: (next cursor, members); cursor 0 means done."""
        args: list[Any] = [b"SSCAN", name, cursor]
        if match is not None:
            args += (b"MATCH", match)
        if count is not None:
            args += (b"COUNT", count)
        return self._send(tuple(args), scan_reply)

    async def sscan_iter(
        self,
        name: KeyT,
        match: EncodableT | None = None,
        count: int | None = None,
    ) -> AsyncIterator[StrT]:
        """Every member, fetched by SSCAN steps (a member may come twice if the set changes)."""
        cursor = 0
        while True:
            cursor, members = await self.sscan(name, cursor, match, count)
            for member in members:
                yield member
            if cursor == 0:
                return


register("SMEMBERS SINTER SUNION SDIFF", to_set)
register("SSCAN", scan_reply)
