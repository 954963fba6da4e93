"""Hostile replies: a bulk string announced huge (trickled or at full speed) and aggregates of 2^31+ elements.

Fake servers (``fakes.py``) play the hostile part; each test ends with the
client answered again by a well-behaved connection, or failed cleanly.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
import tracemalloc
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

import leanredis
from leanredis import memory
from leanredis.exceptions import ReplyTooLargeError, TimeoutError
from leanredis.server import RedisServer

from .fakes import FakeServer, Serve, answer_all, count_commands

pytestmark = pytest.mark.slow


def trickling(index: int) -> Serve:
    """The first connection announces a 100 MB bulk string (under max_reply_bytes) and sends one byte every
    10 ms; the rest behave."""

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(65536)
        writer.write(b"$100000000\r\n")
        for _ in range(3_000):  # 30 s at most: bounded even if the client never gives up
            writer.write(b"x")
            await writer.drain()
            await asyncio.sleep(0.01)

    return serve if index == 0 else answer_all


def flooding(index: int) -> Serve:
    """The first connection announces a 2 GiB bulk string and sends it as fast as it can."""

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(65536)
        writer.write(b"$2147483647\r\n")
        chunk = b"x" * (1024 * 1024)
        for _ in range(2048):  # 2 GiB at most
            writer.write(chunk)
            await writer.drain()

    return serve if index == 0 else answer_all


def announcing(header: bytes) -> Callable[[int], Serve]:
    def script(index: int) -> Serve:
        async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            data = await reader.read(65536)
            writer.write(header * max(1, count_commands(data)))
            await writer.drain()
            await reader.read(65536)  # keep the socket until the client drops it

        return serve if index == 0 else answer_all

    return script


def plain_client(fake: FakeServer, **options: Any) -> leanredis.Redis:
    """A client whose handshake is empty (RESP2, no CLIENT SETINFO): the fake answers commands, not greetings."""
    return leanredis.Redis(
        host="127.0.0.1", port=fake.port, driver_info=None, **{"protocol": 2, **options}
    )


@pytest.fixture
async def fake(request: pytest.FixtureRequest) -> AsyncIterator[FakeServer]:
    server = await FakeServer(request.param).start()
    yield server
    await server.aclose()


@pytest.mark.parametrize("fake", [trickling], indirect=True)
async def test_a_trickled_reply_past_its_timeout_drops_the_connection_instead_of_blocking_it(
    fake: FakeServer,
) -> None:
    client = plain_client(fake, socket_timeout=0.2, late_reply_timeout=0.5)
    try:
        with pytest.raises(TimeoutError):
            await client.get("huge")
        started = time.monotonic()
        answered = None
        while time.monotonic() - started < 5:
            try:
                answered = await client.get("k")
                break
            except (TimeoutError, leanredis.ConnectionError):
                pass
        assert answered == b"v", "every later command timed out behind the trickled reply"
        assert time.monotonic() - started < 2.0
        stats = client.stats()
        assert stats["late_reply_drops"] == 1 and fake.connections == 2
    finally:
        await client.aclose()


@pytest.mark.parametrize("parser", ["auto", "python"])
@pytest.mark.parametrize("fake", [flooding], indirect=True)
async def test_a_reply_past_max_reply_bytes_fails_fast_without_buffering_it(fake: FakeServer, parser: str) -> None:
    client = plain_client(fake, max_reply_bytes=8 * 1024 * 1024, parser=parser)
    try:
        before = memory.rss_bytes() or 0
        started = time.monotonic()
        with pytest.raises(ReplyTooLargeError, match="max_reply_bytes=8388608"):
            await asyncio.wait_for(client.get("huge"), 10)
        assert time.monotonic() - started < 5
        assert (memory.rss_bytes() or 0) - before < 64 * 1024 * 1024
        assert await asyncio.wait_for(client.get("k"), 5) == b"v"  # the next connection behaves
        assert client.stats()["protocol_errors"] == 1
    finally:
        await client.aclose()


@pytest.mark.parametrize("parser", ["auto", "python"])
@pytest.mark.parametrize(
    "fake",
    [announcing(b"*2147483648\r\n"), announcing(b"*4294967295\r\n"), announcing(b"%1073741824\r\n")],
    indirect=True,
    ids=["array-2^31", "array-2^32-1", "map-2^30"],
)
async def test_an_aggregate_announcing_too_many_elements_is_refused_before_it_is_built(
    fake: FakeServer, parser: str
) -> None:
    client = plain_client(fake, parser=parser, protocol=2)
    try:
        loop = asyncio.get_running_loop()
        started = loop.time()
        with pytest.raises(ReplyTooLargeError, match="element"):
            await asyncio.wait_for(client.get("k"), 10)
        # milliseconds when refused at the header; building 2^30 elements or more takes far longer
        assert loop.time() - started < 3.0, "building or freeing a huge list froze the loop"
        assert await asyncio.wait_for(client.get("k"), 5) == b"v"
    finally:
        await client.aclose()


def array_of(count: int, element: bytes, nested: int = 0) -> Callable[[int], Serve]:
    """The first connection answers with an array of ``count`` elements (each an array of ``nested`` of them
    when ``nested``), written a batch at a time, until the client drops it; the rest behave."""

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(65536)
        bulk = b"$%d\r\n%s\r\n" % (len(element), element)
        item = b"*%d\r\n%s" % (nested, bulk * nested) if nested else bulk
        writer.write(b"*%d\r\n" % count)
        batch = max(1, 100_000 // len(item))  # ~100 KB a write: the fake's own memory stays out of the peak
        for start in range(0, count, batch):
            writer.write(item * min(batch, count - start))
            await writer.drain()
        await reader.read(65536)

    def script(index: int) -> Serve:
        return serve if index == 0 else answer_all

    return script


MiB = 1 << 20


@pytest.mark.parametrize("parser", ["hiredis", "python"])
@pytest.mark.parametrize(
    "fake",
    [array_of(100_000, b"x" * 1000), array_of(300, b"x" * 1000, nested=300)],
    indirect=True,
    ids=["100000x1KB", "300x300x1KB"],
)
async def test_an_aggregate_of_many_small_elements_past_max_reply_bytes_fails_without_being_built(
    fake: FakeServer, parser: str
) -> None:
    client = plain_client(fake, max_reply_bytes=MiB, parser=parser)
    tracemalloc.start()
    try:
        with pytest.raises(ReplyTooLargeError, match="max_reply_bytes=1048576") as caught:
            await asyncio.wait_for(client.get("k"), 30)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert "bytes of it read" in str(caught.value)
        # the reply built so far (1 MiB and the objects it made), one read, the fake's own batch: not 100 MB
        assert peak < 12 * MiB, f"traced peak {peak / MiB:.1f} MiB"
        assert await client.get("k") == b"v"  # the very next command: a new connection, answered
        assert fake.connections == 2
    finally:
        tracemalloc.stop()
        await client.aclose()


def announcing_then_trickling(index: int) -> Serve:
    """The first connection sends a whole reply, then announces a 2 GiB bulk string in the same write, and
    trickles it; the rest behave."""

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(65536)
        writer.write(b"$1\r\nv\r\n$2147483647\r\n")
        for _ in range(3_000):  # 30 s at most
            writer.write(b"x")
            await writer.drain()
            await asyncio.sleep(0.01)

    return serve if index == 0 else answer_all


@pytest.mark.parametrize("parser", ["hiredis", "python"])
@pytest.mark.parametrize("fake", [trickling, announcing_then_trickling], indirect=True)
async def test_a_bulk_string_announced_past_max_reply_bytes_fails_at_its_header(fake: FakeServer, parser: str) -> None:
    # a budget past both announces (2 GiB, 100 MB): only max_reply_bytes can refuse them at the header
    client = plain_client(fake, parser=parser, max_reply_bytes=MiB, max_memory_bytes=4 * 1024 * MiB)
    loop = asyncio.get_running_loop()
    try:
        started = loop.time()
        first, second = await asyncio.wait_for(
            asyncio.gather(client.get("a"), client.get("b"), return_exceptions=True), 5
        )
        assert isinstance(second, ReplyTooLargeError)
        assert re.search("max_reply_bytes=1048576 .*announces a bulk string of (2147483647|100000000) bytes",
                         str(second)), second
        # announcing_then_trickling answers the first; trickling announces at once, the second fails with it
        assert first == b"v" or isinstance(first, ReplyTooLargeError)
        # the trickle never ends within the 5 s gather: 3 s leaves a loaded machine its slack
        assert loop.time() - started < 3.0, "waited for the trickle instead of refusing the header"
        assert await client.get("k") == b"v"
    finally:
        await client.aclose()


async def test_a_reply_past_max_reply_bytes_from_a_real_server_fails_and_the_next_command_succeeds(
    redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    writer = leanredis.Redis(host="127.0.0.1", port=redis_server.port)
    try:
        await writer.delete("bounds:list")
        for _ in range(20):
            await writer.rpush("bounds:list", *[b"x" * 1000] * 1000)
        for parser in ("hiredis", "python"):
            client = leanredis.Redis(host="127.0.0.1", port=redis_server.port, max_reply_bytes=MiB, parser=parser)
            try:
                assert await client.ping() is True
                caplog.clear()
                with caplog.at_level(logging.WARNING, logger="leanredis"):
                    with pytest.raises(ReplyTooLargeError, match="max_reply_bytes=1048576"):
                        await client.lrange("bounds:list", 0, -1)
                    assert await client.ping() is True  # at once: not written to the dropped socket
                    assert len(await client.lrange("bounds:list", 0, 99)) == 100
                messages = [record.getMessage() for record in caplog.records]
                assert any("dropped by the client" in m and "max_reply_bytes" in m for m in messages), messages
                assert not any("closed by the server" in m for m in messages), messages
                assert client.stats()["reconnects"] == 1
            finally:
                await client.aclose()
    finally:
        await writer.delete("bounds:list")
        await writer.aclose()
