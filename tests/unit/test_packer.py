"""``resp.packer.pack``: the very bytes hiredis's ``pack_command`` makes, and the very errors it raises."""

from __future__ import annotations

import enum
from typing import Any

import pytest
from hiredis import pack_command as hiredis_pack
from hypothesis import given, settings
from hypothesis import strategies as st

from leanredis.resp.packer import pack


class Flag(enum.IntEnum):
    ON = 1


class Text(str):
    pass


class Blob(bytes):
    pass


def outcome(packer: Any, args: tuple[Any, ...]) -> Any:
    """What ``packer(args)`` gives: its bytes (exact type included), or the type and text of its error."""
    try:
        data = packer(args)
    except Exception as exc:  # noqa: BLE001 - the error is the outcome compared
        return (type(exc), str(exc))
    return (type(data), data)


def same_as_hiredis(args: tuple[Any, ...]) -> None:
    assert outcome(pack, args) == outcome(hiredis_pack, args), args


# around the table of headers (512 entries) and the lengths a RESP header changes width at
LENGTHS = [0, 1, 9, 10, 99, 100, 255, 256, 510, 511, 512, 513, 1000, 70_000]
ODD_ARGS = [
    1.5, -0.0, float("inf"), True, False, None, Flag.ON, Text("sub"), Blob(b"sub"), bytearray(b"ba"),
    memoryview(b"mv"), object(), "\ud800", "café ☕", -7, 2**80, 0,
]  # fmt: skip


@pytest.mark.parametrize("size", LENGTHS)
@pytest.mark.parametrize("where", [0, 1, 2])
def test_every_length_of_each_argument_packs_as_hiredis(size: int, where: int) -> None:
    args = [b"SET", b"key", b"value"]
    args[where] = b"x" * size
    same_as_hiredis(tuple(args))
    same_as_hiredis(tuple(args[:2]) if where < 2 else (b"GET", b"y" * size))
    args[where] = "é" * size  # two bytes each in UTF-8: the header counts bytes, not characters
    same_as_hiredis(tuple(args))


@pytest.mark.parametrize("odd", ODD_ARGS, ids=lambda value: type(value).__name__)
@pytest.mark.parametrize("where", [0, 1, 2])
def test_other_types_and_failures_are_hiredis_s(odd: Any, where: int) -> None:
    args: list[Any] = [b"SET", "key", 5]
    args[where] = odd
    same_as_hiredis(tuple(args))
    same_as_hiredis(tuple(args[:2]))


@pytest.mark.parametrize("args", [(), (b"PING",), (b"HSET", b"h", b"f", b"v"), ("MSET", "a", 1, "b", 2.5)])
def test_other_counts_are_hiredis_s(args: tuple[Any, ...]) -> None:
    same_as_hiredis(args)


def test_a_set_of_bytes_is_one_new_bytes_object() -> None:
    # the cluster keeps the very object it wrote for a redirect and tells it by its exact type
    data = pack((b"SET", b"k", b"v"))
    assert type(data) is bytes
    assert data == b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n"


ARG = st.one_of(
    st.binary(max_size=600),
    st.text(max_size=300),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    st.booleans(),
    st.none(),
)


@settings(max_examples=400, deadline=None)
@given(st.lists(ARG, min_size=0, max_size=4).map(tuple))
def test_any_arguments_pack_as_hiredis(args: tuple[Any, ...]) -> None:
    same_as_hiredis(args)
