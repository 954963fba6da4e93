"""``Redis.get_retry()``/``set_retry()`` (redis-py 8.1's names) change what leanredis's retry covers, from the
next attempt on: the connects a command never written waits through, their backoff, and the re-sending of a
read whose reply was lost, on a client made without ``retry=`` too (its connection keeps what it sends from then on).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator

import pytest
import redis.asyncio.retry
import redis.backoff

import leanredis
from leanredis.retry import ConstantBackoff, NoBackoff, Retry
from leanredis.server import RedisServer

from .faults import FaultProxy

GET = b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"


@pytest.fixture(scope="module")
def server(server_binary: str) -> Iterator[RedisServer]:
    process = RedisServer(server_binary)
    process.start()
    yield process
    process.stop()


@pytest.fixture
async def proxy(server: RedisServer) -> AsyncIterator[FaultProxy]:
    fault = await FaultProxy(server.port).start()
    yield fault
    await fault.aclose()


def retrying(port: int, retries: int, delay: float) -> leanredis.Redis:
    """A client made with a retry (so it may re-send), no handshake commands, RESP2 (the proxy cuts by bytes)."""
    return leanredis.Redis(
        host="127.0.0.1", port=port, retry=Retry(ConstantBackoff(delay), retries),
        driver_info=None, protocol=2,
    )


async def test_set_retry_with_no_retries_stops_re_sending_a_read_whose_reply_was_lost(
    server: RedisServer, proxy: FaultProxy
) -> None:
    admin = leanredis.Redis(host="127.0.0.1", port=server.port)
    await admin.set("k", "v")
    await admin.aclose()
    proxy.mode = "cut"
    proxy.cut_after = len(GET)
    client = retrying(proxy.port, retries=3, delay=0.01)
    try:
        client.set_retry(Retry(NoBackoff(), 0))
        with pytest.raises(leanredis.ConnectionError):
            await asyncio.wait_for(client.get("k"), 5)
        assert proxy.accepts == 1  # not sent again (a retries=3 client sends it on a new connection)
    finally:
        await client.aclose()


async def test_set_retry_sets_the_connects_a_waiting_command_waits_through_and_their_backoff(
    proxy: FaultProxy,
) -> None:
    proxy.mode = "refuse"
    client = retrying(proxy.port, retries=10, delay=0.0)
    try:
        new = Retry(ConstantBackoff(0.25), 2)
        client.set_retry(new)
        assert client.get_retry() is new
        started = time.monotonic()
        with pytest.raises(leanredis.ConnectionError):
            await asyncio.wait_for(client.get("k"), 10)
        assert client.stats()["connect_failures"] == 3  # the first attempt and 2 retries, not 11
        assert time.monotonic() - started >= 0.45  # two backoffs of 0.25 s, not 0
    finally:
        await client.aclose()


async def test_set_retry_takes_a_redis_py_retry_and_get_retry_gives_it_back(proxy: FaultProxy) -> None:
    proxy.mode = "refuse"
    client = retrying(proxy.port, retries=10, delay=0.0)
    try:
        theirs = redis.asyncio.retry.Retry(redis.backoff.NoBackoff(), 1)
        client.set_retry(theirs)
        assert client.get_retry() is theirs
        with pytest.raises(leanredis.ConnectionError):
            await asyncio.wait_for(client.get("k"), 10)
        assert client.stats()["connect_failures"] == 2
    finally:
        await client.aclose()


PING = b"*1\r\n$4\r\nPING\r\n"


@pytest.mark.parametrize("sends", ["direct", "through a response callback set before"])
async def test_set_retry_on_a_client_made_without_retry_re_sends_a_read_sent_after_it(
    server: RedisServer, proxy: FaultProxy, sends: str
) -> None:
    """redis-py apps call ``r.set_retry(Retry(backoff, 3))`` right after construction: honoured, not refused.

    The client is connected before (its socket switches mode live); a response callback set
    before captured the plain send path, whose commands are then kept as they are written.
    """
    admin = leanredis.Redis(host="127.0.0.1", port=server.port)
    await admin.set("k", "v")
    await admin.aclose()
    proxy.mode = "cut"
    proxy.cut_after = len(PING) + len(GET)  # the GET reaches the server, its reply is lost
    client = leanredis.Redis(host="127.0.0.1", port=proxy.port, driver_info=None, protocol=2)
    try:
        if sends != "direct":
            client.set_response_callback("GET", lambda reply, **options: reply)
        assert await asyncio.wait_for(client.ping(), 5) is True
        proxy.mode = "forward"  # the next connection passes everything
        client.set_retry(Retry(ConstantBackoff(0.01), 3))
        assert await asyncio.wait_for(client.get("k"), 5) == b"v"  # sent again on a new connection
        assert proxy.accepts == 2
        assert client.get_retry().get_retries() == 3
        assert client.connection.kept_bytes == 0  # kept until the reply, no longer
    finally:
        await client.aclose()


async def test_set_retry_on_a_client_made_without_retry_still_reports_a_write_whose_reply_was_lost(
    server: RedisServer, proxy: FaultProxy
) -> None:
    INCR = b"*3\r\n$6\r\nINCRBY\r\n$1\r\nn\r\n$1\r\n1\r\n"
    admin = leanredis.Redis(host="127.0.0.1", port=server.port)
    await admin.delete("n")
    proxy.mode = "cut"
    proxy.cut_after = len(INCR)
    client = leanredis.Redis(host="127.0.0.1", port=proxy.port, driver_info=None, protocol=2)
    try:
        client.set_retry(Retry(ConstantBackoff(0.01), 3))
        with pytest.raises(leanredis.ConnectionError) as caught:
            await asyncio.wait_for(client.incr("n"), 5)
        assert caught.value.possibly_executed is True
        # the proxy's last bytes to the server may still be on their way when the client sees the cut
        for _ in range(500):
            if (n := await admin.get("n")) is not None:
                break
            await asyncio.sleep(0.01)
        assert n == b"1"  # ran once, never sent again
    finally:
        await client.aclose()
        await admin.aclose()


async def test_set_retry_none_on_a_client_made_without_retry_stops_the_connect_retries(proxy: FaultProxy) -> None:
    proxy.mode = "refuse"
    client = leanredis.Redis(host="127.0.0.1", port=proxy.port)
    try:
        before = client.get_retry()
        assert before is not None and before.get_retries() == 3  # the default: 3 connect retries
        client.set_retry(None)  # no retries: honoured
        assert client.get_retry() is None
        with pytest.raises(leanredis.ConnectionError):
            await asyncio.wait_for(client.get("k"), 10)
        assert client.stats()["connect_failures"] == 1
    finally:
        await client.aclose()


def test_get_retry_of_a_client_made_with_retry_none_is_none_as_in_redis_py() -> None:
    assert leanredis.Redis(retry=None).get_retry() is None
    assert redis.asyncio.Redis(retry=None).get_retry() is None
