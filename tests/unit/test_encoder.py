"""RESP command encoding: exact bytes for accepted types, DataError and no bytes for the rest."""

from __future__ import annotations

import array
import enum
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leanredis.exceptions import DataError
from leanredis.resp import PythonParser, encode_command, pack_command


def bulk(data: bytes) -> bytes:
    return b"$%d\r\n%s\r\n" % (len(data), data)


def stable_id(value: Any) -> str:
    """The value's repr without a memory address: every xdist worker must collect the same test ids."""
    if isinstance(value, memoryview):
        return f"memoryview({value.tobytes()!r})"
    if type(value) is object:
        return "object()"
    return repr(value)


@pytest.mark.parametrize(
    ("arg", "sent"),
    [
        (b"value", b"value"),
        (b"", b""),
        (b"a\r\nb\x00\xff", b"a\r\nb\x00\xff"),
        ("text", b"text"),
        ("", b""),
        ("café ☕ 日本", "café ☕ 日本".encode()),
        (0, b"0"),
        (42, b"42"),
        (-7, b"-7"),
        (2**63 - 1, b"9223372036854775807"),
        (-(2**63), b"-9223372036854775808"),
        (2**100, b"1267650600228229401496703205376"),
        (1.5, b"1.5"),
        (-0.25, b"-0.25"),
        (0.1, b"0.1"),
        (1e100, b"1e+100"),
        (float("inf"), b"inf"),
        (float("-inf"), b"-inf"),
        (bytearray(b"ba"), b"ba"),
        (memoryview(b"mv"), b"mv"),
        (memoryview(b"abcdef")[1:4], b"bcd"),
        (memoryview(b"abcdef")[::2], b"ace"),
        (memoryview(array.array("H", [1, 2])), array.array("H", [1, 2]).tobytes()),
    ],
    ids=stable_id,
)
def test_accepted_argument_types_give_exact_resp_bytes(arg: Any, sent: bytes) -> None:
    assert pack_command("SET", arg) == b"*2\r\n$3\r\nSET\r\n" + bulk(sent)


def test_a_command_is_one_array_of_bulk_strings() -> None:
    assert pack_command("SET", "key", b"v", 3) == b"*4\r\n$3\r\nSET\r\n$3\r\nkey\r\n$1\r\nv\r\n$1\r\n3\r\n"
    assert pack_command() == b"*0\r\n"


def test_encode_command_appends_to_what_is_already_buffered() -> None:
    out = bytearray(b"*1\r\n$4\r\nPING\r\n")
    encode_command(["GET", "k"], out)
    assert bytes(out) == b"*1\r\n$4\r\nPING\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"


class Color(enum.IntEnum):
    RED = 3


class Name(str):
    pass


def test_subclasses_of_accepted_types_are_sent_by_value() -> None:
    assert pack_command("X", Color.RED, Name("n")) == b"*3\r\n$1\r\nX\r\n$1\r\n3\r\n$1\r\nn\r\n"


@settings(max_examples=200, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_floats_round_trip_through_their_repr(value: float) -> None:
    sent = pack_command("X", value)
    parser = PythonParser()
    parser.feed(sent)
    command = parser.gets()
    assert float(command[1]) == value


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.binary(), st.text(st.characters(blacklist_categories=["Cs"])), st.integers()), max_size=8))
def test_every_encoded_command_parses_back_to_its_arguments(args: list[Any]) -> None:
    parser = PythonParser()
    parser.feed(pack_command(*args))
    expected = [a if isinstance(a, bytes) else str(a).encode() for a in args]
    assert parser.gets() == expected


@pytest.mark.parametrize(
    ("arg", "type_name"),
    [(True, "bool"), (False, "bool"), (None, "NoneType"), ({"a": 1}, "dict"), (["a"], "list"), ((1,), "tuple"),
     (object(), "object"), ({1}, "set")],
    ids=stable_id,
)
def test_rejected_types_raise_data_error_naming_index_and_type_and_leave_the_buffer_alone(
    arg: Any, type_name: str
) -> None:
    out = bytearray(b"*1\r\n$4\r\nPING\r\n")
    before = bytes(out)
    with pytest.raises(DataError) as caught:
        encode_command(["SET", "key", arg], out)
    message = str(caught.value)
    assert "argument 2" in message
    assert "'SET'" in message
    assert repr(type_name) in message
    assert bytes(out) == before


def test_a_rejected_command_name_is_argument_zero() -> None:
    out = bytearray()
    with pytest.raises(DataError, match=r"argument 0 .*'NoneType'"):
        encode_command([None], out)
    assert out == bytearray()


def test_a_str_that_is_not_utf8_encodable_raises_data_error_and_leaves_the_buffer_alone() -> None:
    out = bytearray(b"already")
    with pytest.raises(DataError, match=r"argument 1 of 'SET'.*UTF-8"):
        encode_command(["SET", "\ud800", "v"], out)
    assert out == bytearray(b"already")


def _joined(pieces: list[Any]) -> bytes:
    return b"".join(bytes(piece) for piece in pieces)


@pytest.mark.parametrize(
    "args",
    [
        ("SOME_COMMAND", memoryview(b"some_arg")),
        ("SET", "k", b"x" * 7000, 5, 1.5),
        ("CONFIG GET", "maxmemory"),
        ("SET", "k", bytearray(b"y" * 6001)),
        ("PING",),
    ],
)
def test_pack_command_pieces_are_redis_pys(args: tuple[Any, ...]) -> None:
    """Connection.pack_command/pack_commands as redis.asyncio's: the same bytes, and a memoryview or a
    long argument passed on as the caller's own object, never copied."""
    from redis.asyncio.connection import Connection as TheirConnection

    from leanredis.connection import Connection as Shared
    from leanredis.options import ConnectionOptions
    from leanredis.pool_connection import PooledConnection

    theirs = TheirConnection()
    ours = PooledConnection(host="127.0.0.1", port=1)
    shared = Shared(ConnectionOptions(host="127.0.0.1", port=1))  # Redis.connection packs alike
    assert _joined(shared.pack_command(*args)) == _joined(theirs.pack_command(*args))
    assert _joined(ours.pack_command(*args)) == _joined(theirs.pack_command(*args))
    both = [args, ("GET", "other"), args]
    assert _joined(ours.pack_commands(both)) == _joined(theirs.pack_commands(both))
    for piece, arg in ((p, a) for a in args for p in ours.pack_command(*args) if p is a):
        assert piece is arg
    views = [arg for arg in args if isinstance(arg, memoryview)]
    for view in views:
        assert any(piece is view for piece in ours.pack_command(*args))
        assert sum(piece is view for piece in ours.pack_commands(both)) == 2
    longs = [arg for arg in args if isinstance(arg, bytes) and len(arg) > 6000]
    for long in longs:
        assert any(piece is long for piece in ours.pack_command(*args))
