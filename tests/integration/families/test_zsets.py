"""Sorted set commands: same values and types as redis.asyncio, RESP2/RESP3, bytes/str."""

from __future__ import annotations

import pytest

from leanredis import DataError, ResponseError

from .oracle import both, write_both

pytestmark = pytest.mark.families


async def nothing(client):  # type: ignore[no-untyped-def]
    return None


async def with_zset(client):  # type: ignore[no-untyped-def]
    await client.zadd("z", {"a": 1, "b": 2.5, "c": 0.1, "d": 1e20, "e": float("-inf")})


async def with_finite(client):  # type: ignore[no-untyped-def]
    await client.zadd("z", {"a": 1, "b": 2.5, "c": 0.1, "d": 1e20, "e": -3})


async def with_lex(client):  # type: ignore[no-untyped-def]
    await client.zadd("l", {"a": 0, "b": 0, "c": 0, "d": 0})


def to_cents(score):  # type: ignore[no-untyped-def]
    return ("cents", score)


async def supports_withscore(client):  # type: ignore[no-untyped-def]
    info = await client.info("server")  # client: the redis-py one
    version = tuple(int(x) for x in str(info["redis_version"]).split(".")[:2])
    return version >= (7, 2)


async def test_zadd_returns_count_or_new_score(pair):  # type: ignore[no-untyped-def]
    assert await write_both(pair, nothing, "zadd", "z", {"a": 1, "b": 2}) == 2
    assert await write_both(pair, with_zset, "zadd", "z", {"a": 5, "x": 1}) == 1
    assert await write_both(pair, with_zset, "zadd", "z", {"a": 5, "x": 1}, ch=True) == 2
    assert await write_both(pair, with_zset, "zadd", "z", {"a": 5, "x": 1}, nx=True) == 1
    assert await write_both(pair, with_zset, "zadd", "z", {"a": 5, "x": 1}, xx=True, ch=True) == 1
    assert await write_both(pair, with_zset, "zadd", "z", {"a": 0, "b": 9}, gt=True, ch=True) == 1
    assert await write_both(pair, with_zset, "zadd", "z", {"a": 0, "b": 9}, lt=True, ch=True) == 1
    assert await write_both(pair, with_zset, "zadd", "z", {"a": 2}, incr=True) == 3.0
    assert await write_both(pair, with_zset, "zadd", "z", {"a": 0.5}, incr=True, xx=True) == 1.5
    assert await write_both(pair, with_zset, "zadd", "z", {"a": 2}, incr=True, nx=True) is None
    assert await write_both(pair, with_zset, "zadd", "z", {"a": -5}, incr=True, gt=True) is None


async def test_zrem_zincrby_and_counts(pair):  # type: ignore[no-untyped-def]
    assert await write_both(pair, with_zset, "zrem", "z", "a", "nope") == 1
    assert await write_both(pair, with_zset, "zincrby", "z", 2, "a") == 3.0
    assert await write_both(pair, with_zset, "zincrby", "z", 0.25, "new") == 0.25
    await pair[0].flushdb()
    await with_zset(pair[0])
    assert await both(pair, "zcard", "z") == 5
    assert await both(pair, "zcard", "nope") == 0
    assert await both(pair, "zcount", "z", 0, 2) == 2
    assert await both(pair, "zcount", "z", "-inf", "+inf") == 5
    assert await both(pair, "zcount", "z", "(1", 3) == 1
    await with_lex(pair[0])
    assert await both(pair, "zlexcount", "l", "[b", "+") == 3


async def test_scores_are_floats_or_none(pair):  # type: ignore[no-untyped-def]
    await with_zset(pair[0])
    assert await both(pair, "zscore", "z", "b") == 2.5
    assert await both(pair, "zscore", "z", "d") == 1e20
    assert await both(pair, "zscore", "z", "e") == float("-inf")
    assert await both(pair, "zscore", "z", "nope") is None
    assert await both(pair, "zmscore", "z", ["a", "nope", "c"]) == [1.0, None, 0.1]
    assert await both(pair, "zmscore", "nope", ["a"]) == [None]


async def test_ranks_are_ints_or_none(pair):  # type: ignore[no-untyped-def]
    await with_zset(pair[0])
    assert await both(pair, "zrank", "z", "a") == 2
    assert await both(pair, "zrevrank", "z", "a") == 2
    assert await both(pair, "zrevrank", "z", "d") == 0
    assert await both(pair, "zrank", "z", "nope") is None
    assert await both(pair, "zrevrank", "nope", "a") is None


async def test_ranks_with_score_are_rank_score_lists(pair):  # type: ignore[no-untyped-def]
    if not await supports_withscore(pair[1]):
        pytest.skip("ZRANK WITHSCORE needs Redis 7.2+")
    await with_finite(pair[0])
    assert await both(pair, "zrank", "z", "b", withscore=True) == [3, 2.5]
    assert await both(pair, "zrevrank", "z", "b", withscore=True) == [1, 2.5]
    assert await both(pair, "zrank", "z", "nope", withscore=True) is None
    assert await both(pair, "zrank", "z", "b", withscore=True, score_cast_func=int) == [3, 2]
    await both(pair, "zrevrank", "z", "c", withscore=True, score_cast_func=to_cents)


async def test_zrange_variants_return_members_or_score_tuples(pair):  # type: ignore[no-untyped-def]
    await with_zset(pair[0])
    assert len(await both(pair, "zrange", "z", 0, -1)) == 5
    assert await both(pair, "zrange", "z", 0, 1, withscores=True) in (
        [(b"e", float("-inf")), (b"c", 0.1)],
        [("e", float("-inf")), ("c", 0.1)],
    )
    await both(pair, "zrange", "z", 0, -1, withscores=True)
    await both(pair, "zrange", "z", 0, -1, desc=True)
    await both(pair, "zrange", "z", 0, -1, desc=True, withscores=True)
    await both(pair, "zrange", "z", 0, 2, byscore=True, withscores=True)
    await both(pair, "zrange", "z", "(0.1", "+inf", byscore=True, offset=1, num=2, withscores=True)
    await both(pair, "zrange", "z", 3, 0, byscore=True, desc=True, withscores=True)
    assert await both(pair, "zrange", "nope", 0, -1, withscores=True) == []
    await with_lex(pair[0])
    assert len(await both(pair, "zrange", "l", "[b", "+", bylex=True)) == 3
    assert len(await both(pair, "zrange", "l", "+", "-", bylex=True, desc=True, offset=1, num=2)) == 2


async def test_score_cast_func_gets_what_redis_py_gives_it(pair):  # type: ignore[no-untyped-def]
    await with_finite(pair[0])
    assert await both(pair, "zrange", "z", 1, 2, withscores=True, score_cast_func=int) in (
        [(b"c", 0), (b"a", 1)],
        [("c", 0), ("a", 1)],
    )
    await both(pair, "zrange", "z", 0, -1, withscores=True, score_cast_func=to_cents)
    await both(pair, "zrange", "z", 0, -1, withscores=True, score_cast_func=str)
    await both(pair, "zrange", "z", 0, -1, desc=True, withscores=True, score_cast_func=to_cents)
    await both(pair, "zrangebyscore", "z", 0, 5, withscores=True, score_cast_func=to_cents)
    await both(pair, "zrevrangebyscore", "z", 5, 0, withscores=True, score_cast_func=int)
    await both(pair, "zrevrange", "z", 0, -1, withscores=True, score_cast_func=to_cents)
    await both(pair, "zscan", "z", score_cast_func=to_cents)
    await both(pair, "zscan", "z", score_cast_func=int)


async def test_range_by_score_and_lex(pair):  # type: ignore[no-untyped-def]
    await with_zset(pair[0])
    assert len(await both(pair, "zrangebyscore", "z", 0, 3)) == 3
    await both(pair, "zrangebyscore", "z", "-inf", "(2.5", withscores=True)
    await both(pair, "zrangebyscore", "z", "-inf", "+inf", 1, 2, withscores=True)
    await both(pair, "zrevrangebyscore", "z", "+inf", "-inf")
    await both(pair, "zrevrangebyscore", "z", "+inf", 0, start=0, num=2, withscores=True)
    await both(pair, "zrevrange", "z", 0, 1)
    await both(pair, "zrevrange", "z", 0, -1, withscores=True)
    assert await both(pair, "zrevrange", "nope", 0, -1, withscores=True) == []
    await with_lex(pair[0])
    assert len(await both(pair, "zrangebylex", "l", "-", "[c")) == 3
    assert len(await both(pair, "zrangebylex", "l", "(a", "+", 1, 1)) == 1
    assert len(await both(pair, "zrevrangebylex", "l", "+", "(b")) == 2
    assert len(await both(pair, "zrevrangebylex", "l", "+", "-", start=0, num=3)) == 3


async def test_remove_ranges_return_counts(pair):  # type: ignore[no-untyped-def]
    assert await write_both(pair, with_zset, "zremrangebyrank", "z", 0, 1) == 2
    assert await write_both(pair, with_zset, "zremrangebyrank", "nope", 0, 1) == 0
    assert await write_both(pair, with_zset, "zremrangebyscore", "z", "(0.1", 100) == 2
    assert await write_both(pair, with_zset, "zremrangebyscore", "z", "-inf", "+inf") == 5
    assert await write_both(pair, with_lex, "zremrangebylex", "l", "[b", "[c") == 2


async def test_pops_return_lists_of_member_score_tuples(pair):  # type: ignore[no-untyped-def]
    assert await write_both(pair, with_zset, "zpopmin", "z") in ([(b"e", float("-inf"))], [("e", float("-inf"))])
    assert await write_both(pair, with_zset, "zpopmax", "z") in ([(b"d", 1e20)], [("d", 1e20)])
    assert len(await write_both(pair, with_zset, "zpopmin", "z", 2)) == 2
    assert len(await write_both(pair, with_zset, "zpopmax", "z", 10)) == 5
    assert len(await write_both(pair, with_zset, "zpopmax", "z", 1)) == 1
    assert await write_both(pair, nothing, "zpopmin", "z") == []
    assert await write_both(pair, nothing, "zpopmax", "z", 3) == []


async def test_zscan_returns_int_cursor_and_score_tuples(pair):  # type: ignore[no-untyped-def]
    await with_zset(pair[0])
    await both(pair, "zscan", "z")
    assert await both(pair, "zscan", "nope") == (0, [])
    await both(pair, "zscan", "z", 0, match="[ab]", count=100)
    ours, theirs = pair
    await ours.zadd("big", {f"m{i}": i for i in range(300)})  # not a listpack: ZSCAN really pages
    cursor, items = await ours.zscan("big", 0, count=10)
    assert type(cursor) is int and cursor != 0 and type(items) is list and type(items[0]) is tuple
    got = [p async for p in ours.zscan_iter("big", count=50)]
    assert sorted(score for _, score in got) == [float(i) for i in range(300)]
    expected = [p async for p in theirs.zscan_iter("big", match="m1?", score_cast_func=int)]
    got = [p async for p in ours.zscan_iter("big", match="m1?", score_cast_func=int)]
    assert sorted(got) == sorted(expected) and len(got) == 10
    assert [p async for p in ours.zscan_iter("nope")] == []


async def test_execute_command_applies_the_zset_parsers(pair):  # type: ignore[no-untyped-def]
    ours = pair[0]
    await with_zset(ours)
    assert await ours.execute_command("ZSCORE", "z", "b") == 2.5
    assert await ours.execute_command("ZINCRBY", "z", 1, "b") == 3.5
    assert await ours.execute_command("ZADD", "z", "INCR", 1, "b") == 4.5
    assert await ours.execute_command("ZADD", "z", 1, "q") == 1
    assert await ours.execute_command("ZMSCORE", "z", "b", "nope") == [4.5, None]
    cursor, items = await ours.execute_command("ZSCAN", "z", 0)
    assert cursor == 0 and len(items) == 6 and all(type(s) is float for _, s in items)
    popped = await ours.execute_command("ZPOPMAX", "z")
    assert len(popped) == 1 and popped[0][1] == 1e20


async def test_bad_arguments_raise_data_error_and_server_errors_keep_their_text(r):  # type: ignore[no-untyped-def]
    with pytest.raises(DataError, match="at least one"):
        r.zadd("z", {})
    with pytest.raises(DataError, match="dict"):
        r.zadd("z", [("a", 1)])  # type: ignore[arg-type]
    with pytest.raises(DataError, match="nx and xx"):
        r.zadd("z", {"a": 1}, nx=True, xx=True)
    with pytest.raises(DataError, match="gt and lt"):
        r.zadd("z", {"a": 1}, gt=True, lt=True)
    with pytest.raises(DataError, match="nx cannot"):
        r.zadd("z", {"a": 1}, nx=True, gt=True)
    with pytest.raises(DataError, match="incr"):
        r.zadd("z", {"a": 1, "b": 2}, incr=True)
    with pytest.raises(DataError, match="non-empty list"):
        r.zmscore("z", [])
    with pytest.raises(DataError, match="byscore and bylex"):
        r.zrange("z", 0, 1, byscore=True, bylex=True)
    with pytest.raises(DataError, match="withscores"):
        r.zrange("z", "-", "+", bylex=True, withscores=True)
    with pytest.raises(DataError, match="offset and num"):
        r.zrange("z", 0, 1, byscore=True, offset=1)
    with pytest.raises(DataError, match="start and num"):
        r.zrangebyscore("z", 0, 1, start=1)
    with pytest.raises(DataError, match="start and num"):
        r.zrangebylex("z", "-", "+", num=1)
    with pytest.raises(DataError, match="NoneType"):
        await r.zadd("z", {"a": None})
    await r.set("k", "text")
    with pytest.raises(ResponseError, match="WRONGTYPE"):
        await r.zrange("k", 0, -1)
    with pytest.raises(ResponseError, match="not a valid float"):
        await r.zadd("z", {"a": "x"})
    assert await r.zadd("z", {"a": 1}) == 1  # the client still works after all of these
