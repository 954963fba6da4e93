"""Blocking commands: BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BZPOPMIN/MAX, BLMPOP, BZMPOP, WAIT, WAITAOF.

Each waits on the server, so it never goes on the shared multiplexed
connection (one blocked command there stalls every other caller): the
method hands ``self._send_blocking(args, parse, timeout)`` the command and
the seconds it may block (None: for ever). The client runs it on a
connection of the pool with the socket timeout extended by that much and
closes that connection if the caller gives up; a pipeline records it.

Return types are redis.asyncio 8.1's defaults: ``blpop`` a ``(key, value)``
tuple or None, ``bzpopmin`` ``(key, member, float score)`` or None.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from typing import Any

from ..exceptions import DataError
from ..typed import StrT
from .base import CommandsBase, KeyT, list_or_args
from .parsers import register

BlockingSender = Callable[[tuple[Any, ...], Any, "float | None"], Any]


def tuple_or_none(reply: Any) -> tuple[Any, ...] | None:
    """BLPOP/BRPOP: [key, value] -> (key, value); a timeout -> None."""
    return tuple(reply) if reply else None


def bzpop_reply(reply: Any) -> tuple[Any, Any, float] | None:
    """BZPOPMIN/BZPOPMAX: [key, member, score] -> (key, member, float score); a timeout -> None."""
    if not reply:
        return None
    return (reply[0], reply[1], float(reply[2]))


def zmpop_reply(reply: Any) -> Any:
    """BZMPOP/ZMPOP: [key, [[member, score], ...]] with each score as %.17g bytes, as redis.asyncio 8.1 gives it."""
    if not reply:
        return reply
    return [reply[0], [[member, _score_bytes(score)] for member, score in reply[1]]]


def _score_bytes(score: Any) -> bytes:
    # Always through float: redis-py reads a RESP3 double and re-encodes it as %.17g, while
    # a RESP2 server may send the shortest form (Valkey: b"0.3" where that gives b"0.29999999999999999").
    return format(float(score), ".17g").encode()


register("BLPOP BRPOP", tuple_or_none)
register("BZPOPMIN BZPOPMAX", bzpop_reply)
register("BZMPOP", zmpop_reply)


def _block_seconds(timeout: Any, command: str) -> float | None:
    """The server-side wait in seconds, which the client's deadline adds to ``socket_timeout``; 0 (or None)
    blocks for ever -> None. The timeout is sent as redis-py sends it: a string of a number is the server's
    to read, and what it refuses (a negative or unreadable timeout, answered at once) is its ResponseError."""
    if timeout is None or isinstance(timeout, bool):
        return None  # a bool is refused by the encoder, at the await, as redis-py refuses it
    try:
        seconds = float(timeout)
    except (TypeError, ValueError):
        return None
    return seconds if 0 < seconds < math.inf else None


class BlockingCommands(CommandsBase[StrT]):
    """Commands that block the connection they run on; see the module docstring."""

    _send_blocking: BlockingSender

    def blpop(self, keys: Any, timeout: float | None = 0) -> Awaitable[tuple[StrT, StrT] | None]:
        """LPOP from the first non-empty list of ``keys``, waiting up to ``timeout`` s (0: for ever)."""
        return self._bpop(b"BLPOP", "blpop", keys, timeout, tuple_or_none)

    def brpop(self, keys: Any, timeout: float | None = 0) -> Awaitable[tuple[StrT, StrT] | None]:
        """RPOP from the first non-empty list of ``keys``, waiting up to ``timeout`` s (0: for ever)."""
        return self._bpop(b"BRPOP", "brpop", keys, timeout, tuple_or_none)

    def bzpopmin(self, keys: Any, timeout: float | None = 0) -> Awaitable[tuple[StrT, StrT, float] | None]:
        """ZPOPMIN from the first non-empty sorted set of ``keys``: (key, member, score) or None."""
        return self._bpop(b"BZPOPMIN", "bzpopmin", keys, timeout, bzpop_reply)

    def bzpopmax(self, keys: Any, timeout: float | None = 0) -> Awaitable[tuple[StrT, StrT, float] | None]:
        """ZPOPMAX from the first non-empty sorted set of ``keys``: (key, member, score) or None."""
        return self._bpop(b"BZPOPMAX", "bzpopmax", keys, timeout, bzpop_reply)

    def _bpop(self, name: bytes, command: str, keys: Any, timeout: Any, parse: Any) -> Any:
        if timeout is None:
            timeout = 0
        block = _block_seconds(timeout, command)
        return self._send_blocking((name, *list_or_args(keys, (), command), timeout), parse, block)

    def blmove(
        self, first_list: KeyT, second_list: KeyT, timeout: float, src: str = "LEFT", dest: str = "RIGHT"
    ) -> Awaitable[StrT | None]:
        """LMOVE that waits up to ``timeout`` s (0: for ever) for ``first_list``: the element or None."""
        block = _block_seconds(timeout, "blmove")
        return self._send_blocking((b"BLMOVE", first_list, second_list, src, dest, timeout), None, block)

    def brpoplpush(self, src: KeyT, dst: KeyT, timeout: float | None = 0) -> Awaitable[StrT | None]:
        """RPOP ``src`` and LPUSH it to ``dst``, waiting up to ``timeout`` s: the element or None."""
        if timeout is None:
            timeout = 0
        block = _block_seconds(timeout, "brpoplpush")
        return self._send_blocking((b"BRPOPLPUSH", src, dst, timeout), None, block)

    def blmpop(
        self, timeout: float, numkeys: int, *args: KeyT, direction: str, count: int | None = 1
    ) -> Awaitable[list[StrT | list[StrT]] | None]:
        """Pop ``count`` elements from the first non-empty list: [key, [elements]] or None."""
        block = _block_seconds(timeout, "blmpop")
        return self._send_blocking((b"BLMPOP", timeout, numkeys, *args, direction, b"COUNT", count), None, block)

    def bzmpop(
        self,
        timeout: float,
        numkeys: int,
        keys: list[KeyT],
        min: bool | None = False,
        max: bool | None = False,
        count: int | None = 1,
    ) -> Awaitable[list[StrT | list[list[StrT | bytes]]] | None]:
        """Pop ``count`` members from the first non-empty sorted set: [key, [[member, score], ...]] or None."""
        if bool(min) == bool(max):
            raise DataError("bzmpop(): either min or max, but not both must be set")
        block = _block_seconds(timeout, "bzmpop")
        args = (b"BZMPOP", timeout, numkeys, *keys, b"MIN" if min else b"MAX", b"COUNT", count)
        return self._send_blocking(args, zmpop_reply, block)

    def wait(self, num_replicas: int, timeout: int, **kwargs: Any) -> Awaitable[int]:
        """Wait up to ``timeout`` ms (0: for ever) until ``num_replicas`` acknowledged the writes: how many did."""
        return self._send_blocking((b"WAIT", num_replicas, timeout), None, _block_seconds(timeout / 1000, "wait"))

    def waitaof(self, num_local: int, num_replicas: int, timeout: int, **kwargs: Any) -> Awaitable[list[int]]:
        """Wait up to ``timeout`` ms until the writes are fsynced to AOF: [local, replicas]."""
        block = _block_seconds(timeout / 1000, "waitaof")
        return self._send_blocking((b"WAITAOF", num_local, num_replicas, timeout), None, block)
