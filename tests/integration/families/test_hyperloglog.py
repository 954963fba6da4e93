"""HyperLogLog commands: same values and types as redis.asyncio, RESP2/RESP3, bytes/str."""

from __future__ import annotations

import pytest

from .oracle import both, raises_both, write_both

pytestmark = pytest.mark.families


async def nothing(client):  # type: ignore[no-untyped-def]
    return None


async def with_logs(client):  # type: ignore[no-untyped-def]
    await client.pfadd("h1", "a", "b", "c")
    await client.pfadd("h2", "c", "d", 1, 2.5)


async def test_pfadd_says_whether_the_estimate_changed(pair):  # type: ignore[no-untyped-def]
    assert await write_both(pair, nothing, "pfadd", "h", "a", "b") == 1
    assert await write_both(pair, with_logs, "pfadd", "h1", "a") == 0
    assert await write_both(pair, with_logs, "pfadd", "h1", "z") == 1
    assert await write_both(pair, nothing, "pfadd", "h") == 1  # no value: creates the key
    assert await write_both(pair, with_logs, "pfadd", "h1") == 0


async def test_pfcount_estimates_one_or_the_union_of_several(pair):  # type: ignore[no-untyped-def]
    await with_logs(pair[0])
    assert await both(pair, "pfcount", "h1") == 3
    assert await both(pair, "pfcount", "h1", "h2") == 6
    assert await both(pair, "pfcount", "missing") == 0


async def test_pfmerge_returns_true_and_stores_the_union(pair):  # type: ignore[no-untyped-def]
    assert await write_both(pair, with_logs, "pfmerge", "u", "h1", "h2") is True
    assert await both(pair, "pfcount", "u") == 6
    assert await write_both(pair, with_logs, "pfmerge", "h1") is True
    assert await write_both(pair, with_logs, "pfmerge", "u", "missing") is True


async def test_wrong_arguments_are_server_errors(pair):  # type: ignore[no-untyped-def]
    await pair[0].set("s", "not a hyperloglog")
    await raises_both(pair, "ResponseError", "pfcount")
    await raises_both(pair, "ResponseError", "pfcount", "s")
    await raises_both(pair, "ResponseError", "pfmerge", "u", "s")
    await raises_both(pair, "ResponseError", "pfadd", "s", "x")
