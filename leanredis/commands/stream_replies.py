"""The stream commands' reply parsers: entries as ``(id, {field: value})``, XREAD's streams, XINFO and
XPENDING as dicts, the same from RESP2 or RESP3 (and redis-py's results)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Generic, Union

from ..typed import RespValue, StrT
from .parsers import pairs_to_dict, str_if_bytes

# an entry as XRANGE, XREAD and XCLAIM give it: (id, {field: value})
StreamEntry = tuple[StrT, dict[StrT, StrT]]
# an entry of XREADGROUP ... CLAIM: (id, {field: value}, then the server's delivery counters)
ClaimedEntry = tuple[Union[StrT, dict[StrT, StrT], int], ...]
# one stream of an XREAD/XREADGROUP reply: [stream name, [entry, ...]] (redis-py's list, from either protocol)
XReadStream = list[Union[StrT, list[StreamEntry[StrT]]]]
# XAUTOCLAIM: [next start id, [entry, ...], [deleted id, ...]]
XAutoClaim = list[Union[StrT, list[StreamEntry[StrT]], list[StrT]]]
# a field of XINFO STREAM: counts, ids, the first and last entries (None on an empty stream)
XInfoStreamValue = Union[int, StrT, StreamEntry[StrT], None]
# XINFO STREAM ... FULL: counts and ids, the entries as {id: {field: value}}, the groups as dicts with str
# keys (their consumers' keys as the server sent them); StrT | str: the keys the parser decodes
XInfoFullValue = RespValue[Union[StrT, str]]

if TYPE_CHECKING:
    # A generic TypedDict needs Python 3.11 at run time: to type checkers only (typing_extensions has it).
    from typing_extensions import TypedDict

    class PendingConsumer(TypedDict, Generic[StrT]):
        """A consumer of XPENDING's summary and the number of entries pending for it."""

        name: StrT
        pending: int

    class PendingSummary(TypedDict, Generic[StrT]):
        """XPENDING's summary: how many entries are pending, the lowest and highest id (None if none is)."""

        pending: int
        min: StrT | None
        max: StrT | None
        consumers: list[PendingConsumer[StrT]]

    class PendingEntry(TypedDict, Generic[StrT]):
        """A pending entry of XPENDING with a range."""

        message_id: StrT
        consumer: StrT
        time_since_delivered: int
        times_delivered: int

else:  # what they are at run time
    PendingConsumer = PendingSummary = PendingEntry = dict


def stream_entries(reply: Any) -> list[tuple[Any, Any]] | None:
    """[[id, [field, value, ...]], ...] -> [(id, {field: value}), ...]; a deleted entry's fields -> {}."""
    if reply is None:
        return None
    return [(e[0], pairs_to_dict(e[1])) if e is not None else (None, None) for e in reply]


def _claimed_entries(reply: Any) -> list[tuple[Any, ...]] | None:
    """Entries of XREADGROUP ... CLAIM: (id, {field: value}, *delivery counters)."""
    if reply is None:
        return None
    return [(e[0], pairs_to_dict(e[1]), *e[2:]) if e is not None else (None, None) for e in reply]


def xread_reply(reply: Any) -> list[list[Any]]:
    """XREAD/XREADGROUP -> [[stream, [(id, {field: value}), ...]], ...]; nothing read -> []."""
    if not reply:
        return []
    streams = reply.items() if isinstance(reply, dict) else reply
    return [[name, stream_entries(entries)] for name, entries in streams]


def xread_claim_reply(reply: Any) -> list[list[Any]]:
    """XREADGROUP ... CLAIM: as ``xread_reply``, each entry keeping its extra fields."""
    if not reply:
        return []
    streams = reply.items() if isinstance(reply, dict) else reply
    return [[name, _claimed_entries(entries)] for name, entries in streams]


def _str_keys(reply: Any) -> dict[str, Any]:
    """A map (RESP3) or flat [key, value, ...] list (RESP2) -> dict with str keys."""
    if isinstance(reply, dict):
        return {str_if_bytes(k): v for k, v in reply.items()}
    it = iter(reply)
    return {str_if_bytes(k): v for k, v in zip(it, it)}


def list_of_dicts(reply: Any) -> list[dict[str, Any]]:
    """XINFO GROUPS/CONSUMERS -> [{name: value, ...}, ...] with str keys."""
    return [_str_keys(item) for item in reply]


def xinfo_stream_reply(reply: Any) -> dict[str, Any]:
    """XINFO STREAM -> dict with str keys; first/last entry as (id, {field: value})."""
    info = _str_keys(reply)
    for key in ("first-entry", "last-entry"):
        entry = info.get(key)
        if entry is not None and entry[0] is not None:
            info[key] = (entry[0], pairs_to_dict(entry[1]))
    return info


def xinfo_stream_full_reply(reply: Any) -> dict[str, Any]:
    """XINFO STREAM ... FULL -> dict; ``entries`` as {id: {field: value}}, groups as dicts.

    Matches redis-py on its default RESP3 wire: group keys are str, but each
    consumer is the server's map as is (keys not decoded), so a RESP2 reply's
    consumers are turned into dicts without decoding their keys.
    """
    info = _str_keys(reply)
    info["entries"] = {entry_id: pairs_to_dict(fields) for entry_id, fields in info["entries"]}
    groups = []
    for group in info["groups"]:
        was_map = isinstance(group, dict)
        group = _str_keys(group)
        if not was_map and group.get("consumers"):
            group["consumers"] = [pairs_to_dict(c) for c in group["consumers"]]
        groups.append(group)
    info["groups"] = groups
    return info


def xpending_reply(reply: Any) -> dict[str, Any]:
    """XPENDING summary -> {"pending": n, "min": id, "max": id, "consumers": [{"name", "pending"}]}."""
    count, low, high, consumers = reply
    return {
        "pending": count,
        "min": low,
        "max": high,
        "consumers": [{"name": name, "pending": int(n)} for name, n in consumers or ()],
    }


_PENDING_KEYS = ("message_id", "consumer", "time_since_delivered", "times_delivered")


def xpending_range_reply(reply: Any) -> list[dict[str, Any]]:
    """XPENDING with a range -> [{"message_id", "consumer", "time_since_delivered", "times_delivered"}]."""
    return [dict(zip(_PENDING_KEYS, item)) for item in reply]


def xautoclaim_reply(reply: Any) -> list[Any]:
    """XAUTOCLAIM -> [next start id, [(id, {field: value}), ...], deleted ids]."""
    reply = list(reply)
    reply[1] = stream_entries(reply[1])
    return reply


def xautoclaim_justid_reply(reply: Any) -> Any:
    """XAUTOCLAIM ... JUSTID -> the claimed ids only."""
    return reply[1]
