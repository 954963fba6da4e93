"""The stream commands' reply parsers: entries as ``(id, {field: value})``, XREAD's streams, XINFO and
XPENDING as dicts, the same from RESP2 or RESP3 (and redis-py's results)."""

from __future__ import annotations

from typing import Any

from .parsers import pairs_to_dict, str_if_bytes


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
