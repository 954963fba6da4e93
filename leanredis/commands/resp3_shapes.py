"""Replies in redis.asyncio 8.1's RESP3 shapes, for a client given ``protocol=3`` explicitly.

redis-py 8.1 picks its reply callbacks by the protocol the user *gave*: left unset it
speaks RESP3 but returns the RESP2 shapes (what leanredis's methods return), while
``protocol=3`` given returns the RESP3 shapes: most of the commands that differ get
the reply as the server sent it (``zpopmin`` ``[b'a', 1.0]``, ``blpop`` a list,
``lcs(idx=True)`` a dict, ``acl_whoami`` bytes), a few a RESP3 parser of their own
(``zrange`` withscores ``[[member, score], ...]``, ``xread`` a dict).

The command methods keep passing their usual parser; a client made with
``protocol=3`` sends through ``resp3_send``, which swaps that parser for its RESP3
twin by the command's name. Only those clients pay the look-up: the default path
never sees this module. The twin depends on the command, not only on the parser
(``score_pairs`` reads ZPOPMIN and ZRANGE alike, whose RESP3 shapes differ), so the
table is keyed by command name and each entry is told the arguments and the parser.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .parsers import bool_ok, str_if_bytes
from .stream_replies import stream_entries, xread_reply
from .zsets import CastPairs, CastRank, rank_reply, score_pairs


def pairs_resp3(reply: Any) -> Any:
    """WITHSCORES on RESP3 -> [[member, float score], ...] (redis-py's ``zset_score_pairs_resp3``)."""
    if not reply:
        return reply
    return [[member, float(score)] for member, score in reply]


class _Resp3Cast:
    __slots__ = ("cast",)

    def __init__(self, cast: Callable[[Any], Any]) -> None:
        self.cast = cast


class CastPairsResp3(_Resp3Cast):
    """``pairs_resp3`` with a custom score_cast_func: it gets the score as RESP3 sends it (a float)."""

    __slots__ = ()

    def __call__(self, reply: Any) -> Any:
        if not reply:
            return reply
        cast = self.cast
        return [[member, cast(score)] for member, score in reply]


class CastRankResp3(_Resp3Cast):
    """ZRANK/ZREVRANK WITHSCORE with a custom score_cast_func: [rank, cast(float score)]."""

    __slots__ = ()

    def __call__(self, reply: Any) -> Any:
        if not reply:
            return reply
        return [reply[0], self.cast(reply[1])]


def xread_resp3(reply: Any) -> dict[Any, Any]:
    """XREAD/XREADGROUP -> {stream: [[(id, {field: value}), ...]]}; nothing read -> {}.

    The entries sit in a list of one, as redis-py's ``parse_xread_resp3`` puts them.
    """
    if reply is None:
        return {}
    return {name: [stream_entries(entries)] for name, entries in reply.items()}


def acl_log_resp3(reply: Any) -> Any:
    """ACL LOG -> [{str: str or number}, ...]; ACL LOG RESET -> True."""
    if isinstance(reply, list):
        return [{str_if_bytes(key): str_if_bytes(value) for key, value in entry.items()} for entry in reply]
    return bool_ok(reply)


def command_resp3(reply: Any) -> dict[str, dict[str, Any]]:
    """COMMAND -> {name: {...}} with ``flags`` a set of str and the rest as sent (``parse_command_resp3``)."""
    commands: dict[str, dict[str, Any]] = {}
    for command in reply:
        name = str_if_bytes(command[0])
        entry: dict[str, Any] = {
            "name": name,
            "arity": command[1],
            "flags": {str_if_bytes(flag) for flag in command[2]},
            "first_key_pos": command[3],
            "last_key_pos": command[4],
            "step_count": command[5],
            "acl_categories": command[6],
        }
        if len(command) > 7:
            entry["tips"] = command[7]
            entry["key_specifications"] = command[8]
            entry["subcommands"] = command[9]
        commands[name] = entry
    return commands


def _as_sent(args: tuple[Any, ...], parse: Any) -> Any:
    return None


def _pairs(args: tuple[Any, ...], parse: Any) -> Any:
    if parse is score_pairs:
        return pairs_resp3
    if parse.__class__ is CastPairs:
        return CastPairsResp3(parse.cast)
    return parse  # no WITHSCORES (None), or a parser given through execute_command: left as it is


def _rank(args: tuple[Any, ...], parse: Any) -> Any:
    if parse is rank_reply:
        return None  # [rank, float] as RESP3 sends it, the rank alone without WITHSCORE
    if parse.__class__ is CastRank:
        return CastRankResp3(parse.cast)
    return parse


def _xread(args: tuple[Any, ...], parse: Any) -> Any:
    # XREADGROUP ... CLAIM keeps its own parser: redis-py 8.1 has no RESP3 shape of its own for it
    return xread_resp3 if parse is xread_reply else parse


def _subcommand(args: tuple[Any, ...]) -> Any:
    if len(args) < 2:
        return None
    sub = args[1]
    if isinstance(sub, (bytes, str)):
        return sub.upper() if isinstance(sub, str) else sub.upper().decode()
    return None


_ACL_AS_SENT = frozenset({"CAT", "GENPASS", "HELP", "LIST", "USERS", "WHOAMI"})


def _acl(args: tuple[Any, ...], parse: Any) -> Any:
    sub = _subcommand(args)
    if sub in _ACL_AS_SENT:
        return None
    if sub == "LOG":
        return acl_log_resp3
    return parse


def _client(args: tuple[Any, ...], parse: Any) -> Any:
    return None if _subcommand(args) in ("GETNAME", "TRACKINGINFO") else parse


def _command(args: tuple[Any, ...], parse: Any) -> Any:
    if len(args) == 1:
        return command_resp3
    return None if _subcommand(args) == "GETKEYS" else parse


def _function(args: tuple[Any, ...], parse: Any) -> Any:
    return None if _subcommand(args) == "LIST" else parse


def _debug(args: tuple[Any, ...], parse: Any) -> Any:
    return None if _subcommand(args) == "OBJECT" else parse


_BY_NAME: dict[str, Callable[[tuple[Any, ...], Any], Any]] = {
    # the reply as the server sent it (redis-py 8.1 has no RESP3 callback for these)
    **dict.fromkeys(
        (
            "ZPOPMIN ZPOPMAX BZPOPMIN BZPOPMAX ZINTER ZDIFF ZRANDMEMBER ZMPOP BZMPOP BLPOP BRPOP "
            "HRANDFIELD GEOPOS GEOHASH LCS BGSAVE BGREWRITEAOF RESET"
        ).split(),
        _as_sent,
    ),
    **dict.fromkeys("ZRANGE ZRANGEBYSCORE ZREVRANGE ZREVRANGEBYSCORE ZUNION".split(), _pairs),
    "ZRANK": _rank,
    "ZREVRANK": _rank,
    "XREAD": _xread,
    "XREADGROUP": _xread,
    "ACL": _acl,
    "CLIENT": _client,
    "COMMAND": _command,
    "FUNCTION": _function,
    "DEBUG": _debug,
}

#: command name (bytes or str, upper or lower case as methods and execute_command give it) -> the twin's chooser
RESP3_SHAPES: dict[Any, Callable[[tuple[Any, ...], Any], Any]] = {}
for _name, _choose in _BY_NAME.items():
    for _key in (_name, _name.lower()):
        RESP3_SHAPES[_key] = _choose
        RESP3_SHAPES[_key.encode()] = _choose
del _name, _choose, _key


def resp3_parser(args: tuple[Any, ...], parse: Any) -> Any:
    """``parse``'s RESP3-shape twin for the command ``args`` (``parse`` itself where the shapes agree).

    A twin is its own twin: a plain pipeline's parsers, swapped at ``execute()``, pass the
    client's ``resp3_send`` again unchanged.
    """
    choose = RESP3_SHAPES.get(args[0]) if args else None
    return parse if choose is None else choose(args, parse)


def resp3_send(send: Any) -> Any:
    """A client's ``_send`` when ``protocol=3`` was given: the parser swapped, then sent by ``send``.

    A function made once per client, not an object with ``__call__``: calling that cost
    about 650 instructions more per command (``benchmarks/icount_paths.py`` with its client
    given protocol=3). ``unshaped`` says what it sends through.
    """
    shapes = RESP3_SHAPES

    def send_shaped(args: tuple[Any, ...], parse: Any) -> Any:
        choose = shapes.get(args[0])
        if choose is not None:
            parse = choose(args, parse)
        return send(args, parse)

    send_shaped.unshaped = send  # type: ignore[attr-defined]
    return send_shaped


def resp3_send_blocking(send: Any) -> Any:
    """``_send_blocking`` likewise."""
    shapes = RESP3_SHAPES

    def send_blocking_shaped(args: tuple[Any, ...], parse: Any, block: float | None) -> Any:
        choose = shapes.get(args[0])
        if choose is not None:
            parse = choose(args, parse)
        return send(args, parse, block)

    send_blocking_shaped.unshaped = send  # type: ignore[attr-defined]
    return send_blocking_shaped
