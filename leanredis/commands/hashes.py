"""Hash commands, with redis.asyncio's names, arguments and return types."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from typing import Any, Literal, overload

from ..exceptions import DataError, warn_deprecated_call
from ..future import CommandFuture
from ..typed import StrT
from .base import CommandsBase, EncodableT, FieldT, KeyT
from .parsers import pairs_to_dict, register, to_bool, to_float

PatternT = KeyT


def hscan_reply(reply: Any) -> tuple[int, dict[Any, Any]]:
    """HSCAN [cursor, [field, value, ...]] -> (int cursor, {field: value})."""
    cursor, items = reply
    return int(cursor), pairs_to_dict(items)


def hscan_fields_reply(reply: Any) -> tuple[int, list[Any]]:
    """HSCAN ... NOVALUES [cursor, [field, ...]] -> (int cursor, [field, ...])."""
    cursor, fields = reply
    return int(cursor), fields or []


def hrandfield_reply(reply: Any) -> Any:
    """HRANDFIELD: one field, a list of fields, or with WITHVALUES a flat [field, value, ...].

    RESP3 sends WITHVALUES as [[field, value], ...]; redis-py's legacy shape is
    the flat RESP2 list, so pairs are flattened.
    """
    if reply and isinstance(reply, list) and isinstance(reply[0], list):
        flat: list[Any] = []
        for pair in reply:
            flat.extend(pair)
        return flat
    return reply


class HashCommands(CommandsBase[StrT]):
    """Hash commands."""

    def hset(
        self,
        name: KeyT,
        key: FieldT | None = None,
        value: EncodableT | None = None,
        mapping: Mapping[FieldT, EncodableT] | None = None,
        items: Sequence[EncodableT] | None = None,
    ) -> CommandFuture[int]:
        """Set fields from ``key``/``value``, ``mapping`` and a flat ``items`` list: how many were added."""
        args: list[Any] = [b"HSET", name]
        if items:
            if len(items) % 2:
                raise DataError("hset(): items must be a flat list of field, value pairs (even length)")
            args.extend(items)
        if key is not None:
            args += (key, value)
        if mapping:
            if not isinstance(mapping, Mapping):
                raise DataError(f"hset(): mapping must be a dict of field -> value, not {type(mapping).__name__}")
            for pair in mapping.items():
                args.extend(pair)
        if len(args) == 2:
            raise DataError("hset() needs a key and value, a mapping or items: nothing to set")
        return self._send(tuple(args), None)

    def hsetnx(self, name: KeyT, key: FieldT, value: EncodableT) -> CommandFuture[int]:
        """Set a field only if it does not exist: 1 if set, else 0 (an int, as redis-py returns)."""
        return self._send((b"HSETNX", name, key, value), None)

    def hmset(self, name: KeyT, mapping: Mapping[FieldT, EncodableT]) -> CommandFuture[bool]:
        """Deprecated alias of ``hset(name, mapping=...)`` (HMSET): True."""
        warn_deprecated_call("hmset", "Use 'hset' instead.", "4.0.0")
        if not mapping:
            raise DataError("hmset() needs a non-empty mapping")
        args: list[Any] = [b"HMSET", name]
        for pair in mapping.items():
            args.extend(pair)
        return self._send(tuple(args), to_bool)

    def hget(self, name: KeyT, key: FieldT) -> CommandFuture[StrT | None]:
        """Value of a field, or None."""
        return self._send((b"HGET", name, key), None)

    def hmget(self, name: KeyT, keys: FieldT | Iterable[FieldT], *args: FieldT) -> CommandFuture[list[StrT | None]]:
        """Values of several fields (a list, or fields as arguments), None for missing ones."""
        return self._send((b"HMGET", name, *_fields(keys, args)), None)

    def hgetall(self, name: KeyT) -> CommandFuture[dict[StrT, StrT]]:
        """Every field and value as a dict ({} if the key is missing)."""
        return self._send((b"HGETALL", name), pairs_to_dict)

    def hdel(self, name: KeyT, *keys: FieldT) -> CommandFuture[int]:
        """Delete fields: how many existed."""
        if not keys:
            raise DataError("hdel() needs at least one field")
        return self._send((b"HDEL", name, *keys), None)

    def hexists(self, name: KeyT, key: FieldT) -> CommandFuture[bool]:
        """True if the field exists."""
        return self._send((b"HEXISTS", name, key), to_bool)

    def hincrby(self, name: KeyT, key: FieldT, amount: int = 1) -> CommandFuture[int]:
        """Increment a field by an integer: the new value."""
        return self._send((b"HINCRBY", name, key, amount), None)

    def hincrbyfloat(self, name: KeyT, key: FieldT, amount: float = 1.0) -> CommandFuture[float]:
        """Increment a field by a float: the new value as float."""
        return self._send((b"HINCRBYFLOAT", name, key, amount), to_float)

    def hkeys(self, name: KeyT) -> CommandFuture[list[StrT]]:
        """Every field name."""
        return self._send((b"HKEYS", name), None)

    def hvals(self, name: KeyT) -> CommandFuture[list[StrT]]:
        """Every value."""
        return self._send((b"HVALS", name), None)

    def hlen(self, name: KeyT) -> CommandFuture[int]:
        """Number of fields."""
        return self._send((b"HLEN", name), None)

    def hstrlen(self, name: KeyT, key: FieldT) -> CommandFuture[int]:
        """Length of a field's value (0 if missing)."""
        return self._send((b"HSTRLEN", name, key), None)

    @overload
    def hrandfield(self, key: KeyT, count: None = ..., withvalues: bool = ...) -> CommandFuture[StrT | None]: ...
    @overload
    def hrandfield(self, key: KeyT, count: int, withvalues: bool = ...) -> CommandFuture[list[StrT]]: ...
    def hrandfield(self, key: KeyT, count: int | None = None, withvalues: bool = False) -> CommandFuture[Any]:
        """Random fields: one field (no ``count``), a list, or flat [field, value, ...] with ``withvalues``."""
        if count is None:
            if withvalues:  # sent as redis-py sends it: the server refuses WITHVALUES without a count
                return self._send((b"HRANDFIELD", key, b"WITHVALUES"), hrandfield_reply)
            return self._send((b"HRANDFIELD", key), hrandfield_reply)
        if withvalues:
            return self._send((b"HRANDFIELD", key, count, b"WITHVALUES"), hrandfield_reply)
        return self._send((b"HRANDFIELD", key, count), hrandfield_reply)

    @overload
    def hscan(
        self, name: KeyT, cursor: int = ..., match: PatternT | None = ..., count: int | None = ...,
        no_values: Literal[False] | None = ...,
    ) -> CommandFuture[tuple[int, dict[StrT, StrT]]]: ...
    @overload
    def hscan(
        self, name: KeyT, cursor: int = ..., match: PatternT | None = ..., count: int | None = ..., *,
        no_values: Literal[True],
    ) -> CommandFuture[tuple[int, list[StrT]]]: ...
    @overload
    def hscan(
        self, name: KeyT, cursor: int = ..., match: PatternT | None = ..., count: int | None = ...,
        no_values: bool | None = ...,
    ) -> CommandFuture[tuple[int, dict[StrT, StrT]] | tuple[int, list[StrT]]]: ...
    def hscan(
        self,
        name: KeyT,
        cursor: int = 0,
        match: PatternT | None = None,
        count: int | None = None,
        no_values: bool | None = None,
    ) -> Any:
        """One HSCAN step: (next cursor, {field: value}), or (cursor, [field, ...]) with ``no_values``."""
        args: list[Any] = [b"HSCAN", name, cursor]
        if match is not None:
            args += (b"MATCH", match)
        if count is not None:
            args += (b"COUNT", count)
        if no_values:
            args.append(b"NOVALUES")
            return self._send(tuple(args), hscan_fields_reply)
        return self._send(tuple(args), hscan_reply)

    @overload
    def hscan_iter(
        self, name: KeyT, match: PatternT | None = ..., count: int | None = ...,
        no_values: Literal[False] | None = ...,
    ) -> AsyncIterator[tuple[StrT, StrT]]: ...
    @overload
    def hscan_iter(
        self, name: KeyT, match: PatternT | None = ..., count: int | None = ..., *, no_values: Literal[True],
    ) -> AsyncIterator[StrT]: ...
    @overload
    def hscan_iter(
        self, name: KeyT, match: PatternT | None = ..., count: int | None = ..., no_values: bool | None = ...,
    ) -> AsyncIterator[tuple[StrT, StrT] | StrT]: ...
    async def hscan_iter(
        self,
        name: KeyT,
        match: PatternT | None = None,
        count: int | None = None,
        no_values: bool | None = None,
    ) -> AsyncIterator[Any]:
        """Every (field, value) pair, or every field with ``no_values``, HSCAN step by step."""
        cursor = 0
        while True:
            cursor, data = await self.hscan(name, cursor, match, count, no_values)
            if no_values:
                for field in data:
                    yield field
            else:
                for pair in data.items():  # type: ignore[union-attr]  # a dict without no_values
                    yield pair
            if cursor == 0:
                return


def _fields(first: Any, rest: tuple[Any, ...]) -> list[Any]:
    """redis-py's list_or_args: one field or an iterable of fields, plus extra fields."""
    if isinstance(first, (bytes, bytearray, memoryview, str, int, float)):
        fields = [first]
    else:
        fields = list(first)
    fields.extend(rest)
    if not fields:
        raise DataError("hmget() needs at least one field")
    return fields


register("HGETALL", pairs_to_dict)
register("HSCAN", hscan_reply, variants=(hscan_fields_reply,))
register("HRANDFIELD", hrandfield_reply)
