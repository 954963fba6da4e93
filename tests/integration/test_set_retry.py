"""``Redis.get_retry()``/``set_retry()`` (redis-py 8.1's names) change what leanredis's retry covers, from the
next attempt on: the connects a command never written waits through, their backoff, and the re-sending of a
read whose reply was lost. What cannot be honoured is refused, never accepted and ignored.
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
    """A client made with a retry (so it may re-send), no handshake commands (the proxy cuts by bytes)."""
    return leanredis.Redis(
        host="127.0.0.1", port=port, retry=Retry(ConstantBackoff(delay), retries), lib_name=None, lib_version=None
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


async def test_set_retry_refuses_to_start_re_sending_on_a_client_made_without_retry(proxy: FaultProxy) -> None:
    proxy.mode = "refuse"
    client = leanredis.Redis(host="127.0.0.1", port=proxy.port)
    try:
        before = client.get_retry()
        assert before is not None and before.get_retries() == 3  # the default: 3 connect retries
        with pytest.raises(leanredis.DataError, match="retry="):
            client.set_retry(Retry(NoBackoff(), 5))
        assert client.get_retry() == before  # nothing changed
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
