"""Pipelines: order, redis-py result types, errors both ways, bounds, release of what was written."""

from __future__ import annotations

import asyncio
import gc
import subprocess
import sys
import weakref
from typing import Any

import pytest

import leanredis
from leanredis import DataError, ResponseError
from leanredis.server import RedisServer

from .docs_examples import example, printed
from .families.oracle import same_shape
from .helpers import stopped


def fill(pipe: Any) -> Any:
    """The same commands on either client's pipeline (chained, as redis-py users write them)."""
    pipe.set("s", "v").get("s").incr("n").incrbyfloat("f", 1.5).hset("h", "a", "1").hgetall("h")
    pipe.rpush("l", "x", "y").lrange("l", 0, -1).sadd("set", "m").smembers("set")
    pipe.zadd("z", {"a": 1.0, "b": 2.5}).zrange("z", 0, -1, withscores=True).zscore("z", "b")
    pipe.expire("s", 100).ttl("s").exists("s", "nope").type("h").get("missing").delete("l")
    return pipe


@pytest.mark.parametrize("transaction", [False, True], ids=["pipeline", "multi-exec"])
async def test_results_come_back_in_order_with_redis_py_types(pair: Any, transaction: bool) -> None:
    ours, theirs = pair
    mine = await fill(ours.pipeline(transaction=transaction)).execute()
    await ours.flushdb()
    reference = await fill(theirs.pipeline(transaction=transaction)).execute()
    assert len(mine) == len(reference) == 19
    for index, (a, b) in enumerate(zip(mine, reference, strict=True)):
        assert same_shape(a, b), f"command #{index + 1}: leanredis {a!r} vs redis-py {b!r}"


@pytest.mark.parametrize("transaction", [False, True], ids=["pipeline", "multi-exec"])
async def test_a_pipeline_makes_a_new_independent_pipeline_as_redis_pys_does(pair: Any, transaction: bool) -> None:
    for client in pair:
        outer = client.pipeline(transaction=False)
        outer.set("pp:outer", 1)
        inner = outer.pipeline(transaction=transaction)
        assert type(inner) is type(outer) and inner is not outer and len(inner) == 0
        assert inner.is_transaction is transaction
        inner.set("pp:inner", 2).get("pp:outer")
        assert await inner.execute() == [True, None]  # the outer's SET was not sent with it
        assert await outer.execute() == [True]
        await client.delete("pp:outer", "pp:inner")


async def test_methods_chain_and_len_counts_recorded_commands(r: leanredis.Redis) -> None:
    pipe = r.pipeline(transaction=False)
    assert pipe.set("a", 1).get("a") is pipe
    assert await pipe.incr("a") is pipe  # awaiting in buffered mode gives the pipeline, as in redis-py
    assert len(pipe) == 3 and bool(r.pipeline())
    assert await pipe.execute() == [True, b"1", 2]
    assert len(pipe) == 0
    assert await pipe.execute() == []


async def test_error_inside_pipeline_is_raised_annotated_after_every_command_ran(r: leanredis.Redis) -> None:
    pipe = r.pipeline(transaction=False)
    pipe.set("a", "1").lpush("a", "x").set("b", "2")
    with pytest.raises(ResponseError, match=r"Command # 2 \(LPUSH a x\) of pipeline caused error: \('WRONGTYPE"):
        await pipe.execute()
    assert await r.get("b") == b"2"  # the commands after the error ran
    assert len(pipe) == 0


LONG = "word " * 30 + "x" * 300


@pytest.mark.parametrize("transaction", [False, True], ids=["pipeline", "multi-exec"])
@pytest.mark.parametrize(
    "record",
    [
        pytest.param(lambda p: p.set("a", 1).set("b", 2).lpush("a", 3), id="short"),
        pytest.param(lambda p: p.set("a", 1).lpush("a", 3, b"x" * 200), id="long-word"),
        pytest.param(lambda p: p.set("a", 1).lpush("a", LONG, "tail"), id="long-words"),
        pytest.param(lambda p: p.set("a", 1).lpush("a", "a" + " " * 500 + "b"), id="whitespace"),
        pytest.param(lambda p: p.set("a", 1).lpush("a", "é" * 200), id="multibyte"),
        pytest.param(lambda p: p.set("a" * 150, 1).lpush("a" * 150, 1), id="long-first"),
        pytest.param(lambda p: p.set("a", 1).set("b", 2.5).execute_command("LPUSH", "a", b"\xff\xfe"), id="raw"),
    ],
)
async def test_pipeline_error_message_is_redis_pys(pair, transaction: bool, record: Any) -> None:  # type: ignore[no-untyped-def]
    """``Command # 3 (LPUSH a 3) of pipeline caused error: ('WRONGTYPE ...',)``, the command cut to 100 characters."""
    messages = []
    for client in pair:
        await client.flushdb()
        pipe = client.pipeline(transaction=transaction)
        record(pipe)
        with pytest.raises(Exception) as info:  # noqa: B017 (two libraries' ResponseError)
            await pipe.execute()
        assert "ResponseError" in {cls.__name__ for cls in type(info.value).__mro__}
        messages.append(info.value.args)
    assert messages[0] == messages[1]
    assert messages[0][0].startswith("Command # ")


async def test_queue_time_error_of_a_transaction_is_annotated_as_redis_py_does(pair) -> None:  # type: ignore[no-untyped-def]
    messages = []
    for client in pair:
        pipe = client.pipeline()
        pipe.set("a", 1).get("a").execute_command("SET", "a")
        with pytest.raises(Exception) as info:  # noqa: B017 (two libraries' ResponseError)
            await pipe.execute()
        assert type(info.value).__name__ == "ResponseError"
        messages.append(info.value.args)
    # the one difference: the server's text is kept whole ("ERR ..."), where redis-py drops "ERR "
    assert messages[0] == (messages[1][0].replace("(\"wrong", "(\"ERR wrong"),)
    assert messages[0][0].startswith("Command # 3 (SET a) of pipeline caused error: (")
    # an MGET of no keys is not sent but keeps its place (redis-py raises TypeError here: a bug of its)
    pipe = pair[0].pipeline()
    pipe.set("a", 1).mget([]).execute_command("SET", "a")
    with pytest.raises(ResponseError, match=r"^Command # 3 \(SET a\) of pipeline caused error: \("):
        await pipe.execute()


async def test_raise_on_error_false_puts_each_error_in_its_place(r: leanredis.Redis) -> None:
    pipe = r.pipeline(transaction=False)
    pipe.set("a", "1").lpush("a", "x").incr("a").hincrby("a", "f", 1).get("a")
    result = await pipe.execute(raise_on_error=False)
    assert result[0] is True and result[2] == 2 and result[4] == b"2"
    assert isinstance(result[1], ResponseError) and "WRONGTYPE" in str(result[1])
    assert isinstance(result[3], ResponseError)


async def test_async_with_resets_the_pipeline(r: leanredis.Redis) -> None:
    async with r.pipeline() as pipe:
        pipe.set("a", 1)
        assert len(pipe) == 1
    assert len(pipe) == 0
    assert await r.get("a") is None  # never executed


@pytest.mark.parametrize("transaction", [False, True], ids=["pipeline", "multi-exec"])
async def test_pipeline_of_10000_commands_works_and_leaves_nothing_buffered(
    redis_server: RedisServer, transaction: bool
) -> None:
    # max_inflight far below the pipeline: the plain pipeline waits in the connection's
    # bounded queue, the transaction is encoded whole (never split over the queue)
    client = leanredis.Redis(host="127.0.0.1", port=redis_server.port, max_inflight=500)
    try:
        await client.flushdb()
        pipe = client.pipeline(transaction=transaction)
        for i in range(10_000):
            pipe.incr("counter")
            pipe.set(f"k{i}", i)
        assert len(pipe) == 20_000
        result = await pipe.execute()
        assert result[::2] == list(range(1, 10_001))
        assert all(value is True for value in result[1::2])
        assert len(pipe) == 0 and pipe.command_stack == []
        connection = client.connection
        assert (connection.inflight, connection.queued, connection.buffered_bytes) == (0, 0, 0)
        assert await client.dbsize() == 10_001
        assert client._pool_box.pool is None  # nothing needed a dedicated connection
    finally:
        await client.aclose()


class Payload(bytearray):
    """A value that can be watched with a weakref (bytes cannot)."""


@pytest.mark.parametrize("transaction", [False, True], ids=["pipeline", "multi-exec"])
async def test_recorded_commands_are_released_once_written(
    r: leanredis.Redis, redis_server: RedisServer, transaction: bool
) -> None:
    pipe = r.pipeline(transaction=transaction)
    value = Payload(b"x" * 100_000)
    alive = weakref.ref(value)
    pipe.set("big", value).strlen("big")
    del value
    assert alive() is not None  # recorded: the pipeline holds it until execute
    # the server stopped (SIGSTOP), not paused for 0.3 s, which a loaded machine could outlast: no reply
    # comes back before the checks, however late they run
    with stopped(redis_server):
        task = asyncio.ensure_future(pipe.execute())
        for _ in range(5):
            await asyncio.sleep(0.01)  # written, replies not yet back (the server is stopped)
        gc.collect()
        assert not task.done()
        assert alive() is None, "the pipeline kept its arguments after they were written"
    assert await asyncio.wait_for(task, 10) == [True, 100_000]


async def test_other_callers_never_land_inside_a_transaction(r: leanredis.Redis) -> None:
    await r.set("plain", "p")

    async def transaction(i: int) -> list[Any]:
        pipe = r.pipeline()
        pipe.incr("t").set(f"t{i}", i).get(f"t{i}")
        return await pipe.execute()

    async def reader() -> Any:
        return await r.get("plain")

    work = [transaction(i) if i % 3 == 0 else reader() for i in range(600)]
    results = await asyncio.gather(*work)
    for i, result in enumerate(results):
        if i % 3 == 0:
            assert result[1:] == [True, str(i).encode()]
        else:
            assert result == b"p"  # a command inside someone's MULTI would have read b"QUEUED"
    assert await r.get("t") == b"200"


async def test_unencodable_argument_fails_before_anything_is_sent(r: leanredis.Redis) -> None:
    pipe = r.pipeline()
    pipe.set("a", "1").set("b", object())  # type: ignore[arg-type]
    with pytest.raises(DataError):
        await pipe.execute()
    assert await r.get("a") is None  # MULTI was never sent: the shared connection is not in a transaction
    assert await r.set("c", "3") is True
    assert r.connection.inflight == 0


async def test_blocking_command_in_a_pipeline_runs_on_a_pool_connection(r: leanredis.Redis) -> None:
    pipe = r.pipeline(transaction=False)
    pipe.blpop("q", 0.3).rpush("q2", "x")
    task = asyncio.ensure_future(pipe.execute())
    await asyncio.sleep(0.05)
    started = asyncio.get_running_loop().time()
    assert await r.ping() is True  # the shared connection is not behind the BLPOP
    assert asyncio.get_running_loop().time() - started < 0.2
    assert await task == [None, 1]
    stats = r.connection_pool.stats()
    assert (stats["created"], stats["in_use"], stats["idle"], stats["closed_dirty"]) == (1, 0, 1, 0)


def test_the_pipelines_guide_example_prints_what_its_comments_say(redis_server: RedisServer) -> None:
    code = example("docs/guides/pipelines.md", "r.transaction(")
    code = code.replace("redis://localhost:6379/0", f"{redis_server.url}/7")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == printed(code)


@pytest.mark.parametrize("transaction", [False, True], ids=["pipeline", "multi-exec"])
@pytest.mark.timeout(30)
async def test_a_pipeline_counts_each_of_its_commands_in_flight(redis_server: RedisServer, transaction: bool) -> None:
    """A pipeline is one future on the connection, but every reply it owes counts in max_inflight."""
    client = leanredis.Redis(host="127.0.0.1", port=redis_server.port, max_inflight=50)
    try:
        await client.ping()
        # the server stopped (SIGSTOP), not its writes paused for 0.5 s, which a loaded machine could outlast:
        # no reply comes back before the counts below
        with stopped(redis_server):
            pipe = client.pipeline(transaction=transaction)
            for i in range(60):
                pipe.set(f"p{i}", i)
            running = asyncio.ensure_future(pipe.execute())
            await asyncio.sleep(0)  # execute() has encoded the pipeline: room before it, so it went whole
            owed = 62 if transaction else 60  # MULTI and EXEC owe replies too
            assert client.connection.inflight == owed
            single = client.set("after", 1)  # past max_inflight: waits for the pipeline's replies
            assert client.connection.queued == 1
            assert client.stats()["inflight"] == owed
        assert await running == [True] * 60
        assert await single is True
        assert client.connection.inflight == 0 and client.connection.queued == 0
    finally:
        await client.aclose()


@pytest.mark.timeout(30)
async def test_a_pipeline_lost_with_its_socket_fails_once_and_the_connection_is_reusable(
    redis_server: RedisServer,
) -> None:
    client = leanredis.Redis(host="127.0.0.1", port=redis_server.port)
    other = leanredis.Redis(host="127.0.0.1", port=redis_server.port)
    try:
        victim = await client.client_id()
        # writes paused until the UNPAUSE, not for 2 s, which a loaded machine could outlast before the kill
        await other.execute_command("CLIENT", "PAUSE", 60_000, "WRITE")
        try:
            pipe = client.pipeline(transaction=False)
            for i in range(20):
                pipe.set(f"lost{i}", i)
            running = asyncio.ensure_future(pipe.execute())
            await asyncio.sleep(0.05)
            await other.execute_command("CLIENT", "KILL", "ID", victim)
            with pytest.raises(leanredis.ConnectionError) as caught:
                await running
            assert caught.value.possibly_executed  # written: the server may have run some of it
        finally:
            await other.execute_command("CLIENT", "UNPAUSE")
        assert client.connection.inflight == 0
        assert await client.pipeline(transaction=False).set("again", 1).get("again").execute() == [True, b"1"]
    finally:
        await other.aclose()
        await client.aclose()


@pytest.mark.timeout(30)
async def test_max_reply_bytes_bounds_each_reply_of_a_pipeline_not_their_sum(redis_server: RedisServer) -> None:
    client = leanredis.Redis(host="127.0.0.1", port=redis_server.port, max_reply_bytes=20_000)
    try:
        await client.set("v", b"x" * 1000)
        pipe = client.pipeline(transaction=False)
        for _ in range(2000):  # 2 MB of replies, each far under the bound
            pipe.get("v")
        assert await pipe.execute() == [b"x" * 1000] * 2000
    finally:
        await client.aclose()


@pytest.mark.parametrize("transaction", [False, True], ids=["pipeline", "multi-exec"])
async def test_a_long_bytes_value_among_short_commands_is_released_once_written(
    r: leanredis.Redis, redis_server: RedisServer, transaction: bool
) -> None:
    value = bytes(100_000)  # plain bytes, encoded by hiredis with its short neighbours
    baseline = sys.getrefcount(value)
    pipe = r.pipeline(transaction=transaction)
    for i in range(40):
        pipe.set(f"short:{i}", i)
    pipe.set("big", value).strlen("big")
    assert sys.getrefcount(value) > baseline  # recorded: the pipeline holds it until execute
    # the server stopped (SIGSTOP), not paused for 0.3 s, which a loaded machine could outlast
    with stopped(redis_server):
        task = asyncio.ensure_future(pipe.execute())
        for _ in range(5):
            await asyncio.sleep(0.01)  # written, replies not yet back (the server is stopped)
        assert not task.done()
        assert sys.getrefcount(value) == baseline, "the pipeline kept a long value after it was written"
    assert (await asyncio.wait_for(task, 10))[-2:] == [True, 100_000]


@pytest.mark.parametrize("transaction", [False, True], ids=["pipeline", "multi-exec"])
async def test_an_error_among_replies_sharing_one_parser_is_raised_or_kept_in_place(
    r: leanredis.Redis, transaction: bool
) -> None:
    await r.delete("str", "lst")
    await r.set("str", "v")
    await r.rpush("lst", "x")
    pipe = r.pipeline(transaction=transaction)
    pipe.get("str").get("lst").get("str")  # one parser for all three; the second reply is WRONGTYPE
    with pytest.raises(ResponseError, match=r"Command # 2 \(GET lst\) of pipeline caused error"):
        await pipe.execute()
    pipe.get("str").get("lst").get("str")
    results = await pipe.execute(raise_on_error=False)
    assert results[0] == results[2] == b"v" and isinstance(results[1], ResponseError)


@pytest.mark.parametrize("transaction", [False, True], ids=["pipeline", "multi-exec"])
@pytest.mark.parametrize("by_name", [False, True], ids=["positional", "keywords"])
async def test_a_pipeline_built_redis_py_s_way_on_the_client_s_pool_runs_as_on_redis_asyncio(
    redis_server: RedisServer, transaction: bool, by_name: bool
) -> None:
    """cashews: ``Pipeline(client.connection_pool, client.response_callbacks, True, None)``, the class
    imported from the client module; on leanredis's Pipeline it runs on one connection the pool keeps."""
    import redis.asyncio
    from redis.asyncio.client import Pipeline as RedisPyPipeline

    from leanredis.pipeline import Pipeline

    async def run(lib: Any, pipeline_class: Any) -> list[Any]:
        client = lib.Redis.from_pool(lib.BlockingConnectionPool.from_url(f"redis://127.0.0.1:{redis_server.port}/0"))
        try:
            await client.delete("s", "n", "f", "h", "l", "set", "z")
            results, connections = [], set()
            for _ in range(3):  # three pipelines on one pool
                if by_name:
                    pipe = pipeline_class(
                        connection_pool=client.connection_pool,
                        response_callbacks=client.response_callbacks,
                        transaction=transaction,
                        shard_hint=None,
                    )
                else:
                    pipe = pipeline_class(client.connection_pool, client.response_callbacks, transaction, None)
                results.append(await asyncio.wait_for(fill(pipe).execute(), 10))
                connections.add(id(getattr(pipe, "_executor", pipe).connection))
            if lib is leanredis:  # one connection the pool keeps for all three, beside the client's own
                assert len(connections) == 1
                assert len(client.connection_pool._shared) == 2
            return results
        finally:
            await client.aclose()  # from_pool: the pool (and its connection) closes too

    theirs = await run(redis.asyncio, RedisPyPipeline)
    ours = await run(leanredis, Pipeline)
    for mine, reference in zip(ours, theirs, strict=True):
        assert len(mine) == len(reference) == 19
        for index, (a, b) in enumerate(zip(mine, reference, strict=True)):
            assert same_shape(a, b), f"command #{index + 1}: leanredis {a!r} vs redis-py {b!r}"


async def test_a_pipeline_built_redis_py_s_way_refuses_what_is_not_a_leanredis_pool() -> None:
    from leanredis.pipeline import Pipeline

    with pytest.raises(DataError, match="needs a leanredis ConnectionPool"):
        Pipeline(object(), {}, True, None)
    with pytest.raises(TypeError, match="redis-py's four arguments"):
        Pipeline(object(), {})
