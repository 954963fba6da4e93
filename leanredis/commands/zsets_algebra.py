"""Sorted set algebra and multi-key commands (ZUNION, ZINTER, ZDIFF, ZRANGESTORE, ZRANDMEMBER, ZMPOP).

Return types are redis.asyncio 8.1's defaults, which are not uniform:
``zunion``/``zinter`` WITHSCORES give ``(member, float)`` tuples (``zunion``
applies ``score_cast_func`` as ``zrange`` does), while ``zdiff`` and
``zrandmember`` WITHSCORES give the flat ``[member, score, ...]`` list with
each score as ``%.17g`` ASCII bytes (even with ``decode_responses``), and
``zmpop`` ``[key, [[member, score bytes], ...]]``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal, Union, overload

from ..exceptions import DataError
from ..future import CommandFuture
from ..typed import StrT
from .base import CommandsBase, EncodableT, KeyT
from .blocking import zmpop_reply
from .parsers import register
from .zsets import CastPairs, CastT, ScoreCastT, score_pairs

KeysOrWeightsT = Union[Sequence[KeyT], Mapping[Any, float]]

_AGGREGATES = ("SUM", "MIN", "MAX", "COUNT")


def flat_score_bytes(reply: Any) -> Any:
    """ZDIFF/ZRANDMEMBER WITHSCORES -> [member, score bytes, ...], scores as ``%.17g``.

    RESP2 sends the flat list (scores as the server formats them), RESP3
    [[member, double], ...]; redis.asyncio 8.1 re-encodes RESP3's doubles.
    """
    if not reply:
        return reply
    flat: list[Any] = []
    if reply[0].__class__ is list:
        for member, score in reply:
            flat += (member, format(float(score), ".17g").encode())
        return flat
    it = iter(reply)
    for member, score in zip(it, it, strict=True):
        flat += (member, format(float(score), ".17g").encode())
    return flat


def _pairs(withscores: bool, score_cast_func: ScoreCastT) -> Any:
    if not withscores:
        return None
    return score_pairs if score_cast_func is float else CastPairs(score_cast_func)


def _aggregate_args(
    command: bytes, dest: KeyT | None, keys: KeysOrWeightsT, aggregate: str | None, withscores: bool
) -> tuple[Any, ...]:
    """ZUNION/ZINTER(STORE) arguments: keys, or {key: weight} for WEIGHTS; AGGREGATE; WITHSCORES."""
    args: list[Any] = [command]
    if dest is not None:
        args.append(dest)
    args.append(len(keys))
    if isinstance(keys, dict):  # redis-py takes weights from a dict only, not any Mapping
        args.extend(keys.keys())
        if keys:
            args.append(b"WEIGHTS")
            args.extend(keys.values())
    else:
        args.extend(keys)
    if aggregate:
        if aggregate.upper() not in _AGGREGATES:
            name = command.decode().lower()
            raise DataError(f"{name}(): aggregate must be one of {', '.join(_AGGREGATES)}, not {aggregate!r}")
        args += (b"AGGREGATE", aggregate)
    if withscores:
        args.append(b"WITHSCORES")
    return tuple(args)


class SortedSetAlgebraCommands(CommandsBase[StrT]):
    """ZUNION(STORE), ZINTER(STORE), ZINTERCARD, ZDIFF(STORE), ZRANGESTORE, ZRANDMEMBER, ZMPOP."""

    @overload
    def zunion(
        self, keys: KeysOrWeightsT, aggregate: str | None = ..., withscores: Literal[False] = ...,
        score_cast_func: ScoreCastT = ...,
    ) -> CommandFuture[list[StrT]]: ...
    @overload
    def zunion(
        self, keys: KeysOrWeightsT, aggregate: str | None = ..., *, withscores: Literal[True],
        score_cast_func: Callable[[Any], CastT],
    ) -> CommandFuture[list[tuple[StrT, CastT]]]: ...
    @overload
    def zunion(
        self, keys: KeysOrWeightsT, aggregate: str | None = ..., *, withscores: Literal[True],
        score_cast_func: type[float] = ...,
    ) -> CommandFuture[list[tuple[StrT, float]]]: ...
    @overload
    def zunion(
        self, keys: KeysOrWeightsT, aggregate: str | None = ..., withscores: bool = ...,
        score_cast_func: ScoreCastT = ...,
    ) -> CommandFuture[list[StrT] | list[tuple[StrT, Any]]]: ...
    def zunion(
        self,
        keys: KeysOrWeightsT,
        aggregate: str | None = None,
        withscores: bool = False,
        score_cast_func: ScoreCastT = float,
    ) -> CommandFuture[list[Any]]:
        """Union of sorted sets (``{key: weight}`` to weight them): members, or (member, score) tuples."""
        args = _aggregate_args(b"ZUNION", None, keys, aggregate, withscores)
        return self._send(args, _pairs(withscores, score_cast_func))

    def zunionstore(self, dest: KeyT, keys: KeysOrWeightsT, aggregate: str | None = None) -> CommandFuture[int]:
        """Store the union of sorted sets in ``dest``: its size."""
        return self._send(_aggregate_args(b"ZUNIONSTORE", dest, keys, aggregate, False), None)

    @overload
    def zinter(
        self, keys: KeysOrWeightsT, aggregate: str | None = ..., withscores: Literal[False] = ...
    ) -> CommandFuture[list[StrT]]: ...
    @overload
    def zinter(
        self, keys: KeysOrWeightsT, aggregate: str | None = ..., *, withscores: Literal[True]
    ) -> CommandFuture[list[tuple[StrT, float]]]: ...
    @overload
    def zinter(
        self, keys: KeysOrWeightsT, aggregate: str | None = ..., withscores: bool = ...
    ) -> CommandFuture[list[StrT] | list[tuple[StrT, float]]]: ...
    def zinter(
        self, keys: KeysOrWeightsT, aggregate: str | None = None, withscores: bool = False
    ) -> CommandFuture[list[Any]]:
        """Intersection of sorted sets: members, or (member, float score) tuples."""
        return self._send(_aggregate_args(b"ZINTER", None, keys, aggregate, withscores), _pairs(withscores, float))

    def zinterstore(self, dest: KeyT, keys: KeysOrWeightsT, aggregate: str | None = None) -> CommandFuture[int]:
        """Store the intersection of sorted sets in ``dest``: its size."""
        return self._send(_aggregate_args(b"ZINTERSTORE", dest, keys, aggregate, False), None)

    def zintercard(self, numkeys: int, keys: list[KeyT], limit: int = 0) -> CommandFuture[int]:
        """Size of the intersection, counting up to ``limit`` (0: no limit)."""
        return self._send((b"ZINTERCARD", numkeys, *keys, b"LIMIT", limit), None)

    # with scores: flat [member, score, ...], a score as bytes in RESP3 (%.17g, as redis-py), as sent in RESP2
    @overload
    def zdiff(self, keys: Sequence[KeyT], withscores: Literal[False] = ...) -> CommandFuture[list[StrT]]: ...
    @overload
    def zdiff(self, keys: Sequence[KeyT], withscores: bool) -> CommandFuture[list[StrT | bytes]]: ...
    def zdiff(self, keys: Sequence[KeyT], withscores: bool = False) -> CommandFuture[Any]:
        """Members of the first sorted set not in the others; flat [member, score bytes, ...] with scores."""
        args: list[Any] = [b"ZDIFF", len(keys), *keys]
        if withscores:
            args.append(b"WITHSCORES")
            return self._send(tuple(args), flat_score_bytes)
        return self._send(tuple(args), None)

    def zdiffstore(self, dest: KeyT, keys: Sequence[KeyT]) -> CommandFuture[int]:
        """Store the difference in ``dest``: its size."""
        return self._send((b"ZDIFFSTORE", dest, len(keys), *keys), None)

    def zrangestore(
        self,
        dest: KeyT,
        name: KeyT,
        start: EncodableT,
        end: EncodableT,
        byscore: bool = False,
        bylex: bool = False,
        desc: bool = False,
        offset: int | None = None,
        num: int | None = None,
    ) -> CommandFuture[int]:
        """Store a ``zrange`` of ``name`` (by rank, score or lex) in ``dest``: how many members."""
        if byscore and bylex:
            raise DataError("zrangestore(): byscore and bylex are mutually exclusive")
        if (offset is None) != (num is None):
            raise DataError("zrangestore(): offset and num must be given together")
        args: list[Any] = [b"ZRANGESTORE", dest, name, start, end]
        if byscore:
            args.append(b"BYSCORE")
        if bylex:
            args.append(b"BYLEX")
        if desc:
            args.append(b"REV")
        if offset is not None:
            args += (b"LIMIT", offset, num)
        return self._send(tuple(args), None)

    @overload
    def zrandmember(
        self, key: KeyT, count: None = ..., withscores: Literal[False] = ...
    ) -> CommandFuture[StrT | None]: ...
    @overload
    def zrandmember(self, key: KeyT, count: int, withscores: Literal[False] = ...) -> CommandFuture[list[StrT]]: ...
    @overload
    def zrandmember(
        self, key: KeyT, count: int | None = ..., *, withscores: Literal[True]
    ) -> CommandFuture[list[StrT | bytes]]: ...
    @overload
    def zrandmember(
        self, key: KeyT, count: int | None = ..., withscores: bool = ...
    ) -> CommandFuture[StrT | list[StrT] | list[StrT | bytes] | None]: ...
    def zrandmember(self, key: KeyT, count: int | None = None, withscores: bool = False) -> CommandFuture[Any]:
        """A random member (or None); with ``count`` a list (negative: may repeat);
        flat [member, score bytes, ...] with ``withscores``."""
        args: list[Any] = [b"ZRANDMEMBER", key]
        if count is not None:
            args.append(count)
        if withscores:
            args.append(b"WITHSCORES")
            return self._send(tuple(args), flat_score_bytes)
        return self._send(tuple(args), None)

    def zmpop(
        self,
        num_keys: int,
        keys: list[KeyT],
        min: bool | None = False,
        max: bool | None = False,
        count: int | None = 1,
    ) -> CommandFuture[list[StrT | list[list[StrT | bytes]]] | None]:
        """Pop ``count`` lowest (``min``) or highest (``max``) members from the first non-empty sorted set:
        [key, [[member, score bytes], ...]] or None."""
        if bool(min) == bool(max):
            raise DataError("zmpop(): either min or max, but not both must be set")
        args: list[Any] = [b"ZMPOP", num_keys, *keys, b"MIN" if min else b"MAX"]
        if count != 1:
            args += (b"COUNT", count)
        return self._send(tuple(args), zmpop_reply)


register("ZMPOP", zmpop_reply)
# WITHSCORES forms: (member, score) pairs for ZUNION/ZINTER, redis-py's flat list with byte scores for the others
register("ZUNION ZINTER", None, variants=(score_pairs, CastPairs))
register("ZDIFF ZRANDMEMBER", None, variants=(flat_score_bytes,))
