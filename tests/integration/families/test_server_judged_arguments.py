"""Arguments redis-py sends for the server to judge are sent here too, and refused by the server alike.

redis-py checks some arguments in the method (a ``DataError`` at the call) and sends others as they are:
a combination of flags the command refuses, a keyword it does not know, a negative or written-out
timeout. For those, a suite written against redis-py expects the server's ``ResponseError`` (or its
answer), not a refusal of the client's own.
"""

from __future__ import annotations

import pytest

from .oracle import raises_both, write_both

pytestmark = pytest.mark.families


async def with_data(client):  # type: ignore[no-untyped-def]
    await client.set("k", "v")
    await client.rpush("l", "a", "b", "c")
    await client.hset("h", mapping={"f": "v", "g": "w"})
    await client.xadd("x", {"f": "v"}, id="1-0")


async def test_flag_combinations_the_server_refuses_are_its_response_errors(pair):  # type: ignore[no-untyped-def]
    await with_data(pair[0])
    for method in ("expire", "pexpire", "expireat", "pexpireat"):
        await raises_both(pair, "ResponseError", method, "k", 4_000_000_000, nx=True, xx=True)
        await raises_both(pair, "ResponseError", method, "k", 4_000_000_000, gt=True, lt=True)
    assert await write_both(pair, with_data, "expire", "k", 100, xx=True, gt=True) is False
    await raises_both(pair, "ResponseError", "hrandfield", "h", withvalues=True)
    await raises_both(pair, "ResponseError", "xadd", "x", {"f": "w"}, id="2-0", limit=1)


async def test_keywords_of_a_list_command_are_sent_as_given(pair):  # type: ignore[no-untyped-def]
    await with_data(pair[0])
    await raises_both(pair, "ResponseError", "linsert", "l", "INSIDE", "b", "q")
    await raises_both(pair, "ResponseError", "lmove", "l", "l2", "UP")
    assert await write_both(pair, with_data, "linsert", "l", "after", "b", "q") == 4
    assert await write_both(pair, with_data, "lmove", "l", "l2", "right", "left") in (b"c", "c")


async def test_blocking_timeouts_are_sent_as_given(pair):  # type: ignore[no-untyped-def]
    await with_data(pair[0])
    for method, args in (("blpop", (["l"],)), ("brpop", (["l"],)), ("brpoplpush", ("l", "l2"))):
        await raises_both(pair, "ResponseError", method, *args, -1)
    assert await write_both(pair, with_data, "blpop", ["l"], "1") in ((b"l", b"a"), ("l", "a"))
    assert await write_both(pair, with_data, "blmove", "l", "l2", "0.5") in (b"a", "a")


async def with_pending(client):  # type: ignore[no-untyped-def]
    await client.xadd("x", {"f": "v"}, id="1-0")
    await client.xgroup_create("x", "g", id="0")
    await client.xreadgroup("g", "c", {"x": ">"})


async def test_stream_counts_and_idle_times_are_checked_as_redis_py_checks_them(pair):  # type: ignore[no-untyped-def]
    await with_pending(pair[0])
    # strings of digits are the server's to read; a fraction or a COUNT of 0 the server's to refuse
    claimed = await write_both(pair, with_pending, "xautoclaim", "x", "g", "c2", "0", count="5", justid=True)
    assert claimed in ([b"1-0"], ["1-0"])
    for client in pair:  # compared by id: the time since delivery may differ by a millisecond
        pending = await client.xpending_range("x", "g", "-", "+", "3", idle="0")
        assert [entry["message_id"] for entry in pending] in ([b"1-0"], ["1-0"])
    await raises_both(pair, "ResponseError", "xautoclaim", "x", "g", "c2", 1.5)
    await raises_both(pair, "ResponseError", "xautoclaim", "x", "g", "c2", 0, count=0)
    await raises_both(pair, "DataError", "xautoclaim", "x", "g", "c2", -1)
    await raises_both(pair, "DataError", "xpending_range", "x", "g", "-", "+", -1)
