"""String commands, with redis.asyncio's names, arguments and return types."""

from __future__ import annotations

from collections.abc import Awaitable, Mapping, Sequence
from operator import truth
from typing import Any, Literal, overload

from ..exceptions import DataError, warn_deprecated_call
from ..future import CommandFuture
from ..typed import RespValue, StrT
from .base import (
    EMPTY_LIST,
    AbsExpiryT,
    CommandsBase,
    EncodableT,
    ExpiryT,
    KeyT,
    expiry_words,
    list_or_args,
    milliseconds,
    option_word,
    seconds,
)
from .parsers import bool_ok, register, to_bool, to_float


def _set_ok(reply: Any) -> bool | None:
    # SET replies OK, or nil when NX/XX prevented it: redis-py returns True / None
    if reply is None:
        return None
    return reply == b"OK" or reply == "OK"


# A SET with no option is answered OK (an error reply never reaches a parser): True, as _set_ok makes it,
# from a C function rather than a Python frame per SET (by callgrind about 370 instructions less a call)
_set_answered = truth


class StringCommands(CommandsBase[StrT]):
    """GET, SET and the rest of the string family."""

    def get(self, name: KeyT) -> CommandFuture[StrT | None]:
        """Value of ``name``, or None."""
        return self._send((b"GET", name), None)

    @overload
    def set(
        self, name: KeyT, value: EncodableT, ex: ExpiryT | None = ..., px: ExpiryT | None = ..., nx: bool = ...,
        xx: bool = ..., keepttl: bool = ..., get: Literal[False] = ..., exat: AbsExpiryT | None = ...,
        pxat: AbsExpiryT | None = ..., ifeq: bytes | str | None = ..., ifne: bytes | str | None = ...,
        ifdeq: str | None = ..., ifdne: str | None = ...,
    ) -> CommandFuture[bool | None]: ...
    @overload
    def set(
        self, name: KeyT, value: EncodableT, ex: ExpiryT | None = ..., px: ExpiryT | None = ..., nx: bool = ...,
        xx: bool = ..., keepttl: bool = ..., *, get: Literal[True], exat: AbsExpiryT | None = ...,
        pxat: AbsExpiryT | None = ..., ifeq: bytes | str | None = ..., ifne: bytes | str | None = ...,
        ifdeq: str | None = ..., ifdne: str | None = ...,
    ) -> CommandFuture[StrT | None]: ...
    @overload
    def set(
        self, name: KeyT, value: EncodableT, ex: ExpiryT | None = ..., px: ExpiryT | None = ..., nx: bool = ...,
        xx: bool = ..., keepttl: bool = ..., *, get: bool, exat: AbsExpiryT | None = ...,
        pxat: AbsExpiryT | None = ..., ifeq: bytes | str | None = ..., ifne: bytes | str | None = ...,
        ifdeq: str | None = ..., ifdne: str | None = ...,
    ) -> CommandFuture[bool | StrT | None]: ...
    def set(
        self,
        name: KeyT,
        value: EncodableT,
        ex: ExpiryT | None = None,
        px: ExpiryT | None = None,
        nx: bool = False,
        xx: bool = False,
        keepttl: bool = False,
        get: bool = False,
        exat: AbsExpiryT | None = None,
        pxat: AbsExpiryT | None = None,
        ifeq: bytes | str | None = None,
        ifne: bytes | str | None = None,
        ifdeq: str | None = None,
        ifdne: str | None = None,
    ) -> CommandFuture[Any]:
        """Set ``name`` to ``value``: True, or None when NX/XX prevented it; old value with ``get``.

        ``ifeq``/``ifne``: only if the current value equals / differs from this
        one (SET IFEQ: Valkey 8.1+, Redis 8.4+; IFNE, and ``ifdeq``/``ifdne``
        comparing the value's XXH3 hex digest: Redis 8.4+).
        """
        if (
            ex is None
            and px is None
            and not (nx or xx or keepttl or get)
            and exat is None
            and pxat is None
            and ifeq is None
            and ifne is None
            and ifdeq is None
            and ifdne is None
        ):
            return self._send((b"SET", name, value), _set_answered)
        if sum(x is not None for x in (ex, px, exat, pxat)) + bool(keepttl) > 1:
            raise DataError("set(): ex, px, exat, pxat and keepttl are mutually exclusive")
        conditions = [(b"IFEQ", ifeq), (b"IFNE", ifne), (b"IFDEQ", ifdeq), (b"IFDNE", ifdne)]
        condition = [(word, match) for word, match in conditions if match is not None]
        if bool(nx) + bool(xx) + len(condition) > 1:
            raise DataError("set(): nx, xx, ifeq, ifne, ifdeq and ifdne are mutually exclusive")
        args: list[Any] = [b"SET", name, value, *_expiry("set", ex, px, exat, pxat)]
        if keepttl:
            args.append(b"KEEPTTL")
        if nx:
            args.append(b"NX")
        if xx:
            args.append(b"XX")
        if condition:
            args.extend(condition[0])
        if get:
            args.append(b"GET")
            return self._send(tuple(args), None)
        return self._send(tuple(args), _set_ok)

    def mget(self, keys: KeyT | Sequence[KeyT], *args: KeyT) -> Awaitable[list[StrT | None]]:
        """Values of several keys, None for missing ones; ``[]`` for no keys (as redis-py: MGET is
        still sent, outside MULTI, and its error reply read as ``[]``)."""
        names = list_or_args(keys, args, "mget", allow_empty=True)
        if not names:
            result: Awaitable[list[Any]] = self._send_or_empty((b"MGET",), EMPTY_LIST)
            return result
        return self._send((b"MGET", *names), None)

    def mset(self, mapping: Mapping[KeyT, EncodableT]) -> CommandFuture[bool]:
        """Set several keys at once: True."""
        return self._send((b"MSET", *_pairs(mapping, "mset")), bool_ok)

    def msetex(
        self,
        mapping: Mapping[KeyT, EncodableT],
        data_persist_option: Any = None,
        ex: ExpiryT | None = None,
        px: ExpiryT | None = None,
        exat: AbsExpiryT | None = None,
        pxat: AbsExpiryT | None = None,
        keepttl: bool = False,
    ) -> CommandFuture[int]:
        """Set several keys with one expiry (Redis 8.4+, Valkey 9.1+); NX/XX: only if none/all exist. 1 or 0."""
        words = expiry_words("msetex", ex, px, exat, pxat, ("keepttl", keepttl))
        if data_persist_option:
            words.insert(0, option_word(data_persist_option))
        pairs = [item for pair in mapping.items() for item in pair]
        return self._send((b"MSETEX", len(mapping), *pairs, *words), None)

    def msetnx(self, mapping: Mapping[KeyT, EncodableT]) -> CommandFuture[bool]:
        """Set several keys only if none exists: True if set."""
        return self._send((b"MSETNX", *_pairs(mapping, "msetnx")), to_bool)

    def incr(self, name: KeyT, amount: int = 1) -> CommandFuture[int]:
        """Increment by ``amount`` (INCRBY): the new value."""
        return self._send((b"INCRBY", name, amount), None)

    def incrby(self, name: KeyT, amount: int = 1) -> CommandFuture[int]:
        """Increment by ``amount``: the new value."""
        return self._send((b"INCRBY", name, amount), None)

    def incrbyfloat(self, name: KeyT, amount: float = 1.0) -> CommandFuture[float]:
        """Increment by a float: the new value as float."""
        return self._send((b"INCRBYFLOAT", name, amount), to_float)

    def increx(
        self,
        name: KeyT,
        *,
        byfloat: EncodableT | None = None,
        byint: EncodableT | None = None,
        lbound: EncodableT | None = None,
        ubound: EncodableT | None = None,
        saturate: bool = False,
        ex: ExpiryT | None = None,
        px: ExpiryT | None = None,
        exat: AbsExpiryT | None = None,
        pxat: AbsExpiryT | None = None,
        persist: bool = False,
        enx: bool = False,
    ) -> CommandFuture[list[int | StrT]]:
        """INCREX (Redis 8.7+): increment within ``lbound``/``ubound`` (``saturate``: clamp, else refuse) and
        set or keep the expiry; ``[new value, increment applied]`` (bulk strings with ``byfloat``)."""
        if byfloat is not None and byint is not None:
            raise DataError("increx(): byfloat and byint are mutually exclusive")
        if sum(x is not None for x in (ex, px, exat, pxat)) + bool(persist) > 1:
            raise DataError("increx(): ex, px, exat, pxat and persist are mutually exclusive")
        if enx and ex is None and px is None and exat is None and pxat is None:
            raise DataError("increx(): enx needs one of ex, px, exat or pxat")
        args: list[Any] = [b"INCREX", name]
        if byfloat is not None:
            args += (b"BYFLOAT", byfloat)
        elif byint is not None:
            args += (b"BYINT", byint)
        if lbound is not None:
            args += (b"LBOUND", lbound)
        if ubound is not None:
            args += (b"UBOUND", ubound)
        if saturate:
            args.append(b"SATURATE")
        args += _expiry("increx", ex, px, exat, pxat)
        if persist:
            args.append(b"PERSIST")
        if enx:
            args.append(b"ENX")
        return self._send(tuple(args), None)

    def decr(self, name: KeyT, amount: int = 1) -> CommandFuture[int]:
        """Decrement by ``amount`` (DECRBY): the new value."""
        return self._send((b"DECRBY", name, amount), None)

    def decrby(self, name: KeyT, amount: int = 1) -> CommandFuture[int]:
        """Decrement by ``amount``: the new value."""
        return self._send((b"DECRBY", name, amount), None)

    def append(self, key: KeyT, value: EncodableT) -> CommandFuture[int]:
        """Append to the string: its new length."""
        return self._send((b"APPEND", key, value), None)

    def strlen(self, name: KeyT) -> CommandFuture[int]:
        """Length of the string value."""
        return self._send((b"STRLEN", name), None)

    def getrange(self, key: KeyT, start: int, end: int) -> CommandFuture[StrT]:
        """Substring from ``start`` to ``end`` inclusive."""
        return self._send((b"GETRANGE", key, start, end), None)

    def substr(self, name: KeyT, start: int, end: int = -1) -> CommandFuture[StrT]:
        """Substring (SUBSTR, the old name of GETRANGE)."""
        return self._send((b"SUBSTR", name, start, end), None)

    def setrange(self, name: KeyT, offset: int, value: EncodableT) -> CommandFuture[int]:
        """Overwrite part of the string at ``offset``: the new length."""
        return self._send((b"SETRANGE", name, offset, value), None)

    def getdel(self, name: KeyT) -> CommandFuture[StrT | None]:
        """Get the value and delete the key."""
        return self._send((b"GETDEL", name), None)

    def getex(
        self,
        name: KeyT,
        ex: ExpiryT | None = None,
        px: ExpiryT | None = None,
        exat: AbsExpiryT | None = None,
        pxat: AbsExpiryT | None = None,
        persist: bool = False,
    ) -> CommandFuture[StrT | None]:
        """Get the value and set or clear its expiry."""
        if sum(x is not None for x in (ex, px, exat, pxat)) + bool(persist) > 1:
            raise DataError("getex(): ex, px, exat, pxat and persist are mutually exclusive")
        args: list[Any] = [b"GETEX", name, *_expiry("getex", ex, px, exat, pxat)]
        if persist:
            args.append(b"PERSIST")
        return self._send(tuple(args), None)

    def getset(self, name: KeyT, value: EncodableT) -> CommandFuture[StrT | None]:
        """Set a new value and return the old one."""
        return self._send((b"GETSET", name, value), None)

    def setnx(self, name: KeyT, value: EncodableT) -> CommandFuture[bool]:
        """Set only if the key does not exist: True if set."""
        return self._send((b"SETNX", name, value), to_bool)

    def setex(self, name: KeyT, time: ExpiryT, value: EncodableT) -> CommandFuture[bool]:
        """Set with an expiry in seconds: True (deprecated by redis-py in favour of ``set(ex=...)``)."""
        warn_deprecated_call("setex", "Use 'set' instead.", "2.6.12")
        return self._send((b"SETEX", name, seconds(time), value), bool_ok)

    def psetex(self, name: KeyT, time_ms: ExpiryT, value: EncodableT) -> CommandFuture[bool]:
        """Set with an expiry in milliseconds: True."""
        return self._send((b"PSETEX", name, milliseconds(time_ms), value), bool_ok)

    @overload
    def lcs(
        self, key1: KeyT, key2: KeyT, len: Literal[False] | None = ..., idx: Literal[False] | None = ...,
        minmatchlen: int | None = ..., withmatchlen: bool | None = ...,
    ) -> CommandFuture[StrT]: ...
    @overload
    def lcs(
        self, key1: KeyT, key2: KeyT, len: Literal[True], idx: Literal[False] | None = ...,
        minmatchlen: int | None = ..., withmatchlen: bool | None = ...,
    ) -> CommandFuture[int]: ...
    @overload
    def lcs(
        self, key1: KeyT, key2: KeyT, len: bool | None = ..., *, idx: Literal[True],
        minmatchlen: int | None = ..., withmatchlen: bool | None = ...,
    ) -> CommandFuture[list[RespValue[StrT]]]: ...
    @overload
    def lcs(
        self, key1: KeyT, key2: KeyT, len: bool | None = ..., idx: bool | None = ...,
        minmatchlen: int | None = ..., withmatchlen: bool | None = ...,
    ) -> CommandFuture[StrT | int | list[RespValue[StrT]]]: ...
    def lcs(
        self,
        key1: KeyT,
        key2: KeyT,
        len: bool | None = False,  # noqa: A002 - redis-py's argument name
        idx: bool | None = False,
        minmatchlen: int | None = 0,
        withmatchlen: bool | None = False,
    ) -> CommandFuture[Any]:
        """Longest common subsequence of two strings; its length with ``len``; with ``idx`` the matching
        ranges as the flat list [b"matches", [...], b"len", n] (RESP2's shape, whatever the protocol)."""
        args: list[Any] = [b"LCS", key1, key2]
        if len:
            args.append(b"LEN")
        if idx:
            args.append(b"IDX")
        if minmatchlen:
            args += (b"MINMATCHLEN", minmatchlen)
        if withmatchlen:
            args.append(b"WITHMATCHLEN")
        return self._send(tuple(args), lcs_reply)


def lcs_reply(reply: Any) -> Any:
    """LCS: the string or length as is; IDX's map (RESP3) as RESP2's flat [key, value, ...] list."""
    if reply.__class__ is dict:
        flat: list[Any] = []
        for item in reply.items():
            flat.extend(item)
        return flat
    return reply


def _expiry(command: str, ex: Any, px: Any, exat: Any, pxat: Any) -> list[Any]:
    """EX/PX/EXAT/PXAT arguments (the caller checked that at most one is given), converted and refused
    as redis-py's SET does."""
    return expiry_words(command, ex, px, exat, pxat, ("", False))


def _pairs(mapping: Mapping[Any, Any], command: str) -> list[Any]:
    if not isinstance(mapping, Mapping):
        raise DataError(f"{command}() takes a dict of key -> value, not {type(mapping).__name__}")
    items: list[Any] = []
    for pair in mapping.items():
        items.extend(pair)
    if not items:
        raise DataError(f"{command}() needs at least one key")
    return items


register("SET", _set_ok, variants=(None, _set_answered))  # SET ... GET: the old value; SET k v: OK
register("SETEX PSETEX", bool_ok)
register("LCS", lcs_reply)
