"""Stream commands (X...), with redis.asyncio's names, arguments and return types.

An entry is ``(id, {field: value})``. XREAD/XREADGROUP return redis-py's
legacy ``[[stream, [entry, ...]], ...]`` whether RESP2 (a list of pairs) or
RESP3 (a map) came over the wire.

A read with ``block`` waits on the server and would stall every other
caller of the shared multiplexed connection, so it goes through
``self._send_blocking(args, parse, timeout)`` when the client has one (a
connection of its own, from a pool) and is refused with ``DataError``
otherwise.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from typing import Any, Literal, overload

from ..exceptions import DataError
from ..future import CommandFuture
from ..typed import StrT
from .base import CommandsBase, EncodableT, FieldT, KeyT
from .parsers import bool_ok, register, to_bool
from .stream_replies import (
    ClaimedEntry,
    PendingEntry,
    PendingSummary,
    StreamEntry,
    XAutoClaim,
    XInfoFullValue,
    XInfoStreamValue,
    XReadStream,
    list_of_dicts,
    stream_entries,
    xautoclaim_justid_reply,
    xautoclaim_reply,
    xinfo_stream_full_reply,
    xinfo_stream_reply,
    xpending_range_reply,
    xpending_reply,
    xread_claim_reply,
    xread_reply,
)

StreamIdT = int | bytes | str | memoryview
GroupT = KeyT
ConsumerT = KeyT


# -- argument checks -------------------------------------------------------------
def _positive(value: Any, command: str, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise DataError(f"{command}(): {name} must be a positive integer, not {value!r}")


def _non_negative(value: Any, command: str, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise DataError(f"{command}(): {name} must be a non-negative integer, not {value!r}")


def _not_below_zero(value: Any, command: str, name: str) -> None:
    """redis-py's check of a count or idle time it sends as given: int(value) < 0 refused, the rest the server's."""
    with contextlib.suppress(TypeError):  # what int() cannot take at all is the encoder's to refuse
        if int(value) < 0:
            raise DataError(f"{command}(): {name} must be a non-negative integer, not {value!r}")


def _trim_args(command: str, maxlen: int | None, minid: Any, approximate: bool, limit: int | None) -> list[Any]:
    if maxlen is not None and minid is not None:
        raise DataError(f"{command}(): maxlen and minid are mutually exclusive")
    args: list[Any] = []
    if maxlen is not None:
        _non_negative(maxlen, command, "maxlen")
        args.append(b"MAXLEN")
    elif minid is not None:
        args.append(b"MINID")
    else:
        if limit is not None:  # sent as redis-py sends it: the server refuses LIMIT without MAXLEN or MINID
            args += (b"LIMIT", limit)
        return args
    if approximate:
        args.append(b"~")
    args.append(maxlen if maxlen is not None else minid)
    if limit is not None:
        _non_negative(limit, command, "limit")
        args += (b"LIMIT", limit)
    return args


_REF_POLICIES = ("KEEPREF", "DELREF", "ACKED")


def _ref_policy(command: str, ref_policy: Any) -> list[Any]:
    """KEEPREF / DELREF / ACKED (Redis 8.2+): what trimming does to consumer groups' references."""
    if ref_policy is None:
        return []
    if ref_policy not in _REF_POLICIES:
        raise DataError(f"{command}(): ref_policy must be one of KEEPREF, DELREF, ACKED, not {ref_policy!r}")
    return [ref_policy]


def _reply_caps(command: str, count: int | None, max_count: int | None, max_size: int | None) -> list[Any]:
    """MAXCOUNT (entries over all streams, at least ``count``) and MAXSIZE (reply bytes): Redis 8.10+."""
    args: list[Any] = []
    if max_count is not None:
        _positive(max_count, command, "max_count")
        if count is not None and max_count < count:
            raise DataError(f"{command}(): max_count must be greater than or equal to count")
        args += (b"MAXCOUNT", max_count)
    if max_size is not None:
        _positive(max_size, command, "max_size")
        args += (b"MAXSIZE", max_size)
    return args


def _streams_args(command: str, streams: Mapping[KeyT, StreamIdT]) -> list[Any]:
    if not isinstance(streams, Mapping) or not streams:
        raise DataError(f"{command}(): streams must be a non-empty dict of stream name -> last id read")
    return [b"STREAMS", *streams.keys(), *streams.values()]


class StreamCommands(CommandsBase[StrT]):
    """Streams, consumer groups and their introspection."""

    @overload
    def xadd(
        self, name: KeyT, fields: Mapping[FieldT, EncodableT], id: StreamIdT = ..., maxlen: int | None = ...,
        approximate: bool = ..., nomkstream: Literal[False] = ..., minid: StreamIdT | None = ...,
        limit: int | None = ..., ref_policy: str | None = ..., idmpauto: str | None = ...,
        idmp: tuple[str, bytes] | None = ...,
    ) -> CommandFuture[StrT]: ...
    @overload
    def xadd(
        self, name: KeyT, fields: Mapping[FieldT, EncodableT], id: StreamIdT = ..., maxlen: int | None = ...,
        approximate: bool = ..., nomkstream: bool = ..., minid: StreamIdT | None = ...,
        limit: int | None = ..., ref_policy: str | None = ..., idmpauto: str | None = ...,
        idmp: tuple[str, bytes] | None = ...,
    ) -> CommandFuture[StrT | None]: ...
    def xadd(
        self,
        name: KeyT,
        fields: Mapping[FieldT, EncodableT],
        id: StreamIdT = "*",
        maxlen: int | None = None,
        approximate: bool = True,
        nomkstream: bool = False,
        minid: StreamIdT | None = None,
        limit: int | None = None,
        ref_policy: str | None = None,
        idmpauto: str | None = None,
        idmp: tuple[str, bytes] | None = None,
    ) -> CommandFuture[Any]:
        """Append an entry (``id`` "*": the server picks one), trimming by ``maxlen`` or ``minid``: its id.

        With ``nomkstream`` a missing stream is not created and the reply is None.
        Redis 8.2+: ``ref_policy`` (KEEPREF, DELREF, ACKED) for the trimmed
        entries' references; ``idmpauto`` (a producer id) or ``idmp``
        ((producer id, idempotent id)) make the append idempotent.
        """
        if not isinstance(fields, Mapping) or not fields:
            raise DataError("xadd(): fields must be a non-empty dict of field -> value")
        args: list[Any] = [b"XADD", name]
        if nomkstream:
            args.append(b"NOMKSTREAM")
        if idmpauto is not None or idmp is not None:
            if idmpauto is not None and idmp is not None:
                raise DataError("xadd(): idmpauto and idmp are mutually exclusive")
            if id != "*":
                raise DataError("xadd(): idmpauto and idmp need id='*'")
        args += _ref_policy("xadd", ref_policy)
        if idmpauto is not None:
            args += (b"IDMPAUTO", idmpauto)
        if idmp is not None:
            if not isinstance(idmp, tuple) or len(idmp) != 2:
                raise DataError("xadd(): idmp must be a tuple (producer_id, idempotent_id)")
            args += (b"IDMP", *idmp)
        args += _trim_args("xadd", maxlen, minid, approximate, limit)
        args.append(id)
        for pair in fields.items():
            args.extend(pair)
        return self._send(tuple(args), None)

    def xlen(self, name: KeyT) -> CommandFuture[int]:
        """Number of entries (0 if the stream is missing)."""
        return self._send((b"XLEN", name), None)

    def xrange(
        self, name: KeyT, min: StreamIdT = "-", max: StreamIdT = "+", count: int | None = None
    ) -> CommandFuture[list[StreamEntry[StrT]]]:
        """Entries with ids from ``min`` to ``max``, oldest first: [(id, {field: value}), ...]."""
        if count is None:
            return self._send((b"XRANGE", name, min, max), stream_entries)
        _positive(count, "xrange", "count")
        return self._send((b"XRANGE", name, min, max, b"COUNT", count), stream_entries)

    def xrevrange(
        self, name: KeyT, max: StreamIdT = "+", min: StreamIdT = "-", count: int | None = None
    ) -> CommandFuture[list[StreamEntry[StrT]]]:
        """Entries with ids from ``max`` down to ``min``, newest first."""
        if count is None:
            return self._send((b"XREVRANGE", name, max, min), stream_entries)
        _positive(count, "xrevrange", "count")
        return self._send((b"XREVRANGE", name, max, min, b"COUNT", count), stream_entries)

    def xdel(self, name: KeyT, *ids: StreamIdT) -> CommandFuture[int]:
        """Delete entries by id: how many existed."""
        if not ids:
            raise DataError("xdel() needs at least one id")
        return self._send((b"XDEL", name, *ids), None)

    def xtrim(
        self,
        name: KeyT,
        maxlen: int | None = None,
        approximate: bool = True,
        minid: StreamIdT | None = None,
        limit: int | None = None,
        ref_policy: str | None = None,
    ) -> CommandFuture[int]:
        """Trim to ``maxlen`` entries or drop ids below ``minid``: how many were removed.

        ``ref_policy`` (Redis 8.2+): KEEPREF, DELREF or ACKED, as for ``xadd``.
        """
        if maxlen is None and minid is None:
            raise DataError("xtrim() needs maxlen or minid")
        trim = _trim_args("xtrim", maxlen, minid, approximate, limit)
        return self._send((b"XTRIM", name, *trim, *_ref_policy("xtrim", ref_policy)), None)

    # -- reading ---------------------------------------------------------------
    def xread(
        self,
        streams: Mapping[KeyT, StreamIdT],
        count: int | None = None,
        block: int | None = None,
        max_count: int | None = None,
        max_size: int | None = None,
    ) -> CommandFuture[list[XReadStream[StrT]]]:
        """Entries after the given id of each stream: [[stream, [(id, {field: value}), ...]], ...].

        ``block`` (milliseconds, 0: for ever) waits for new entries; it needs a
        client with a connection pool for blocking commands. ``max_count``
        (entries over all streams) and ``max_size`` (reply bytes) cap the
        reply (Redis 8.10+).
        """
        args: list[Any] = [b"XREAD"]
        if block is not None:
            _non_negative(block, "xread", "block")
            args += (b"BLOCK", block)
        if count is not None:
            _positive(count, "xread", "count")
            args += (b"COUNT", count)
        args += _reply_caps("xread", count, max_count, max_size)
        args += _streams_args("xread", streams)
        return self._read("xread", tuple(args), xread_reply, block)

    @overload
    def xreadgroup(
        self, groupname: GroupT, consumername: ConsumerT, streams: Mapping[KeyT, StreamIdT], count: int | None = ...,
        block: int | None = ..., noack: bool = ..., claim_min_idle_time: None = ..., max_count: int | None = ...,
        max_size: int | None = ...,
    ) -> CommandFuture[list[XReadStream[StrT]]]: ...
    @overload
    def xreadgroup(
        self, groupname: GroupT, consumername: ConsumerT, streams: Mapping[KeyT, StreamIdT], count: int | None = ...,
        block: int | None = ..., noack: bool = ..., *, claim_min_idle_time: int, max_count: int | None = ...,
        max_size: int | None = ...,
    ) -> CommandFuture[list[list[StrT | list[ClaimedEntry[StrT]]]]]: ...
    def xreadgroup(
        self,
        groupname: GroupT,
        consumername: ConsumerT,
        streams: Mapping[KeyT, StreamIdT],
        count: int | None = None,
        block: int | None = None,
        noack: bool = False,
        claim_min_idle_time: int | None = None,
        max_count: int | None = None,
        max_size: int | None = None,
    ) -> CommandFuture[Any]:
        """Read as ``consumername`` of ``groupname``: id ">" for new entries, another id for its pending ones.

        Same shape as ``xread``; ``block`` as there. ``claim_min_idle_time``
        (servers with XREADGROUP ... CLAIM) also takes over idle pending entries;
        ``max_count`` and ``max_size`` as for ``xread``.
        """
        args: list[Any] = [b"XREADGROUP", b"GROUP", groupname, consumername]
        if count is not None:
            _positive(count, "xreadgroup", "count")
            args += (b"COUNT", count)
        args += _reply_caps("xreadgroup", count, max_count, max_size)
        if block is not None:
            _non_negative(block, "xreadgroup", "block")
            args += (b"BLOCK", block)
        if noack:
            args.append(b"NOACK")
        parse = xread_reply
        if claim_min_idle_time is not None:
            _non_negative(claim_min_idle_time, "xreadgroup", "claim_min_idle_time")
            args += (b"CLAIM", claim_min_idle_time)
            parse = xread_claim_reply
        args += _streams_args("xreadgroup", streams)
        return self._read("xreadgroup", tuple(args), parse, block)

    def _read(self, command: str, args: tuple[Any, ...], parse: Any, block: int | None) -> CommandFuture[Any]:
        if block is None:
            return self._send(args, parse)
        send_blocking = getattr(self, "_send_blocking", None)
        if send_blocking is None:
            raise DataError(
                f"{command}(block={block}) would stall every other command on the shared connection: "
                "blocking reads need the client's connection pool for blocking commands; "
                "call without block to read what is there now"
            )
        # the server-side wait in seconds; block=0 waits for ever (None), as for BLPOP
        result: CommandFuture[Any] = send_blocking(args, parse, (block / 1000) or None)
        return result

    # -- consumer groups ------------------------------------------------------------
    def xgroup_create(
        self,
        name: KeyT,
        groupname: GroupT,
        id: StreamIdT = "$",
        mkstream: bool = False,
        entries_read: int | None = None,
    ) -> CommandFuture[bool]:
        """Create a group reading after ``id`` ("$": only new entries); ``mkstream`` creates the stream: True."""
        args: list[Any] = [b"XGROUP", b"CREATE", name, groupname, id]
        if mkstream:
            args.append(b"MKSTREAM")
        if entries_read is not None:
            args += (b"ENTRIESREAD", entries_read)
        return self._send(tuple(args), bool_ok)

    def xgroup_destroy(self, name: KeyT, groupname: GroupT) -> CommandFuture[bool]:
        """Delete a group: True if it existed."""
        return self._send((b"XGROUP", b"DESTROY", name, groupname), to_bool)

    def xgroup_createconsumer(self, name: KeyT, groupname: GroupT, consumername: ConsumerT) -> CommandFuture[int]:
        """Create a consumer: 1 if created, 0 if it existed."""
        return self._send((b"XGROUP", b"CREATECONSUMER", name, groupname, consumername), None)

    def xgroup_delconsumer(self, name: KeyT, groupname: GroupT, consumername: ConsumerT) -> CommandFuture[int]:
        """Delete a consumer: how many pending entries it had."""
        return self._send((b"XGROUP", b"DELCONSUMER", name, groupname, consumername), None)

    def xgroup_setid(
        self, name: KeyT, groupname: GroupT, id: StreamIdT, entries_read: int | None = None
    ) -> CommandFuture[bool]:
        """Move the group's last-delivered id: True."""
        if entries_read is None:
            return self._send((b"XGROUP", b"SETID", name, groupname, id), bool_ok)
        return self._send((b"XGROUP", b"SETID", name, groupname, id, b"ENTRIESREAD", entries_read), bool_ok)

    def xack(self, name: KeyT, groupname: GroupT, *ids: StreamIdT) -> CommandFuture[int]:
        """Acknowledge entries: how many were pending."""
        if not ids:
            raise DataError("xack() needs at least one id")
        return self._send((b"XACK", name, groupname, *ids), None)

    def xpending(self, name: KeyT, groupname: GroupT) -> CommandFuture[PendingSummary[StrT]]:
        """Summary of the group's pending entries: {"pending", "min", "max", "consumers"}."""
        return self._send((b"XPENDING", name, groupname), xpending_reply)

    def xpending_range(
        self,
        name: KeyT,
        groupname: GroupT,
        min: StreamIdT,
        max: StreamIdT,
        count: int,
        consumername: ConsumerT | None = None,
        idle: int | None = None,
    ) -> CommandFuture[list[PendingEntry[StrT]]]:
        """Pending entries from ``min`` to ``max`` (optionally one consumer's, idle at least ``idle`` ms).

        Each is {"message_id", "consumer", "time_since_delivered", "times_delivered"}.
        With min, max and count all None, the summary of ``xpending``.
        """
        if min is None and max is None and count is None:
            if idle is not None or consumername is not None:
                raise DataError("xpending_range(): idle and consumername need min, max and count")
            # redis-py's summary, for callers who pass None where the signature says an id
            return self.xpending(name, groupname)  # type: ignore[return-value]
        if min is None or max is None or count is None:
            raise DataError("xpending_range(): give min, max and count, or none of them")
        _not_below_zero(count, "xpending_range", "count")
        args: list[Any] = [b"XPENDING", name, groupname]
        if idle is not None:
            _not_below_zero(idle, "xpending_range", "idle")
            args += (b"IDLE", idle)
        args += (min, max, count)
        if consumername:
            args.append(consumername)
        return self._send(tuple(args), xpending_range_reply)

    @overload
    def xclaim(
        self, name: KeyT, groupname: GroupT, consumername: ConsumerT, min_idle_time: int,
        message_ids: Sequence[StreamIdT], idle: int | None = ..., time: int | None = ...,
        retrycount: int | None = ..., force: bool = ..., justid: Literal[False] = ...,
    ) -> CommandFuture[list[StreamEntry[StrT] | tuple[None, None]]]: ...
    @overload
    def xclaim(
        self, name: KeyT, groupname: GroupT, consumername: ConsumerT, min_idle_time: int,
        message_ids: Sequence[StreamIdT], idle: int | None = ..., time: int | None = ...,
        retrycount: int | None = ..., force: bool = ..., *, justid: Literal[True],
    ) -> CommandFuture[list[StrT]]: ...
    @overload
    def xclaim(
        self, name: KeyT, groupname: GroupT, consumername: ConsumerT, min_idle_time: int,
        message_ids: Sequence[StreamIdT], idle: int | None = ..., time: int | None = ...,
        retrycount: int | None = ..., force: bool = ..., *, justid: bool,
    ) -> CommandFuture[list[StreamEntry[StrT] | tuple[None, None]] | list[StrT]]: ...
    def xclaim(
        self,
        name: KeyT,
        groupname: GroupT,
        consumername: ConsumerT,
        min_idle_time: int,
        message_ids: Sequence[StreamIdT],
        idle: int | None = None,
        time: int | None = None,
        retrycount: int | None = None,
        force: bool = False,
        justid: bool = False,
    ) -> CommandFuture[Any]:
        """Take over pending entries idle at least ``min_idle_time`` ms: the entries, or their ids with ``justid``."""
        _non_negative(min_idle_time, "xclaim", "min_idle_time")
        if not isinstance(message_ids, (list, tuple)) or not message_ids:
            raise DataError("xclaim(): message_ids must be a non-empty list or tuple of ids")
        args: list[Any] = [b"XCLAIM", name, groupname, consumername, min_idle_time, *message_ids]
        for option, value in ((b"IDLE", idle), (b"TIME", time), (b"RETRYCOUNT", retrycount)):
            if value is not None:
                if isinstance(value, bool) or not isinstance(value, int):
                    raise DataError(f"xclaim(): {option.decode().lower()} must be an integer, not {value!r}")
                args += (option, value)
        if force:
            args.append(b"FORCE")
        if justid:
            args.append(b"JUSTID")
            return self._send(tuple(args), None)
        return self._send(tuple(args), stream_entries)

    @overload
    def xautoclaim(
        self, name: KeyT, groupname: GroupT, consumername: ConsumerT, min_idle_time: int,
        start_id: StreamIdT = ..., count: int | None = ..., justid: Literal[False] = ...,
    ) -> CommandFuture[XAutoClaim[StrT]]: ...
    @overload
    def xautoclaim(
        self, name: KeyT, groupname: GroupT, consumername: ConsumerT, min_idle_time: int,
        start_id: StreamIdT = ..., count: int | None = ..., *, justid: Literal[True],
    ) -> CommandFuture[list[StrT]]: ...
    @overload
    def xautoclaim(
        self, name: KeyT, groupname: GroupT, consumername: ConsumerT, min_idle_time: int,
        start_id: StreamIdT = ..., count: int | None = ..., *, justid: bool,
    ) -> CommandFuture[XAutoClaim[StrT] | list[StrT]]: ...
    def xautoclaim(
        self,
        name: KeyT,
        groupname: GroupT,
        consumername: ConsumerT,
        min_idle_time: int,
        start_id: StreamIdT = "0-0",
        count: int | None = None,
        justid: bool = False,
    ) -> CommandFuture[Any]:
        """Claim pending entries idle at least ``min_idle_time`` ms, scanning from ``start_id``.

        [next start id, [(id, {field: value}), ...], deleted ids], or with
        ``justid`` only the claimed ids.
        """
        _not_below_zero(min_idle_time, "xautoclaim", "min_idle_time")
        args: list[Any] = [b"XAUTOCLAIM", name, groupname, consumername, min_idle_time, start_id]
        if count is not None:
            _not_below_zero(count, "xautoclaim", "count")
            args += (b"COUNT", count)
        if justid:
            args.append(b"JUSTID")
            return self._send(tuple(args), xautoclaim_justid_reply)
        return self._send(tuple(args), xautoclaim_reply)

    # -- introspection ------------------------------------------------------------
    @overload
    def xinfo_stream(
        self, name: KeyT, full: Literal[False] = ...
    ) -> CommandFuture[dict[str, XInfoStreamValue[StrT]]]: ...
    @overload
    def xinfo_stream(self, name: KeyT, full: Literal[True]) -> CommandFuture[dict[str, XInfoFullValue[StrT]]]: ...
    @overload
    def xinfo_stream(
        self, name: KeyT, full: bool
    ) -> CommandFuture[dict[str, XInfoStreamValue[StrT]] | dict[str, XInfoFullValue[StrT]]]: ...
    def xinfo_stream(self, name: KeyT, full: bool = False) -> CommandFuture[Any]:
        """The stream's length, ids, first and last entry; with ``full``, its entries, groups and PELs."""
        if full:
            return self._send((b"XINFO", b"STREAM", name, b"FULL"), xinfo_stream_full_reply)
        return self._send((b"XINFO", b"STREAM", name), xinfo_stream_reply)

    def xinfo_groups(self, name: KeyT) -> CommandFuture[list[dict[str, StrT | int | None]]]:
        """Each consumer group of the stream as a dict with str keys."""
        return self._send((b"XINFO", b"GROUPS", name), list_of_dicts)

    def xinfo_consumers(self, name: KeyT, groupname: GroupT) -> CommandFuture[list[dict[str, StrT | int]]]:
        """Each consumer of the group as a dict with str keys."""
        return self._send((b"XINFO", b"CONSUMERS", name, groupname), list_of_dicts)


register("XRANGE XREVRANGE", stream_entries)
register("XCLAIM", stream_entries, variants=(None,))  # JUSTID: the ids
register("XREAD XREADGROUP", xread_reply)
register("XAUTOCLAIM", xautoclaim_reply, variants=(xautoclaim_justid_reply,))
register("XPENDING", xpending_reply, variants=(xpending_range_reply,))
register("XINFO_STREAM", xinfo_stream_reply)
register("XINFO_GROUPS XINFO_CONSUMERS", list_of_dicts)
register("XGROUP_CREATE XGROUP_SETID", bool_ok)
register("XGROUP_DESTROY", to_bool)
