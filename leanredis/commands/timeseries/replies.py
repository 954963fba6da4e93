"""RedisTimeSeries' reply parsers: the results of redis.asyncio 8.1 with its default options.

redis-py's default client speaks RESP3 and turns its replies back into the
RESP2-era shapes (its ``*_resp3_to_resp2_legacy`` parsers): TS.MGET and
TS.MRANGE give a list of one-key dicts sorted by key, samples are
``(timestamp, float)`` tuples. The same results are made here from RESP2
lists (values as text) and RESP3 maps (values as doubles).
"""

from __future__ import annotations

from typing import Any

from ..parsers import bool_ok, register, str_if_bytes
from .info import TSInfo

_SPECIAL = frozenset({"infinity", "nan", "-infinity"})


def sample(reply: Any) -> tuple[int, float] | None:
    """TS.GET: (timestamp, value), or None for a series without samples."""
    if not reply:
        return None
    return int(reply[0]), float(reply[1])


def samples(reply: Any) -> list[tuple[Any, ...]]:
    """TS.RANGE/TS.REVRANGE: [(timestamp, value, ...), ...] (a value per aggregator)."""
    return [(row[0], *[float(value) for value in row[1:]]) for row in reply or ()]


def sample_lists(reply: Any) -> list[list[Any]]:
    """TS.READ: [[timestamp, value], ...] (redis-py's unified shape for it)."""
    return [[row[0], *[float(value) for value in row[1:]]] for row in reply or ()]


def n_samples(reply: Any) -> list[list[Any]]:
    """TS.NRANGE/TS.NREVRANGE: [[timestamp, [value per key, ...]], ...] in the server's order."""
    return [[int(row[0]), [float(value) for value in row[1]]] for row in reply or ()]


def _labels(pairs: Any) -> dict[str, Any]:
    """Labels as {str: str or None}: a RESP3 map or RESP2 [[name, value], ...]."""
    items = pairs.items() if isinstance(pairs, dict) else pairs or ()
    return {str_if_bytes(name): str_if_bytes(value) for name, value in items}


def _series(reply: Any) -> Any:
    """(key, labels, rest) of each series: RESP3 {key: [labels, ..., last]}, RESP2 [[key, labels, last]]."""
    if isinstance(reply, dict):
        return ((key, item[0], item[1:]) for key, item in reply.items())
    return ((item[0], item[1], item[2:]) for item in reply)


def _by_key(entry: dict[str, Any]) -> list[str]:
    return list(entry)


def multi_get(reply: Any) -> list[dict[str, list[Any]]]:
    """TS.MGET: [{key: [labels, timestamp, value]}, ...] sorted by key; (None, None) without a sample."""
    out = []
    for key, labels, rest in _series(reply):
        last = rest[0] if rest else None
        if last:
            out.append({str_if_bytes(key): [_labels(labels), int(last[0]), float(last[1])]})
        else:
            out.append({str_if_bytes(key): [_labels(labels), None, None]})
    return sorted(out, key=_by_key)


def multi_range(reply: Any) -> list[dict[str, list[Any]]]:
    """TS.MRANGE/TS.MREVRANGE: [{key: [labels, [(timestamp, value), ...]]}, ...] sorted by key.

    RESP3 puts metadata (aggregators, reducers, sources) between labels and
    samples; redis-py's default results leave it out, as RESP2 has none.
    """
    out = [{str_if_bytes(key): [_labels(labels), samples(rest[-1])]} for key, labels, rest in _series(reply)]
    return sorted(out, key=_by_key)


_GROUP_LABELS = frozenset({"__reducer__", "__source__"})


def grouped_multi_range(reply: Any) -> list[dict[str, list[Any]]]:
    """TS.MRANGE/TS.MREVRANGE ... GROUPBY: ``multi_range``, without the labels RESP2 adds to each group
    (``__reducer__``, ``__source__``: RESP3 sends them as metadata, which redis-py's results leave out)."""
    out = multi_range(reply)
    for entry in out:
        for labels, _ in entry.values():
            for name in _GROUP_LABELS & labels.keys():
                del labels[name]
    return out


def number_or_text_list(reply: Any) -> list[Any]:
    """Each item as an int, else a float, else text (redis-py's ``parse_to_list``): TS.QUERYINDEX."""
    out: list[Any] = []
    for item in reply or ():
        if item is None or isinstance(item, float):
            out.append(item)
            continue
        text = str_if_bytes(item)
        if isinstance(text, str) and text.lower() in _SPECIAL:
            out.append(text)
            continue
        try:
            out.append(int(item))
        except (ValueError, OverflowError, TypeError):
            try:
                out.append(float(item))
            except (ValueError, TypeError):
                out.append(text)
    return out


def label_set(reply: Any) -> set[Any]:
    """TS.QUERYLABELS: a set (RESP2 sends a list, RESP3 a set); nothing -> empty set."""
    return set() if reply is None else set(reply)


register("TS.CREATE TS.ALTER TS.CREATERULE TS.DELETERULE", bool_ok)
register("TS.GET", sample)
register("TS.RANGE TS.REVRANGE", samples)
register("TS.READ", sample_lists)
register("TS.NRANGE TS.NREVRANGE", n_samples)
register("TS.MGET", multi_get)
register("TS.MRANGE TS.MREVRANGE", multi_range, (grouped_multi_range,))
register("TS.QUERYINDEX", number_or_text_list)
register("TS.QUERYLABELS", label_set)
register("TS.INFO", TSInfo)
