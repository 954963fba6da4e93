"""Hash field expiry (Redis 7.4+, Valkey 9+): same values and types as redis.asyncio, RESP2/RESP3, bytes/str."""

from __future__ import annotations

import datetime
import time

import pytest

from leanredis import ResponseError

from .oracle import both, raises_both, write_both

pytestmark = pytest.mark.families

FAR = 4_000_000_000  # Unix seconds, in 2096


@pytest.fixture
async def hfe_pair(pair):  # type: ignore[no-untyped-def]
    """``pair``, skipped when the server has no hash field expiry (Redis before 7.4)."""
    try:
        await pair[0].httl("h", "f")
    except ResponseError as exc:
        if "unknown command" in str(exc).lower():
            pytest.skip("the server has no hash field expiry (HTTL unknown)")
        raise
    return pair


async def with_hash(client):  # type: ignore[no-untyped-def]
    await client.hset("h", mapping={"a": 1, "b": 2, "c": 3})


async def with_expiring(client):  # type: ignore[no-untyped-def]
    await with_hash(client)
    await client.hexpireat("h", FAR, "a")
    await client.hpexpireat("h", FAR * 1000 + 500, "b")


async def test_hexpire_family_returns_one_code_per_field(hfe_pair):  # type: ignore[no-untyped-def]
    pair = hfe_pair
    assert await write_both(pair, with_hash, "hexpire", "h", 100, "a", "nope") == [1, -2]
    assert await write_both(pair, with_hash, "hexpire", "h", datetime.timedelta(minutes=2), "a", "b") == [1, 1]
    assert await write_both(pair, with_hash, "hexpire", "h", 0, "a") == [2]
    assert await write_both(pair, with_hash, "hpexpire", "h", 100_000, "a", "b", "c") == [1, 1, 1]
    assert await write_both(pair, with_hash, "hpexpire", "h", datetime.timedelta(seconds=9.5), "c") == [1]
    assert await write_both(pair, with_hash, "hexpireat", "h", FAR, "a") == [1]
    later = datetime.datetime.now() + datetime.timedelta(days=1)
    assert await write_both(pair, with_hash, "hexpireat", "h", later, "a") == [1]
    assert await write_both(pair, with_hash, "hexpireat", "h", int(time.time()) - 10, "a") == [2]
    assert await write_both(pair, with_hash, "hpexpireat", "h", FAR * 1000, "a", "b") == [1, 1]
    assert await write_both(pair, with_hash, "hpexpireat", "h", later, "c") == [1]
    assert await write_both(pair, with_hash, "hexpire", "missing", 10, "a") == [-2]


async def test_conditions_nx_xx_gt_lt(hfe_pair):  # type: ignore[no-untyped-def]
    pair = hfe_pair
    assert await write_both(pair, with_expiring, "hexpireat", "h", FAR + 1, "a", "c", nx=True) == [0, 1]
    assert await write_both(pair, with_expiring, "hexpireat", "h", FAR + 1, "a", "c", xx=True) == [1, 0]
    assert await write_both(pair, with_expiring, "hexpireat", "h", FAR - 1, "a", "b", gt=True) == [0, 0]
    assert await write_both(pair, with_expiring, "hpexpireat", "h", FAR * 1000 - 1, "a", "c", lt=True) == [1, 1]
    assert await write_both(pair, with_expiring, "hexpire", "h", 50, "c", xx=True) == [0]
    assert await write_both(pair, with_expiring, "hpexpire", "h", 50_000, "a", lt=True) == [1]


async def test_readers_and_hpersist(hfe_pair):  # type: ignore[no-untyped-def]
    pair = hfe_pair
    await with_expiring(pair[0])
    times = await both(pair, "hexpiretime", "h", "a", "b", "c", "nope")
    assert times[0] == FAR and times[1] in (FAR, FAR + 1) and times[2:] == [-1, -2]
    assert await both(pair, "hpexpiretime", "h", "a", "b", "c") == [FAR * 1000, FAR * 1000 + 500, -1]
    assert await both(pair, "hexpiretime", "missing", "a") == [-2]
    ours, theirs = pair
    for method, scale in (("httl", 1), ("hpttl", 1000)):
        mine = await getattr(ours, method)("h", "a", "c", "nope")
        reference = await getattr(theirs, method)("h", "a", "c", "nope")
        assert type(mine) is type(reference) is list and all(type(x) is int for x in mine)
        assert mine[1:] == reference[1:] == [-1, -2]
        assert abs(mine[0] - reference[0]) <= 2 * scale and mine[0] > (FAR - time.time() - 5) * scale
    assert await write_both(pair, with_expiring, "hpersist", "h", "a", "c", "nope") == [1, -1, -2]
    assert await both(pair, "hexpiretime", "h", "a") == [-1]


async def test_more_than_one_condition_raises_value_error_before_sending(pair):  # type: ignore[no-untyped-def]
    # no server support needed: redis-py raises before sending, and so do we
    for method, when in (("hexpire", 10), ("hpexpire", 10), ("hexpireat", FAR), ("hpexpireat", FAR * 1000)):
        await raises_both(pair, "ValueError", method, "h", when, "a", nx=True, xx=True)
        await raises_both(pair, "ValueError", method, "h", when, "a", gt=True, lt=True)
        await raises_both(pair, "ValueError", method, "h", when, "a", nx=True, gt=True, xx=True)


async def test_server_rejections_are_response_errors(hfe_pair):  # type: ignore[no-untyped-def]
    pair = hfe_pair
    await with_hash(pair[0])
    await pair[0].set("s", "text")
    await raises_both(pair, "ResponseError", "hexpire", "h", 10)  # FIELDS 0
    await raises_both(pair, "ResponseError", "hexpire", "h", 1.5, "a")  # passed as given, as redis-py does
    await raises_both(pair, "ResponseError", "hpexpire", "h", -1, "a")
    await raises_both(pair, "ResponseError", "httl", "s", "a")
    await raises_both(pair, "ResponseError", "hpersist", "h")


async def test_timedelta_and_datetime_set_the_same_expiry_as_redis_py(hfe_pair):  # type: ignore[no-untyped-def]
    pair = hfe_pair
    later = datetime.datetime.now() + datetime.timedelta(days=1)
    for method, when in (
        ("hexpire", datetime.timedelta(minutes=2)),
        ("hpexpire", datetime.timedelta(seconds=90.5)),
        ("hexpireat", later),
        ("hpexpireat", later),
    ):
        expiry = []
        for client in pair:
            await pair[0].flushdb()
            await with_hash(pair[0])
            await getattr(client, method)("h", when, "a")
            expiry.append((await pair[0].hpexpiretime("h", "a"))[0])
        assert abs(expiry[0] - expiry[1]) < 1000, (method, expiry)
