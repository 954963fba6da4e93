"""Server error states under load: ~500 callers in flight when the server turns hostile.

Each test puts about 500 callers in flight, then the server kills the connection
(CLIENT KILL), pauses (CLIENT PAUSE), runs a busy script (BUSY), is full
(maxclients), refuses a user (NOPERM), loads its dataset (LOADING) or is a
replica whose primary is gone (MASTERDOWN). For each it proves: every caller got
exactly one outcome (counted), the error class is redis-py's for the same reply
(asked of redis.asyncio on the same server), the client serves afterwards, and
traced memory and RSS come back near where they were before the fault.

OOM and READONLY under load are in ``test_faults.py``.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import redis.asyncio
import redis.exceptions
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

import leanredis
from leanredis.memory import rss_bytes
from leanredis.server import RedisServer

from .helpers import (
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

CALLERS = 500
# RSS may keep a little of a burst (allocator arenas, a new socket's buffers): far less than this
RSS_LIMIT = 32 * 1024 * 1024


@pytest.fixture
async def client(debug_server: RedisServer) -> AsyncIterator[leanredis.Redis]:
    connection = leanredis.Redis(host="127.0.0.1", port=debug_server.port)
    await connection.flushall()
    yield connection
    await connection.aclose()


class Footprint:
    """Traced memory and RSS before a fault, compared (and printed) after it."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.traced = traced_now()
        self.rss = rss_bytes() or 0

    async def check(self, client: leanredis.Redis) -> None:
        await assert_back_to_baseline(client, self.traced)
        traced_after = traced_now()
        rss_after = rss_bytes() or 0
        print(
            f"\n{self.label}: traced {self.traced} -> {traced_after} ({traced_after - self.traced:+d} B), "
            f"RSS {self.rss >> 10} -> {rss_after >> 10} KiB ({(rss_after - self.rss) >> 10:+d} KiB)"
        )
        assert rss_after - self.rss < RSS_LIMIT, f"RSS grew by {rss_after - self.rss} bytes over the fault"


async def redis_py_error(port: int, *args: Any, **options: Any) -> BaseException:
    """What redis.asyncio raises for the same command on the same server (the class oracle), unretried."""
    theirs = redis.asyncio.Redis(host="127.0.0.1", port=port, retry=Retry(NoBackoff(), 0), **options)
    try:
        await theirs.execute_command(*args)
    except redis.exceptions.RedisError as exc:
        return exc
    finally:
        await theirs.aclose()
    raise AssertionError(f"redis-py got no error for {args}")


def same_class_as_redis_py(ours: BaseException, theirs: BaseException) -> None:
    """Our error has redis-py's class name, or is a subclass of it (BusyError is a ResponseError)."""
    names = {cls.__name__ for cls in type(ours).__mro__}
    assert type(theirs).__name__ in names, f"{type(ours).__name__} where redis-py raises {type(theirs).__name__}"


# -- the connection killed, the server paused ------------------------------------------------------


async def test_client_kill_mid_flood_gives_each_caller_one_outcome_and_the_client_reconnects(
    debug_server: RedisServer, client: leanredis.Redis, traced: None
) -> None:
    """500 workers INCR in a loop; the server kills the connection while hundreds are in flight."""
    ident = await client_id(client)
    footprint = Footprint("CLIENT KILL")
    loop = asyncio.get_running_loop()
    issued = 0
    outcomes: Counter[str] = Counter()
    possibly = 0
    killed = asyncio.Event()

    async def worker() -> None:
        nonlocal issued, possibly
        for _ in range(200):  # bounded in count; the kill lands within the first few rounds
            issued += 1
            try:
                await client.incr("counter")
                outcomes["ok"] += 1
            except leanredis.ConnectionError as exc:
                outcomes["ConnectionError"] += 1
                possibly += exc.possibly_executed is True
            if killed.is_set() and outcomes["ConnectionError"]:
                return

    async def kill() -> None:
        while outcomes["ok"] < 2 * CALLERS or client.stats()["inflight"] < CALLERS // 2:
            await asyncio.sleep(0)
        killed.set()
        await loop.run_in_executor(None, raw_command, debug_server, "CLIENT", "KILL", "ID", str(ident))

    async with asyncio.timeout(15):
        await asyncio.gather(kill(), *(worker() for _ in range(CALLERS)))
    assert sum(outcomes.values()) == issued, "a caller got no outcome, or two"
    assert set(outcomes) == {"ok", "ConnectionError"}, outcomes
    assert possibly == outcomes["ConnectionError"], "callers written when the socket died must say so"
    # the server ran every answered INCR, and at most the possibly executed ones besides
    executed = int(await client.get("counter"))
    assert outcomes["ok"] <= executed <= outcomes["ok"] + possibly
    print(f"\nCLIENT KILL: {issued} calls, {dict(outcomes)}, server ran {executed}")
    assert await client_id(client) != ident
    assert await client.incr("counter") == executed + 1
    await footprint.check(client)


async def test_client_pause_makes_500_callers_wait_then_succeed_and_those_with_a_short_timeout_time_out(
    debug_server: RedisServer, client: leanredis.Redis, traced: None
) -> None:
    await client.set("k", "v")
    ident = await client_id(client)
    footprint = Footprint("CLIENT PAUSE")
    # writes paused until CLIENT UNPAUSE (a pause of every command holds the UNPAUSE back too), not for 0.6 s:
    # the short timeouts end inside it however slow a loaded machine is (under tracemalloc and debug mode,
    # 1,000 calls can take longer than 0.6 s), and the patient callers wait for the UNPAUSE, not for a clock
    pause_server(debug_server, 60_000, "WRITE")
    try:
        started = time.monotonic()
        patient = [client.set("k", "v") for _ in range(CALLERS)]
        hasty = [client.with_timeout(0.1).set("k", "v") for _ in range(CALLERS)]
        results = await one_outcome_each(hasty, 5)  # had they waited for the pause, 5 s would not do
        hasty_done = time.monotonic() - started
        assert kinds(results) == {"TimeoutError": CALLERS}
        assert not any(fut.done() for fut in patient), "a caller was answered during the pause"
    finally:
        assert raw_command(debug_server, "CLIENT", "UNPAUSE") == b"+OK\r\n"
    results = await one_outcome_each(patient, 5)
    assert results == [True] * CALLERS
    print(f"\nCLIENT PAUSE: short timeouts out at {hasty_done:.3f} s, the rest answered after the UNPAUSE")
    del patient, hasty, results
    assert await client_id(client) == ident, "a pause must not cost the connection"
    await footprint.check(client)


# -- the server busy or loading: errors that are replies, on a connection that stays ---------------


async def test_a_busy_script_answers_500_callers_busy_error_each_and_script_kill_ends_it(
    debug_server: RedisServer, client: leanredis.Redis, traced: None
) -> None:
    await client.set("k", "v")
    ident = await client_id(client)
    await client.config_set("busy-reply-threshold", 50)
    runner = leanredis.Redis(host="127.0.0.1", port=debug_server.port)
    try:
        footprint = Footprint("BUSY")
        script = asyncio.ensure_future(runner.with_timeout(10).eval("while true do end", 0))
        await until_refused(client, leanredis.BusyError)  # past the threshold: BUSY between script steps
        results = await one_outcome_each([client.get("k") for _ in range(CALLERS)], 5)
        assert kinds(results) == {"BusyError": CALLERS}, kinds(results)
        busy = results[0]
        assert isinstance(busy, leanredis.ResponseError) and str(busy).startswith("BUSY")
        same_class_as_redis_py(busy, await redis_py_error(debug_server.port, "GET", "k"))
        del results
        assert await client.script_kill() is True
        with pytest.raises(leanredis.ResponseError, match="[Kk]illed"):
            await asyncio.wait_for(script, 5)
        del script, busy
        assert await client.get("k") == b"v"
        assert await client_id(client) == ident, "a BUSY reply must not cost the connection"
        await footprint.check(client)
    finally:
        await client.config_set("busy-reply-threshold", 5000)
        await runner.aclose()


async def test_loading_replies_are_busy_loading_errors_and_do_not_cost_the_connection(
    debug_server: RedisServer, client: leanredis.Redis, traced: None
) -> None:
    await client.execute_command("DEBUG", "POPULATE", "10000")
    await client.execute_command("SAVE")
    ident = await client_id(client)
    await client.config_set("key-load-delay", 50)  # microseconds per key: about 0.5 s of LOADING
    await client.config_set("loading-process-events-interval-bytes", 1024)
    reloader = leanredis.Redis(host="127.0.0.1", port=debug_server.port)
    try:
        footprint = Footprint("LOADING")
        reload = asyncio.ensure_future(reloader.with_timeout(10).execute_command("DEBUG", "RELOAD"))
        await until_refused(client, leanredis.BusyLoadingError)
        results = await one_outcome_each([client.get("key:1") for _ in range(CALLERS)], 5)
        assert kinds(results) == {"BusyLoadingError": CALLERS}, kinds(results)
        loading = results[0]
        assert str(loading).startswith("LOADING")
        theirs = await redis_py_error(debug_server.port, "GET", "key:1")
        same_class_as_redis_py(loading, theirs)
        del results, loading, theirs
        await asyncio.wait_for(reload, 10)
        del reload
        assert await client.get("key:1") == b"value:1"
        assert await client_id(client) == ident, "a LOADING reply must not cost the connection"
        await footprint.check(client)
    finally:
        await client.config_set("key-load-delay", 0)
        await client.config_set("loading-process-events-interval-bytes", 2 * 1024 * 1024)
        await reloader.aclose()


async def until_refused(client: leanredis.Redis, error: type[Exception]) -> None:
    """Wait (bounded) until the server answers a PING with ``error`` (BUSY, LOADING)."""
    async with asyncio.timeout(5):
        while True:
            try:
                await client.ping()
            except error:
                return
            await asyncio.sleep(0.01)


# -- the server full, the user refused --------------------------------------------------------------


@pytest.mark.parametrize("protocol", [2, 3])
async def test_maxclients_fails_500_callers_of_a_new_client_with_connection_error_while_connected_ones_serve(
    debug_server: RedisServer, client: leanredis.Redis, traced: None, protocol: int
) -> None:
    await client.set("k", "v")
    ident = await client_id(client)
    connected = int((await client.info("clients"))["connected_clients"])
    newcomer = leanredis.Redis(host="127.0.0.1", port=debug_server.port, protocol=protocol, socket_timeout=5)
    await client.config_set("maxclients", connected)
    try:
        footprint = Footprint(f"maxclients RESP{protocol}")
        served = [client.get("k") for _ in range(CALLERS)]
        refused = [newcomer.get("k") for _ in range(CALLERS)]
        results = await one_outcome_each(served + refused, 10)
        assert results[:CALLERS] == [b"v"] * CALLERS
        assert kinds(results[CALLERS:]) == {"ConnectionError": CALLERS}, kinds(results[CALLERS:])
        error = results[CALLERS]
        assert "max number of clients reached" in str(error)
        assert error.possibly_executed is False, "refused before any command was written"
        theirs = await redis_py_error(debug_server.port, "GET", "k", protocol=protocol)
        same_class_as_redis_py(error, theirs)
        del served, refused, results, error, theirs
        await client.config_set("maxclients", 10000)
        # the newcomer connects once there is room (until then its last connect error is kept, with the
        # handshake's frames in its traceback: checked after)
        assert await until_ok(lambda: newcomer.get("k"), 5) == b"v"
        await newcomer.aclose()
        assert await client_id(client) == ident
        await footprint.check(client)
    finally:
        await client.config_set("maxclients", 10000)
        await newcomer.aclose()


async def test_noperm_under_load_is_no_permission_error_for_the_refused_and_the_rest_are_answered(
    debug_server: RedisServer, client: leanredis.Redis, traced: None
) -> None:
    await client.set("r:1", "allowed")
    await client.execute_command("ACL", "SETUSER", "limited", "on", ">secret-pw", "~r:*", "+get", "+client")
    user = leanredis.Redis(host="127.0.0.1", port=debug_server.port, username="limited", password="secret-pw")
    try:
        ident = await client_id(user)
        footprint = Footprint("NOPERM")
        calls = (lambda: user.get("r:1"), lambda: user.get("other"), lambda: user.set("r:1", "x"))
        futures = [calls[i % 3]() for i in range(CALLERS)]
        results = await one_outcome_each(futures, 5)
        assert kinds(results) == {"ok": 167, "NoPermissionError": 333}, kinds(results)
        assert all(res == b"allowed" for res in results[::3])
        error = results[1]
        assert isinstance(error, leanredis.ResponseError) and "secret-pw" not in str(error)
        theirs = await redis_py_error(debug_server.port, "GET", "other", username="limited", password="secret-pw")
        same_class_as_redis_py(error, theirs)
        del futures, results, error, theirs
        assert await client_id(user) == ident, "a NOPERM reply must not cost the connection"
        await footprint.check(user)
    finally:
        await user.aclose()
        await client.execute_command("ACL", "DELUSER", "limited")


# -- a replica whose primary is gone ---------------------------------------------------------------


@pytest.fixture
def stale_replica(server_binary: str) -> Iterator[tuple[RedisServer, RedisServer]]:
    """A primary and a replica that refuses stale reads (``replica-serve-stale-data no``)."""
    with primary_and_replica(server_binary, "--replica-serve-stale-data", "no") as pair:
        yield pair


async def test_masterdown_on_a_replica_without_its_primary_is_master_down_error_for_500_callers(
    stale_replica: tuple[RedisServer, RedisServer], traced: None
) -> None:
    primary_server, replica_server = stale_replica
    primary = leanredis.Redis(host="127.0.0.1", port=primary_server.port)
    client = leanredis.Redis(host="127.0.0.1", port=replica_server.port)
    try:
        await primary.set("k", "v")
        async with asyncio.timeout(10):
            while (await client.info("replication")).get("master_link_status") != "up" or not await client.exists("k"):
                await asyncio.sleep(0.05)  # the initial sync
        ident = await client_id(client)
        footprint = Footprint("MASTERDOWN")
        await primary.aclose()
        primary_server.kill()
        async with asyncio.timeout(10):
            while (await client.info("replication")).get("master_link_status") == "up":
                await asyncio.sleep(0.05)  # the replica notices its primary is gone
        results = await one_outcome_each([client.get("k") for _ in range(CALLERS)], 5)
        assert kinds(results) == {"MasterDownError": CALLERS}, kinds(results)
        error = results[0]
        assert str(error).startswith("MASTERDOWN")
        same_class_as_redis_py(error, await redis_py_error(replica_server.port, "GET", "k"))
        del results, error
        assert await client_id(client) == ident, "a MASTERDOWN reply must not cost the connection"
        await footprint.check(client)
    finally:
        await client.aclose()
        await primary.aclose()

