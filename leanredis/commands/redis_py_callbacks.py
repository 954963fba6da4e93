"""redis-py's response callbacks, made from the command table: ``callback(reply, **options)``.

redis-py's ``Pipeline``, ``PubSub`` and ``Redis`` built on a leanredis client's
pool parse each reply with ``client.response_callbacks[name](reply, **options)``,
passing the options redis-py's own methods record (``withscores``,
``score_cast_func``, ``get``, ...). The callbacks here give what the leanredis
method would have given: the table's parser, or the variant those options
choose (the same choice the methods make from their arguments). A command whose
table entry has no parser and no option-chosen variant has no callback: its
reply is the result, as in the table.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from .geo import _search_parser
from .hashes import hscan_fields_reply, hscan_reply
from .stream_replies import (
    stream_entries,
    xautoclaim_justid_reply,
    xautoclaim_reply,
    xinfo_stream_full_reply,
    xinfo_stream_reply,
    xpending_range_reply,
    xpending_reply,
)
from .strings import _set_ok
from .table import COMMANDS
from .zsets import CastRank, CastScan, _pairs_parser, rank_reply, zscan_reply
from .zsets_algebra import flat_score_bytes

Callback = Callable[..., Any]


def _plain(parser: Callable[[Any], Any]) -> Callback:
    def callback(response: Any, **options: Any) -> Any:
        return parser(response)

    callback.__qualname__ = callback.__name__ = getattr(parser, "__name__", type(parser).__name__)
    return callback


def _score_pairs(response: Any, withscores: bool = False, score_cast_func: Any = float, **options: Any) -> Any:
    parse = _pairs_parser(withscores, score_cast_func)
    return response if parse is None else parse(response)


def _flat_scores(response: Any, withscores: bool = False, **options: Any) -> Any:
    return flat_score_bytes(response) if withscores else response


def _rank(response: Any, withscore: bool = False, score_cast_func: Any = float, **options: Any) -> Any:
    parse = rank_reply if not withscore or score_cast_func is float else CastRank(score_cast_func)
    return parse(response)


def _zscan(response: Any, score_cast_func: Any = float, **options: Any) -> Any:
    return (zscan_reply if score_cast_func is float else CastScan(score_cast_func))(response)


def _set(response: Any, get: bool = False, **options: Any) -> Any:
    return response if get else _set_ok(response)


def _hscan(response: Any, no_values: bool = False, **options: Any) -> Any:
    return (hscan_fields_reply if no_values else hscan_reply)(response)


def _xclaim(response: Any, parse_justid: bool = False, **options: Any) -> Any:
    return response if parse_justid else stream_entries(response)


def _xautoclaim(response: Any, parse_justid: bool = False, **options: Any) -> Any:
    return (xautoclaim_justid_reply if parse_justid else xautoclaim_reply)(response)


def _xpending(response: Any, parse_detail: bool = False, **options: Any) -> Any:
    return (xpending_range_reply if parse_detail else xpending_reply)(response)


def _xinfo_stream(response: Any, full: bool = False, **options: Any) -> Any:
    return (xinfo_stream_full_reply if full else xinfo_stream_reply)(response)


def _geo_search(response: Any, **options: Any) -> Any:
    if options.get("store") or options.get("store_dist"):
        return response  # the count stored
    parse = _search_parser(options.get("withdist"), options.get("withhash"), options.get("withcoord"))
    return response if parse is None else parse(response)


# The commands whose reply shape redis-py's methods steer with options, and the options they read.
_WITH_OPTIONS: dict[str, Callback] = {
    **dict.fromkeys(("ZRANGE", "ZREVRANGE", "ZRANGEBYSCORE", "ZREVRANGEBYSCORE", "ZUNION", "ZINTER"), _score_pairs),
    **dict.fromkeys(("ZDIFF", "ZRANDMEMBER"), _flat_scores),
    **dict.fromkeys(("ZRANK", "ZREVRANK"), _rank),
    **dict.fromkeys(("GEORADIUS", "GEORADIUSBYMEMBER", "GEOSEARCH"), _geo_search),
    "ZSCAN": _zscan,
    "SET": _set,
    "HSCAN": _hscan,
    "XCLAIM": _xclaim,
    "XAUTOCLAIM": _xautoclaim,
    "XPENDING": _xpending,
    "XINFO STREAM": _xinfo_stream,
}


@functools.cache
def redis_py_callbacks() -> dict[str, Callback]:
    """Command name (upper case, ``"CONFIG GET"`` for a subcommand) -> redis-py-shaped callback; built once."""
    callbacks = {name: _plain(spec.parser) for name, spec in COMMANDS.items() if spec.parser is not None}
    callbacks.update(_WITH_OPTIONS)
    return callbacks
