"""RedisBloom through ``bf()``, ``cf()``, ``cms()``, ``topk()``, ``tdigest()``: same results as
redis.asyncio, RESP2/RESP3, bytes/str."""

from __future__ import annotations

from typing import Any

import pytest

import leanredis

from . import module_oracle
from .module_oracle import both, raises_both, same, write_both

modules_pair = module_oracle.modules_pair  # the fixture

pytestmark = [pytest.mark.timeout(30), pytest.mark.filterwarnings("ignore:Call to deprecated:DeprecationWarning")]


async def filters(client: Any) -> None:
    await client.bf().create("b", 0.01, 1000)
    await client.bf().madd("b", "x", "y")
    await client.cf().create("c", 1000)
    await client.cf().insert("c", ["x", "y", "x"])
    await client.cms().initbydim("m", 100, 5)
    await client.cms().initbydim("m2", 100, 5)
    await client.cms().incrby("m", ["a", "b"], [3, 4])
    await client.cms().incrby("m2", ["a"], [10])
    await client.topk().reserve("t", 2, 50, 4, 0.9)
    await client.topk().add("t", "a", "a", "b", "c", "a")
    await client.tdigest().create("d", 100)
    await client.tdigest().add("d", [1, 2, 3.5, 10])
    await client.tdigest().create("d2")
    await client.tdigest().create("empty")


async def test_bloom_filter(modules_pair) -> None:  # type: ignore[no-untyped-def]
    assert await write_both(modules_pair, filters, "bf", "create", "n", 0.01, 100, expansion=2) is True
    assert await write_both(modules_pair, filters, "bf", "reserve", "n", 0.01, 100, noScale=True) is True
    assert await write_both(modules_pair, filters, "bf", "add", "b", "z") is True
    assert await write_both(modules_pair, filters, "bf", "add", "b", "x") is False
    assert await write_both(modules_pair, filters, "bf", "madd", "b", "x", "q") == [False, True]
    await write_both(modules_pair, filters, "bf", "insert", "n", ["a", "b"], capacity=10, error=0.1, expansion=2)
    await write_both(modules_pair, filters, "bf", "insert", "n", ["a"], noScale=True)
    await raises_both(modules_pair, "ResponseError", "bf", "insert", "none", ["a"], noCreate=True)
    await modules_pair[0].flushdb()
    await filters(modules_pair[0])
    assert await both(modules_pair, "bf", "exists", "b", "x") is True
    assert await both(modules_pair, "bf", "mexists", "b", "x", "nope") == [True, False]
    assert await both(modules_pair, "bf", "card", "b") == 2
    assert (await both(modules_pair, "bf", "info", "b")).capacity == 1000
    chunks = []
    it = 0
    while True:  # a dump of a small filter: two chunks, then 0
        it, data = await both(modules_pair, "bf", "scandump", "b", it)
        if it == 0:
            break
        assert isinstance(data, bytes)
        chunks.append((it, data))
    assert len(chunks) < 10
    await modules_pair[0].delete("b")
    for it, data in chunks:
        await modules_pair[0].bf().loadchunk("b", it, data)
    assert await both(modules_pair, "bf", "mexists", "b", "x", "y") == [True, True]


async def test_cuckoo_filter(modules_pair) -> None:  # type: ignore[no-untyped-def]
    assert await write_both(modules_pair, filters, "cf", "create", "n", 100, expansion=1, bucket_size=2) is True
    assert await write_both(modules_pair, filters, "cf", "reserve", "n", 100, max_iterations=5) is True
    assert await write_both(modules_pair, filters, "cf", "add", "c", "z") is True
    assert await write_both(modules_pair, filters, "cf", "addnx", "c", "x") is False
    await write_both(modules_pair, filters, "cf", "insert", "n", ["a", "b"], capacity=10)
    await write_both(modules_pair, filters, "cf", "insertnx", "c", ["x", "new"])
    await raises_both(modules_pair, "ResponseError", "cf", "insert", "none", ["a"], nocreate=True)
    assert await write_both(modules_pair, filters, "cf", "delete", "c", "x") is True
    assert await write_both(modules_pair, filters, "cf", "delete", "c", "never") is False
    await modules_pair[0].flushdb()
    await filters(modules_pair[0])
    assert await both(modules_pair, "cf", "exists", "c", "x") is True
    assert await both(modules_pair, "cf", "mexists", "c", "x", "nope") == [True, False]
    assert await both(modules_pair, "cf", "count", "c", "x") == 2
    assert (await both(modules_pair, "cf", "info", "c")).insertedNum == 3
    if not modules_pair[0].options.decode_responses:  # redis-py decodes CF.SCANDUMP's binary chunk as text
        it, data = await both(modules_pair, "cf", "scandump", "c", 0)
        assert await write_both(modules_pair, nothing_but_delete, "cf", "loadchunk", "c", it, data) in (b"OK", "OK")


async def nothing_but_delete(client: Any) -> None:
    return None


async def test_count_min_sketch(modules_pair) -> None:  # type: ignore[no-untyped-def]
    assert await write_both(modules_pair, filters, "cms", "initbydim", "n", 10, 2) is True
    assert await write_both(modules_pair, filters, "cms", "initbyprob", "n", 0.01, 0.01) is True
    assert await write_both(modules_pair, filters, "cms", "incrby", "m", ["a", "z"], [1, 2]) == [4, 2]
    assert await write_both(modules_pair, filters, "cms", "merge", "m", 2, ["m", "m2"]) is True
    assert await write_both(modules_pair, filters, "cms", "merge", "m", 2, ["m", "m2"], weights=[1, 2]) is True
    await modules_pair[0].flushdb()
    await filters(modules_pair[0])
    assert await both(modules_pair, "cms", "query", "m", "a", "none") == [3, 0]
    assert (await both(modules_pair, "cms", "info", "m")).width == 100


async def test_top_k(modules_pair) -> None:  # type: ignore[no-untyped-def]
    assert await write_both(modules_pair, filters, "topk", "reserve", "n", 3, 10, 3, 0.5) is True
    await write_both(modules_pair, filters, "topk", "add", "t", "b", "b", "b", "d")
    await write_both(modules_pair, filters, "topk", "incrby", "t", ["c", "e"], [9, 1])
    await modules_pair[0].flushdb()
    await filters(modules_pair[0])
    assert await both(modules_pair, "topk", "query", "t", "a", "zz") == [True, False]
    await both(modules_pair, "topk", "count", "t", "a", "zz")
    await both(modules_pair, "topk", "list", "t")
    await both(modules_pair, "topk", "list", "t", withcount=True)
    assert (await both(modules_pair, "topk", "info", "t")).decay == 0.9


async def test_t_digest(modules_pair) -> None:  # type: ignore[no-untyped-def]
    assert await write_both(modules_pair, filters, "tdigest", "create", "n") is True
    await write_both(modules_pair, filters, "tdigest", "add", "d", [4, 5.5])
    await write_both(modules_pair, filters, "tdigest", "reset", "d")
    await write_both(modules_pair, filters, "tdigest", "merge", "out", 2, "d", "d2", compression=50)
    await write_both(modules_pair, filters, "tdigest", "merge", "d2", 1, "d", override=True)
    await modules_pair[0].flushdb()
    await filters(modules_pair[0])
    for method, args in [
        ("min", ("d",)), ("max", ("d",)), ("min", ("empty",)), ("quantile", ("d", 0.5, 1)),
        ("quantile", ("empty", 0.5)),
        ("cdf", ("d", 2, 100)), ("trimmed_mean", ("d", 0.1, 0.9)), ("rank", ("d", 2, 0)), ("revrank", ("d", 2)),
        ("byrank", ("d", 0, 100)), ("byrevrank", ("d", 1)), ("info", ("d",)),
    ]:  # fmt: skip
        await both(modules_pair, "tdigest", method, *args)


async def test_module_commands_in_a_pipeline(modules_pair) -> None:  # type: ignore[no-untyped-def]
    results = []
    for client in modules_pair:
        await modules_pair[0].flushdb()
        pipe = client.pipeline()
        pipe.bf().add("b", "x")
        pipe.cf().insert("c", ["x"])
        pipe.cms().initbydim("m", 10, 2)
        pipe.topk().reserve("t", 2, 8, 3, 0.9)
        pipe.topk().add("t", "a")
        pipe.tdigest().create("d")
        pipe.tdigest().add("d", [1, 2])
        pipe.tdigest().quantile("d", 0.5)
        pipe.bf().info("b")
        results.append(await pipe.execute())
    assert same(results[0], results[1]), results


async def test_the_command_tables_bloom_rows_match_the_modules_command_info(modules_server) -> None:  # type: ignore[no-untyped-def]
    async with leanredis.Redis(host="127.0.0.1", port=modules_server.port) as client:
        prefixes = ("BF.", "CF.", "CMS.", "TOPK.", "TDIGEST.")
        assert await module_oracle.table_differences(client, prefixes) == []
