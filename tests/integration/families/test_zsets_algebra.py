"""Sorted set algebra and multi-key commands: same values and types as redis.asyncio, RESP2/RESP3, bytes/str."""

from __future__ import annotations

import pytest

from .oracle import both, raises_both, same_shape, write_both

pytestmark = pytest.mark.families


async def nothing(client):  # type: ignore[no-untyped-def]
    return None


async def with_sets(client):  # type: ignore[no-untyped-def]
    # 0.1, 0.3 and 0.7 have no short exact form: RESP2 servers differ in how they print them
    await client.zadd("z1", {"a": 1, "b": 2.5, "c": 0.1, "d": 1e20, "e": float("-inf")})
    await client.zadd("z2", {"a": 0.3, "c": 0.7, "x": 4})
    await client.zadd("z3", {"a": 2, "c": 3})


def raw(score):  # type: ignore[no-untyped-def]
    return ("cast", score)


async def test_zunion_members_or_score_tuples(pair):  # type: ignore[no-untyped-def]
    await with_sets(pair[0])
    assert len(await both(pair, "zunion", ["z1", "z2"])) == 6
    await both(pair, "zunion", ["z1", "z2"], withscores=True)
    await both(pair, "zunion", ["z1", "z2", "missing"], "MAX", withscores=True)
    await both(pair, "zunion", {"z1": 2, "z2": 0.5}, aggregate="min", withscores=True)
    await both(pair, "zunion", {"z2": 1, "z3": -1}, withscores=True, score_cast_func=int)
    await both(pair, "zunion", ["z1", "z2"], withscores=True, score_cast_func=raw)
    await both(pair, "zunion", ["z1", "z2"], score_cast_func=raw)
    assert await both(pair, "zunion", ["missing"], withscores=True) == []


async def test_zinter_members_or_float_score_tuples(pair):  # type: ignore[no-untyped-def]
    await with_sets(pair[0])
    await both(pair, "zinter", ["z1", "z2"])
    pairs = await both(pair, "zinter", ["z1", "z2", "z3"], withscores=True)
    assert [score for _, score in pairs] == [pytest.approx(3.3), pytest.approx(3.8)]
    await both(pair, "zinter", {"z1": 3, "z2": 1}, "MAX", True)
    await both(pair, "zinter", ("z1", "z3"), aggregate="Sum", withscores=True)
    assert await both(pair, "zinter", ["z1", "missing"], withscores=True) == []


async def test_store_variants_return_the_size(pair):  # type: ignore[no-untyped-def]
    assert await write_both(pair, with_sets, "zunionstore", "d", ["z1", "z2"]) == 6
    assert await both(pair, "zrange", "d", 0, -1, withscores=True)
    assert await write_both(pair, with_sets, "zunionstore", "d", {"z1": 1, "z2": 10}, "max") == 6
    assert await write_both(pair, with_sets, "zinterstore", "d", ["z1", "z2", "z3"]) == 2
    assert await write_both(pair, with_sets, "zinterstore", "d", {"z2": 2, "z3": 1}, aggregate="MIN") == 2
    assert await both(pair, "zscore", "d", "c") == pytest.approx(1.4)
    assert await write_both(pair, with_sets, "zinterstore", "d", ["z1", "missing"]) == 0
    assert await write_both(pair, with_sets, "zdiffstore", "d", ["z1", "z2"]) == 3
    assert await write_both(pair, with_sets, "zdiffstore", "d", ["missing", "z2"]) == 0


async def test_zintercard_counts_up_to_the_limit(pair):  # type: ignore[no-untyped-def]
    await with_sets(pair[0])
    assert await both(pair, "zintercard", 2, ["z1", "z2"]) == 2
    assert await both(pair, "zintercard", 3, ["z1", "z2", "z3"], limit=1) == 1
    assert await both(pair, "zintercard", 2, ["z1", "missing"], 5) == 0


async def test_zdiff_withscores_is_flat_with_score_bytes(pair):  # type: ignore[no-untyped-def]
    await with_sets(pair[0])
    assert len(await both(pair, "zdiff", ["z1", "z2"])) == 3
    flat = await both(pair, "zdiff", ["z1", "z2"], withscores=True)
    assert flat[1::2] == [b"-inf", b"2.5", b"1e+20"]
    flat = await both(pair, "zdiff", ["z2", "z3"], withscores=True)
    assert flat[1] == b"4"
    await both(pair, "zdiff", ["z2"], True)
    assert await both(pair, "zdiff", ["missing", "z1"], withscores=True) == []


async def test_zrandmember_shapes(pair):  # type: ignore[no-untyped-def]
    ours, _ = pair
    await ours.zadd("one", {"only": 0.3})
    assert await both(pair, "zrandmember", "one") in (b"only", "only")
    assert await both(pair, "zrandmember", "missing") is None
    assert len(await both(pair, "zrandmember", "one", 3)) == 1
    assert len(await both(pair, "zrandmember", "one", -3)) == 3
    assert (await both(pair, "zrandmember", "one", 1, withscores=True))[1] == b"0.29999999999999999"
    assert len(await both(pair, "zrandmember", "one", -2, True)) == 4
    assert await both(pair, "zrandmember", "missing", 2, withscores=True) == []
    assert await both(pair, "zrandmember", "one", 0) == []


async def test_zrangestore_stores_a_range(pair):  # type: ignore[no-untyped-def]
    assert await write_both(pair, with_sets, "zrangestore", "d", "z1", 0, 2) == 3
    await both(pair, "zrange", "d", 0, -1, withscores=True)
    assert await write_both(pair, with_sets, "zrangestore", "d", "z1", 0, 1, desc=True) == 2
    assert await write_both(pair, with_sets, "zrangestore", "d", "z1", "(0.1", "+inf", byscore=True) == 3
    assert await write_both(pair, with_sets, "zrangestore", "d", "z1", 10, 0, byscore=True, desc=True) == 3
    assert (
        await write_both(pair, with_sets, "zrangestore", "d", "z1", "-inf", "+inf", byscore=True, offset=1, num=2) == 2
    )
    assert await write_both(pair, with_sets, "zrangestore", "d", "z3", "[a", "+", bylex=True) == 2
    assert await write_both(pair, with_sets, "zrangestore", "d", "missing", 0, -1) == 0


async def test_zmpop_returns_key_and_score_bytes(pair):  # type: ignore[no-untyped-def]
    popped = await write_both(pair, with_sets, "zmpop", 2, ["missing", "z2"], min=True)
    assert popped[1][0][1] == b"0.29999999999999999"
    await write_both(pair, with_sets, "zmpop", 2, ["z2", "z1"], min=True, count=2)
    await write_both(pair, with_sets, "zmpop", 1, ["z1"], max=True, count=10)
    await write_both(pair, with_sets, "zmpop", 1, ["z2"], max=True, count=1)
    assert await write_both(pair, with_sets, "zmpop", 1, ["missing"], min=True) is None


async def test_execute_command_parses_zmpop_as_redis_py(pair):  # type: ignore[no-untyped-def]
    results = []
    for client in pair:
        await pair[0].flushdb()
        await with_sets(pair[0])
        results.append(await client.execute_command("ZMPOP", 1, "z2", "MIN", "COUNT", 2))
    assert same_shape(*results), results


async def test_bad_algebra_arguments_raise_data_error_before_sending(pair):  # type: ignore[no-untyped-def]
    await raises_both(pair, "DataError", "zunion", ["z1"], aggregate="AVG")
    await raises_both(pair, "DataError", "zunionstore", "d", ["z1"], "median")
    await raises_both(pair, "DataError", "zinter", ["z1"], "avg", True)
    await raises_both(pair, "DataError", "zinterstore", "d", {"z1": 1}, "nope")
    await raises_both(pair, "DataError", "zrangestore", "d", "z1", 0, 1, byscore=True, bylex=True)
    await raises_both(pair, "DataError", "zrangestore", "d", "z1", 0, 1, offset=1)
    await raises_both(pair, "DataError", "zrangestore", "d", "z1", 0, 1, num=1)
    await raises_both(pair, "DataError", "zmpop", 1, ["z1"])
    await raises_both(pair, "DataError", "zmpop", 1, ["z1"], min=True, max=True)


async def test_server_rejections_are_response_errors(pair):  # type: ignore[no-untyped-def]
    await with_sets(pair[0])
    await pair[0].set("s", "text")
    await raises_both(pair, "ResponseError", "zunion", ["z1", "s"])
    await raises_both(pair, "ResponseError", "zinterstore", "d", [])
    await raises_both(pair, "ResponseError", "zintercard", 3, ["z1", "z2"])
    await raises_both(pair, "ResponseError", "zintercard", 1, ["z1"], limit=-1)
    await raises_both(pair, "ResponseError", "zrandmember", "z1", withscores=True)  # WITHSCORES needs count
    await raises_both(pair, "ResponseError", "zrangestore", "d", "z1", "a", "b")
    await raises_both(pair, "ResponseError", "zmpop", 1, ["z1"], min=True, count=0)
