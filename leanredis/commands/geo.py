"""Geo commands (GEOADD, GEOSEARCH, ...), with redis.asyncio's names, arguments and return types.

What redis.asyncio 8.1 returns with its defaults, whatever the protocol:
distances as ``float`` (``geodist``, WITHDIST), geohashes as ``str``
(``geohash``, even without ``decode_responses``), positions as
``(longitude, latitude)`` float tuples (``geopos``, WITHCOORD), WITHHASH
as ``int``. A search with any WITH* option gives one list per place:
``[member, dist, hash, (lon, lat)]`` holding the options asked for, in
that order (the server's). RESP2 sends coordinates and distances as
strings, RESP3 coordinates as doubles; the parsers take both.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, Union, overload

from ..exceptions import DataError
from ..future import CommandFuture
from ..typed import StrT
from .base import CommandsBase, EncodableT, FieldT, KeyT
from .parsers import float_or_none, register, str_if_bytes

_UNITS = ("m", "km", "mi", "ft")

# A place of a search with WITH* options: [member, distance, geohash, (longitude, latitude)], holding the
# options asked for, in that order: which are there is the caller's, not the type's, to say.
GeoPlace = list[Union[StrT, float, int, tuple[float, float]]]


# -- reply parsers -----------------------------------------------------------


def geohash_reply(reply: Any) -> list[str | None]:
    """GEOHASH: [hash or None, ...] with each hash as str."""
    return [str_if_bytes(item) for item in reply]


def geopos_reply(reply: Any) -> list[tuple[float, float] | None]:
    """GEOPOS: [[lon, lat] or None, ...] -> [(float lon, float lat) or None, ...]."""
    return [None if position is None else (float(position[0]), float(position[1])) for position in reply]


def _coordinates(position: Any) -> tuple[float, float]:
    return (float(position[0]), float(position[1]))


class GeoSearchReply:
    """A GEORADIUS/GEOSEARCH reply with the WITH* options it was asked for: one list per place."""

    __slots__ = ("casts",)

    def __init__(self, withdist: bool, withhash: bool, withcoord: bool) -> None:
        casts: list[Any] = []
        if withdist:
            casts.append(float)
        if withhash:
            casts.append(int)
        if withcoord:
            casts.append(_coordinates)
        self.casts = tuple(casts)

    def __call__(self, reply: Any) -> Any:
        casts = self.casts
        return [[place[0], *(cast(value) for cast, value in zip(casts, place[1:]))] for place in reply]


# One parser per combination of (withdist, withhash, withcoord); none without options.
_SEARCH_PARSERS = {
    (dist, hsh, coord): GeoSearchReply(dist, hsh, coord) if dist or hsh or coord else None
    for dist in (False, True)
    for hsh in (False, True)
    for coord in (False, True)
}


def _search_parser(withdist: Any, withhash: Any, withcoord: Any) -> Any:
    return _SEARCH_PARSERS[bool(withdist), bool(withhash), bool(withcoord)]


# -- argument builders -------------------------------------------------------


def _radius_options(
    args: list[Any],
    unit: str | None,
    withdist: bool,
    withcoord: bool,
    withhash: bool,
    count: int | None,
    sort: str | None,
    store: KeyT | None,
    store_dist: KeyT | None,
    any: bool,
) -> None:
    """GEORADIUS/GEORADIUSBYMEMBER options after the centre and radius, checked as redis-py checks them."""
    if unit and unit not in _UNITS:
        raise DataError(f"georadius(): unit must be one of {', '.join(_UNITS)}, not {unit!r}")
    args.append(unit or "m")
    if any and count is None:
        raise DataError("georadius(): any needs count")
    if withdist:
        args.append(b"WITHDIST")
    if withcoord:
        args.append(b"WITHCOORD")
    if withhash:
        args.append(b"WITHHASH")
    if count is not None:
        args += (b"COUNT", count)
        if any:
            args.append(b"ANY")
    if sort:
        if sort not in ("ASC", "DESC"):
            raise DataError(f"georadius(): sort must be ASC or DESC, not {sort!r}")
        args.append(sort.encode())
    if store and store_dist:
        raise DataError("georadius(): store and store_dist cannot be set together")
    if store:
        args += (b"STORE", store)
    if store_dist:
        args += (b"STOREDIST", store_dist)


def _search_options(
    args: list[Any],
    command: str,
    member: FieldT | None,
    longitude: float | None,
    latitude: float | None,
    unit: str,
    radius: float | None,
    width: float | None,
    height: float | None,
    sort: str | None,
    count: int | None,
    any: bool,
    flags: tuple[tuple[Any, bytes], ...],
) -> None:
    """GEOSEARCH/GEOSEARCHSTORE FROM..., BY... and options, checked as redis-py checks them."""
    if member is None and (longitude is None or latitude is None):
        raise DataError(f"{command}(): give member, or longitude and latitude")
    if member:
        if longitude or latitude:
            raise DataError(f"{command}(): member cannot be combined with longitude or latitude")
        args += (b"FROMMEMBER", member)
    if longitude is not None and latitude is not None:
        args += (b"FROMLONLAT", longitude, latitude)
    if radius is None and (width is None or height is None):
        raise DataError(f"{command}(): give radius, or width and height")
    if unit is None:
        raise DataError(f"{command}(): unit is required")
    if unit.lower() not in _UNITS:
        raise DataError(f"{command}(): unit must be one of {', '.join(_UNITS)}, not {unit!r}")
    if radius:
        if width or height:
            raise DataError(f"{command}(): radius cannot be combined with width or height")
        args += (b"BYRADIUS", radius, unit)
    if width and height:
        args += (b"BYBOX", width, height, unit)
    if sort:
        if sort.upper() not in ("ASC", "DESC"):
            raise DataError(f"{command}(): sort must be ASC or DESC, not {sort!r}")
        args.append(sort.upper().encode())
    if count:
        args += (b"COUNT", count)
        if any:
            args.append(b"ANY")
    elif any:
        raise DataError(f"{command}(): any needs count")
    for flag, word in flags:
        if flag:
            args.append(word)


# -- commands ----------------------------------------------------------------


class GeoCommands(CommandsBase[StrT]):
    """GEOADD, GEODIST, GEOHASH, GEOPOS, GEORADIUS(BYMEMBER), GEOSEARCH(STORE)."""

    def geoadd(
        self, name: KeyT, values: Sequence[EncodableT], nx: bool = False, xx: bool = False, ch: bool = False
    ) -> CommandFuture[int]:
        """Add places given flat as ``[lon1, lat1, member1, lon2, ...]``: how many were added (changed: ``ch``)."""
        if nx and xx:
            raise DataError("geoadd(): nx and xx are mutually exclusive")
        if len(values) % 3 != 0:
            raise DataError("geoadd(): values must be longitude, latitude, member triples")
        args: list[Any] = [b"GEOADD", name]
        if nx:
            args.append(b"NX")
        if xx:
            args.append(b"XX")
        if ch:
            args.append(b"CH")
        args.extend(values)
        return self._send(tuple(args), None)

    def geodist(
        self, name: KeyT, place1: FieldT, place2: FieldT, unit: str | None = None
    ) -> CommandFuture[float | None]:
        """Distance between two members in ``unit`` (m, km, mi, ft; default m) as float; None if one is missing."""
        if unit and unit not in _UNITS:
            raise DataError(f"geodist(): unit must be one of {', '.join(_UNITS)}, not {unit!r}")
        if unit:
            return self._send((b"GEODIST", name, place1, place2, unit), float_or_none)
        return self._send((b"GEODIST", name, place1, place2), float_or_none)

    def geohash(self, name: KeyT, *values: FieldT) -> CommandFuture[list[str | None]]:
        """The 11-character geohash (str) of each member, None for a missing one."""
        return self._send((b"GEOHASH", name, *values), geohash_reply)

    def geopos(self, name: KeyT, *values: FieldT) -> CommandFuture[list[tuple[float, float] | None]]:
        """``(longitude, latitude)`` of each member, None for a missing one."""
        return self._send((b"GEOPOS", name, *values), geopos_reply)

    @overload
    def georadius(
        self, name: KeyT, longitude: float, latitude: float, radius: float, unit: str | None = ...,
        withdist: Literal[False] = ..., withcoord: Literal[False] = ..., withhash: Literal[False] = ...,
        count: int | None = ..., sort: str | None = ..., store: None = ..., store_dist: None = ..., any: bool = ...,
    ) -> CommandFuture[list[StrT]]: ...
    @overload
    def georadius(
        self, name: KeyT, longitude: float, latitude: float, radius: float, unit: str | None = ...,
        withdist: bool = ..., withcoord: bool = ..., withhash: bool = ...,
        count: int | None = ..., sort: str | None = ..., *, store: KeyT, store_dist: KeyT | None = ..., any: bool = ...,
    ) -> CommandFuture[int]: ...
    @overload
    def georadius(
        self, name: KeyT, longitude: float, latitude: float, radius: float, unit: str | None = ...,
        withdist: bool = ..., withcoord: bool = ..., withhash: bool = ...,
        count: int | None = ..., sort: str | None = ..., store: None = ..., *, store_dist: KeyT, any: bool = ...,
    ) -> CommandFuture[int]: ...
    @overload
    def georadius(
        self, name: KeyT, longitude: float, latitude: float, radius: float, unit: str | None = ...,
        withdist: bool = ..., withcoord: bool = ..., withhash: bool = ...,
        count: int | None = ..., sort: str | None = ..., store: None = ..., store_dist: None = ..., any: bool = ...,
    ) -> CommandFuture[list[StrT] | list[GeoPlace[StrT]]]: ...
    @overload
    def georadius(
        self, name: KeyT, longitude: float, latitude: float, radius: float, unit: str | None = ...,
        withdist: bool = ..., withcoord: bool = ..., withhash: bool = ...,
        count: int | None = ..., sort: str | None = ..., store: KeyT | None = ..., store_dist: KeyT | None = ...,
        any: bool = ...,
    ) -> CommandFuture[list[StrT] | list[GeoPlace[StrT]] | int]: ...
    def georadius(
        self,
        name: KeyT,
        longitude: float,
        latitude: float,
        radius: float,
        unit: str | None = None,
        withdist: bool = False,
        withcoord: bool = False,
        withhash: bool = False,
        count: int | None = None,
        sort: str | None = None,
        store: KeyT | None = None,
        store_dist: KeyT | None = None,
        any: bool = False,
    ) -> CommandFuture[Any]:
        """Members within ``radius`` of a point (deprecated by the server in favour of ``geosearch``);
        with ``store``/``store_dist``, how many were stored."""
        args: list[Any] = [b"GEORADIUS", name, longitude, latitude, radius]
        _radius_options(args, unit, withdist, withcoord, withhash, count, sort, store, store_dist, any)
        parse = None if store or store_dist else _search_parser(withdist, withhash, withcoord)
        return self._send(tuple(args), parse)

    @overload
    def georadiusbymember(
        self, name: KeyT, member: FieldT, radius: float, unit: str | None = ...,
        withdist: Literal[False] = ..., withcoord: Literal[False] = ..., withhash: Literal[False] = ...,
        count: int | None = ..., sort: str | None = ..., store: None = ..., store_dist: None = ..., any: bool = ...,
    ) -> CommandFuture[list[StrT]]: ...
    @overload
    def georadiusbymember(
        self, name: KeyT, member: FieldT, radius: float, unit: str | None = ...,
        withdist: bool = ..., withcoord: bool = ..., withhash: bool = ...,
        count: int | None = ..., sort: str | None = ..., *, store: KeyT, store_dist: KeyT | None = ..., any: bool = ...,
    ) -> CommandFuture[int]: ...
    @overload
    def georadiusbymember(
        self, name: KeyT, member: FieldT, radius: float, unit: str | None = ...,
        withdist: bool = ..., withcoord: bool = ..., withhash: bool = ...,
        count: int | None = ..., sort: str | None = ..., store: None = ..., *, store_dist: KeyT, any: bool = ...,
    ) -> CommandFuture[int]: ...
    @overload
    def georadiusbymember(
        self, name: KeyT, member: FieldT, radius: float, unit: str | None = ...,
        withdist: bool = ..., withcoord: bool = ..., withhash: bool = ...,
        count: int | None = ..., sort: str | None = ..., store: None = ..., store_dist: None = ..., any: bool = ...,
    ) -> CommandFuture[list[StrT] | list[GeoPlace[StrT]]]: ...
    @overload
    def georadiusbymember(
        self, name: KeyT, member: FieldT, radius: float, unit: str | None = ...,
        withdist: bool = ..., withcoord: bool = ..., withhash: bool = ...,
        count: int | None = ..., sort: str | None = ..., store: KeyT | None = ..., store_dist: KeyT | None = ...,
        any: bool = ...,
    ) -> CommandFuture[list[StrT] | list[GeoPlace[StrT]] | int]: ...
    def georadiusbymember(
        self,
        name: KeyT,
        member: FieldT,
        radius: float,
        unit: str | None = None,
        withdist: bool = False,
        withcoord: bool = False,
        withhash: bool = False,
        count: int | None = None,
        sort: str | None = None,
        store: KeyT | None = None,
        store_dist: KeyT | None = None,
        any: bool = False,
    ) -> CommandFuture[Any]:
        """``georadius`` around an existing member instead of a point."""
        args: list[Any] = [b"GEORADIUSBYMEMBER", name, member, radius]
        _radius_options(args, unit, withdist, withcoord, withhash, count, sort, store, store_dist, any)
        parse = None if store or store_dist else _search_parser(withdist, withhash, withcoord)
        return self._send(tuple(args), parse)

    @overload
    def geosearch(
        self, name: KeyT, member: FieldT | None = ..., longitude: float | None = ..., latitude: float | None = ...,
        unit: str = ..., radius: float | None = ..., width: float | None = ..., height: float | None = ...,
        sort: str | None = ..., count: int | None = ..., any: bool = ...,
        withcoord: Literal[False] = ..., withdist: Literal[False] = ..., withhash: Literal[False] = ...,
    ) -> CommandFuture[list[StrT]]: ...
    @overload
    def geosearch(
        self, name: KeyT, member: FieldT | None = ..., longitude: float | None = ..., latitude: float | None = ...,
        unit: str = ..., radius: float | None = ..., width: float | None = ..., height: float | None = ...,
        sort: str | None = ..., count: int | None = ..., any: bool = ...,
        *, withcoord: Literal[True], withdist: bool = ..., withhash: bool = ...,
    ) -> CommandFuture[list[GeoPlace[StrT]]]: ...
    @overload
    def geosearch(
        self, name: KeyT, member: FieldT | None = ..., longitude: float | None = ..., latitude: float | None = ...,
        unit: str = ..., radius: float | None = ..., width: float | None = ..., height: float | None = ...,
        sort: str | None = ..., count: int | None = ..., any: bool = ...,
        withcoord: bool = ..., *, withdist: Literal[True], withhash: bool = ...,
    ) -> CommandFuture[list[GeoPlace[StrT]]]: ...
    @overload
    def geosearch(
        self, name: KeyT, member: FieldT | None = ..., longitude: float | None = ..., latitude: float | None = ...,
        unit: str = ..., radius: float | None = ..., width: float | None = ..., height: float | None = ...,
        sort: str | None = ..., count: int | None = ..., any: bool = ...,
        withcoord: bool = ..., withdist: bool = ..., *, withhash: Literal[True],
    ) -> CommandFuture[list[GeoPlace[StrT]]]: ...
    @overload
    def geosearch(
        self, name: KeyT, member: FieldT | None = ..., longitude: float | None = ..., latitude: float | None = ...,
        unit: str = ..., radius: float | None = ..., width: float | None = ..., height: float | None = ...,
        sort: str | None = ..., count: int | None = ..., any: bool = ...,
        withcoord: bool = ..., withdist: bool = ..., withhash: bool = ...,
    ) -> CommandFuture[list[StrT] | list[GeoPlace[StrT]]]: ...
    def geosearch(
        self,
        name: KeyT,
        member: FieldT | None = None,
        longitude: float | None = None,
        latitude: float | None = None,
        unit: str = "m",
        radius: float | None = None,
        width: float | None = None,
        height: float | None = None,
        sort: str | None = None,
        count: int | None = None,
        any: bool = False,
        withcoord: bool = False,
        withdist: bool = False,
        withhash: bool = False,
    ) -> CommandFuture[Any]:
        """Members inside a circle (``radius``) or box (``width`` x ``height``) around ``member`` or a point."""
        args: list[Any] = [b"GEOSEARCH", name]
        flags = ((withdist, b"WITHDIST"), (withcoord, b"WITHCOORD"), (withhash, b"WITHHASH"))
        _search_options(
            args, "geosearch", member, longitude, latitude, unit, radius, width, height, sort, count, any, flags
        )
        return self._send(tuple(args), _search_parser(withdist, withhash, withcoord))

    def geosearchstore(
        self,
        dest: KeyT,
        name: KeyT,
        member: FieldT | None = None,
        longitude: float | None = None,
        latitude: float | None = None,
        unit: str = "m",
        radius: float | None = None,
        width: float | None = None,
        height: float | None = None,
        sort: str | None = None,
        count: int | None = None,
        any: bool = False,
        storedist: bool = False,
    ) -> CommandFuture[int]:
        """``geosearch`` stored in ``dest`` (scores: geohashes, or distances with ``storedist``): how many."""
        args: list[Any] = [b"GEOSEARCHSTORE", dest, name]
        flags = ((storedist, b"STOREDIST"),)
        _search_options(
            args, "geosearchstore", member, longitude, latitude, unit, radius, width, height, sort, count, any, flags
        )
        return self._send(tuple(args), None)


register("GEODIST", float_or_none)
register("GEOHASH", geohash_reply)
register("GEOPOS", geopos_reply)
