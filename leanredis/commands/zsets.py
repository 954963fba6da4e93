"""Sorted set commands, with redis.asyncio's names, arguments and return types.

Scores come back as ``float`` and ranges WITHSCORES as a list of
``(member, score)`` tuples, whatever the protocol: RESP2 sends scores as
strings in a flat array, RESP3 as doubles in ``[member, score]`` pairs (and
ZPOPMIN/ZPOPMAX without a count as one flat pair). The parsers accept both.

``score_cast_func`` (a callable other than ``float``) receives each score as
redis.asyncio 8.1 hands it over with its defaults: for ranges, ZPOPMIN/MAX
and ZRANK WITHSCORE, the score as ``%.17g`` ASCII bytes (even with
``decode_responses``); for ZSCAN, the string the server sent. When the call
raises ValueError or TypeError it is retried with ``float(score)``, so
``int`` works on ``b"2.5"``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from typing import Any, Literal, TypeVar, Union, overload

from ..exceptions import DataError
from ..future import CommandFuture
from ..typed import StrT
from .base import CommandsBase, EncodableT, FieldT, KeyT
from .parsers import float_or_none, register

ZScoreBoundT = Union[float, str]
ScoreCastT = Callable[[Any], Any]
# what a score_cast_func gives: the score type of the (member, score) pairs
CastT = TypeVar("CastT")


# -- reply parsers -----------------------------------------------------------


def score_pairs(reply: Any) -> list[Any]:
    """Members with scores -> [(member, float score), ...].

    RESP2: flat [m1, s1, m2, s2, ...]; RESP3: [[m1, s1], ...], or a single
    flat [m, s] for ZPOPMIN/ZPOPMAX without a count.
    """
    if not reply:
        return reply  # type: ignore[no-any-return]
    if reply[0].__class__ is list:
        return [(member, float(score)) for member, score in reply]
    it = iter(reply)
    return [(member, float(score)) for member, score in zip(it, it, strict=True)]


def rank_reply(reply: Any) -> Any:
    """ZRANK/ZREVRANK: the rank (int) or None; with WITHSCORE [rank, float score]."""
    if reply.__class__ is list:
        return [reply[0], float(reply[1])]
    return reply


def zscan_reply(reply: Any) -> tuple[int, list[Any]]:
    """ZSCAN [cursor, [m1, s1, ...]] -> (int cursor, [(member, float score), ...])."""
    cursor, items = reply
    it = iter(items)
    return int(cursor), [(member, float(score)) for member, score in zip(it, it, strict=True)]


def zadd_reply(reply: Any) -> Any:
    """ZADD: count (int); with INCR the new score (float), or None when NX/XX/GT/LT stopped it."""
    if reply is None or reply.__class__ is int or reply.__class__ is float:
        return reply
    return float(reply)


def scores_list(reply: Any) -> list[float | None]:
    """ZMSCORE: [score or None, ...] -> [float or None, ...]."""
    return [None if score is None else float(score) for score in reply]


def _score_bytes(score: Any) -> bytes:
    # what redis.asyncio 8.1 hands score_cast_func: RESP3 doubles re-encoded as %.17g
    return format(float(score), ".17g").encode()


class _Cast:
    """A score_cast_func applied with redis-py's fallback through float()."""

    __slots__ = ("func",)

    def __init__(self, func: ScoreCastT) -> None:
        self.func = func

    def cast(self, score: Any) -> Any:
        try:
            return self.func(score)
        except (ValueError, TypeError):
            return self.func(float(score))


class CastPairs(_Cast):
    """score_pairs with a custom score_cast_func."""

    __slots__ = ()

    def __call__(self, reply: Any) -> Any:
        if not reply:
            return reply
        cast = self.cast
        if reply[0].__class__ is list:
            return [(member, cast(_score_bytes(score))) for member, score in reply]
        it = iter(reply)
        return [(member, cast(_score_bytes(score))) for member, score in zip(it, it, strict=True)]


class CastRank(_Cast):
    """rank_reply with a custom score_cast_func."""

    __slots__ = ()

    def __call__(self, reply: Any) -> Any:
        if reply.__class__ is list:
            return [reply[0], self.cast(_score_bytes(reply[1]))]
        return reply


class CastScan(_Cast):
    """zscan_reply with a custom score_cast_func (it gets the score as the server sent it)."""

    __slots__ = ()

    def __call__(self, reply: Any) -> tuple[int, list[Any]]:
        cursor, items = reply
        cast = self.cast
        it = iter(items)
        return int(cursor), [(member, cast(score)) for member, score in zip(it, it, strict=True)]


def _pairs_parser(withscores: bool, score_cast_func: ScoreCastT) -> Any:
    if not withscores:
        return None
    if score_cast_func is float:
        return score_pairs
    return CastPairs(score_cast_func)


def _limit(args: list[Any], start: int | None, num: int | None, command: str, first: str = "start") -> None:
    if (start is None) != (num is None):
        raise DataError(f"{command}(): {first} and num must be given together")
    if start is not None:
        args += (b"LIMIT", start, num)


# -- commands ----------------------------------------------------------------


class SortedSetCommands(CommandsBase[StrT]):
    """ZADD, ZRANGE, ZSCORE and the rest of the sorted set family."""

    @overload
    def zadd(
        self, name: KeyT, mapping: Mapping[Any, EncodableT], nx: bool = ..., xx: bool = ..., ch: bool = ...,
        incr: Literal[False] = ..., gt: bool = ..., lt: bool = ...,
    ) -> CommandFuture[int]: ...
    @overload
    def zadd(
        self, name: KeyT, mapping: Mapping[Any, EncodableT], nx: bool = ..., xx: bool = ..., ch: bool = ..., *,
        incr: Literal[True], gt: bool = ..., lt: bool = ...,
    ) -> CommandFuture[float | None]: ...
    @overload
    def zadd(
        self, name: KeyT, mapping: Mapping[Any, EncodableT], nx: bool = ..., xx: bool = ..., ch: bool = ..., *,
        incr: bool, gt: bool = ..., lt: bool = ...,
    ) -> CommandFuture[int | float | None]: ...
    def zadd(
        self,
        name: KeyT,
        mapping: Mapping[Any, EncodableT],
        nx: bool = False,
        xx: bool = False,
        ch: bool = False,
        incr: bool = False,
        gt: bool = False,
        lt: bool = False,
    ) -> CommandFuture[Any]:
        """Add members {member: score}: how many were added (changed with ``ch``);
        with ``incr``, the new score (float) or None."""
        if not isinstance(mapping, Mapping):
            raise DataError(f"zadd() takes a dict of member -> score, not {type(mapping).__name__}")
        if not mapping:
            raise DataError("zadd() needs at least one member -> score pair")
        if nx and xx:
            raise DataError("zadd(): nx and xx are mutually exclusive")
        if gt and lt:
            raise DataError("zadd(): gt and lt are mutually exclusive")
        if nx and (gt or lt):
            raise DataError("zadd(): nx cannot be combined with gt or lt")
        if incr and len(mapping) != 1:
            raise DataError("zadd(): incr takes exactly one member -> score pair")
        args: list[Any] = [b"ZADD", name]
        if nx:
            args.append(b"NX")
        if xx:
            args.append(b"XX")
        if ch:
            args.append(b"CH")
        if incr:
            args.append(b"INCR")
        if gt:
            args.append(b"GT")
        if lt:
            args.append(b"LT")
        for member, score in mapping.items():
            args += (score, member)
        return self._send(tuple(args), zadd_reply)

    def zrem(self, name: KeyT, *values: FieldT) -> CommandFuture[int]:
        """Remove members: how many were there."""
        return self._send((b"ZREM", name, *values), None)

    def zincrby(self, name: KeyT, amount: float, value: EncodableT) -> CommandFuture[float]:
        """Add ``amount`` to the member's score: the new score."""
        return self._send((b"ZINCRBY", name, amount, value), float_or_none)

    def zscore(self, name: KeyT, value: EncodableT) -> CommandFuture[float | None]:
        """The member's score, or None."""
        return self._send((b"ZSCORE", name, value), float_or_none)

    def zmscore(self, key: KeyT, members: Sequence[EncodableT]) -> CommandFuture[list[float | None]]:
        """Scores of several members (None for missing ones)."""
        if isinstance(members, (bytes, str)) or not members:
            raise DataError("zmscore() takes a non-empty list of members")
        return self._send((b"ZMSCORE", key, *members), scores_list)

    def zcard(self, name: KeyT) -> CommandFuture[int]:
        """Number of members."""
        return self._send((b"ZCARD", name), None)

    def zcount(self, name: KeyT, min: ZScoreBoundT, max: ZScoreBoundT) -> CommandFuture[int]:
        """Number of members with a score between ``min`` and ``max``."""
        return self._send((b"ZCOUNT", name, min, max), None)

    def zlexcount(self, name: KeyT, min: EncodableT, max: EncodableT) -> CommandFuture[int]:
        """Number of members between ``min`` and ``max`` in lexical order ("[a", "(b", "-", "+")."""
        return self._send((b"ZLEXCOUNT", name, min, max), None)

    @overload
    def zrank(
        self, name: KeyT, value: EncodableT, withscore: Literal[False] = ..., score_cast_func: ScoreCastT = ...,
    ) -> CommandFuture[int | None]: ...
    @overload
    def zrank(
        self, name: KeyT, value: EncodableT, *, withscore: Literal[True], score_cast_func: ScoreCastT = ...,
    ) -> CommandFuture[list[Any] | None]: ...
    @overload
    def zrank(
        self, name: KeyT, value: EncodableT, *, withscore: bool, score_cast_func: ScoreCastT = ...,
    ) -> CommandFuture[int | list[Any] | None]: ...
    def zrank(
        self,
        name: KeyT,
        value: EncodableT,
        withscore: bool = False,
        score_cast_func: ScoreCastT = float,
    ) -> CommandFuture[Any]:
        """Rank from the lowest score (0-based) or None; [rank, score] with ``withscore``."""
        return self._rank(b"ZRANK", name, value, withscore, score_cast_func)

    @overload
    def zrevrank(
        self, name: KeyT, value: EncodableT, withscore: Literal[False] = ..., score_cast_func: ScoreCastT = ...,
    ) -> CommandFuture[int | None]: ...
    @overload
    def zrevrank(
        self, name: KeyT, value: EncodableT, *, withscore: Literal[True], score_cast_func: ScoreCastT = ...,
    ) -> CommandFuture[list[Any] | None]: ...
    @overload
    def zrevrank(
        self, name: KeyT, value: EncodableT, *, withscore: bool, score_cast_func: ScoreCastT = ...,
    ) -> CommandFuture[int | list[Any] | None]: ...
    def zrevrank(
        self,
        name: KeyT,
        value: EncodableT,
        withscore: bool = False,
        score_cast_func: ScoreCastT = float,
    ) -> CommandFuture[Any]:
        """Rank from the highest score (0-based) or None; [rank, score] with ``withscore``."""
        return self._rank(b"ZREVRANK", name, value, withscore, score_cast_func)

    def _rank(
        self, command: bytes, name: KeyT, value: EncodableT, withscore: bool, score_cast_func: ScoreCastT
    ) -> CommandFuture[Any]:
        if not withscore:
            return self._send((command, name, value), rank_reply)
        parse = rank_reply if score_cast_func is float else CastRank(score_cast_func)
        return self._send((command, name, value, b"WITHSCORE"), parse)

    def zremrangebyrank(self, name: KeyT, min: int, max: int) -> CommandFuture[int]:
        """Remove members ranked ``min`` to ``max``: how many were removed."""
        return self._send((b"ZREMRANGEBYRANK", name, min, max), None)

    def zremrangebyscore(self, name: KeyT, min: ZScoreBoundT, max: ZScoreBoundT) -> CommandFuture[int]:
        """Remove members with a score between ``min`` and ``max``: how many were removed."""
        return self._send((b"ZREMRANGEBYSCORE", name, min, max), None)

    def zremrangebylex(self, name: KeyT, min: EncodableT, max: EncodableT) -> CommandFuture[int]:
        """Remove members between ``min`` and ``max`` in lexical order: how many were removed."""
        return self._send((b"ZREMRANGEBYLEX", name, min, max), None)

    def zpopmin(self, name: KeyT, count: int | None = None) -> CommandFuture[list[tuple[StrT, float]]]:
        """Remove and return the ``count`` (default 1) lowest: [(member, score), ...]."""
        if count is None:
            return self._send((b"ZPOPMIN", name), score_pairs)
        return self._send((b"ZPOPMIN", name, count), score_pairs)

    def zpopmax(self, name: KeyT, count: int | None = None) -> CommandFuture[list[tuple[StrT, float]]]:
        """Remove and return the ``count`` (default 1) highest: [(member, score), ...]."""
        if count is None:
            return self._send((b"ZPOPMAX", name), score_pairs)
        return self._send((b"ZPOPMAX", name, count), score_pairs)

    def zscan(
        self,
        name: KeyT,
        cursor: int = 0,
        match: EncodableT | None = None,
        count: int | None = None,
        score_cast_func: ScoreCastT = float,
    ) -> CommandFuture[tuple[int, list[tuple[StrT, float]]]]:
        """One ZSCAN step: (next cursor, [(member, score), ...]); cursor 0 means done."""
        args: list[Any] = [b"ZSCAN", name, cursor]
        if match is not None:
            args += (b"MATCH", match)
        if count is not None:
            args += (b"COUNT", count)
        parse = zscan_reply if score_cast_func is float else CastScan(score_cast_func)
        return self._send(tuple(args), parse)

    async def zscan_iter(
        self,
        name: KeyT,
        match: EncodableT | None = None,
        count: int | None = None,
        score_cast_func: ScoreCastT = float,
    ) -> AsyncIterator[tuple[StrT, float]]:
        """Every (member, score), fetched by ZSCAN steps (one may come twice if the set changes)."""
        cursor = 0
        while True:
            cursor, pairs = await self.zscan(name, cursor, match, count, score_cast_func)
            for pair in pairs:
                yield pair
            if cursor == 0:
                return


register("ZADD", zadd_reply)
register("ZINCRBY ZSCORE", float_or_none)
register("ZMSCORE", scores_list)
register("ZRANK ZREVRANK", rank_reply, variants=(CastRank,))
# WITHSCORES forms: (member, score) pairs, cast by the caller's score_cast_func
register("ZRANGE ZREVRANGE ZRANGEBYSCORE ZREVRANGEBYSCORE", None, variants=(score_pairs, CastPairs))
register("ZPOPMIN ZPOPMAX", score_pairs)
register("ZSCAN", zscan_reply, variants=(CastScan,))
