"""String commands: same values and types as redis.asyncio, RESP2/RESP3, bytes/str."""

from __future__ import annotations

import datetime

import pytest

from leanredis import DataError, ResponseError

from .oracle import both, write_both

pytestmark = pytest.mark.families


async def nothing(client):  # type: ignore[no-untyped-def]
    return None


async def with_counter(client):  # type: ignore[no-untyped-def]
    await client.set("n", "10")


async def with_text(client):  # type: ignore[no-untyped-def]
    await client.set("s", "hello")


async def test_get_and_set_return_redis_py_types(pair):  # type: ignore[no-untyped-def]
    await write_both(pair, nothing, "set", "k", "v")
    await write_both(pair, with_text, "set", "s", "v", nx=True)
    await write_both(pair, nothing, "set", "s", "v", xx=True)
    await write_both(pair, with_text, "set", "s", "v2", get=True)
    await write_both(pair, with_text, "set", "s", "v", ex=100, keepttl=False)
    await write_both(pair, with_text, "set", "s", "v", px=datetime.timedelta(seconds=5))
    await write_both(pair, with_text, "set", "s", "v", keepttl=True)
    await write_both(pair, nothing, "set", "s", "v", exat=datetime.datetime.now() + datetime.timedelta(hours=1))
    await write_both(pair, nothing, "set", "s", "v", pxat=4_000_000_000_000)
    await pair[0].set("k", "v")
    assert await both(pair, "get", "k") in (b"v", "v")
    assert await both(pair, "get", "missing") is None


async def test_counters_return_int_and_float(pair):  # type: ignore[no-untyped-def]
    await write_both(pair, with_counter, "incr", "n")
    await write_both(pair, with_counter, "incr", "n", 5)
    await write_both(pair, with_counter, "incrby", "n", 3)
    await write_both(pair, with_counter, "decr", "n")
    await write_both(pair, with_counter, "decrby", "n", 4)
    assert await write_both(pair, with_counter, "incrbyfloat", "n", 0.5) == 10.5


async def test_multi_key_and_range_commands(pair):  # type: ignore[no-untyped-def]
    await write_both(pair, nothing, "mset", {"a": "1", "b": "2"})
    await write_both(pair, with_text, "msetnx", {"s": "1", "z": "2"})
    await write_both(pair, nothing, "msetnx", {"y": "1", "z": "2"})
    await pair[0].mset({"a": "1", "b": "2"})
    await both(pair, "mget", ["a", "b", "nope"])
    await both(pair, "mget", "a", "b")
    await write_both(pair, with_text, "append", "s", " world")
    await pair[0].set("s", "hello")
    await both(pair, "strlen", "s")
    await both(pair, "getrange", "s", 1, 3)
    await write_both(pair, with_text, "setrange", "s", 1, "EY")
    await write_both(pair, with_text, "getdel", "s")
    await write_both(pair, with_text, "getex", "s", ex=100)
    await write_both(pair, with_text, "getex", "s", persist=True)
    await write_both(pair, with_text, "getset", "s", "new")
    await write_both(pair, with_text, "setnx", "s", "x")
    await write_both(pair, nothing, "setnx", "s", "x")
    await write_both(pair, nothing, "setex", "s", 100, "x")
    await write_both(pair, nothing, "psetex", "s", 100000, "x")


async def test_bad_arguments_raise_data_error_and_server_errors_keep_their_text(r):  # type: ignore[no-untyped-def]
    with pytest.raises(DataError, match="NoneType"):
        await r.set("k", None)
    with pytest.raises(DataError, match="bool"):
        await r.set("k", True)
    with pytest.raises(DataError, match="mutually exclusive"):
        r.set("k", "v", ex=1, px=1)
    await r.set("k", "text")
    with pytest.raises(ResponseError, match="not an integer"):
        await r.incr("k")
    assert await r.get("k") == b"text"  # the client still works after both


async def _mget_calls(client) -> int:  # type: ignore[no-untyped-def]
    """MGET calls the server saw, rejected ones included (how redis-py's mget([]) shows)."""
    stats = (await client.info("commandstats")).get("cmdstat_mget", {})
    return int(stats.get("calls", 0)) + int(stats.get("rejected_calls", 0))


async def test_mget_of_no_keys_is_an_empty_list_sent_as_redis_py_sends_it(pair):  # type: ignore[no-untyped-def]
    ours, theirs = pair
    await ours.set("a", "1")
    assert await both(pair, "mget", []) == []
    assert await both(pair, "mget", [], "a") in ([b"1"], ["1"])
    for client in pair:
        with pytest.raises(TypeError):
            client.mget()
    # outside MULTI the lone MGET goes to the server (an arity error read as []); inside, it is left out
    for transaction, sent in ((False, 1), (True, 0)):
        results = []
        for client in pair:
            before = await _mget_calls(theirs)
            pipe = client.pipeline(transaction=transaction)
            pipe.mget([]).get("a").mget(())
            results.append(await pipe.execute())
            assert await _mget_calls(theirs) - before == 2 * sent, (client, transaction)
        assert results[0] == results[1] and results[0][0] == [] and results[0][2] == []
    before = await _mget_calls(theirs)
    await ours.mget([])
    assert await _mget_calls(theirs) - before == 1
