"""Reply parsers shared by the command families, and the name -> parser table.

Every parser turns a reply as the RESP parser built it (RESP2 or RESP3, bytes
or str) into the value redis.asyncio 8.1 returns with its default options
(RESP3 on the wire, legacy RESP2-shaped results): one shape whatever the
protocol, so that switching protocol never changes what callers get.

``register()`` records a command's parser in ``RESPONSE_PARSERS`` (name upper
case, with the subcommand for container commands: ``"CONFIG GET"``), and the
parsers of its other reply forms (``HSCAN ... NOVALUES``) in ``VARIANTS``;
the command table (``table.COMMANDS``) takes them in once, ``execute_command``
applies the table's parser, as redis-py applies its response callbacks, and
the methods send with the table's parser or one of its variants
(``tests/unit/test_parsers_from_table.py`` drives every method and fails on
any other). A command registered twice raises: one parser per command, never
a silent overwrite.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

RESPONSE_PARSERS: dict[str, Callable[[Any], Any] | None] = {}
VARIANTS: dict[str, tuple[Any, ...]] = {}


def register(
    names: str, parser: Callable[[Any], Any] | None, variants: tuple[Any, ...] = ()
) -> Callable[[Any], Any] | None:
    """Record ``parser`` for each space-separated command name (``_`` joins subcommands).

    ``parser`` None: the reply is the result (declared only to give variants).
    ``variants``: the parsers of the command's other reply forms, chosen by
    its arguments (a function, None for a raw form, or a class whose instances
    take a caller's ``score_cast_func``). Raises ``ValueError`` for a name
    that already has a parser.
    """
    for name in names.split():
        if "." not in name:  # a module's command (TDIGEST.TRIMMED_MEAN) keeps its underscore
            name = name.replace("_", " ")
        if name in RESPONSE_PARSERS:
            raise ValueError(f"a reply parser for {name} is already registered ({RESPONSE_PARSERS[name]!r})")
        RESPONSE_PARSERS[name] = parser
        if variants:
            VARIANTS[name] = variants
    return parser


def str_if_bytes(value: Any) -> Any:
    """bytes -> str (UTF-8, replacing errors); anything else as is."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


def bool_ok(reply: Any) -> bool:
    """b"OK" / "OK" -> True (a status reply)."""
    return reply == b"OK" or reply == "OK"


def to_bool(reply: Any) -> bool:
    """Integer reply 0/1 -> bool."""
    return bool(reply)


def float_or_none(reply: Any) -> float | None:
    """A score or float reply (bulk string in RESP2, double in RESP3) -> float."""
    if reply is None:
        return None
    return float(reply)


def to_float(reply: Any) -> float:
    """A float reply (bulk string in RESP2, double in RESP3) -> float."""
    return float(reply)


def pairs_to_dict(reply: Any) -> dict[Any, Any]:
    """[k1, v1, k2, v2, ...] (RESP2) or a map (RESP3) -> dict."""
    if not reply:
        return {}
    if isinstance(reply, dict):
        return reply
    it = iter(reply)
    return dict(zip(it, it))


def ping_reply(reply: Any) -> bool:
    """PING -> True on PONG."""
    return reply == b"PONG" or reply == "PONG"


register(
    "COPY EXPIRE EXPIREAT HEXISTS HMSET MOVE MSETNX PERSIST PEXPIRE PEXPIREAT RENAMENX SETNX SMOVE",
    to_bool,
)
register("HINCRBYFLOAT INCRBYFLOAT", to_float)
register("FLUSHALL FLUSHDB LSET LTRIM MSET RENAME SELECT CLIENT_SETNAME CONFIG_SET", bool_ok)
register("PING", ping_reply)


def scan_reply(reply: Any) -> tuple[int, list[Any]]:
    """SCAN/SSCAN [cursor, [items]] -> (int cursor, list of items), as redis-py returns it."""
    cursor, items = reply
    return int(cursor), items
