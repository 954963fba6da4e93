"""DEL, EXPIRE, SCAN and the rest of the generic key family, with redis.asyncio's names, arguments and return types."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Literal, overload

from ..exceptions import DataError
from ..future import CommandFuture, raw_reply
from ..typed import StrT
from .base import (
    AbsExpiryT,
    CommandsBase,
    EncodableT,
    ExpiryT,
    KeyT,
    list_or_args,
    milliseconds,
    seconds,
    unix_milliseconds,
    unix_seconds,
)
from .parsers import bool_ok, register, scan_reply, to_bool

PatternT = KeyT


class KeyCommands(CommandsBase[StrT]):
    """DEL, EXPIRE, SCAN and the rest of the generic key family."""

    def delete(self, *names: KeyT) -> CommandFuture[int]:
        """Delete keys: how many existed."""
        return self._send((b"DEL", *_keys(names, "delete")), None)

    def unlink(self, *names: KeyT) -> CommandFuture[int]:
        """Delete keys, freeing their memory in the background: how many existed."""
        return self._send((b"UNLINK", *_keys(names, "unlink")), None)

    def exists(self, *names: KeyT) -> CommandFuture[int]:
        """How many of ``names`` exist (a key named twice counts twice)."""
        return self._send((b"EXISTS", *_keys(names, "exists")), None)

    def touch(self, *args: KeyT) -> CommandFuture[int]:
        """Update the last access time of keys: how many existed."""
        return self._send((b"TOUCH", *_keys(args, "touch")), None)

    def expire(
        self, name: KeyT, time: ExpiryT, nx: bool = False, xx: bool = False, gt: bool = False, lt: bool = False
    ) -> CommandFuture[bool]:
        """Expire ``name`` in ``time`` seconds (int or timedelta): True if the timeout was set."""
        args = (b"EXPIRE", name, seconds(time))
        return self._send(args + _expire_options("expire", nx, xx, gt, lt), to_bool)

    def pexpire(
        self, name: KeyT, time: ExpiryT, nx: bool = False, xx: bool = False, gt: bool = False, lt: bool = False
    ) -> CommandFuture[bool]:
        """Expire ``name`` in ``time`` milliseconds (int or timedelta): True if the timeout was set."""
        args = (b"PEXPIRE", name, milliseconds(time))
        return self._send(args + _expire_options("pexpire", nx, xx, gt, lt), to_bool)

    def expireat(
        self, name: KeyT, when: AbsExpiryT, nx: bool = False, xx: bool = False, gt: bool = False, lt: bool = False
    ) -> CommandFuture[bool]:
        """Expire ``name`` at ``when`` (Unix seconds or datetime): True if the timeout was set."""
        args = (b"EXPIREAT", name, unix_seconds(when))
        return self._send(args + _expire_options("expireat", nx, xx, gt, lt), to_bool)

    def pexpireat(
        self, name: KeyT, when: AbsExpiryT, nx: bool = False, xx: bool = False, gt: bool = False, lt: bool = False
    ) -> CommandFuture[bool]:
        """Expire ``name`` at ``when`` (Unix milliseconds or datetime): True if the timeout was set."""
        args = (b"PEXPIREAT", name, unix_milliseconds(when))
        return self._send(args + _expire_options("pexpireat", nx, xx, gt, lt), to_bool)

    def ttl(self, name: KeyT) -> CommandFuture[int]:
        """Seconds until ``name`` expires; -1 without expiry, -2 if missing."""
        return self._send((b"TTL", name), None)

    def pttl(self, name: KeyT) -> CommandFuture[int]:
        """Milliseconds until ``name`` expires; -1 without expiry, -2 if missing."""
        return self._send((b"PTTL", name), None)

    def expiretime(self, key: KeyT) -> CommandFuture[int]:
        """Unix time in seconds at which ``key`` expires; -1 without expiry, -2 if missing."""
        return self._send((b"EXPIRETIME", key), None)

    def pexpiretime(self, key: KeyT) -> CommandFuture[int]:
        """Unix time in milliseconds at which ``key`` expires; -1 without expiry, -2 if missing."""
        return self._send((b"PEXPIRETIME", key), None)

    def persist(self, name: KeyT) -> CommandFuture[bool]:
        """Remove the expiry of ``name``: True if it had one."""
        return self._send((b"PERSIST", name), to_bool)

    def type(self, name: KeyT) -> CommandFuture[StrT]:
        """Type name of the value at ``name`` (b"string", b"hash", ..., b"none")."""
        return self._send((b"TYPE", name), None)

    def rename(self, src: KeyT, dst: KeyT) -> CommandFuture[bool]:
        """Rename ``src`` to ``dst``, replacing it: True."""
        return self._send((b"RENAME", src, dst), bool_ok)

    def renamenx(self, src: KeyT, dst: KeyT) -> CommandFuture[bool]:
        """Rename ``src`` to ``dst`` only if ``dst`` does not exist: True if renamed."""
        return self._send((b"RENAMENX", src, dst), to_bool)

    def keys(self, pattern: PatternT = "*", **kwargs: Any) -> CommandFuture[list[StrT]]:
        """Every key matching ``pattern`` (blocks the server: prefer ``scan_iter``).

        ``kwargs`` are accepted for redis-py compatibility and ignored.
        """
        return self._send((b"KEYS", pattern), None)

    def scan(
        self,
        cursor: int = 0,
        match: PatternT | None = None,
        count: int | None = None,
        _type: str | None = None,
        **kwargs: Any,
    ) -> CommandFuture[tuple[int, list[StrT]]]:
        """One SCAN step: (next cursor, keys); the cursor is 0 when the scan is complete.

        ``kwargs`` are accepted for redis-py compatibility and ignored.
        """
        args: list[Any] = [b"SCAN", cursor]
        if match is not None:
            args += (b"MATCH", match)
        if count is not None:
            args += (b"COUNT", count)
        if _type is not None:
            args += (b"TYPE", _type)
        return self._send(tuple(args), scan_reply)

    async def scan_iter(
        self,
        match: PatternT | None = None,
        count: int | None = None,
        _type: str | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[StrT]:
        """Every key, SCAN step by SCAN step (a key may come twice if the keyspace changes)."""
        cursor = 0
        while True:
            cursor, keys = await self.scan(cursor, match, count, _type)
            for key in keys:
                yield key
            if cursor == 0:
                return

    def randomkey(self, **kwargs: Any) -> CommandFuture[StrT | None]:
        """A random key name, or None if the database is empty.

        ``kwargs`` are accepted for redis-py compatibility and ignored.
        """
        return self._send((b"RANDOMKEY",), None)

    def dump(self, name: KeyT) -> CommandFuture[bytes | None]:
        """The serialized value of ``name`` (always bytes, even with decode_responses), or None."""
        return self._send((b"DUMP", name), raw_reply)

    def restore(
        self,
        name: KeyT,
        ttl: float,
        value: EncodableT,
        replace: bool = False,
        absttl: bool = False,
        idletime: int | None = None,
        frequency: int | None = None,
    ) -> CommandFuture[StrT]:
        """Create ``name`` from a ``dump`` value, expiring in ``ttl`` ms (0: never): b"OK"."""
        args: list[Any] = [b"RESTORE", name, _integer(ttl, "ttl"), value]
        if replace:
            args.append(b"REPLACE")
        if absttl:
            args.append(b"ABSTTL")
        if idletime is not None:
            args += (b"IDLETIME", _integer(idletime, "idletime"))
        if frequency is not None:
            args += (b"FREQ", _integer(frequency, "frequency"))
        return self._send(tuple(args), None)

    def copy(
        self,
        source: KeyT,
        destination: KeyT,
        destination_db: int | str | None = None,
        replace: bool = False,
    ) -> CommandFuture[bool]:
        """Copy ``source`` to ``destination`` (in ``destination_db`` if given): True if copied."""
        args: list[Any] = [b"COPY", source, destination]
        if destination_db is not None:
            args += (b"DB", destination_db)
        if replace:
            args.append(b"REPLACE")
        return self._send(tuple(args), to_bool)

    def move(self, name: KeyT, db: int) -> CommandFuture[bool]:
        """Move ``name`` to database ``db``: True if moved (False if missing here or present there)."""
        return self._send((b"MOVE", name, db), to_bool)

    def migrate(
        self,
        host: str,
        port: int,
        keys: Any,
        destination_db: int,
        timeout: int,
        copy: bool = False,
        replace: bool = False,
        auth: str | None = None,
        **kwargs: Any,
    ) -> CommandFuture[StrT]:
        """Move ``keys`` to db ``destination_db`` of the server at ``host``:``port`` (``copy``: keep them here).

        ``timeout`` in milliseconds; ``auth``: the other server's password. The server's OK, or NOKEY.
        """
        names = list_or_args(keys, (), "migrate")
        extra: list[Any] = []
        if copy:
            extra.append(b"COPY")
        if replace:
            extra.append(b"REPLACE")
        if auth:
            extra += (b"AUTH", auth)
        return self._send((b"MIGRATE", host, port, b"", destination_db, timeout, *extra, b"KEYS", *names), None)

    @overload
    def object(
        self, infotype: Literal["encoding", "ENCODING"], key: KeyT, **kwargs: Any
    ) -> CommandFuture[StrT | None]: ...
    @overload
    def object(
        self, infotype: Literal["freq", "FREQ", "idletime", "IDLETIME", "refcount", "REFCOUNT"], key: KeyT,
        **kwargs: Any,
    ) -> CommandFuture[int | None]: ...
    @overload
    def object(self, infotype: str, key: KeyT, **kwargs: Any) -> CommandFuture[StrT | int | None]: ...
    def object(self, infotype: str, key: KeyT, **kwargs: Any) -> CommandFuture[Any]:
        """OBJECT ``infotype`` (ENCODING, FREQ, IDLETIME, REFCOUNT) of ``key``, as the server replies.

        ``kwargs`` are accepted for redis-py compatibility and ignored.
        """
        return self._send((b"OBJECT", infotype, key), None)

    @overload
    def sort(
        self, name: KeyT, start: int | None = ..., num: int | None = ..., by: str | None = ...,
        get: list[str] | str | None = ..., desc: bool = ..., alpha: bool = ..., store: None = ...,
        groups: Literal[False] | None = ...,
    ) -> CommandFuture[list[StrT | None]]: ...
    @overload
    def sort(
        self, name: KeyT, start: int | None = ..., num: int | None = ..., by: str | None = ...,
        get: list[str] | str | None = ..., desc: bool = ..., alpha: bool = ..., *, store: str,
        groups: bool | None = ...,
    ) -> CommandFuture[int]: ...
    @overload
    def sort(
        self, name: KeyT, start: int | None = ..., num: int | None = ..., by: str | None = ...,
        get: list[str] | str | None = ..., desc: bool = ..., alpha: bool = ..., store: None = ...,
        *, groups: Literal[True],
    ) -> CommandFuture[list[tuple[StrT | None, ...]]]: ...
    @overload
    def sort(
        self, name: KeyT, start: int | None = ..., num: int | None = ..., by: str | None = ...,
        get: list[str] | str | None = ..., desc: bool = ..., alpha: bool = ..., store: str | None = ...,
        groups: bool | None = ...,
    ) -> CommandFuture[list[StrT | None] | int | list[tuple[StrT | None, ...]]]: ...
    def sort(
        self,
        name: KeyT,
        start: int | None = None,
        num: int | None = None,
        by: str | None = None,
        get: list[str] | str | None = None,
        desc: bool = False,
        alpha: bool = False,
        store: str | None = None,
        groups: bool | None = False,
    ) -> CommandFuture[Any]:
        """Sorted elements of a list, set or sorted set (by external keys with ``by``, fetched with ``get``);
        with ``store`` the number stored; with ``groups`` one tuple per element of the ``get`` values."""
        args = _sort_args(b"SORT", name, start, num, by, get, desc, alpha)
        if store is not None:
            args += (b"STORE", store)
        if groups:
            if not get or isinstance(get, (bytes, str)) or len(get) < 2:
                raise DataError("sort(): groups needs get with at least two patterns")
            return self._send(tuple(args), SortGroups(len(get)))
        return self._send(tuple(args), None)

    def sort_ro(
        self,
        key: str,
        start: int | None = None,
        num: int | None = None,
        by: str | None = None,
        get: list[str] | str | None = None,
        desc: bool = False,
        alpha: bool = False,
    ) -> CommandFuture[list[StrT | None]]:
        """``sort`` without STORE, sent as SORT_RO (so it runs on a read-only replica)."""
        return self._send(tuple(_sort_args(b"SORT_RO", key, start, num, by, get, desc, alpha)), None)


class SortGroups:
    """SORT with ``groups``: the flat reply cut into tuples of ``size`` (one value per GET pattern)."""

    __slots__ = ("size",)

    def __init__(self, size: int) -> None:
        self.size = size

    def __call__(self, reply: Any) -> Any:
        if not reply:
            return reply
        size = self.size
        return list(zip(*(reply[i::size] for i in range(size))))


def _sort_args(
    command: bytes,
    name: KeyT,
    start: int | None,
    num: int | None,
    by: str | None,
    get: list[str] | str | None,
    desc: bool,
    alpha: bool,
) -> list[Any]:
    if (start is None) != (num is None):
        raise DataError(f"{command.decode().lower()}(): start and num must be given together")
    args: list[Any] = [command, name]
    if by is not None:
        args += (b"BY", by)
    if start is not None:
        args += (b"LIMIT", start, num)
    if get is not None:
        for pattern in (get,) if isinstance(get, (bytes, str)) else get:
            args += (b"GET", pattern)
    if desc:
        args.append(b"DESC")
    if alpha:
        args.append(b"ALPHA")
    return args


_EXPIRE_FLAGS = (b"NX", b"XX", b"GT", b"LT")


def _expire_options(command: str, nx: bool, xx: bool, gt: bool, lt: bool) -> tuple[bytes, ...]:
    """NX/XX/GT/LT flags, as redis-py sends them: a combination the server refuses (NX with another, GT
    with LT) is its ``ResponseError``, as with redis-py."""
    if not (nx or xx or gt or lt):
        return ()
    return tuple(flag for flag, wanted in zip(_EXPIRE_FLAGS, (nx, xx, gt, lt), strict=True) if wanted)


def _keys(names: tuple[KeyT, ...], command: str) -> tuple[KeyT, ...]:
    if not names:
        raise DataError(f"{command}() needs at least one key")
    return names


def _integer(value: Any, name: str) -> int:
    """An int argument; floats with a fractional part and non-numbers are refused."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise DataError(f"{name} must be an integer, not {type(value).__name__}")
    if isinstance(value, float) and not value.is_integer():
        raise DataError(f"{name} must be an integer, not {value!r}")
    return int(value)


register("SCAN", scan_reply)
register("DUMP", raw_reply)
