"""RedisTimeSeries through ``r.ts()``: same results as redis.asyncio, RESP2/RESP3, bytes/str.

The server's RedisTimeSeries is 1.12: TS.NRANGE, TS.NREVRANGE, TS.READ and
TS.QUERYLABELS (newer) are checked as both clients meet the server's
"unknown command" error, and their client-side argument errors alike.
"""

from __future__ import annotations

from typing import Any

import pytest

import leanredis
from leanredis.commands.timeseries.info import TSInfo

from . import module_oracle
from .module_oracle import both, raises_both, same, write_both

modules_pair = module_oracle.modules_pair  # the fixture

pytestmark = pytest.mark.timeout(30)

#: TimeSeries commands newer than the server's module (1.12): the table has rows the server cannot confirm.
NEWER_THAN_THE_SERVER = {"TS.NRANGE", "TS.NREVRANGE", "TS.READ", "TS.QUERYLABELS"}


@pytest.fixture(autouse=True)
def _needs_timeseries(modules_server) -> None:  # type: ignore[no-untyped-def]
    missing = modules_server.missing_modules.get("timeseries")
    if missing:
        pytest.skip(f"RedisTimeSeries cannot be loaded here: {missing}")


async def series(client: Any) -> None:
    ts = client.ts()
    await ts.create("a", retention_msecs=100_000, labels={"kind": "t", "room": "1"})
    await ts.create("b", labels={"kind": "t", "room": "2"}, duplicate_policy="last")
    await ts.create("avg", labels={"kind": "rollup"})
    await ts.create("empty", labels={"kind": "none"})
    await ts.create("bmax")
    await ts.createrule("a", "avg", "avg", 10)
    await ts.madd([("a", 1, 1.5), ("a", 5, 2), ("a", 12, 3.25), ("a", 25, -1), ("b", 3, 7), ("b", 12, 8.5)])


async def test_series_writes(modules_pair) -> None:  # type: ignore[no-untyped-def]
    assert await write_both(modules_pair, series, "ts", "create", "n") is True
    assert await write_both(
        modules_pair, series, "ts", "create", "n", retention_msecs=10, uncompressed=True, labels={"x": "1"},
        chunk_size=128, duplicate_policy="max", ignore_max_time_diff=5, ignore_max_val_diff=0.5,
    ) is True  # fmt: skip
    await raises_both(modules_pair, "ResponseError", "ts", "create", "a")
    await raises_both(modules_pair, "ValueError", "ts", "create", "n", ignore_max_time_diff=5)
    assert await write_both(modules_pair, series, "ts", "alter", "a", retention_msecs=5, labels={"z": "9"}) is True
    await write_both(modules_pair, series, "ts", "alter", "b", chunk_size=256, duplicate_policy="min")
    assert await write_both(modules_pair, series, "ts", "add", "a", 30, 4.5) == 30
    await write_both(modules_pair, series, "ts", "add", "n", 7, "2.5", retention_msecs=10, labels={"x": "y"})
    await write_both(modules_pair, series, "ts", "add", "a", 5, 9, on_duplicate="sum")
    await write_both(modules_pair, series, "ts", "add", "n", 1, 1, uncompressed=True, chunk_size=64,
                     duplicate_policy="first", ignore_max_time_diff=1, ignore_max_val_diff=1)  # fmt: skip
    await raises_both(modules_pair, "ResponseError", "ts", "add", "a", 1, 1)  # a duplicate, BLOCK policy
    # an error for one sample is an item of the list (compared by class: leanredis keeps the server's
    # whole text, "ERR ..."), the other samples are added
    results = []
    for client in modules_pair:
        await modules_pair[0].flushdb()
        await series(modules_pair[0])
        got = await client.ts().madd([("a", 40, 1), ("nope", 1, 1), ("b", 40, 2)])
        results.append([type(item).__name__ if isinstance(item, Exception) else item for item in got])
    assert results[0] == results[1] == [40, "ResponseError", 40]
    assert await write_both(modules_pair, series, "ts", "incrby", "a", 2, timestamp=50) == 50
    await write_both(modules_pair, series, "ts", "incrby", "n", 2, timestamp=3, labels={"x": "1"}, chunk_size=128,
                     retention_msecs=5, uncompressed=True, duplicate_policy="last")  # fmt: skip
    assert await write_both(modules_pair, series, "ts", "decrby", "b", 1.5, timestamp=60) == 60
    await write_both(modules_pair, series, "ts", "decrby", "n", 1, timestamp=9, ignore_max_time_diff=1,
                     ignore_max_val_diff=1)  # fmt: skip
    assert await write_both(modules_pair, series, "ts", "delete", "a", 0, 5) == 2
    assert await write_both(modules_pair, series, "ts", "createrule", "b", "bmax", "max", 5, align_timestamp=1)
    await raises_both(modules_pair, "ResponseError", "ts", "createrule", "a", "avg", "sum", 10)  # a rule there
    assert await write_both(modules_pair, series, "ts", "deleterule", "a", "avg") is True
    await raises_both(modules_pair, "ResponseError", "ts", "deleterule", "b", "avg")


async def test_range_and_revrange(modules_pair) -> None:  # type: ignore[no-untyped-def]
    await series(modules_pair[0])
    assert await both(modules_pair, "ts", "range", "a", "-", "+") == [(1, 1.5), (5, 2.0), (12, 3.25), (25, -1.0)]
    assert await both(modules_pair, "ts", "range", "empty", 0, 100) == []
    for method in ("range", "revrange"):
        for kwargs in [
            {"count": 2},
            {"aggregation_type": "avg", "bucket_size_msec": 10},
            {"aggregation_type": "count", "bucket_size_msec": 10, "align": 3, "bucket_timestamp": "mid"},
            {"aggregation_type": "sum", "bucket_size_msec": 5, "empty": True},
            {"filter_by_ts": [1, 12, 99], "filter_by_min_value": 0, "filter_by_max_value": 3},
            {"latest": True},
        ]:
            await both(modules_pair, "ts", method, "a", "-", "+", **kwargs)
        await both(modules_pair, "ts", method, "avg", 0, 100, latest=True)
    # several aggregators in one range are RedisTimeSeries 1.14's: 1.12 refuses them, for both clients alike
    await raises_both(modules_pair, "ResponseError", "ts", "range", "a", "-", "+", aggregation_type=["min", "max"])
    await raises_both(modules_pair, "ResponseError", "ts", "range", "missing", "-", "+")


async def test_get_and_mget(modules_pair) -> None:  # type: ignore[no-untyped-def]
    await series(modules_pair[0])
    assert await both(modules_pair, "ts", "get", "a") == (25, -1.0)
    assert await both(modules_pair, "ts", "get", "empty") is None
    await both(modules_pair, "ts", "get", "avg", latest=True)
    assert await both(modules_pair, "ts", "mget", ["kind=t"]) == [{"a": [{}, 25, -1.0]}, {"b": [{}, 12, 8.5]}]
    await both(modules_pair, "ts", "mget", ["kind=(t,none,rollup)"], with_labels=True)  # sorted by key
    await both(modules_pair, "ts", "mget", ["kind=t"], select_labels=["room", "nothing"])
    await both(modules_pair, "ts", "mget", ["kind=rollup"], latest=True)
    await both(modules_pair, "ts", "mget", ["kind=nobody"])
    await raises_both(modules_pair, "DataError", "ts", "mget", ["kind=t"], with_labels=True, select_labels=["x"])
    await raises_both(modules_pair, "ResponseError", "ts", "mget", ["not a filter"])


async def test_mrange_and_mrevrange(modules_pair) -> None:  # type: ignore[no-untyped-def]
    await series(modules_pair[0])
    for method in ("mrange", "mrevrange"):
        for kwargs in [
            {},
            {"with_labels": True, "count": 1},
            {"select_labels": ["room"]},
            {"aggregation_type": "max", "bucket_size_msec": 10, "align": 0, "bucket_timestamp": "+", "empty": True},
            {"filter_by_ts": [1, 3, 12], "filter_by_min_value": 0, "filter_by_max_value": 8},
            {"groupby": "kind", "reduce": "sum"},
            {"groupby": "room", "reduce": "max", "with_labels": True},
            {"latest": True},
        ]:
            await both(modules_pair, "ts", method, "-", "+", ["kind=(t,rollup)"], **kwargs)
    await both(modules_pair, "ts", "mrange", "-", "+", ["kind=t"], exclude_empty=True)
    await raises_both(modules_pair, "DataError", "ts", "mrange", "-", "+", ["kind=t"], exclude_empty=True,
                      groupby="kind", reduce="max")  # fmt: skip
    await raises_both(modules_pair, "DataError", "ts", "mrevrange", "-", "+", ["kind=t"], groupby="kind",
                      reduce="max", aggregation_type=["min", "max"])  # fmt: skip


async def test_queryindex_and_info(modules_pair) -> None:  # type: ignore[no-untyped-def]
    await series(modules_pair[0])
    await modules_pair[0].ts().create("42", labels={"kind": "number"})
    assert await both(modules_pair, "ts", "queryindex", ["kind=t"]) == ["a", "b"]
    assert await both(modules_pair, "ts", "queryindex", ["kind=number"]) == [42]  # redis-py's parse_to_list
    assert await both(modules_pair, "ts", "queryindex", ["kind=nobody"]) == []
    ours, theirs = modules_pair
    info = await ours.ts().info("a")
    assert isinstance(info, TSInfo)
    text = ours.options.decode_responses
    name = "avg" if text else b"avg"
    assert info.rules == {name: [10, "AVG" if text else b"AVG", 0]}
    assert info.labels == ({"kind": "t", "room": "1"} if text else {b"kind": b"t", b"room": b"1"})
    assert (info.total_samples, info.first_timestamp, info.last_timestamp, info.retention_msecs) == (4, 1, 25, 100_000)
    assert info["totalSamples"] == info.get("total_samples") == 4 and info.get("nothing") is None
    assert (await ours.ts().info("avg")).source_key == ("a" if text else b"a")
    if text:
        await both(modules_pair, "ts", "info", "a")
        await both(modules_pair, "ts", "info", "avg")
    else:
        # redis-py reads RESP3's map only when its names are text: with bytes every attribute is left empty
        assert (await theirs.ts().info("a")).total_samples is None
    await raises_both(modules_pair, "ResponseError", "ts", "info", "missing")


async def test_commands_newer_than_the_servers_module(modules_pair) -> None:  # type: ignore[no-untyped-def]
    await series(modules_pair[0])
    for method, args, kwargs in [
        ("read", ("a", 0), {}),
        ("read", ("a", 0), {"max_count": 2}),
        ("nrange", (["a", "b"], "-", "+"), {"aggregators": ["avg", "max"], "bucket_size_msec": 10, "count": 2}),
        ("nrevrange", (["a"], "-", "+"), {"latest": True, "empty": True, "align": 0}),
        ("querylabels", (), {}),
        ("querylabels", ("kind",), {"filters": ["kind=t"]}),
    ]:
        await raises_both(modules_pair, "ResponseError", "ts", method, *args, **kwargs)
    for method, args, kwargs in [
        ("read", ("a", 0), {"block_min_count": 2}),
        ("nrange", ([], "-", "+"), {}),
        ("nrevrange", (["a", "b"], "-", "+"), {"aggregators": "avg"}),
        ("querylabels", (), {"filters": []}),
    ]:
        await raises_both(modules_pair, "DataError", "ts", method, *args, **kwargs)


async def test_read_with_block_goes_through_the_blocking_pool(modules_pair) -> None:  # type: ignore[no-untyped-def]
    # the server's 1.12 has no TS.READ: the point is that the command reaches it and its error comes back
    await raises_both(modules_pair, "ResponseError", "ts", "read", "a", 0, block_milliseconds=10)


async def test_timeseries_pipelines(modules_pair) -> None:  # type: ignore[no-untyped-def]
    ours, theirs = modules_pair
    results = []
    for client, pipe_of in ((ours, lambda c: c.ts().pipeline()), (theirs, lambda c: c.pipeline())):
        await ours.flushdb()
        pipe = pipe_of(client)
        ts = pipe if client is ours else pipe.ts()
        ts.create("p", labels={"x": "1"})
        ts.add("p", 1, 2)
        ts.madd([("p", 2, 3), ("p", 3, 4)])
        ts.get("p")
        ts.range("p", "-", "+", count=2)
        ts.mget(["x=1"])
        ts.mrange("-", "+", ["x=1"])
        ts.queryindex(["x=1"])
        pipe.set("plain", 1)  # a core command of the pipeline
        results.append(await pipe.execute())
    assert same(results[0], results[1]), results
    # and the other way round: r.pipeline().ts()
    pipe = ours.pipeline()
    pipe.ts().get("p")
    pipe.ts().info("p")
    got, info = await pipe.execute()
    assert got == (3, 4.0) and info.total_samples == 3


async def test_the_command_tables_timeseries_rows_match_the_modules_command_info(modules_server) -> None:  # type: ignore[no-untyped-def]
    async with leanredis.Redis(host="127.0.0.1", port=modules_server.port) as client:
        problems = await module_oracle.table_differences(client, ("TS.",))
    assert problems == [f"{name}: the server has no such command" for name in sorted(NEWER_THAN_THE_SERVER)]
