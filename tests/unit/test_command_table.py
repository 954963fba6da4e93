"""The command table without a server: one parser per command, key forms, lookups."""

from __future__ import annotations

import pytest

from leanredis.commands import parsers
from leanredis.commands.parsers import bool_ok, register, to_bool
from leanredis.commands.spec import spec
from leanredis.commands.table import COMMANDS, build, is_keyless, keys_of, lookup


def test_registering_a_second_parser_for_a_command_raises() -> None:
    before = dict(parsers.RESPONSE_PARSERS)
    try:
        with pytest.raises(ValueError, match="SETEX"):
            register("SETEX", to_bool)  # strings.py registered bool_ok already
        assert parsers.RESPONSE_PARSERS["SETEX"] is bool_ok
    finally:
        parsers.RESPONSE_PARSERS.clear()
        parsers.RESPONSE_PARSERS.update(before)


def test_a_command_declared_twice_or_a_parser_for_an_undeclared_command_raises() -> None:
    row = spec("GET", 1, 1, 1, "readonly fast")
    with pytest.raises(ValueError, match="declared twice"):
        build([row, row], {})
    with pytest.raises(ValueError, match="GETT"):
        build([row], {"GETT": bool_ok})


def test_execute_command_parsers_come_from_the_table() -> None:
    assert COMMANDS["SETEX"].parser is bool_ok
    assert COMMANDS["CONFIG SET"].parser is bool_ok
    assert lookup((b"config", b"set", b"x", b"y")) is COMMANDS["CONFIG SET"]
    assert COMMANDS["GET"].parser is None


def test_rows_reject_unknown_flags_and_routes() -> None:
    with pytest.raises(ValueError, match="flags"):
        spec("X", 0, 0, 0, "readonly sometimes")
    with pytest.raises(ValueError, match="route"):
        spec("X", 0, 0, 0, "", route="nearest")


@pytest.mark.parametrize(
    ("args", "keys"),
    [
        ((b"GET", b"k"), [b"k"]),
        (("MSET", "a", 1, "b", 2), ["a", "b"]),
        (("BLPOP", "a", "b", 0), ["a", "b"]),
        (("EVAL", "return 1", 2, "a", "b", "x"), ["a", "b"]),
        (("EVAL", "return 1", 0), []),
        (("ZUNIONSTORE", "d", 2, "a", "b", "WEIGHTS", 1, 2), ["d", "a", "b"]),
        (("BLMPOP", 0, 2, "a", "b", "LEFT"), ["a", "b"]),
        (("XREAD", "COUNT", 1, "STREAMS", "s1", "s2", "0", "0"), ["s1", "s2"]),
        (("XREADGROUP", "GROUP", "g", "c", "streams", "s1", ">"), ["s1"]),
        (("SORT", "k", "BY", "w_*", "LIMIT", 0, 1, "STORE", "d"), ["k", "d"]),
        (("GEORADIUS", "g", 1, 2, 3, "m", "STORE", "a", "STOREDIST", "b"), ["g", "a", "b"]),
        (("MIGRATE", "h", 1, "", 0, 10, "AUTH", "KEYS", "KEYS", "a", "b"), ["a", "b"]),
        (("MIGRATE", "h", 1, "k", 0, 10), ["k"]),
        (("OBJECT", "FREQ", "k"), ["k"]),
        (("XINFO", "STREAM", "s", "FULL"), ["s"]),
    ],
)
def test_keys_of_each_key_form(args: tuple[object, ...], keys: list[object]) -> None:
    assert keys_of(args) == keys


def test_keyless_commands_and_unknown_ones() -> None:
    assert is_keyless(("PING",)) and is_keyless(("CONFIG", "GET", "x"))
    assert not is_keyless(("EVAL", "s", 0))
    assert lookup(("DEBUG", "SLEEP", 0)) is COMMANDS["DEBUG"]
    with pytest.raises(KeyError, match="NOSUCH"):
        keys_of(("NOSUCH", "k"))


def test_flags_the_retry_policy_and_the_pool_read() -> None:
    assert COMMANDS["GET"].readonly and not COMMANDS["SET"].readonly
    assert COMMANDS["BLPOP"].blocking and COMMANDS["XREAD"].blocking and not COMMANDS["LPOP"].blocking
    assert COMMANDS["MGET"].route == "multi_shard" and COMMANDS["FLUSHALL"].route == "all_primaries"
