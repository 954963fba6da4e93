"""Sorted set range commands: ZRANGE and its older forms (by rank, by score, by lex, reversed).

Their replies and ``score_cast_func`` are as the module ``zsets`` says.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, overload

from ..exceptions import DataError
from ..future import CommandFuture
from ..typed import StrT
from .base import CommandsBase, EncodableT, KeyT
from .zsets import CastT, ScoreCastT, ZScoreBoundT, _limit, _pairs_parser


class SortedSetRangeCommands(CommandsBase[StrT]):
    """ZRANGE, ZREVRANGE, ZRANGEBYSCORE, ZREVRANGEBYSCORE, ZRANGEBYLEX, ZREVRANGEBYLEX."""

    @overload
    def zrange(
        self, name: KeyT, start: EncodableT, end: EncodableT, desc: bool = ..., withscores: Literal[False] = ...,
        score_cast_func: ScoreCastT = ..., byscore: bool = ..., bylex: bool = ..., offset: int | None = ...,
        num: int | None = ...,
    ) -> CommandFuture[list[StrT]]: ...
    @overload
    def zrange(
        self, name: KeyT, start: EncodableT, end: EncodableT, desc: bool = ..., *, withscores: Literal[True],
        score_cast_func: Callable[[Any], CastT], byscore: bool = ..., bylex: bool = ..., offset: int | None = ...,
        num: int | None = ...,
    ) -> CommandFuture[list[tuple[StrT, CastT]]]: ...
    @overload
    def zrange(
        self, name: KeyT, start: EncodableT, end: EncodableT, desc: bool = ..., *, withscores: Literal[True],
        score_cast_func: type[float] = ..., byscore: bool = ..., bylex: bool = ..., offset: int | None = ...,
        num: int | None = ...,
    ) -> CommandFuture[list[tuple[StrT, float]]]: ...
    @overload
    def zrange(
        self, name: KeyT, start: EncodableT, end: EncodableT, desc: bool = ..., withscores: bool = ...,
        score_cast_func: ScoreCastT = ..., byscore: bool = ..., bylex: bool = ..., offset: int | None = ...,
        num: int | None = ...,
    ) -> CommandFuture[list[StrT] | list[tuple[StrT, Any]]]: ...
    def zrange(
        self,
        name: KeyT,
        start: EncodableT,
        end: EncodableT,
        desc: bool = False,
        withscores: bool = False,
        score_cast_func: ScoreCastT = float,
        byscore: bool = False,
        bylex: bool = False,
        offset: int | None = None,
        num: int | None = None,
    ) -> CommandFuture[Any]:
        """Members by rank (or by score with ``byscore``, by name with ``bylex``);
        (member, score) tuples with ``withscores``."""
        if byscore and bylex:
            raise DataError("zrange(): byscore and bylex are mutually exclusive")
        if bylex and withscores:
            raise DataError("zrange(): withscores cannot be combined with bylex")
        if desc and not byscore and not bylex and offset is None and num is None:
            return self.zrevrange(name, start, end, withscores, score_cast_func)  # type: ignore[arg-type]
        args: list[Any] = [b"ZRANGE", name, start, end]
        if byscore:
            args.append(b"BYSCORE")
        if bylex:
            args.append(b"BYLEX")
        if desc:
            args.append(b"REV")
        _limit(args, offset, num, "zrange", "offset")
        if withscores:
            args.append(b"WITHSCORES")
        return self._send(tuple(args), _pairs_parser(withscores, score_cast_func))

    @overload
    def zrevrange(
        self, name: KeyT, start: int, end: int, withscores: Literal[False] = ..., score_cast_func: ScoreCastT = ...,
    ) -> CommandFuture[list[StrT]]: ...
    @overload
    def zrevrange(
        self, name: KeyT, start: int, end: int, *, withscores: Literal[True], score_cast_func: Callable[[Any], CastT],
    ) -> CommandFuture[list[tuple[StrT, CastT]]]: ...
    @overload
    def zrevrange(
        self, name: KeyT, start: int, end: int, *, withscores: Literal[True], score_cast_func: type[float] = ...,
    ) -> CommandFuture[list[tuple[StrT, float]]]: ...
    @overload
    def zrevrange(
        self, name: KeyT, start: int, end: int, withscores: bool = ..., score_cast_func: ScoreCastT = ...,
    ) -> CommandFuture[list[StrT] | list[tuple[StrT, Any]]]: ...
    def zrevrange(
        self,
        name: KeyT,
        start: int,
        end: int,
        withscores: bool = False,
        score_cast_func: ScoreCastT = float,
    ) -> CommandFuture[Any]:
        """Members by rank from the highest score; (member, score) tuples with ``withscores``."""
        if withscores:
            return self._send((b"ZREVRANGE", name, start, end, b"WITHSCORES"), _pairs_parser(True, score_cast_func))
        return self._send((b"ZREVRANGE", name, start, end), None)

    @overload
    def zrangebyscore(
        self, name: KeyT, min: ZScoreBoundT, max: ZScoreBoundT, start: int | None = ..., num: int | None = ...,
        withscores: Literal[False] = ..., score_cast_func: ScoreCastT = ...,
    ) -> CommandFuture[list[StrT]]: ...
    @overload
    def zrangebyscore(
        self, name: KeyT, min: ZScoreBoundT, max: ZScoreBoundT, start: int | None = ..., num: int | None = ..., *,
        withscores: Literal[True], score_cast_func: Callable[[Any], CastT],
    ) -> CommandFuture[list[tuple[StrT, CastT]]]: ...
    @overload
    def zrangebyscore(
        self, name: KeyT, min: ZScoreBoundT, max: ZScoreBoundT, start: int | None = ..., num: int | None = ..., *,
        withscores: Literal[True], score_cast_func: type[float] = ...,
    ) -> CommandFuture[list[tuple[StrT, float]]]: ...
    @overload
    def zrangebyscore(
        self, name: KeyT, min: ZScoreBoundT, max: ZScoreBoundT, start: int | None = ..., num: int | None = ...,
        withscores: bool = ..., score_cast_func: ScoreCastT = ...,
    ) -> CommandFuture[list[StrT] | list[tuple[StrT, Any]]]: ...
    def zrangebyscore(
        self,
        name: KeyT,
        min: ZScoreBoundT,
        max: ZScoreBoundT,
        start: int | None = None,
        num: int | None = None,
        withscores: bool = False,
        score_cast_func: ScoreCastT = float,
    ) -> CommandFuture[Any]:
        """Members with a score between ``min`` and ``max`` ("(1", "-inf" allowed), lowest first."""
        return self._by_score(b"ZRANGEBYSCORE", name, min, max, start, num, withscores, score_cast_func)

    @overload
    def zrevrangebyscore(
        self, name: KeyT, max: ZScoreBoundT, min: ZScoreBoundT, start: int | None = ..., num: int | None = ...,
        withscores: Literal[False] = ..., score_cast_func: ScoreCastT = ...,
    ) -> CommandFuture[list[StrT]]: ...
    @overload
    def zrevrangebyscore(
        self, name: KeyT, max: ZScoreBoundT, min: ZScoreBoundT, start: int | None = ..., num: int | None = ..., *,
        withscores: Literal[True], score_cast_func: Callable[[Any], CastT],
    ) -> CommandFuture[list[tuple[StrT, CastT]]]: ...
    @overload
    def zrevrangebyscore(
        self, name: KeyT, max: ZScoreBoundT, min: ZScoreBoundT, start: int | None = ..., num: int | None = ..., *,
        withscores: Literal[True], score_cast_func: type[float] = ...,
    ) -> CommandFuture[list[tuple[StrT, float]]]: ...
    @overload
    def zrevrangebyscore(
        self, name: KeyT, max: ZScoreBoundT, min: ZScoreBoundT, start: int | None = ..., num: int | None = ...,
        withscores: bool = ..., score_cast_func: ScoreCastT = ...,
    ) -> CommandFuture[list[StrT] | list[tuple[StrT, Any]]]: ...
    def zrevrangebyscore(
        self,
        name: KeyT,
        max: ZScoreBoundT,
        min: ZScoreBoundT,
        start: int | None = None,
        num: int | None = None,
        withscores: bool = False,
        score_cast_func: ScoreCastT = float,
    ) -> CommandFuture[Any]:
        """Members with a score between ``max`` and ``min``, highest first."""
        return self._by_score(b"ZREVRANGEBYSCORE", name, max, min, start, num, withscores, score_cast_func)

    def _by_score(
        self,
        command: bytes,
        name: KeyT,
        first: ZScoreBoundT,
        last: ZScoreBoundT,
        start: int | None,
        num: int | None,
        withscores: bool,
        score_cast_func: ScoreCastT,
    ) -> CommandFuture[list[Any]]:
        args: list[Any] = [command, name, first, last]
        _limit(args, start, num, command.decode().lower())
        if withscores:
            args.append(b"WITHSCORES")
        return self._send(tuple(args), _pairs_parser(withscores, score_cast_func))

    def zrangebylex(
        self,
        name: KeyT,
        min: EncodableT,
        max: EncodableT,
        start: int | None = None,
        num: int | None = None,
    ) -> CommandFuture[list[StrT]]:
        """Members between ``min`` and ``max`` in lexical order ("[a", "(b", "-", "+")."""
        args: list[Any] = [b"ZRANGEBYLEX", name, min, max]
        _limit(args, start, num, "zrangebylex")
        return self._send(tuple(args), None)

    def zrevrangebylex(
        self,
        name: KeyT,
        max: EncodableT,
        min: EncodableT,
        start: int | None = None,
        num: int | None = None,
    ) -> CommandFuture[list[StrT]]:
        """Members between ``max`` and ``min`` in reverse lexical order."""
        args: list[Any] = [b"ZREVRANGEBYLEX", name, max, min]
        _limit(args, start, num, "zrevrangebylex")
        return self._send(tuple(args), None)
