"""Bit commands: same values and types as redis.asyncio, RESP2/RESP3, bytes/str."""

from __future__ import annotations

import pytest

from leanredis import ResponseError

from .oracle import both, raises_both, same_shape, write_both

pytestmark = pytest.mark.families


async def nothing(client):  # type: ignore[no-untyped-def]
    return None


async def with_bits(client):  # type: ignore[no-untyped-def]
    await client.set("b", b"\x00\xff\xf0\x0f")


async def with_two(client):  # type: ignore[no-untyped-def]
    await client.set("x", b"\xf0\x0f")
    await client.set("y", b"\xff\x00\xaa")


async def test_setbit_returns_the_previous_bit_and_getbit_reads_it(pair):  # type: ignore[no-untyped-def]
    assert await write_both(pair, nothing, "setbit", "b", 7, 1) == 0
    assert await write_both(pair, with_bits, "setbit", "b", 8, 0) == 1
    assert await write_both(pair, with_bits, "setbit", "b", 0, True) == 0
    assert await write_both(pair, with_bits, "setbit", "b", 3, 5) == 0  # any truthy value sets 1
    ours, _ = pair
    await ours.setbit("b", 3, 5)
    assert await both(pair, "getbit", "b", 3) == 1
    assert await both(pair, "getbit", "b", 8) == 1
    assert await both(pair, "getbit", "b", 1000) == 0
    assert await both(pair, "getbit", "missing", 0) == 0


async def test_bitcount_counts_bytes_or_bits_in_a_range(pair):  # type: ignore[no-untyped-def]
    await with_bits(pair[0])
    assert await both(pair, "bitcount", "b") == 16
    assert await both(pair, "bitcount", "b", 1, 1) == 8
    assert await both(pair, "bitcount", "b", -2, -1) == 8
    assert await both(pair, "bitcount", "b", 0, 11, "BIT") == 4
    assert await both(pair, "bitcount", "b", 0, 1, mode="BYTE") == 8
    assert await both(pair, "bitcount", "missing") == 0


async def test_bitpos_finds_the_first_bit(pair):  # type: ignore[no-untyped-def]
    await with_bits(pair[0])
    assert await both(pair, "bitpos", "b", 1) == 8
    assert await both(pair, "bitpos", "b", 0) == 0
    assert await both(pair, "bitpos", "b", 1, 2) == 16
    assert await both(pair, "bitpos", "b", 0, 1, 1) == -1
    assert await both(pair, "bitpos", "b", 1, 3, -1) == 28
    assert await both(pair, "bitpos", "b", 1, 2, 9, "BIT") == 8
    assert await both(pair, "bitpos", "missing", 1) == -1


async def test_bitop_stores_the_result_and_returns_its_length(pair):  # type: ignore[no-untyped-def]
    assert await write_both(pair, with_two, "bitop", "AND", "d", "x", "y") == 3
    assert await both(pair, "bitcount", "d") == 4
    assert await write_both(pair, with_two, "bitop", "OR", "d", "x", "y") == 3
    assert await write_both(pair, with_two, "bitop", "XOR", "d", "x", "y", "x") == 3
    assert await write_both(pair, with_two, "bitop", "not", "d", "x") == 2
    assert await both(pair, "getbit", "d", 4) == 1
    assert await write_both(pair, with_two, "bitop", "AND", "d", "missing") == 0


async def bitfield_both(pair, setup, build):  # type: ignore[no-untyped-def]
    """Run ``build(client.bitfield(...))``'s ``execute()`` on each client from the same state."""
    results = []
    for client in pair:
        await pair[0].flushdb()
        await setup(pair[0])
        results.append(await build(client).execute())
    ours, theirs = results
    assert same_shape(ours, theirs), f"bitfield: leanredis {ours!r} vs redis-py {theirs!r}"
    return ours


async def test_bitfield_builder_chains_set_get_and_incrby(pair):  # type: ignore[no-untyped-def]
    def build(client):  # type: ignore[no-untyped-def]
        return client.bitfield("f").set("u8", 0, 255).get("u8", 0).incrby("i5", 100, 1).get("u4", "#1")

    assert await bitfield_both(pair, nothing, build) == [0, 255, 1, 15]
    assert await bitfield_both(pair, with_bits, lambda c: c.bitfield("b").get("u8", 8).get("i8", 8)) == [255, -1]
    assert await bitfield_both(pair, nothing, lambda c: c.bitfield("f")) == []


async def test_bitfield_overflow_wrap_sat_fail(pair):  # type: ignore[no-untyped-def]
    def wrap(client):  # type: ignore[no-untyped-def]
        return client.bitfield("f").set("u8", 0, 250).incrby("u8", 0, 10)

    def sat(client):  # type: ignore[no-untyped-def]
        return client.bitfield("f").set("u8", 0, 250).incrby("u8", 0, 10, "SAT").incrby("u8", 0, -300)

    def fail(client):  # type: ignore[no-untyped-def]
        return client.bitfield("f").set("u8", 0, 250).overflow("fail").incrby("u8", 0, 10).get("u8", 0)

    def default_sat(client):  # type: ignore[no-untyped-def]
        return client.bitfield("f", default_overflow="SAT").incrby("i8", 0, 200).incrby("i8", 0, 1, "wrap")

    assert await bitfield_both(pair, nothing, wrap) == [0, 4]
    assert await bitfield_both(pair, nothing, sat) == [0, 255, 0]
    assert await bitfield_both(pair, nothing, fail) == [0, None, 250]
    assert await bitfield_both(pair, nothing, default_sat) == [127, -128]


async def test_bitfield_builds_redis_py_commands_and_resets_after_execute(pair):  # type: ignore[no-untyped-def]
    ours, theirs = pair
    for default in (None, "WRAP", "SAT", "fail"):
        mine = ours.bitfield("f", default).overflow("SAT").set("u8", "#2", 1).incrby("u8", 0, 1, "SAT")
        mine = mine.incrby("u8", 0, 1, "WRAP").get("i4", 3)
        ref = theirs.bitfield("f", default).overflow("SAT").set("u8", "#2", 1).incrby("u8", 0, 1, "SAT")
        ref = ref.incrby("u8", 0, 1, "WRAP").get("i4", 3)
        assert mine.command == ref.command
        await mine.execute()
        await ref.execute()
        assert mine.command == ref.command  # back to the default overflow only
        assert mine.operations == ref.operations


async def test_bitfield_goes_into_a_pipeline(pair):  # type: ignore[no-untyped-def]
    results = []
    for client in pair:
        await pair[0].flushdb()
        pipe = client.pipeline()
        pipe.set("f", "a")
        pipe.bitfield("f").get("u8", 0).set("u8", 0, 98).execute()
        pipe.get("f")
        results.append(await pipe.execute())
    assert same_shape(results[0], results[1]), results
    assert results[0][1] == [97, 97]


async def test_bitfield_ro_reads_several_fields(pair):  # type: ignore[no-untyped-def]
    await with_bits(pair[0])
    assert await both(pair, "bitfield_ro", "b", "u8", 8) == [255]
    assert await both(pair, "bitfield_ro", "b", "u8", 8, [("i4", 16), ("u4", "#7"), ("u16", 0)]) == [255, -1, 15, 255]
    assert await both(pair, "bitfield_ro", "missing", "u8", 0, items=[]) == [0]


async def test_bad_bit_arguments_raise_data_error_before_sending(pair):  # type: ignore[no-untyped-def]
    await raises_both(pair, "DataError", "bitcount", "b", 0)
    await raises_both(pair, "DataError", "bitcount", "b", end=3)
    await raises_both(pair, "DataError", "bitpos", "b", 2)
    await raises_both(pair, "DataError", "bitpos", "b", -1)
    await raises_both(pair, "DataError", "bitpos", "b", 1, end=3)


async def test_server_rejections_are_response_errors(pair):  # type: ignore[no-untyped-def]
    await pair[0].rpush("l", "a")
    await with_bits(pair[0])
    await raises_both(pair, "ResponseError", "setbit", "b", -1, 1)
    await raises_both(pair, "ResponseError", "bitcount", "b", 0, 1, "WORD")
    await raises_both(pair, "ResponseError", "bitop", "NAND", "d", "x")
    await raises_both(pair, "ResponseError", "bitop", "NOT", "d", "x", "y")
    await raises_both(pair, "ResponseError", "bitfield_ro", "b", "u99", 0)
    for client in pair:
        with pytest.raises(Exception, match="OVERFLOW|overflow|syntax") as info:
            await client.bitfield("b").overflow("CLAMP").incrby("u8", 0, 1).execute()
        assert type(info.value).__name__ == "ResponseError"
    with pytest.raises(ResponseError):
        await pair[0].bitcount("l")
