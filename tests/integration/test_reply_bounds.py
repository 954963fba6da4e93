"""Hostile replies: a bulk string announced huge (trickled or at full speed) and aggregates of 2^31+ elements.

Fake servers (``fakes.py``) play the hostile part; each test ends with the
client answered again by a well-behaved connection, or failed cleanly.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

import leanredis
from leanredis import memory
from leanredis.exceptions import ReplyTooLargeError, TimeoutError

from .fakes import FakeServer, Serve, answer_all, count_commands

pytestmark = pytest.mark.slow


def trickling(index: int) -> Serve:
    """The first connection announces a 2 GiB bulk string and sends one byte every 10 ms; the rest behave."""

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(65536)
        writer.write(b"$2147483647\r\n")
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
    """A client whose handshake is empty (no CLIENT SETINFO): the fake answers commands, not greetings."""
    return leanredis.Redis(host="127.0.0.1", port=fake.port, lib_name=None, lib_version=None, **options)


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
        assert loop.time() - started < 1.0, "building or freeing a huge list froze the loop"
        assert await asyncio.wait_for(client.get("k"), 5) == b"v"
    finally:
        await client.aclose()
