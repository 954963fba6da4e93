"""Set commands: same values and types as redis.asyncio, RESP2/RESP3, bytes/str."""

from __future__ import annotations

import pytest

from leanredis import DataError, ResponseError

from .oracle import both, write_both

pytestmark = pytest.mark.families


async def nothing(client):  # type: ignore[no-untyped-def]
    return None


async def with_sets(client):  # type: ignore[no-untyped-def]
    await client.sadd("a", "1", "2", "3")
    await client.sadd("b", "2", "3", "4")
    await client.sadd("c", "3")


async def test_add_remove_and_count_return_ints(pair):  # type: ignore[no-untyped-def]
    assert await write_both(pair, nothing, "sadd", "s", "x", "y", "x") == 2
    assert await write_both(pair, with_sets, "sadd", "a", "1", "9") == 1
    assert await write_both(pair, with_sets, "srem", "a", "1", "9") == 1
    assert await write_both(pair, with_sets, "srem", "nope", "1") == 0
    await with_sets(pair[0])
    assert await both(pair, "scard", "a") == 3
    assert await both(pair, "scard", "nope") == 0


async def test_membership_returns_ints_like_redis_py(pair):  # type: ignore[no-untyped-def]
    await with_sets(pair[0])
    assert await both(pair, "sismember", "a", "1") == 1
    assert await both(pair, "sismember", "a", "9") == 0
    assert await both(pair, "smismember", "a", ["1", "9", "2"]) == [1, 0, 1]
    assert await both(pair, "smismember", "a", "1", "9") == [1, 0]
    assert await both(pair, "smismember", "nope", ["1"]) == [0]


async def test_members_and_algebra_return_python_sets(pair):  # type: ignore[no-untyped-def]
    await with_sets(pair[0])
    ours = await both(pair, "smembers", "a")
    assert isinstance(ours, set) and len(ours) == 3
    assert await both(pair, "smembers", "nope") == set()
    assert len(await both(pair, "sinter", ["a", "b"])) == 2
    assert len(await both(pair, "sinter", "a", "b", "c")) == 1
    assert await both(pair, "sinter", ["a", "nope"]) == set()
    assert len(await both(pair, "sunion", ["a", "b"])) == 4
    assert len(await both(pair, "sunion", "a", "c")) == 3
    assert len(await both(pair, "sdiff", ["a", "b"])) == 1
    assert await both(pair, "sdiff", "c", "a") == set()


async def test_store_variants_and_intercard_return_counts(pair):  # type: ignore[no-untyped-def]
    assert await write_both(pair, with_sets, "sinterstore", "d", ["a", "b"]) == 2
    assert await write_both(pair, with_sets, "sinterstore", "d", "a", "b", "c") == 1
    assert await write_both(pair, with_sets, "sunionstore", "d", ["a", "b"]) == 4
    assert await write_both(pair, with_sets, "sdiffstore", "d", "a", "b") == 1
    assert await write_both(pair, with_sets, "sdiffstore", "d", ["nope"]) == 0
    await with_sets(pair[0])
    assert await both(pair, "sintercard", 2, ["a", "b"]) == 2
    assert await both(pair, "sintercard", 2, ["a", "b"], limit=1) == 1
    assert await both(pair, "sintercard", 1, ["nope"]) == 0


async def test_smove_returns_bool(pair):  # type: ignore[no-untyped-def]
    assert await write_both(pair, with_sets, "smove", "a", "c", "1") is True
    assert await write_both(pair, with_sets, "smove", "a", "c", "9") is False
    assert await write_both(pair, with_sets, "smove", "nope", "c", "1") is False


async def test_random_members_single_or_list(pair):  # type: ignore[no-untyped-def]
    # one member: the result is random, so a set of one element keeps it deterministic
    async def one(client):  # type: ignore[no-untyped-def]
        await client.sadd("s", "only")

    assert await write_both(pair, one, "spop", "s") in (b"only", "only")
    assert await write_both(pair, one, "spop", "s", 1) in ([b"only"], ["only"])
    assert await write_both(pair, one, "spop", "s", 0) == []
    assert await write_both(pair, nothing, "spop", "s") is None
    assert await write_both(pair, nothing, "spop", "s", 2) == []
    await one(pair[0])
    assert await both(pair, "srandmember", "s") in (b"only", "only")
    assert await both(pair, "srandmember", "s", 3) in ([b"only"], ["only"])
    assert await both(pair, "srandmember", "s", -2) in ([b"only"] * 2, ["only"] * 2)
    assert await both(pair, "srandmember", "nope") is None
    assert await both(pair, "srandmember", "nope", 2) == []
    # several members: compare types and sizes only
    await with_sets(pair[0])
    ours = await pair[0].spop("a", 2)
    assert type(ours) is list and len(ours) == 2
    ours = await pair[0].srandmember("b", 2)
    assert type(ours) is list and len(ours) == 2


async def test_sscan_returns_int_cursor_and_list(pair):  # type: ignore[no-untyped-def]
    await with_sets(pair[0])
    await pair[0].sadd("one", "m")
    assert await both(pair, "sscan", "one") in ((0, [b"m"]), (0, ["m"]))
    assert await both(pair, "sscan", "nope") == (0, [])
    assert await both(pair, "sscan", "one", 0, match="z*", count=10) == (0, [])
    ours, theirs = pair
    await ours.sadd("big", *(f"m{i}" for i in range(300)))  # not an intset: SSCAN really pages
    cursor, members = await ours.sscan("big", 0, count=10)
    assert type(cursor) is int and cursor != 0 and type(members) is list
    got = [m async for m in ours.sscan_iter("big", count=50)]
    assert sorted(int(m[1:]) for m in got) == list(range(300))
    expected = [m async for m in theirs.sscan_iter("big", match="m1?")]
    got = [m async for m in ours.sscan_iter("big", match="m1?")]
    assert sorted(got) == sorted(expected) and len(got) == 10
    assert [m async for m in ours.sscan_iter("nope")] == []


async def test_execute_command_applies_the_set_parsers(pair):  # type: ignore[no-untyped-def]
    await with_sets(pair[0])
    assert isinstance(await pair[0].execute_command("SMEMBERS", "a"), set)
    assert isinstance(await pair[0].execute_command("SINTER", "a", "b"), set)
    cursor, _ = await pair[0].execute_command("SSCAN", "a", 0)
    assert cursor == 0
    assert await pair[0].execute_command("SMOVE", "a", "b", "1") is True


async def test_bad_arguments_raise_data_error_and_server_errors_keep_their_text(r):  # type: ignore[no-untyped-def]
    with pytest.raises(DataError, match="at least one key"):
        r.sinter([])
    with pytest.raises(DataError, match="list of keys"):
        r.sunion(None)
    with pytest.raises(DataError, match="NoneType"):
        await r.sadd("s", None)
    await r.set("k", "text")
    with pytest.raises(ResponseError, match="WRONGTYPE"):
        await r.smembers("k")
    with pytest.raises(ResponseError, match="wrong number of arguments"):
        await r.sadd("s")
    assert await r.sadd("s", "x") == 1  # the client still works after all of these
