"""Faults under load: every pending caller gets exactly one outcome, none waits past its timeout,
the same client works afterwards, and its counters and traced memory return to the baseline.

The faults come from the fault proxy (``faults.py``: cut, trickle, latency,
reset, refuse), from the server itself (kill -9 and restart, CLIENT KILL,
CLIENT PAUSE, maxmemory, DEBUG SLEEP, a replica) or from both. Each test is
bounded by ``asyncio.wait_for`` and stops within seconds.
"""

from __future__ import annotations

import asyncio
import threading
import time
import tracemalloc
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

import leanredis
from leanredis.exceptions import ConnectionError
from leanredis.server import RedisServer

from .faults import FaultProxy
from .helpers import (
    RETAINED_LIMIT,
    assert_back_to_baseline,
    client_id,
    kinds,
    one_outcome_each,
    pause_server,
    primary_and_replica,
    raw_command,
    traced_now,
    until_ok,
)

pytestmark = pytest.mark.slow

# -- faults from the proxy ------------------------------------------------------------------------


async def test_a_cut_mid_reply_under_a_burst_answers_those_before_it_and_fails_the_rest_once(
    proxy: FaultProxy, redis_server: RedisServer, traced: None, loop_errors: list[dict[str, Any]]
) -> None:
    value = b"x" * 1000
    client = leanredis.Redis(host="127.0.0.1", port=proxy.port)
    try:
        await leanredis.Redis(host="127.0.0.1", port=redis_server.port).set("big", value)
        await client.ping()  # the first connection: forwarded
        baseline = traced_now()
        proxy.mode = "cut"
        proxy.cut_after = 100 * 1009 + 500  # each reply is '$1000\r\n' + 1000 bytes + '\r\n': cut inside the 101st
        client.connection.drop()  # the next connection is accepted in cut mode
        futures = [client.get("big") for _ in range(500)]
        results = await one_outcome_each(futures, 10)
        peak = tracemalloc.get_traced_memory()[1] - baseline
        assert proxy.cuts == 1
        assert results[:100] == [value] * 100, "a reply before the cut was lost or damaged"
        assert kinds(results[100:]) == {"ConnectionError": 400}
        assert all(res.possibly_executed for res in results[100:]), "written commands must say they may have run"
        del futures, results
        proxy.mode = "forward"
        assert await until_ok(lambda: client.get("big"), 5) == value
        assert peak > 2 * RETAINED_LIMIT, "the burst allocated too little for the memory check to mean anything"
        await assert_back_to_baseline(client, baseline)
        assert loop_errors == []
    finally:
        await client.aclose()


async def test_a_kill_fails_written_callers_as_possibly_executed_and_queued_ones_as_never_written(
    proxy: FaultProxy, redis_server: RedisServer, traced: None
) -> None:
    """100 commands written into a black hole (max_inflight=100), 400 queued behind them; the socket dies and no
    new one can be made: the written 100 may have run, the queued 400 were never written (safe to send again)."""
    proxy.mode = "blackhole"  # reads everything, answers nothing: what was written stays in flight
    client = leanredis.Redis(
        host="127.0.0.1", port=proxy.port, max_inflight=100,
        protocol=2, lib_name=None, lib_version=None,  # no handshake
        retry=None,  # the queued fail at the first refused connect
        # the default 5 s runs from the call: on a loaded machine the wait for the 100 writes below took most of
        # it once and every caller timed out before the kill; the kill's outcome is what this test is about
        socket_timeout=30,
    )
    try:
        baseline = traced_now()
        futures = [client.incr(f"n{i}") for i in range(500)]
        async with asyncio.timeout(5):
            # connected, the first 100 written, and the proxy's side accepted (abort_connections resets what it
            # accepted: on a loaded machine its accept thread may not have run yet when the client has written)
            while client.stats()["writes"] == 0 or client.stats()["inflight"] < 100 or proxy.accepts == 0:
                await asyncio.sleep(0.005)
        assert (client.stats()["inflight"], client.stats()["queued"]) == (100, 400)
        proxy.mode = "refuse"
        proxy.abort_connections()  # the black-holed socket dies under the client
        results = await one_outcome_each(futures, 5)
        assert kinds(results) == {"ConnectionError": 500}
        flags = Counter(res.possibly_executed for res in results)
        assert flags == {True: 100, False: 400}, flags
        assert all(res.possibly_executed for res in results[:100]), "the first 100 were the ones written"
        del futures, results
        proxy.mode = "forward"
        assert await until_ok(lambda: client.incr("n0"), 5) == 1  # none of the 500 ran: the black hole kept them
        await assert_back_to_baseline(client, baseline)
    finally:
        await client.aclose()


async def test_commands_encoded_after_the_last_write_of_a_dying_socket_are_reported_never_written(
    redis_server: RedisServer,
) -> None:
    """The socket dies within a loop iteration: what was encoded after its last write never reached the server."""
    client = leanredis.Redis(host="127.0.0.1", port=redis_server.port, retry=None)
    try:
        await client.delete("dying")
        written = [client.incr("dying") for _ in range(30)]
        await asyncio.sleep(0)  # one write for the 30; their replies are read in a later iteration
        assert client.stats()["inflight"] == 30
        client.connection._proto.transport.abort()  # type: ignore[union-attr]  # connection_lost comes next iteration
        unwritten = [client.incr("dying") for _ in range(20)]  # encoded for the dying socket, never written
        results = await one_outcome_each(written + unwritten, 5)
        assert kinds(results) == {"ConnectionError": 50}
        flags = [res.possibly_executed for res in results]
        assert flags == [True] * 30 + [False] * 20, Counter(flags)
        ran = int(await asyncio.wait_for(client.get("dying"), 5) or 0)
        assert ran <= 30, f"the server ran {ran} INCRs: some reported never written did run"
    finally:
        await client.aclose()


@pytest.mark.parametrize("protocol", [2, 3])
async def test_replies_trickled_one_byte_at_a_time_are_all_correct(
    proxy: FaultProxy, redis_server: RedisServer, protocol: int, traced: None
) -> None:
    direct = leanredis.Redis(host="127.0.0.1", port=redis_server.port, protocol=protocol, decode_responses=True)
    # no command timeout: a one-byte trickle of the whole batch takes seconds on a loaded machine
    client = leanredis.Redis(
        host="127.0.0.1", port=proxy.port, protocol=protocol, decode_responses=True, socket_timeout=None
    )
    try:
        await direct.delete("h", "l", "n")
        await direct.hset("h", mapping={"f1": "v1", "é": "ü" * 10})
        await direct.rpush("l", *[f"item{i}" for i in range(20)])
        for i in range(30):
            await direct.set(f"s{i}", "ünï" * i)
        proxy.mode = "trickle"
        baseline = traced_now()
        calls = []
        for i in range(30):
            calls += [client.get(f"s{i}"), client.hgetall("h"), client.lrange("l", 0, -1), client.incr("n"),
                      client.get("missing")]
        results = await one_outcome_each(calls, 10)
        expected = []
        for i in range(30):
            expected += ["ünï" * i, {"f1": "v1", "é": "ü" * 10}, [f"item{j}" for j in range(20)], i + 1, None]
        assert results == expected
        assert client.stats()["bytes_in"] > 2_000  # enough bytes went through one at a time to mean something
        del calls, results
        await assert_back_to_baseline(client, baseline)
    finally:
        await client.aclose()
        await direct.aclose()


async def test_latency_spikes_past_socket_timeout_time_out_each_caller_once_then_the_client_recovers(
    proxy: FaultProxy, redis_server: RedisServer, traced: None, loop_errors: list[dict[str, Any]]
) -> None:
    await leanredis.Redis(host="127.0.0.1", port=redis_server.port).set("k", "v")
    proxy.mode = "latency"
    proxy.latency_ms = 30
    # 0.5 s: the 60 ms a round trip takes at 30 ms a chunk is under it with room for a loaded machine (at
    # 0.25 s, with the connect in the same budget, CI-like load timed the first batch out)
    client = leanredis.Redis(host="127.0.0.1", port=proxy.port, socket_timeout=0.5)
    try:
        assert await client.with_timeout(10).ping() is True  # connected: the handshake's round trips are done
        futures = [client.get("k") for _ in range(300)]  # under the timeout: all answered
        assert await one_outcome_each(futures, 5) == [b"v"] * 300
        baseline = traced_now()
        # a spike: the same connection, each chunk now 1 s late both ways, so no reply before 2 s; the callers'
        # own 0.5 s timeout ends them well before, with room for a loaded machine's late timers
        proxy.latency_ms = 1000
        started = time.monotonic()
        futures = [client.get("k") for _ in range(300)]
        results = await one_outcome_each(futures, 5)
        elapsed = time.monotonic() - started
        assert kinds(results) == {"TimeoutError": 300}
        assert elapsed < 1.6, f"the callers waited {elapsed:.2f} s, not their 0.5 s timeout"
        del futures, results
        proxy.latency_ms = 30
        assert await until_ok(lambda: client.get("k"), 5) == b"v"
        await assert_back_to_baseline(client, baseline)
        assert loop_errors == []
    finally:
        await client.aclose()


@pytest.mark.parametrize("mode", ["reset", "refuse"])
async def test_an_outage_with_1000_waiting_callers_makes_backed_off_connect_attempts_not_a_storm(
    proxy: FaultProxy, redis_server: RedisServer, mode: str
) -> None:
    await leanredis.Redis(host="127.0.0.1", port=redis_server.port).set("k", "v")
    client = leanredis.Redis(host="127.0.0.1", port=proxy.port, socket_timeout=1.0)
    try:
        assert await client.get("k") == b"v"
        accepts, failures = proxy.accepts, client.stats()["connect_failures"]
        proxy.mode = mode
        client.connection.drop()
        loop = asyncio.get_running_loop()
        end = loop.time() + 1.5
        outcomes: Counter[str] = Counter()
        waves = 0
        while loop.time() < end:  # 1,000 callers waiting at every moment of the outage
            waves += 1
            results = await one_outcome_each([client.get("k") for _ in range(1_000)], 5)
            outcomes += kinds(results)
            del results  # their errors' causes hold the handshake's frames
        attempts = client.stats()["connect_failures"] - failures
        assert outcomes["ok"] == 0 and sum(outcomes.values()) == 1_000 * waves
        # a caller fails when the attempts it waited for failed, or at its own timeout while it waits
        assert set(outcomes) <= {"ConnectionError", "TimeoutError"}, outcomes
        # 50 ms doubling with jitter allows at most 8 attempts in 1.5 s, whatever the number of callers
        assert 2 <= attempts <= 9, f"{attempts} connect attempts in 1.5 s from 1,000 callers"
        if mode == "reset":
            assert proxy.accepts - accepts == attempts
        proxy.mode = "forward"
        assert await until_ok(lambda: client.get("k"), 6) == b"v"
        await assert_back_to_baseline(client)
    finally:
        await client.aclose()


# -- faults from the server -------------------------------------------------------------------


async def test_kill_and_restart_with_1000_callers_waiting_gives_each_one_outcome_and_recovers(
    fresh_server: RedisServer, traced: None, loop_errors: list[dict[str, Any]]
) -> None:
    client = leanredis.Redis(host="127.0.0.1", port=fresh_server.port)
    try:
        await client.set("k", "v")
        baseline = traced_now()
        in_flight = [client.set(f"a{i}", "x" * 100) for i in range(1_000)]
        await asyncio.sleep(0)  # written in this tick, killed before most replies are read
        fresh_server.kill()
        lost = await one_outcome_each(in_flight, 10)
        assert set(kinds(lost)) <= {"ok", "ConnectionError"}
        # 1,000 more callers wait while the server comes back on the same port (in a thread: start blocks)
        waiting = [client.get("k") for _ in range(1_000)]
        failures = client.stats()["connect_failures"]
        restarting = threading.Thread(target=fresh_server.start)
        restarting.start()
        results = await one_outcome_each(waiting, 10)
        await asyncio.to_thread(restarting.join, 10)
        outcome = kinds(results)
        assert set(outcome) <= {"ok", "ConnectionError"} and sum(outcome.values()) == 1_000
        assert all(not res.possibly_executed for res in results if isinstance(res, ConnectionError))
        assert client.stats()["connect_failures"] - failures <= 8, "connect attempts stormed during the restart"
        del in_flight, lost, waiting, results
        assert await until_ok(lambda: client.set("k", "again"), 10) is True  # the restarted server is empty
        assert await client.get("k") == b"again"
        await assert_back_to_baseline(client, baseline)
        assert loop_errors == []
    finally:
        await client.aclose()


async def test_client_kill_with_writes_pending_fails_each_once_as_possibly_executed(
    fresh_server: RedisServer, traced: None
) -> None:
    client = leanredis.Redis(host="127.0.0.1", port=fresh_server.port)
    try:
        await client.set("k", "v")
        ident = await client_id(client)
        baseline = traced_now()
        # writes wait in the server (CLIENT PAUSE WRITE), written and unanswered, when the client is killed; the
        # pause lasts until CLIENT UNPAUSE, not 1.5 s that a loaded machine could outlast before the kill
        pause_server(fresh_server, 60_000, "WRITE")
        try:
            futures = [client.set(f"w{i}", "x") for i in range(500)]
            await asyncio.sleep(0.1)
            assert client.stats()["inflight"] == 500
            assert raw_command(fresh_server, "CLIENT", "KILL", "ID", str(ident)) == b":1\r\n"
            results = await one_outcome_each(futures, 5)
        finally:
            assert raw_command(fresh_server, "CLIENT", "UNPAUSE") == b"+OK\r\n"
        assert kinds(results) == {"ConnectionError": 500}
        assert all(res.possibly_executed for res in results)
        del futures, results
        assert await asyncio.wait_for(client.get("k"), 5) == b"v"  # reads are not paused: a new connection
        assert await client_id(client) != ident
        await assert_back_to_baseline(client, baseline)
    finally:
        await client.aclose()


async def test_client_pause_longer_than_socket_timeout_times_out_1000_callers_once_and_recovers(
    fresh_server: RedisServer, traced: None, loop_errors: list[dict[str, Any]]
) -> None:
    client = leanredis.Redis(host="127.0.0.1", port=fresh_server.port, socket_timeout=0.2)
    try:
        await client.set("k", "v")
        baseline = traced_now()
        # writes paused until CLIENT UNPAUSE (which a pause of every command would hold back too), not for 1.2 s:
        # under tracemalloc on a loaded machine these 1,000 calls once took 1.9 s, past that pause and its bound
        pause_server(fresh_server, 60_000, "WRITE")
        try:
            futures = [client.set("k", "v") for _ in range(1_000)]
            results = await one_outcome_each(futures, 10)
            assert kinds(results) == {"TimeoutError": 1_000}
        finally:
            assert raw_command(fresh_server, "CLIENT", "UNPAUSE") == b"+OK\r\n"
        del futures, results
        assert await until_ok(lambda: client.get("k"), 5) == b"v"
        await assert_back_to_baseline(client, baseline)
        assert loop_errors == []
    finally:
        await client.aclose()


async def test_maxmemory_replies_are_out_of_memory_errors_and_the_connection_keeps_working(
    fresh_server: RedisServer, traced: None
) -> None:
    client = leanredis.Redis(host="127.0.0.1", port=fresh_server.port)
    try:
        await client.set("k", "v")
        ident = await client_id(client)
        used = (await client.info("memory"))["used_memory"]
        await client.config_set("maxmemory-policy", "noeviction")
        await client.config_set("maxmemory", used + 256 * 1024)
        baseline = traced_now()
        futures = [client.set(f"fill{i}", "x" * 4096) for i in range(400)]  # 1.6 MB against 256 KB of room
        results = await one_outcome_each(futures, 5)
        outcome = kinds(results)
        assert set(outcome) == {"ok", "OutOfMemoryError"} and sum(outcome.values()) == 400, outcome
        oom = next(res for res in results if isinstance(res, leanredis.OutOfMemoryError))
        assert isinstance(oom, leanredis.ResponseError) and str(oom).startswith("OOM")
        del futures, results, oom
        assert await client.get("k") == b"v"  # reads still work
        await client.config_set("maxmemory", 0)
        assert await client.set("after", "1") is True
        assert await client_id(client) == ident, "an error reply must not cost the connection"
        await assert_back_to_baseline(client, baseline)
    finally:
        await client.aclose()


async def test_debug_sleep_times_out_the_callers_behind_it_once_and_the_client_recovers(
    debug_server: RedisServer, traced: None
) -> None:
    client = leanredis.Redis(host="127.0.0.1", port=debug_server.port, socket_timeout=0.2)
    try:
        await client.set("k", "v")
        baseline = traced_now()
        # the sleep on the callers' own connection, ahead of them: the server runs it before their GETs however
        # late it reads either (on another connection, a fixed 0.1 s wait was all that put it first); 3 s long,
        # so that 500 calls under tracemalloc on a loaded machine time out well inside it
        sleeping = asyncio.ensure_future(client.with_timeout(10).execute_command("DEBUG", "SLEEP", "3"))
        futures = [client.get("k") for _ in range(500)]
        results = await one_outcome_each(futures, 5)
        assert not sleeping.done(), "the callers waited for the sleep, not for their timeout"
        assert kinds(results) == {"TimeoutError": 500}
        assert await asyncio.wait_for(sleeping, 5) in (b"OK", "OK", True)
        del futures, results, sleeping
        assert await until_ok(lambda: client.get("k"), 5) == b"v"
        await assert_back_to_baseline(client, baseline)
    finally:
        await client.aclose()


@pytest.fixture(scope="module")
def replica(server_binary: str) -> Iterator[tuple[RedisServer, RedisServer]]:
    """A master and a replica of it (read-only, as replicas are by default)."""
    with primary_and_replica(server_binary) as pair:
        yield pair


async def test_writes_to_a_replica_are_read_only_errors_and_reads_keep_working(
    replica: tuple[RedisServer, RedisServer], traced: None
) -> None:
    master_server, replica_server = replica
    master = leanredis.Redis(host="127.0.0.1", port=master_server.port)
    client = leanredis.Redis(host="127.0.0.1", port=replica_server.port)
    try:
        await master.set("k", "from master")
        deadline = time.monotonic() + 8
        while await client.get("k") is None and time.monotonic() < deadline:
            await asyncio.sleep(0.05)  # the initial sync
        assert await client.get("k") == b"from master"
        ident = await client_id(client)
        baseline = traced_now()
        futures = [client.set(f"w{i}", "x") if i % 2 else client.get("k") for i in range(400)]
        results = await one_outcome_each(futures, 5)
        assert kinds(results) == {"ReadOnlyError": 200, "ok": 200}
        assert all(res == b"from master" for res in results[::2])
        error = results[1]
        assert isinstance(error, leanredis.ResponseError) and str(error).startswith("READONLY")
        del futures, results, error
        assert await client_id(client) == ident, "an error reply must not cost the connection"
        await assert_back_to_baseline(client, baseline)
    finally:
        await master.aclose()
        await client.aclose()

