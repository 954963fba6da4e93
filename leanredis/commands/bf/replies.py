"""RedisBloom's reply parsers: the results of redis.asyncio 8.1 with its default options.

redis-py's default client speaks RESP3, where RedisBloom answers "added?"
and "exists?" with booleans and quantiles with doubles; the same results
are made here from RESP2's integers and texts.
"""

from __future__ import annotations

from typing import Any

from ...future import raw_reply
from ..parsers import bool_ok, register, to_float
from .info import BFInfo, CFInfo, CMSInfo, TDigestInfo, TopKInfo

_SPECIAL = frozenset({"infinity", "nan", "-infinity"})


def to_bool(reply: Any) -> bool:
    """1/0 (RESP2) or true/false (RESP3) -> bool."""
    return bool(reply)


def to_bools(reply: Any) -> list[bool]:
    """A list of 1/0 or true/false -> list of bool."""
    return [bool(item) for item in reply]


def to_floats(reply: Any) -> list[float]:
    """A list of doubles (RESP3) or their texts, ``inf`` and ``nan`` included (RESP2) -> list of float."""
    return [float(item) for item in reply]


def number_or_text_list(reply: Any) -> list[Any]:
    """Each item as an int, else a float, else text; None stays None (redis-py's ``parse_to_list``)."""
    out: list[Any] = []
    if reply is None:
        return out
    for item in reply:
        if item is None or isinstance(item, float):
            out.append(item)
            continue
        text = item.decode("utf-8", "replace") if isinstance(item, bytes) else item
        if text == "null":
            out.append(None)
        elif isinstance(text, str) and text.lower() in _SPECIAL:
            out.append(text)
        else:
            out.append(_number_or_text(item, text))
    return out


def _number_or_text(item: Any, text: Any) -> Any:
    try:
        return int(item)
    except (ValueError, OverflowError, TypeError):
        try:
            return float(item)
        except (ValueError, TypeError):
            return text


register("BF.RESERVE CF.RESERVE CMS.INITBYDIM CMS.INITBYPROB CMS.MERGE TOPK.RESERVE TDIGEST.CREATE", bool_ok)
register("BF.ADD BF.EXISTS CF.ADD CF.ADDNX CF.EXISTS CF.DEL", to_bool)
register("BF.MADD BF.INSERT BF.MEXISTS CF.INSERT CF.MEXISTS TOPK.QUERY", to_bools)
register("TOPK.ADD TOPK.INCRBY TOPK.LIST", number_or_text_list)
register("TDIGEST.MIN TDIGEST.MAX TDIGEST.TRIMMED_MEAN", to_float)
register("TDIGEST.QUANTILE TDIGEST.CDF TDIGEST.BYRANK TDIGEST.BYREVRANK", to_floats)
register("BF.SCANDUMP", raw_reply)  # a binary dump: never decoded, as redis-py's NEVER_DECODE
register("BF.INFO", BFInfo)
register("CF.INFO", CFInfo)
register("CMS.INFO", CMSInfo)
register("TOPK.INFO", TopKInfo)
register("TDIGEST.INFO", TDigestInfo)
