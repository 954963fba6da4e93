"""MULTI/EXEC: errors like redis-py, WATCH on a connection of its own, retries, nothing left dirty."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import redis.asyncio
import redis.exceptions

import leanredis
from leanredis import ResponseError, WatchError, WrongTypeError
from leanredis.exceptions import ExecAbortError, OverloadError
from leanredis.server import RedisServer

from .helpers import stopped


async def clients_in_a_transaction(client: leanredis.Redis) -> list[dict[str, Any]]:
    """CLIENT LIST entries inside MULTI or WATCHing something (the dirty states)."""
    dirty = []
    for entry in await client.client_list():
        # flag x: inside MULTI (the multi= field reads -1 outside on Redis 7.0, 0 on Valkey 9)
        if "x" in entry.get("flags", "") or int(entry.get("watch", 0)) > 0:
            dirty.append(entry)
    return dirty


async def test_queue_time_error_aborts_the_whole_transaction(r: leanredis.Redis, redis_server: RedisServer) -> None:
    pipe = r.pipeline()
    pipe.set("a", "1").execute_command("SET", "only-a-key")
    with pytest.raises(ResponseError, match="wrong number of arguments") as caught:
        await pipe.execute(raise_on_error=False)
    assert isinstance(caught.value.__cause__, ExecAbortError)
    assert await r.get("a") is None  # nothing of it ran
    theirs = redis.asyncio.Redis(host="127.0.0.1", port=redis_server.port)
    try:
        other = theirs.pipeline()
        other.set("a", "1").execute_command("SET", "only-a-key")
        with pytest.raises(redis.exceptions.ResponseError, match="wrong number of arguments"):
            await other.execute(raise_on_error=False)
    finally:
        await theirs.aclose()


@pytest.mark.parametrize("raise_on_error", [True, False])
async def test_exec_time_error_leaves_the_others_applied(r: leanredis.Redis, raise_on_error: bool) -> None:
    pipe = r.pipeline()
    pipe.set("a", "1").lpush("a", "x").incr("c").hset("h", "f", "v")
    if raise_on_error:
        with pytest.raises(WrongTypeError, match=r"Command # 2 \(LPUSH a x\) of pipeline caused error: \('WRONGTYPE"):
            await pipe.execute()
    else:
        result = await pipe.execute(raise_on_error=False)
        assert result[0] is True and result[2:] == [1, 1]
        # the error inside EXEC's array gets the class a direct command would raise
        assert isinstance(result[1], WrongTypeError) and "WRONGTYPE" in str(result[1])
    assert await r.get("c") == b"1" and await r.hget("h", "f") == b"v"
    assert await clients_in_a_transaction(r) == []


async def test_a_write_after_watch_fails_exec_with_watch_error(r: leanredis.Redis) -> None:
    await r.set("k", "1")
    pipe = r.pipeline()
    assert await pipe.watch("k") is True
    assert await pipe.get("k") == b"1"  # immediate mode after WATCH: a value, not the pipeline
    await r.set("k", "changed")  # a concurrent writer on another connection
    pipe.multi()
    pipe.set("k", "mine")
    with pytest.raises(WatchError):
        await pipe.execute()
    assert await r.get("k") == b"changed"
    stats = r.connection_pool.stats()
    assert (stats["in_use"], stats["idle"], stats["closed_dirty"]) == (0, 1, 0)
    assert await clients_in_a_transaction(r) == []


async def test_transaction_retries_on_watch_error_until_it_applies(r: leanredis.Redis) -> None:
    await r.set("k", "10")
    calls = 0

    async def add_one(pipe: Any) -> int:
        nonlocal calls
        calls += 1
        value = int(await pipe.get("k"))
        if calls <= 2:
            await r.incr("k", 100)  # somebody else writes between our read and our EXEC
        pipe.multi()
        pipe.set("k", value + 1)
        return value

    result = await r.transaction(add_one, "k", value_from_callable=True)
    assert calls == 3 and result == 210
    assert await r.get("k") == b"211"

    def buffered(pipe: Any) -> None:
        pipe.multi()
        pipe.incr("k")

    assert await r.transaction(buffered, "k") == [212]
    stats = r.connection_pool.stats()
    assert (stats["created"], stats["closed_dirty"]) == (1, 0)  # WatchError leaves the connection clean


async def test_concurrent_read_modify_write_transactions_lose_no_update(
    r: leanredis.Redis, redis_server: RedisServer
) -> None:
    client = leanredis.Redis(host="127.0.0.1", port=redis_server.port, max_connections=8, pool_timeout=20)
    await r.set("counter", "0")
    calls = 0

    async def increment(pipe: Any) -> None:
        nonlocal calls
        calls += 1
        value = int(await pipe.get("counter"))
        await asyncio.sleep(0)  # let the others read the same value
        pipe.multi()
        pipe.set("counter", value + 1)

    async def writer() -> None:
        for _ in range(50):
            await r.incr("counter")
            await asyncio.sleep(0.001)

    try:
        await asyncio.gather(writer(), *(client.transaction(increment, "counter") for _ in range(40)))
        assert await r.get("counter") == b"90"
        assert calls > 40  # conflicts happened and were retried
        stats = client.connection_pool.stats()
        assert stats["in_use"] == 0 and stats["closed_dirty"] == 0
        assert await clients_in_a_transaction(r) == []
    finally:
        await client.aclose()


async def test_watching_connection_lost_gives_watch_error_not_an_unguarded_exec(r: leanredis.Redis) -> None:
    await r.set("k", "1")
    pipe = r.pipeline()
    await pipe.watch("k")
    own_id = await pipe.client_id()
    await r.execute_command("CLIENT", "KILL", "ID", own_id)
    await asyncio.sleep(0.05)
    pipe.multi()
    pipe.set("k", "2")
    with pytest.raises(WatchError, match="lost"):
        await pipe.execute()
    assert await r.get("k") == b"1"
    stats = r.connection_pool.stats()
    assert stats["in_use"] == 0 and stats["idle"] == 0 and stats["closed_dirty"] == 1


async def test_cancelled_while_watching_closes_the_connection(r: leanredis.Redis, redis_server: RedisServer) -> None:
    pipe = r.pipeline()
    await pipe.watch("k")
    # the server stopped (SIGSTOP), not paused for 0.5 s, which a loaded machine could outlast: the GET's reply
    # is still owed when it is cancelled
    with stopped(redis_server):
        task = asyncio.ensure_future(pipe.get("k"))  # its reply is owed when we cancel
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await pipe.reset()
        stats = r.connection_pool.stats()
        assert stats["in_use"] == 0 and stats["idle"] == 0 and stats["closed_dirty"] == 1
    # the server runs again and reads the closed socket in its own time: wait for it, within 10 s
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 10
    while await clients_in_a_transaction(r) and loop.time() < deadline:
        await asyncio.sleep(0.02)
    assert await clients_in_a_transaction(r) == []  # the WATCHing socket is gone


async def test_reset_unwatches_and_gives_the_connection_back(r: leanredis.Redis) -> None:
    pipe = r.pipeline()
    await pipe.watch("a", "b")
    watching = await clients_in_a_transaction(r)
    if any("watch" in entry for entry in await r.client_list()):  # CLIENT LIST has watch= since 7.4
        assert len(watching) == 1 and int(watching[0]["watch"]) == 2
    await pipe.reset()
    assert await clients_in_a_transaction(r) == []
    stats = r.connection_pool.stats()
    assert (stats["in_use"], stats["idle"], stats["closed_dirty"]) == (0, 1, 0)
    # the same connection, taken again: a write to "a" no longer aborts its transactions
    async with r.connection_pool.connection() as conn:
        assert r.connection_pool.stats()["created"] == 1
        await conn.execute((b"MULTI",))
        await conn.execute((b"PING",))
        await r.set("a", "written by someone else")
        assert await conn.execute((b"EXEC",)) == [b"PONG"]


async def test_transaction_waits_whole_behind_a_backlog_on_the_shared_connection(
    redis_server: RedisServer,
) -> None:
    client = leanredis.Redis(host="127.0.0.1", port=redis_server.port, max_inflight=2)
    other = leanredis.Redis(host="127.0.0.1", port=redis_server.port)
    try:
        await client.flushdb()
        # the server stopped (SIGSTOP), not its writes paused for 0.2 s, which a loaded machine could outlast
        # before the count below: the backlog stays unanswered until the transaction and its followers are queued
        with stopped(redis_server):
            backlog = [client.incr("plain") for _ in range(10)]
            assert client.connection.queued > 0
            queued = client.connection.queued
            pipe = client.pipeline()
            pipe.incr("tx").incr("tx")
            transaction = asyncio.ensure_future(pipe.execute())
            await asyncio.sleep(0)
            assert client.connection.queued == queued + 1  # one unit, its commands not encoded yet
            # commands issued after it: an INCR landing between MULTI and EXEC would answer QUEUED
            behind = [client.incr("plain") for _ in range(5)]
        assert await transaction == [1, 2]
        assert await asyncio.gather(*backlog) == list(range(1, 11))
        assert await asyncio.gather(*behind) == list(range(11, 16))
        assert client.connection_pool.stats()["created"] == 0  # it waited its turn, on no other socket
        assert await clients_in_a_transaction(other) == []
    finally:
        await client.aclose()
        await other.aclose()


async def test_fail_policy_refuses_a_transaction_that_does_not_fit_without_sending_it(
    redis_server: RedisServer,
) -> None:
    client = leanredis.Redis(host="127.0.0.1", port=redis_server.port, max_inflight=5, overload_policy="fail")
    try:
        await client.flushdb()
        pipe = client.pipeline()
        for _ in range(10):
            pipe.incr("n")
        with pytest.raises(OverloadError, match="transaction of 10 commands"):
            await pipe.execute()
        assert await client.get("n") is None
        assert client.connection.inflight == 0
    finally:
        await client.aclose()


@pytest.mark.parametrize("mode", ["transaction", "multi", "watch", "watch-multi", "empty", "pipeline"])
async def test_discard_then_execute_fails_as_in_redis_py(pair, mode: str) -> None:  # type: ignore[no-untyped-def]
    """redis-py records DISCARD like any command: execute() then gets the server's "EXEC without
    MULTI" and the transaction's writes are dropped (a plain pipeline runs them; DISCARD fails)."""
    outcomes = []
    for client in pair:
        await pair[0].flushdb()
        pipe = client.pipeline(transaction=mode != "pipeline")
        raised: list[str] = []
        try:
            if mode.startswith("watch"):
                await pipe.watch("a")
            if mode.endswith("multi"):
                pipe.multi()
            if mode != "empty":
                result = pipe.set("a", 5)
                if mode == "watch":
                    await result
            await pipe.discard()
            await pipe.execute()
        except Exception as exc:  # the class and text are what is compared
            raised = list(dict.fromkeys(cls.__name__ for cls in type(exc).__mro__ if cls.__name__.endswith("Error")))
            raised.append(str(exc).replace("ERR ", "").replace("('", "").replace("',)", ""))  # redis-py drops "ERR "
        finally:
            await pipe.reset()
        outcomes.append((raised, await pair[0].get("a")))
    assert outcomes[0] == outcomes[1]
    assert outcomes[0][0][0] == "ResponseError"
