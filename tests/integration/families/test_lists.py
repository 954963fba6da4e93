"""List commands: same values and types as redis.asyncio, RESP2/RESP3, bytes/str."""

from __future__ import annotations

import pytest

from leanredis import DataError, ResponseError, WrongTypeError

from .oracle import both, write_both

pytestmark = pytest.mark.families


async def nothing(client):  # type: ignore[no-untyped-def]
    return None


async def with_list(client):  # type: ignore[no-untyped-def]
    await client.rpush("l", "a", "b", "c", "b", "\u00e9")


async def with_two_lists(client):  # type: ignore[no-untyped-def]
    await client.rpush("l", "a", "b", "c")
    await client.rpush("m", "x")


def text(value):  # type: ignore[no-untyped-def]
    return value.decode() if isinstance(value, bytes) else value


async def test_pushes_return_the_new_length(pair):  # type: ignore[no-untyped-def]
    assert await write_both(pair, nothing, "lpush", "l", "a", "b", 3) == 3
    assert await write_both(pair, with_list, "rpush", "l", 1.5) == 6
    assert await write_both(pair, nothing, "lpushx", "l", "a") == 0
    assert await write_both(pair, with_list, "lpushx", "l", "a", "b") == 7
    assert await write_both(pair, nothing, "rpushx", "l", "a") == 0
    assert await write_both(pair, with_list, "rpushx", "l", "z") == 6
    ours, _ = pair
    await ours.flushdb()
    await ours.lpush("l", "a", "b")
    await ours.rpush("l", "c")
    assert [text(x) for x in await ours.lrange("l", 0, -1)] == ["b", "a", "c"]


async def test_pops_return_one_element_a_list_or_none(pair):  # type: ignore[no-untyped-def]
    assert text(await write_both(pair, with_list, "lpop", "l")) == "a"
    assert text(await write_both(pair, with_list, "rpop", "l")) == "\u00e9"
    assert [text(x) for x in await write_both(pair, with_list, "lpop", "l", 2)] == ["a", "b"]
    assert [text(x) for x in await write_both(pair, with_list, "rpop", "l", 2)] == ["\u00e9", "b"]
    assert len(await write_both(pair, with_list, "rpop", "l", 100)) == 5
    assert await write_both(pair, with_list, "lpop", "l", 0) == []
    assert await write_both(pair, nothing, "lpop", "l") is None
    assert await write_both(pair, nothing, "rpop", "l", 2) is None


async def test_reads_return_redis_py_types(pair):  # type: ignore[no-untyped-def]
    ours, _ = pair
    assert await both(pair, "lrange", "missing", 0, -1) == []
    assert await both(pair, "llen", "missing") == 0
    assert await both(pair, "lindex", "missing", 0) is None
    await with_list(ours)
    assert [text(x) for x in await both(pair, "lrange", "l", 0, -1)] == ["a", "b", "c", "b", "\u00e9"]
    assert [text(x) for x in await both(pair, "lrange", "l", -2, 10)] == ["b", "\u00e9"]
    assert await both(pair, "llen", "l") == 5
    assert text(await both(pair, "lindex", "l", -1)) == "\u00e9"
    assert await both(pair, "lindex", "l", 99) is None


async def test_lpos_returns_int_list_or_none(pair):  # type: ignore[no-untyped-def]
    ours, _ = pair
    await with_list(ours)
    assert await both(pair, "lpos", "l", "b") == 1
    assert await both(pair, "lpos", "l", "nope") is None
    assert await both(pair, "lpos", "l", "b", rank=2) == 3
    assert await both(pair, "lpos", "l", "b", rank=-1) == 3
    assert await both(pair, "lpos", "l", "b", count=0) == [1, 3]
    assert await both(pair, "lpos", "l", "nope", count=2) == []
    assert await both(pair, "lpos", "l", "b", count=5, maxlen=2) == [1]
    assert await both(pair, "lpos", "l", "\u00e9", rank=1, count=1, maxlen=0) == [4]


async def test_edits_return_bool_or_count(pair):  # type: ignore[no-untyped-def]
    assert await write_both(pair, with_list, "lset", "l", 0, "A") is True
    assert await write_both(pair, with_list, "lrem", "l", 0, "b") == 2
    assert await write_both(pair, with_list, "lrem", "l", -1, "b") == 1
    assert await write_both(pair, with_list, "lrem", "l", 1, "nope") == 0
    assert await write_both(pair, with_list, "ltrim", "l", 1, 2) is True
    assert await write_both(pair, nothing, "ltrim", "l", 0, 1) is True
    assert await write_both(pair, with_list, "linsert", "l", "BEFORE", "c", "new") == 6
    assert await write_both(pair, with_list, "linsert", "l", "after", "b", "new") == 6
    assert await write_both(pair, with_list, "linsert", "l", b"AFTER", "nope", "new") == -1
    assert await write_both(pair, nothing, "linsert", "l", "AFTER", "a", "new") == 0
    ours, _ = pair
    await ours.flushdb()
    await with_list(ours)
    await ours.ltrim("l", 1, 2)
    await ours.lset("l", -1, "C")
    assert [text(x) for x in await ours.lrange("l", 0, -1)] == ["b", "C"]


async def test_lmove_returns_the_moved_element(pair):  # type: ignore[no-untyped-def]
    assert text(await write_both(pair, with_two_lists, "lmove", "l", "m")) == "a"
    assert text(await write_both(pair, with_two_lists, "lmove", "l", "m", "RIGHT", "LEFT")) == "c"
    assert text(await write_both(pair, with_two_lists, "lmove", "l", "l", src="right", dest="left")) == "c"
    assert await write_both(pair, with_two_lists, "lmove", "missing", "m") is None
    ours, _ = pair
    await ours.flushdb()
    await with_two_lists(ours)
    await ours.lmove("l", "m", "RIGHT", "LEFT")
    assert [text(x) for x in await ours.lrange("m", 0, -1)] == ["c", "x"]


async def test_bad_list_arguments_raise_data_error_at_call_time(r):  # type: ignore[no-untyped-def]
    for method in (r.lpush, r.rpush, r.lpushx, r.rpushx):
        with pytest.raises(DataError, match="at least one value"):
            method("l")


async def test_wrong_type_and_bad_values_are_server_errors(r):  # type: ignore[no-untyped-def]
    await r.set("s", "text")
    with pytest.raises(WrongTypeError):
        await r.lpush("s", "x")
    with pytest.raises(WrongTypeError):
        await r.lrange("s", 0, -1)
    await r.rpush("l", "a")
    with pytest.raises(ResponseError, match="index out of range"):
        await r.lset("l", 5, "x")
    with pytest.raises(ResponseError, match="no such key"):
        await r.lset("missing", 0, "x")
    with pytest.raises(ResponseError, match="RANK can't be zero"):
        await r.lpos("l", "a", rank=0)
    with pytest.raises(ResponseError, match="out of range|must be positive"):
        await r.lpop("l", -1)
    assert await r.lrange("l", 0, -1) == [b"a"]  # the client still works after each
