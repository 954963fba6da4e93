"""Memory rules 3, 4 and 5 against real servers: kill -9, CLIENT PAUSE, timeouts, reconnect.

Each test breaks a server of its own (``fresh_server``) under load and
asserts what every caller sees, then that the same client object works
again. Every load loop is bounded in count and in time.
"""

from __future__ import annotations

import asyncio
import gc
import time
import tracemalloc
import weakref
from typing import Any

import pytest

import leanredis
from leanredis.server import RedisServer

from .helpers import client_id, stopped

pytestmark = pytest.mark.slow


async def wait_until(predicate: Any, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        await asyncio.sleep(0.01)
    return bool(predicate())


# -- kill -9 -----------------------------------------------------------------

BURST = 30_000  # 10,000 in flight (the default bound) and 20,000 waiting behind them


async def test_kill_mid_burst_fails_every_pending_caller_once_with_connection_error(
    fresh_server: RedisServer, loop_errors: list[dict[str, Any]]
) -> None:
    client = leanredis.Redis(host="127.0.0.1", port=fresh_server.port)
    try:
        await client.ping()
        futures = [client.set(f"k{i}", "v" * 64) for i in range(BURST)]
        # kill once the server has answered part of the burst: mid-flight, not before, not after
        assert await wait_until(lambda: futures[0].done(), 10)
        answered = sum(1 for fut in futures if fut.done())
        assert answered < BURST, "the burst finished before the kill: the test proves nothing"
        fresh_server.kill()
        started = time.monotonic()
        results = await asyncio.wait_for(asyncio.gather(*futures, return_exceptions=True), timeout=15)
        elapsed = time.monotonic() - started
        assert all(fut.done() for fut in futures)
        failures = [res for res in results if isinstance(res, BaseException)]
        assert {type(res) for res in failures} == {leanredis.ConnectionError}, {type(r) for r in failures}
        assert all(res is True for res in results if not isinstance(res, BaseException))
        assert len(failures) >= BURST - answered - 10_000  # at least the callers that were still queued
        assert elapsed < 10, f"pending callers waited {elapsed:.1f} s for their ConnectionError"
        stats = client.stats()
        assert (stats["inflight"], stats["queued"], stats["buffered_bytes"]) == (0, 0, 0)
        assert "inflight=0 queued=0 buffered=0" in repr(client)
        assert loop_errors == [], "a future was completed twice or a callback raised"
    finally:
        await client.aclose()


async def test_server_down_failures_back_off_and_the_same_client_reconnects_after_restart(
    fresh_server: RedisServer, loop_errors: list[dict[str, Any]]
) -> None:
    client = leanredis.Redis(host="127.0.0.1", port=fresh_server.port)
    try:
        await client.set("before", 1)
        fresh_server.kill()
        assert await wait_until(lambda: not client.connection.is_connected, 10)
        failures_before = client.stats()["connect_failures"]
        errors: list[BaseException] = []
        calls = 0
        started = time.monotonic()
        while time.monotonic() - started < 1.0 and calls < 1_000:
            calls += 1
            try:
                await asyncio.wait_for(client.get("before"), timeout=5)
            except leanredis.ConnectionError as exc:
                errors.append(exc)
        attempts = client.stats()["connect_failures"] - failures_before
        assert len(errors) == calls, "a command succeeded with the server down"
        assert all(type(exc) is leanredis.ConnectionError for exc in errors)
        # backoff 0.05 s doubling (with jitter) allows about 5 attempts in a second; a tight loop makes hundreds
        assert 1 <= attempts <= 12, f"{attempts} connect attempts in one second with the server down"
        assert calls <= attempts + 1, "commands failed without a connect attempt of their own"

        fresh_server.start()  # same port
        assert await asyncio.wait_for(client.set("after", 2), timeout=10) is True
        assert await client.get("after") == b"2"
        stats = client.stats()
        assert stats["reconnects"] >= 1 and stats["connected"]
        assert (stats["inflight"], stats["queued"]) == (0, 0)
        assert loop_errors == []
    finally:
        await client.aclose()


# -- CLIENT PAUSE: timeouts ----------------------------------------------------


@pytest.mark.parametrize("how", ["socket_timeout", "with_timeout"])
async def test_paused_server_times_out_commands_and_drops_their_late_replies(
    fresh_server: RedisServer, how: str, loop_errors: list[dict[str, Any]]
) -> None:
    if how == "socket_timeout":
        client = leanredis.Redis(host="127.0.0.1", port=fresh_server.port, socket_timeout=0.2)
        timed = client
    else:
        client = leanredis.Redis(host="127.0.0.1", port=fresh_server.port)
        timed = client.with_timeout(0.1)
    try:
        for i in range(50):
            await client.set(f"k{i}", f"v{i}")
        ident = await client_id(client)
        connects = client.stats()["connects"]
        # the server stopped (SIGSTOP), not paused for 1.5 s: a loaded machine could outlast a timed pause and
        # let replies in; stopped, it answers nothing until the block ends, so only the client's own clock can
        # end these 50 calls (within 10 s, or wait_for fails the test)
        with stopped(fresh_server):
            futures = [timed.get(f"k{i}") for i in range(50)]
            results = await asyncio.wait_for(asyncio.gather(*futures, return_exceptions=True), timeout=10)
            assert all(isinstance(res, leanredis.TimeoutError) for res in results), results[:3]
            assert all(fut.done() for fut in futures)
            assert client.stats()["timeouts"] == 50
            assert client.stats()["inflight"] == 50, "the late replies are still owed by the server"
        # answered behind the 50 late replies it must not receive
        own = await asyncio.wait_for(client.with_timeout(10).echo("my own reply"), timeout=10)
        assert own == b"my own reply"
        assert await client.with_timeout(10).get("k7") == b"v7"
        assert await client_id(client) == ident, "the connection was re-established"
        stats = client.stats()
        assert stats["connects"] == connects
        assert (stats["inflight"], stats["queued"]) == (0, 0)
        assert stats["timeouts"] == 50
        assert "inflight=0" in repr(client)
        assert loop_errors == []
    finally:
        await client.aclose()


async def test_20000_timeouts_during_a_long_pause_keep_memory_and_queues_bounded(
    fresh_server: RedisServer,
) -> None:
    max_inflight = 100
    port = fresh_server.port
    # one client times out by its default timeout, the other by a per-call one; batches alternate. The late
    # replies may take as long as the stall does: the same connections must serve after it, not be remade
    by_default = leanredis.Redis(
        host="127.0.0.1", port=port, socket_timeout=0.05, max_inflight=max_inflight, late_reply_timeout=60
    )
    by_call = leanredis.Redis(host="127.0.0.1", port=port, max_inflight=max_inflight, late_reply_timeout=60)
    clients = (by_default, by_call)
    try:
        await by_default.set("k", "v")
        ids = [await client_id(client) for client in clients]
        # the server stopped (SIGSTOP), not paused: a CLIENT PAUSE ends on a clock of its own, and a batch under
        # tracemalloc on a loaded machine could outlive it and see replies; a stopped server answers nothing
        # until the batches are over, however long they take
        with stopped(fresh_server):
            stalled_at = time.monotonic()
            tracemalloc.start()
            try:
                worst_queued = worst_inflight = 0
                baseline = 0
                timed_out = 0
                for batch in range(20):
                    client = clients[batch % 2]
                    timed = client if client is by_default else client.with_timeout(0.05)
                    futures = [timed.set(f"key{i}", "x" * 200) for i in range(1_000)]
                    results = await asyncio.wait_for(asyncio.gather(*futures, return_exceptions=True), timeout=10)
                    timed_out += sum(isinstance(res, leanredis.TimeoutError) for res in results)
                    del futures, results
                    for client in clients:
                        stats = client.stats()
                        worst_queued = max(worst_queued, stats["queued"])
                        worst_inflight = max(worst_inflight, stats["inflight"])
                    if batch == 1:
                        gc.collect()
                        baseline, _ = tracemalloc.get_traced_memory()
                    # at least 5 batches (10 on a quiet machine) however slow the machine: the server stays stopped
                    if batch >= 4 and time.monotonic() - stalled_at > 2.5:
                        break
                gc.collect()
                final, _ = tracemalloc.get_traced_memory()
            finally:
                tracemalloc.stop()
        assert timed_out == (batch + 1) * 1_000, "a command was answered while the server was stopped"
        assert worst_inflight <= max_inflight
        # a timed-out command waiting for capacity is dropped, not kept until the pause ends
        assert worst_queued <= max_inflight, f"{worst_queued} timed-out commands still queued"
        assert by_call.stats()["timed_calls"] == 0
        assert by_call.stats()["timed_calls_held"] <= 2 * max_inflight + 64
        assert final - baseline < 256 * 1024, f"{final - baseline} bytes grew over {timed_out} timeouts"
        for client, ident in zip(clients, ids, strict=True):
            assert await client.with_timeout(10).get("k") == b"v"  # answered once the server runs again
            assert await client_id(client) == ident
            assert await wait_until(lambda c=client: c.stats()["inflight"] == 0, 10)
            assert client.stats()["queued"] == 0
    finally:
        for client in clients:
            await client.aclose()


async def test_per_call_timeout_entry_is_released_when_the_reply_comes(redis_server: RedisServer) -> None:
    client = leanredis.Redis(host="127.0.0.1", port=redis_server.port)
    try:
        timed = client.with_timeout(60)
        await timed.set("k", "v")
        for _ in range(20):
            assert await asyncio.gather(*[timed.get("k") for _ in range(1_000)]) == [b"v"] * 1_000
        # 20,000 answered commands with a 60 s timeout: their deadlines must not keep them (and their
        # replies) alive for a minute
        assert client.stats()["timed_calls"] == 0
        assert client.stats()["timed_calls_held"] <= 2_000 + 64
        # below any compaction threshold too: one answered command is not referenced by its deadline
        fut = timed.get("k")
        ref = weakref.ref(fut)
        assert await fut == b"v"
        del fut
        await asyncio.sleep(0)  # the done callbacks run
        gc.collect()
        assert ref() is None, "an answered command is still held by its deadline"
    finally:
        await client.aclose()
