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
