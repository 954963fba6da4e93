"""The retry policy by command flags (``leanredis.command_retry``), against a real server.

A read is sent again through a LOADING window and after a lost reply; a write
whose reply was lost is never sent again (the server's own count says so, where
redis-py's default retry runs the INCR once per attempt); a command never
written waits through the connect retries.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
import redis.asyncio
from redis.asyncio.retry import Retry as RedisPyRetry
from redis.backoff import ConstantBackoff as RedisPyConstantBackoff

import leanredis
from leanredis.retry import ConstantBackoff, Retry
from leanredis.server import RedisServer

from .faults import FaultProxy
from .helpers import client_id

pytestmark = pytest.mark.slow

INCR = b"*3\r\n$6\r\nINCRBY\r\n$1\r\nn\r\n$1\r\n1\r\n"  # what incr("n") sends, in redis-py too
GET = b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"


@pytest.fixture
async def admin(debug_server: RedisServer) -> AsyncIterator[leanredis.Redis]:
    client = leanredis.Redis(host="127.0.0.1", port=debug_server.port)
    await client.flushall()
    yield client
    await client.aclose()


@pytest.fixture
async def proxy(debug_server: RedisServer) -> AsyncIterator[FaultProxy]:
    fault = await FaultProxy(debug_server.port).start()
    yield fault
    await fault.aclose()


def retrying(port: int, retries: int = 3, delay: float = 0.05, **options: object) -> leanredis.Redis:
    """A client with an explicit retry policy and no handshake commands (the proxy counts bytes from the first)."""
    return leanredis.Redis(
        host="127.0.0.1", port=port, retry=Retry(ConstantBackoff(delay), retries),
        lib_name=None, lib_version=None, **{"protocol": 2, **options},  # type: ignore[arg-type]
    )


@pytest.fixture
async def client_of() -> AsyncIterator[Callable[..., leanredis.Redis]]:
    """``retrying``, the clients it made closed after the test (again, if the test closed one)."""
    made: list[leanredis.Redis] = []

    def make(port: int, **options: Any) -> leanredis.Redis:
        made.append(retrying(port, **options))
        return made[-1]

    yield make
    for client in made:
        await client.aclose()


@pytest.fixture
async def lost_get(admin: leanredis.Redis, proxy: FaultProxy) -> FaultProxy:
    """k = v on the server; the proxy lets a GET through, then closes both sides: its reply is lost."""
    await admin.set("k", "v")
    proxy.mode = "cut"
    proxy.cut_after = len(GET)
    return proxy


async def first_cut(proxy: FaultProxy) -> None:
    """Until the proxy has cut a connection (bounded)."""
    async with asyncio.timeout(5):
        while proxy.cuts == 0:
            await asyncio.sleep(0.005)


async def rejected_calls(admin: leanredis.Redis, command: str) -> int:
    stats = await admin.info("commandstats")
    return int(stats.get(f"cmdstat_{command}", {}).get("rejected_calls", 0))


async def test_a_read_and_a_write_are_sent_again_through_a_loading_window_and_succeed(
    debug_server: RedisServer, admin: leanredis.Redis
) -> None:
    await admin.execute_command("DEBUG", "POPULATE", "10000")
    await admin.execute_command("SAVE")
    await admin.config_set("key-load-delay", 50)  # microseconds per key: about 0.5 s of LOADING
    await admin.config_set("loading-process-events-interval-bytes", 1024)
    # retries for 20 s, within a 25 s timeout: 10,000 keys at 50 us are 0.5 s of LOADING on a quiet machine, and
    # a server starved of CPU took longer than the 2 s of retries this had (40 x 0.05 s) and the read failed
    client = retrying(debug_server.port, retries=400, delay=0.05, socket_timeout=25)
    plain = leanredis.Redis(host="127.0.0.1", port=debug_server.port)
    try:
        ident = await client_id(client)
        await plain.ping()
        rejected_before = await rejected_calls(admin, "get")
        reload = asyncio.ensure_future(admin.with_timeout(30).execute_command("DEBUG", "RELOAD"))
        async with asyncio.timeout(5):
            while True:  # until the server answers LOADING
                try:
                    await plain.ping()
                except leanredis.BusyLoadingError:
                    break
                await asyncio.sleep(0.01)
        started = asyncio.get_running_loop().time()
        async with asyncio.timeout(25):
            read, write, refused = await asyncio.gather(
                client.get("key:1"), client.set("written", "1"), plain.get("key:1"), return_exceptions=True
            )
        took = asyncio.get_running_loop().time() - started
        assert isinstance(refused, leanredis.BusyLoadingError), "the client without retry= gets the error"
        assert (read, write) == (b"value:1", True)
        await asyncio.wait_for(reload, 30)
        retried = await rejected_calls(admin, "get") - rejected_before - 1  # less the plain client's
        print(f"\nLOADING: read answered after {took:.3f} s, {retried} GET attempt(s) refused first")
        assert retried >= 1, "the read was answered without a retry: the window was missed"
        assert await client_id(client) == ident, "LOADING must not cost the connection"
        assert client.connection.kept_bytes == 0
    finally:
        await admin.config_set("key-load-delay", 0)
        await admin.config_set("loading-process-events-interval-bytes", 2 * 1024 * 1024)
        await client.aclose()
        await plain.aclose()


@pytest.mark.filterwarnings("ignore:Call to '__init__' function with deprecated usage:DeprecationWarning")
async def test_a_write_whose_reply_was_lost_is_not_sent_again_and_says_possibly_executed(
    admin: leanredis.Redis, proxy: FaultProxy, client_of: Callable[..., leanredis.Redis]
) -> None:
    proxy.mode = "cut"
    proxy.cut_after = len(INCR)  # the INCR reaches the server, then both sides are closed: no reply
    client = client_of(proxy.port, retries=3)
    with pytest.raises(leanredis.ConnectionError) as caught:
        await asyncio.wait_for(client.incr("n"), 5)
    assert caught.value.possibly_executed is True
    assert (proxy.accepts, proxy.cuts) == (1, 1), "the INCR was sent again"
    # the proxy's socket may be read by the server after ours: wait (bounded) for its count
    assert await counted(admin, 1) == 1, "the server ran the INCR once"
    accepts = proxy.accepts
    # redis-py's default retry, on the same proxy: it sends the INCR again after each lost reply
    theirs = redis.asyncio.Redis(
        host="127.0.0.1", port=proxy.port, lib_name=None, lib_version=None, protocol=2,  # no handshake
        retry=RedisPyRetry(RedisPyConstantBackoff(0.05), 3),
    )
    try:
        with pytest.raises(redis.exceptions.ConnectionError):
            await asyncio.wait_for(theirs.incr("n"), 5)
    finally:
        await theirs.aclose()
    attempts = proxy.accepts - accepts  # one connection per attempt
    theirs_ran = await counted(admin, 1 + attempts) - 1
    print(f"\nlost INCR reply: leanredis ran it 1 time, redis-py {theirs_ran} times")
    assert theirs_ran > 1


async def counted(admin: leanredis.Redis, expected: int) -> int:
    """The counter once it reaches ``expected`` (or what it is after 2 s)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + 2
    value = 0
    while loop.time() < end:
        value = int(await admin.get("n") or 0)
        if value >= expected:
            break
        await asyncio.sleep(0.01)
    return value


async def test_a_read_whose_reply_was_lost_is_sent_again_on_a_new_connection(
    lost_get: FaultProxy, client_of: Callable[..., leanredis.Redis]
) -> None:
    client = client_of(lost_get.port, retries=3, delay=0.3)
    reading = asyncio.ensure_future(client.get("k"))
    await first_cut(lost_get)
    lost_get.mode = "forward"  # the next connection (after the 0.3 s backoff) is served
    assert await asyncio.wait_for(reading, 5) == b"v"
    assert lost_get.cuts == 1 and lost_get.accepts == 2
    assert client.connection.kept_bytes == 0


async def test_a_read_whose_reply_is_always_lost_is_sent_retries_plus_one_times_then_fails(
    admin: leanredis.Redis, lost_get: FaultProxy, client_of: Callable[..., leanredis.Redis]
) -> None:
    await admin.config_resetstat()
    # every connection: the GET reaches the server, then both sides close; the caller's bound is far away
    client = client_of(lost_get.port, retries=3, delay=0.01, socket_timeout=30)
    with pytest.raises(leanredis.ConnectionError) as caught:
        await asyncio.wait_for(client.get("k"), 5)
    assert caught.value.possibly_executed is True
    assert (lost_get.accepts, lost_get.cuts) == (4, 4), "not the first attempt and 3 retries"
    assert await commands_run(admin, "get", 4) == 4, "the server did not run the GET 4 times"
    assert client.connection.kept_bytes == 0


async def commands_run(admin: leanredis.Redis, command: str, expected: int) -> int:
    """How many times the server ran ``command`` once it reaches ``expected`` (or after 2 s)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + 2
    calls = 0
    while loop.time() < end:
        stats = await admin.info("commandstats")
        calls = int(stats.get(f"cmdstat_{command}", {}).get("calls", 0))
        if calls >= expected:
            break
        await asyncio.sleep(0.01)
    return calls


async def test_a_read_waiting_to_be_sent_again_is_still_bound_by_its_first_timeout(
    lost_get: FaultProxy, client_of: Callable[..., leanredis.Redis]
) -> None:
    # the backoff (3 s) outlasts the timeout by far: a deadline that waited for it is told from a loaded
    # machine's late timer (the bound was 0.7 s against a 1 s backoff)
    client = client_of(lost_get.port, retries=3, delay=3.0, socket_timeout=0.4)
    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(leanredis.TimeoutError):
        await asyncio.wait_for(client.get("k"), 5)
    took = loop.time() - started
    assert 0.35 < took < 2.0, f"timed out after {took:.3f} s, not at its socket_timeout of 0.4 s"
    assert lost_get.cuts == 1


async def test_aclose_fails_a_read_waiting_out_its_backoff_and_it_is_never_sent_after(
    lost_get: FaultProxy, client_of: Callable[..., leanredis.Redis]
) -> None:
    # a 2 s backoff: the aclose below comes inside it even when a loaded machine stalls the test (with 0.5 s,
    # a stall of 0.45 s would let the read go out again before the aclose)
    client = client_of(lost_get.port, retries=3, delay=2.0)
    reading = asyncio.ensure_future(client.get("k"))
    await first_cut(lost_get)
    await asyncio.sleep(0.05)  # the read waits out its backoff
    await client.aclose()
    with pytest.raises(leanredis.ConnectionError, match="closed by the client"):
        await asyncio.wait_for(reading, 0.2)  # at once, not after the backoff
    await asyncio.sleep(2.1)  # past the backoff: nothing is sent, no socket is made
    assert lost_get.accepts == 1
    assert not client.connection.is_connected


async def test_aclose_with_a_read_in_flight_fails_it_and_never_sends_it_again(
    proxy: FaultProxy, client_of: Callable[..., leanredis.Redis]
) -> None:
    proxy.mode = "blackhole"  # the read is written and never answered
    client = client_of(proxy.port, retries=3, delay=0.05)
    reading = asyncio.ensure_future(client.get("k"))
    async with asyncio.timeout(5):
        while client.stats()["inflight"] == 0:
            await asyncio.sleep(0.005)
    await client.aclose()
    with pytest.raises(leanredis.ConnectionError):
        await asyncio.wait_for(reading, 1)
    await asyncio.sleep(0.3)  # past the backoff: no retry reconnects the closed client
    assert proxy.accepts == 1
    assert not client.connection.is_connected


async def test_a_command_never_written_waits_through_failed_connects_and_is_sent_once(
    admin: leanredis.Redis, proxy: FaultProxy, client_of: Callable[..., leanredis.Redis]
) -> None:
    proxy.mode = "refuse"
    client = client_of(proxy.port, retries=10, delay=0.05)
    incrementing = asyncio.ensure_future(client.incr("n"))
    async with asyncio.timeout(5):
        while client.stats()["connect_failures"] < 2:
            await asyncio.sleep(0.005)
    proxy.mode = "forward"
    assert await asyncio.wait_for(incrementing, 5) == 1
    assert await admin.get("n") == b"1"
