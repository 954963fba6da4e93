"""Hash field expiry (HEXPIRE, HTTL, HPERSIST, ...), with redis.asyncio's names, arguments and return types.

Redis 7.4+ and Valkey 9+ (HGETEX, HSETEX, HGETDEL: Redis 8.0+). Every reply is a list with one integer per field
(the same in RESP2 and RESP3): for the setters 1 set, 0 condition not met,
2 deleted at once (a time in the past), -2 no such field; for the readers
the time, -1 without expiry, -2 no such field.

As in redis-py, only ``timedelta``/``datetime`` are converted; any other
time goes to the server as given (which rejects a non-integer), and more
than one of nx/xx/gt/lt raises ``ValueError``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from ..exceptions import DataError
from ..future import CommandFuture
from ..typed import StrT
from .base import AbsExpiryT, CommandsBase, EncodableT, ExpiryT, FieldT, KeyT, expiry_words, option_word

_CONDITIONS = (b"NX", b"XX", b"GT", b"LT")


def _set_expiry(
    command: bytes, name: KeyT, when: Any, fields: tuple[FieldT, ...], flags: tuple[bool, ...]
) -> tuple[Any, ...]:
    if sum(flags) > 1:
        raise ValueError(f"{command.decode().lower()}(): give at most one of nx, xx, gt, lt")
    condition = tuple(word for word, wanted in zip(_CONDITIONS, flags, strict=True) if wanted)
    return (command, name, when, *condition, b"FIELDS", len(fields), *fields)


class HashExpiryCommands(CommandsBase[StrT]):
    """Per-field expiry of hash fields: HEXPIRE, HPEXPIRE, HEXPIREAT, HPEXPIREAT, HPERSIST and the readers."""

    def hexpire(
        self,
        name: KeyT,
        seconds: ExpiryT,
        *fields: FieldT,
        nx: bool = False,
        xx: bool = False,
        gt: bool = False,
        lt: bool = False,
    ) -> CommandFuture[list[int]]:
        """Expire ``fields`` in ``seconds`` (int or timedelta): one code per field (see the module)."""
        if isinstance(seconds, timedelta):
            seconds = int(seconds.total_seconds())
        return self._send(_set_expiry(b"HEXPIRE", name, seconds, fields, (nx, xx, gt, lt)), None)

    def hpexpire(
        self,
        name: KeyT,
        milliseconds: ExpiryT,
        *fields: FieldT,
        nx: bool = False,
        xx: bool = False,
        gt: bool = False,
        lt: bool = False,
    ) -> CommandFuture[list[int]]:
        """Expire ``fields`` in ``milliseconds`` (int or timedelta): one code per field."""
        if isinstance(milliseconds, timedelta):
            milliseconds = int(milliseconds.total_seconds() * 1000)
        return self._send(_set_expiry(b"HPEXPIRE", name, milliseconds, fields, (nx, xx, gt, lt)), None)

    def hexpireat(
        self,
        name: KeyT,
        unix_time_seconds: AbsExpiryT,
        *fields: FieldT,
        nx: bool = False,
        xx: bool = False,
        gt: bool = False,
        lt: bool = False,
    ) -> CommandFuture[list[int]]:
        """Expire ``fields`` at a Unix time in seconds (or a datetime): one code per field."""
        if isinstance(unix_time_seconds, datetime):
            unix_time_seconds = int(unix_time_seconds.timestamp())
        return self._send(_set_expiry(b"HEXPIREAT", name, unix_time_seconds, fields, (nx, xx, gt, lt)), None)

    def hpexpireat(
        self,
        name: KeyT,
        unix_time_milliseconds: AbsExpiryT,
        *fields: FieldT,
        nx: bool = False,
        xx: bool = False,
        gt: bool = False,
        lt: bool = False,
    ) -> CommandFuture[list[int]]:
        """Expire ``fields`` at a Unix time in milliseconds (or a datetime): one code per field."""
        if isinstance(unix_time_milliseconds, datetime):
            unix_time_milliseconds = int(unix_time_milliseconds.timestamp() * 1000)
        return self._send(_set_expiry(b"HPEXPIREAT", name, unix_time_milliseconds, fields, (nx, xx, gt, lt)), None)

    def hpersist(self, name: KeyT, *fields: FieldT) -> CommandFuture[list[int]]:
        """Remove the expiry of ``fields``: 1 removed, -1 had none, -2 no such field."""
        return self._send((b"HPERSIST", name, b"FIELDS", len(fields), *fields), None)

    def hexpiretime(self, key: KeyT, *fields: FieldT) -> CommandFuture[list[int]]:
        """Unix time in seconds at which each field expires."""
        return self._send((b"HEXPIRETIME", key, b"FIELDS", len(fields), *fields), None)

    def hpexpiretime(self, key: KeyT, *fields: FieldT) -> CommandFuture[list[int]]:
        """Unix time in milliseconds at which each field expires."""
        return self._send((b"HPEXPIRETIME", key, b"FIELDS", len(fields), *fields), None)

    def httl(self, key: KeyT, *fields: FieldT) -> CommandFuture[list[int]]:
        """Seconds until each field expires."""
        return self._send((b"HTTL", key, b"FIELDS", len(fields), *fields), None)

    def hpttl(self, key: KeyT, *fields: FieldT) -> CommandFuture[list[int]]:
        """Milliseconds until each field expires."""
        return self._send((b"HPTTL", key, b"FIELDS", len(fields), *fields), None)

    def hgetex(
        self,
        name: KeyT,
        *keys: FieldT,
        ex: ExpiryT | None = None,
        px: ExpiryT | None = None,
        exat: AbsExpiryT | None = None,
        pxat: AbsExpiryT | None = None,
        persist: bool = False,
    ) -> CommandFuture[list[StrT | None]]:
        """Values of ``keys`` in hash ``name`` (None where missing), setting or removing their expiry."""
        if not keys:
            raise DataError("hgetex() needs at least one field")
        words = expiry_words("hgetex", ex, px, exat, pxat, ("persist", persist))
        return self._send((b"HGETEX", name, *words, b"FIELDS", len(keys), *keys), None)

    def hsetex(
        self,
        name: KeyT,
        key: FieldT | None = None,
        value: EncodableT | None = None,
        mapping: Mapping[FieldT, EncodableT] | None = None,
        items: Sequence[EncodableT] | None = None,
        ex: ExpiryT | None = None,
        px: ExpiryT | None = None,
        exat: AbsExpiryT | None = None,
        pxat: AbsExpiryT | None = None,
        data_persist_option: Any = None,
        keepttl: bool = False,
    ) -> CommandFuture[int]:
        """Set fields with an expiry; ``data_persist_option`` FNX/FXX: only if none/all exist. 1 set, 0 not."""
        if key is None and not mapping and not items:
            raise DataError("hsetex() needs key and value, mapping or items")
        if items and len(items) % 2:
            raise DataError("hsetex(): items must hold field/value pairs (an even number of elements)")
        words = expiry_words("hsetex", ex, px, exat, pxat, ("keepttl", keepttl))
        if data_persist_option:
            words.insert(len(words) - 1 if keepttl else len(words), option_word(data_persist_option))
        pieces: list[Any] = list(items or ())
        if key is not None:
            pieces += (key, value)
        for pair in (mapping or {}).items():
            pieces += pair
        return self._send((b"HSETEX", name, *words, b"FIELDS", len(pieces) // 2, *pieces), None)

    def hgetdel(self, name: KeyT, *keys: FieldT) -> CommandFuture[list[StrT | None]]:
        """Values of ``keys`` in hash ``name`` (None where missing), deleting those fields."""
        if not keys:
            raise DataError("hgetdel() needs at least one field")
        return self._send((b"HGETDEL", name, b"FIELDS", len(keys), *keys), None)
