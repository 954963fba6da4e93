"""Cancellation is a test subject: a cancelled caller stops waiting and nothing else changes.

Callers are cancelled in flight, while waiting for capacity, while the
connection is being made, by ``asyncio.wait_for`` and by a ``TaskGroup``
whose sibling fails. Each time: the other callers get exactly their own
replies, the connection is the same one (CLIENT ID, connects), the late
replies are read and dropped, and nothing is left pending.
"""

from __future__ import annotations

import asyncio
import builtins
import gc
import random
import sys
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

import leanredis
from leanredis.server import RedisServer

from .helpers import client_id, command_futures, stopped

pytestmark = pytest.mark.slow

CALLERS = 10_000


@pytest.fixture
async def loop_errors(loop_errors: list[dict[str, Any]]) -> AsyncIterator[list[dict[str, Any]]]:
    """The shared fixture, plus: nothing may reach the handler, "exception never retrieved" included."""
    yield loop_errors
    gc.collect()  # "exception was never retrieved" is reported when a future dies
    assert loop_errors == [], [context.get("message") for context in loop_errors]


@pytest.fixture
async def loaded(redis_server: RedisServer) -> AsyncIterator[leanredis.Redis]:
    """A client on a server where key:i holds str(i) for i < CALLERS."""
    client = leanredis.Redis(host="127.0.0.1", port=redis_server.port)
    await client.flushdb()
    await asyncio.gather(*[client.set(f"key:{i}", i) for i in range(CALLERS)])
    yield client
    await client.aclose()


async def drained(client: leanredis.Redis, timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        stats = client.stats()
        if stats["inflight"] == 0 and stats["queued"] == 0:
            return True
        await asyncio.sleep(0.01)
    return False


async def assert_still_answers(client: leanredis.Redis) -> None:
    values = await asyncio.gather(*[client.get(f"key:{i}") for i in range(0, CALLERS, 7)])
    assert values == [str(i).encode() for i in range(0, CALLERS, 7)]


async def test_cancelling_half_of_10000_in_flight_tasks_leaves_the_others_their_own_replies(
    loaded: leanredis.Redis, loop_errors: list[dict[str, Any]]
) -> None:
    client = loaded
    ident = await client_id(client)
    connects = client.stats()["connects"]
    futures_before = await command_futures()
    tasks = [asyncio.create_task(client.get(f"key:{i}")) for i in range(CALLERS)]
    await asyncio.sleep(0)  # every task now waits on its command; the write went out
    assert client.stats()["inflight"] > CALLERS // 2, "the commands were answered before the cancel"
    chosen = set(random.Random(1).sample(range(CALLERS), CALLERS // 2))
    for i in chosen:
        tasks[i].cancel()
    done, pending = await asyncio.wait(tasks, timeout=20)
    assert not pending
    cancelled = [i for i, task in enumerate(tasks) if task.cancelled()]
    assert len(cancelled) > CALLERS // 4, "too few cancels landed in flight to say anything"
    assert set(cancelled) <= chosen
    for i, task in enumerate(tasks):
        if not task.cancelled():
            assert task.result() == str(i).encode(), f"caller {i} got another caller's reply"
    assert await drained(client)
    assert await client_id(client) == ident, "a cancel re-established the connection"
    assert client.stats()["connects"] == connects
    await assert_still_answers(client)
    del tasks, done, pending
    assert await command_futures() - futures_before <= 2


async def test_cancelling_callers_waiting_for_capacity_sends_nothing_for_them(
    fresh_server: RedisServer, loop_errors: list[dict[str, Any]]
) -> None:
    client = leanredis.Redis(host="127.0.0.1", port=fresh_server.port, max_inflight=50)
    try:
        await asyncio.gather(*[client.set(f"key:{i}", i) for i in range(1_000)])
        ident = await client_id(client)
        writes = client.stats()["writes"]
        # the server stopped (SIGSTOP) rather than paused for 0.5 s, which a loaded machine could outlast before
        # the count below: the 50 in flight stay unanswered and the 950 queued until the callers are cancelled
        with stopped(fresh_server):
            futures = [client.incr(f"n:{i}") for i in range(1_000)]
            tasks = [asyncio.create_task(fut) for fut in futures]  # type: ignore[arg-type]
            await asyncio.sleep(0.05)
            assert client.stats()["queued"] == 950, client.stats()
            for task in tasks[50:]:
                task.cancel()
            await asyncio.sleep(0)
            queued = futures[50:]
            assert all(fut.cancelled() and getattr(fut, "payload", None) is None for fut in queued), "args kept"
        results = await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), timeout=10)
        assert results[:50] == [1] * 50
        assert all(isinstance(res, asyncio.CancelledError) for res in results[50:])
        assert await drained(client)
        # the cancelled commands never reached the server
        counts = await client.with_timeout(10).mget([f"n:{i}" for i in range(1_000)])
        assert counts[:50] == [b"1"] * 50 and counts[50:] == [None] * 950
        assert client.stats()["writes"] - writes < 20
        assert await client_id(client) == ident
    finally:
        await client.aclose()


async def test_cancelling_callers_while_the_connection_is_made_leaves_the_others_their_replies(
    loaded: leanredis.Redis, redis_server: RedisServer, loop_errors: list[dict[str, Any]]
) -> None:
    client = leanredis.Redis(host="127.0.0.1", port=redis_server.port)
    try:
        tasks = [asyncio.create_task(client.get(f"key:{i}")) for i in range(1_000)]
        await asyncio.sleep(0)
        assert not client.connection.is_connected and client.stats()["queued"] == 1_000
        for task in tasks[::2]:
            task.cancel()
        results = await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), timeout=10)
        for i, res in enumerate(results):
            if i % 2:
                assert res == str(i).encode()
            else:
                assert isinstance(res, asyncio.CancelledError)
        assert await drained(client)
        assert client.stats()["connects"] == 1
        await assert_still_answers(client)
    finally:
        await client.aclose()


async def test_wait_for_timeouts_cancel_in_flight_commands_and_their_late_replies_are_dropped(
    fresh_server: RedisServer, loop_errors: list[dict[str, Any]]
) -> None:
    client = leanredis.Redis(host="127.0.0.1", port=fresh_server.port)
    try:
        await asyncio.gather(*[client.set(f"key:{i}", i) for i in range(CALLERS)])
        ident = await client_id(client)

        async def impatient(i: int) -> Any:
            return await asyncio.wait_for(client.get(f"key:{i}"), timeout=0.05)

        # the server stopped (SIGSTOP), not paused for 0.6 s, which 1,000 tasks on a loaded machine could
        # outlast: nothing is answered inside the block, so only wait_for's own clock ends these calls
        with stopped(fresh_server):
            impatient_calls = asyncio.gather(*[impatient(i) for i in range(1_000)], return_exceptions=True)
            results = await asyncio.wait_for(impatient_calls, timeout=10)
            assert all(isinstance(res, asyncio.TimeoutError) for res in results), results[:3]
            assert client.stats()["inflight"] == 1_000  # the late replies are still owed
        patient = [asyncio.create_task(client.get(f"key:{i}")) for i in range(1_000, 2_000)]
        values = await asyncio.wait_for(asyncio.gather(*patient), timeout=10)
        assert values == [str(i).encode() for i in range(1_000, 2_000)]
        assert await drained(client)
        assert await client_id(client) == ident
        assert client.stats()["connects"] == 1
        await assert_still_answers(client)
    finally:
        await client.aclose()


@pytest.mark.skipif(sys.version_info < (3, 11), reason="asyncio.TaskGroup is Python 3.11+")
async def test_task_group_whose_sibling_raises_cancels_in_flight_commands_cleanly(
    fresh_server: RedisServer, loop_errors: list[dict[str, Any]]
) -> None:
    client = leanredis.Redis(host="127.0.0.1", port=fresh_server.port)
    try:
        await asyncio.gather(*[client.set(f"key:{i}", i) for i in range(CALLERS)])
        ident = await client_id(client)

        async def failing_sibling() -> None:
            await asyncio.sleep(0.05)
            raise ValueError("sibling failed")

        tasks = []
        group_error = getattr(builtins, "BaseExceptionGroup")  # noqa: B009 - Python 3.11+ only
        # the server stopped (SIGSTOP), not paused for 0.4 s, which a loaded machine could outlast: no GET is
        # answered before the sibling fails, however long the 1,000 tasks take to start
        with stopped(fresh_server):
            with pytest.raises(group_error) as caught:
                async with asyncio.TaskGroup() as group:  # type: ignore[attr-defined]
                    tasks = [group.create_task(client.get(f"key:{i}")) for i in range(1_000)]
                    group.create_task(failing_sibling())
            assert [type(exc) for exc in caught.value.exceptions] == [ValueError]
            assert all(task.cancelled() for task in tasks)
            assert client.stats()["inflight"] == 1_000
        assert await asyncio.wait_for(client.get("key:42"), timeout=10) == b"42"
        assert await drained(client)
        assert await client_id(client) == ident
        assert client.stats()["connects"] == 1
        await assert_still_answers(client)
    finally:
        await client.aclose()
