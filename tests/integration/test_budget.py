"""max_memory_bytes: one budget for everything the client holds, its parts, and what happens at its edge.

Real servers for the parts and the floods; a fake server for a bulk string announced and trickled.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

import leanredis
from leanredis import memory
from leanredis.budget import CONNECTION_OVERHEAD, PARTS
from leanredis.exceptions import DataError, OverloadError, ReplyTooLargeError
from leanredis.retry import NoBackoff, Retry
from leanredis.server import RedisServer

from .fakes import FakeServer, Serve, answer_all
from .faults import CommandProxy

pytestmark = pytest.mark.slow

MiB = 1024 * 1024
# RSS the 4,000 x 256 KB flood may add beyond max_memory_bytes: what the budget does not count. A write
# hands the out-buffer to asyncio, which copies what the kernel did not take into its own buffer: both
# exist during transport.write() (up to one out-buffer, itself within the budget, twice for an instant),
# and that buffer, a bytearray whose head the kernel consumed, is copied whole when it grows (CPython's
# resize with a front offset). Measured with a 64 MiB budget: RSS peak +80 to +97 MiB, the charged sum
# at most 64 MiB (tracemalloc's peak 191 MiB: the transient copies, mostly mmap'd and returned at once)
FLOOD_OVERHEAD = 64 * MiB


def assert_parts_add_up(client: Any) -> dict[str, Any]:
    stats = client.stats()
    parts = stats["memory"]
    assert set(parts) == set(PARTS)
    assert all(size >= 0 for size in parts.values()), parts
    assert sum(parts.values()) == stats["memory_bytes"], parts
    assert stats["memory_bytes"] <= stats["max_memory_bytes"]
    return stats


async def test_every_part_is_charged_while_held_and_given_back(redis_server: RedisServer) -> None:
    """buffered, kept, replies, pubsub, cache, connections: each seen non-zero, the sum always equal."""
    client = leanredis.Redis(
        port=redis_server.port, cache_config=leanredis.CacheConfig(), retry=Retry(NoBackoff(), 1),
        max_buffered_bytes=256 * 1024, max_memory_bytes=256 * MiB,
    )
    other = leanredis.Redis(port=redis_server.port)
    pubsub = client.pubsub()
    seen: dict[str, int] = dict.fromkeys(PARTS, 0)

    def look() -> None:
        parts = assert_parts_add_up(client)["memory"]
        for part, size in parts.items():
            seen[part] = max(seen[part], size)

    try:
        value = os.urandom(200 * 1024)
        await other.set("budget:big", b"x" * (8 * MiB))
        await pubsub.subscribe("budget:ch")
        for _ in range(50):
            await other.publish("budget:ch", b"m" * 1000)
        await client.get("budget:cached")  # a cached miss (None is cached)
        await client.set("budget:cached", b"c" * 10_000)
        await client.get("budget:cached")
        # the flood: past max_buffered_bytes, so some queue; kept for a retry; the big reply read in pieces
        futures = [client.set(f"budget:{i}", value) for i in range(40)]
        look()
        big = client.get("budget:big")
        while not big.done():
            look()
            await asyncio.sleep(0)
        await asyncio.gather(*futures)
        assert big.result() == b"x" * (8 * MiB)
        deadline = time.monotonic() + 5
        while client.stats()["memory"]["pubsub"] == 0 and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        look()
        # callers' own arguments are not charged while they wait ("queued" holds a redirected command's bytes)
        assert seen["queued"] == 0 and all(seen[part] > 0 for part in PARTS if part != "queued"), seen
        assert seen["connections"] >= 2 * CONNECTION_OVERHEAD  # the client's socket and the subscriber's
        # given back: the queue read, the cache emptied, the sockets closed
        while await pubsub.get_message(timeout=0.01) is not None:
            pass
        assert assert_parts_add_up(client)["memory"]["pubsub"] == 0
        await pubsub.aclose()
        await client.aclose()
        stats = assert_parts_add_up(client)
        assert stats["memory_bytes"] == 0, stats["memory"]
        assert stats["max_memory_bytes"] == 256 * MiB  # the limit it was given, beside what is used
    finally:
        await pubsub.aclose()
        await client.aclose()
        await other.aclose()


@pytest.mark.parametrize("parser", ["auto", "python"])
async def test_a_64_mib_reply_is_refused_at_its_header_with_a_16_mib_budget_and_the_next_command_served(
    redis_server: RedisServer, parser: str
) -> None:
    writer = leanredis.Redis(port=redis_server.port, socket_timeout=60)
    client = leanredis.Redis(port=redis_server.port, max_memory_bytes=16 * MiB, parser=parser)
    try:
        await writer.set("budget:64m", b"x" * (64 * MiB))
        await writer.set("budget:small", b"fine")
        before = memory.rss_bytes() or 0
        started = time.monotonic()
        refused = r"announces a bulk string of 67108864 bytes.*max_memory_bytes=16777216"
        with pytest.raises(ReplyTooLargeError, match=refused):
            await asyncio.wait_for(client.get("budget:64m"), 10)
        assert time.monotonic() - started < 2
        assert (memory.rss_bytes() or 0) - before < 16 * MiB
        started = time.monotonic()
        assert await asyncio.wait_for(client.get("budget:small"), 5) == b"fine"
        assert time.monotonic() - started < 3  # a new socket at once, not after late_reply_timeout (5 s)
        assert assert_parts_add_up(client)["memory_refusals"] == 1
    finally:
        await writer.delete("budget:64m")
        await writer.aclose()
        await client.aclose()


def trickling(index: int) -> Serve:
    """The first connection announces a 100 MB bulk string and sends one byte every 10 ms; the rest behave."""

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(65536)
        writer.write(b"$100000000\r\n")
        for _ in range(3_000):  # 30 s at most
            writer.write(b"x")
            await writer.drain()
            await asyncio.sleep(0.01)

    return serve if index == 0 else answer_all


@pytest.fixture
async def trickler() -> AsyncIterator[FakeServer]:
    server = await FakeServer(trickling).start()
    yield server
    await server.aclose()


@pytest.mark.parametrize("parser", ["auto", "python"])
async def test_the_announced_length_is_charged_at_the_header_with_both_parsers(
    trickler: FakeServer, parser: str
) -> None:
    """100 MB announced, a byte sent every 10 ms, max_reply_bytes not passed: the budget refuses it at once."""
    client = leanredis.Redis(
        host="127.0.0.1", port=trickler.port, protocol=2, driver_info=None, parser=parser,
        max_memory_bytes=16 * MiB, socket_timeout=None,
    )
    try:
        started = time.monotonic()
        with pytest.raises(ReplyTooLargeError, match="announces a bulk string of 100000000 bytes"):
            await asyncio.wait_for(client.get("huge"), 10)
        assert time.monotonic() - started < 5  # at the header: the trickle would outlast the 10 s wait_for
        assert await asyncio.wait_for(client.get("k"), 5) == b"v"
        assert assert_parts_add_up(client)["memory"]["replies"] == 0
    finally:
        await client.aclose()


@pytest.mark.parametrize("policy", ["wait", "fail"])
async def test_4000_sets_of_one_256_kb_value_at_once_stay_within_the_budget_plus_a_stated_overhead(
    redis_server: RedisServer, policy: str
) -> None:
    """Under "wait" every SET succeeds (callers wait for memory, in order); under "fail" the excess is refused at
    once. Either way the charged sum never passes the budget, and RSS grows by at most the budget plus an overhead
    the budget does not count (see FLOOD_OVERHEAD)."""
    budget = 64 * MiB
    client = leanredis.Redis(
        port=redis_server.port, max_memory_bytes=budget, socket_timeout=60, overload_policy=policy,
        max_buffered_bytes=4 * budget,  # the budget binds, not the out-buffer's own bound
    )
    value = os.urandom(256 * 1024)  # one value, as an application sending one payload to many keys
    try:
        await client.ping()
        memory.trim()
        before = memory.rss_bytes() or 0
        peak = 0
        futures = [client.set(f"flood:{i}", value) for i in range(4000)]
        highest = client.stats()["memory_bytes"]
        deadline = time.monotonic() + 120
        while not all(f.done() for f in futures) and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
            stats = assert_parts_add_up(client)
            highest = max(highest, stats["memory_bytes"])
            peak = max(peak, (memory.rss_bytes() or 0) - before)
        outcomes = [f.exception() for f in futures]
        assert all(f.done() for f in futures)
        served = sum(e is None for e in outcomes)
        if policy == "wait":
            assert served == 4000, {type(e) for e in outcomes}
        else:
            assert all(e is None or isinstance(e, OverloadError) for e in outcomes), {type(e) for e in outcomes}
            assert budget // (256 * 1024 + 1024) - 8 <= served < 4000, served
        assert highest <= budget
        assert peak < budget + FLOOD_OVERHEAD, peak
    finally:
        await client.flushdb()
        await client.aclose()


@pytest.mark.parametrize("parser", ["auto", "python"])
async def test_replies_wait_for_memory_that_written_commands_give_back_rather_than_being_refused(
    redis_server: RedisServer, parser: str
) -> None:
    """A budget full of encoded commands: a 256 KB reply that does not fit in what is left stops reading its
    socket until the written commands give memory back, then is read. Nothing fails, nothing passes the budget."""
    budget = 16 * MiB
    client = leanredis.Redis(port=redis_server.port, max_memory_bytes=budget, socket_timeout=60, parser=parser)
    value = os.urandom(256 * 1024)
    try:
        await client.set("budget:read", value)
        futures: list[Any] = []
        for i in range(384):  # 96 MiB of SETs at once, a GET of a 256 KB value after every 8th
            futures.append(client.set(f"budget:w:{i}", value))
            if i % 8 == 7:
                futures.append(client.get("budget:read"))
        highest = 0
        deadline = time.monotonic() + 60
        while not all(f.done() for f in futures) and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
            highest = max(highest, assert_parts_add_up(client)["memory_bytes"])
        assert all(f.done() for f in futures)
        failed = [f.exception() for f in futures if f.exception() is not None]
        assert not failed, (len(failed), failed[0])
        gets = [f.result() for f in futures if f.result() is not True]
        assert len(gets) == 48 and all(reply == value for reply in gets)
        stats = assert_parts_add_up(client)
        assert stats["memory_refusals"] == 0
        assert highest <= budget
        assert await client.get("budget:w:383") == value
    finally:
        await client.flushdb()
        await client.aclose()


@pytest.mark.parametrize("policy", ["wait", "fail"])
async def test_a_command_larger_than_the_whole_budget_is_refused_under_either_policy(
    redis_server: RedisServer, policy: str
) -> None:
    client = leanredis.Redis(port=redis_server.port, max_memory_bytes=MiB, overload_policy=policy)
    try:
        with pytest.raises(DataError, match=r"SET takes \d+ bytes encoded, more than max_memory_bytes=1048576"):
            await asyncio.wait_for(client.set("budget:huge", b"h" * (2 * MiB)), 5)
        assert await client.set("budget:fits", b"f" * (MiB // 2)) is True
        assert assert_parts_add_up(client)["memory_refusals"] == 1
    finally:
        await client.aclose()


async def test_a_subscriber_that_stops_reading_stays_within_the_budget(redis_server: RedisServer) -> None:
    client = leanredis.Redis(port=redis_server.port, max_memory_bytes=2 * MiB)
    publisher = leanredis.Redis(port=redis_server.port)
    pubsub = client.pubsub()
    try:
        await pubsub.subscribe("budget:flood")
        message = b"p" * 10_000
        for _ in range(20):  # 20 MB published, 10x the budget; nobody reads
            await asyncio.gather(*(publisher.publish("budget:flood", message) for _ in range(100)))
        deadline = time.monotonic() + 5
        while pubsub.stats()["pauses"] == 0 and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        stats = assert_parts_add_up(client)
        assert pubsub.stats()["pauses"] >= 1
        assert 1 * MiB < stats["memory"]["pubsub"] <= 2 * MiB, stats["memory"]
        got = 0
        while got < 10 and (msg := await pubsub.get_message(timeout=1)) is not None:  # reading resumes
            got += msg["type"] == "message"
        assert got == 10
    finally:
        await pubsub.aclose()
        await publisher.aclose()
        await client.aclose()


@pytest.mark.parametrize("policy", ["fail", "wait"])
async def test_a_caller_that_does_not_fit_in_what_is_left_waits_or_is_refused_per_the_policy(
    redis_server: RedisServer, policy: str
) -> None:
    """Held by a paused subscriber, the budget has ~200 KiB left: a 1 MiB SET waits under "wait" (and is sent as
    soon as the subscriber's queue is given back), is refused at once under "fail"; a small one is served."""
    client = leanredis.Redis(port=redis_server.port, max_memory_bytes=2 * MiB, overload_policy=policy)
    publisher = leanredis.Redis(port=redis_server.port)
    pubsub = client.pubsub()
    try:
        await pubsub.subscribe("budget:fill")
        for _ in range(20):
            await asyncio.gather(*(publisher.publish("budget:fill", b"f" * 10_000) for _ in range(100)))
        deadline = time.monotonic() + 5
        while client.stats()["memory"]["pubsub"] < MiB and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        big = asyncio.ensure_future(client.set("budget:big", b"b" * MiB))
        if policy == "fail":
            with pytest.raises(OverloadError, match="max_memory_bytes=2097152"):
                await big
        else:
            await asyncio.sleep(0.2)  # a reply would take a millisecond: it is waiting for memory
            assert not big.done() and client.stats()["queued"] == 1
        small = asyncio.ensure_future(client.set("budget:small", b"s"))
        if policy == "fail":
            assert await small is True
        await pubsub.aclose()  # memory given back: the waiting SET goes through (and the small one behind it)
        if policy == "wait":
            assert await asyncio.wait_for(big, 5) is True
            assert await asyncio.wait_for(small, 5) is True
        assert await client.set("budget:big", b"b" * MiB) is True
        assert assert_parts_add_up(client)["memory"]["queued"] == 0
    finally:
        await pubsub.aclose()
        await publisher.aclose()
        await client.aclose()


async def test_wait_callers_queued_behind_the_bounds_proceed_and_their_arguments_are_given_back(
    redis_server: RedisServer,
) -> None:
    """Past max_buffered_bytes callers wait (policy "wait"), their arguments referenced, not charged; all served."""
    client = leanredis.Redis(
        port=redis_server.port, max_memory_bytes=8 * MiB, max_buffered_bytes=256 * 1024, overload_policy="wait"
    )
    try:
        await client.ping()
        futures = [client.set(f"budget:w{i}", os.urandom(100 * 1024)) for i in range(40)]
        stats = assert_parts_add_up(client)
        assert stats["queued"] > 0 and stats["memory"]["queued"] == 0  # their own arguments: not the client's
        assert await asyncio.gather(*futures) == [True] * 40
        stats = assert_parts_add_up(client)
        assert stats["memory"]["queued"] == 0 and stats["memory"]["buffered"] == 0
    finally:
        await client.aclose()


async def test_from_url_takes_max_memory_bytes_and_stats_report_it(redis_server: RedisServer) -> None:
    client = leanredis.Redis.from_url(f"redis://127.0.0.1:{redis_server.port}/0?max_memory_bytes={32 * MiB}")
    try:
        await asyncio.wait_for(client.set("budget:url", b"v"), 5)
        stats = assert_parts_add_up(client)
        assert stats["max_memory_bytes"] == 32 * MiB
        assert stats["memory"]["connections"] == CONNECTION_OVERHEAD  # the one socket, open
        assert stats["memory_bytes"] == CONNECTION_OVERHEAD  # nothing else held between commands
    finally:
        await client.aclose()


@pytest.mark.parametrize("parser", ["auto", "python"])
async def test_a_reply_paused_for_memory_never_given_back_is_refused_after_late_reply_timeout_and_released(
    redis_server: RedisServer, parser: str
) -> None:
    """A BLPOP on a pool connection is answered (by a proxy) with the header of a 600 KB bulk string and then
    nothing: its announced bytes hold the budget and never drain. A 600 KB GET on the shared connection does not
    fit in what is left, so its socket stops reading; late_reply_timeout later, not before, it and the command
    behind it fail once each with ReplyTooLargeError, the reserve goes back to the budget and the next command is
    served on a new socket."""
    late = 0.5
    value = os.urandom(600 * 1024)
    writer = leanredis.Redis(port=redis_server.port)
    proxy = await CommandProxy(redis_server.port, watch=b"BLPOP").start()
    stalled = b"$614400\r\n" + b"h" * 1000  # a bulk string announced, its rest never sent
    proxy.replies = {2: stalled, 3: stalled}
    client = leanredis.Redis(
        port=proxy.port, max_memory_bytes=MiB, late_reply_timeout=late, socket_timeout=30, parser=parser
    )
    budget = client.connection.budget
    holder = None
    try:
        await writer.set("budget:paused", value)
        assert await client.ping() is True
        holder = asyncio.ensure_future(client.blpop(["budget:held"], timeout=0))
        deadline = time.monotonic() + 10
        while budget.replies < 600 * 1024 and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        assert budget.replies >= 600 * 1024, budget.stats()  # held, and nothing will give it back
        started = time.monotonic()
        paused = asyncio.ensure_future(client.get("budget:paused"))
        behind = asyncio.ensure_future(client.ping())
        outcomes = await asyncio.wait_for(asyncio.gather(paused, behind, return_exceptions=True), late + 10)
        elapsed = time.monotonic() - started
        assert [type(outcome) for outcome in outcomes] == [ReplyTooLargeError, ReplyTooLargeError], outcomes
        assert f"not given back within late_reply_timeout={late} s" in str(outcomes[0])
        assert late - 0.05 <= elapsed < late + 5, elapsed  # refused at the deadline, not at the header
        assert budget.limit == budget.max_bytes  # the reserve went back
        stats = assert_parts_add_up(client)
        assert stats["memory_refusals"] == 1
        assert stats["memory"]["replies"] >= 600 * 1024  # the holder's, still there: only the paused read went
        assert not holder.done()
        assert await asyncio.wait_for(client.get("budget:never-set"), 5) is None  # a new socket, served
        assert budget.limit == budget.max_bytes
    finally:
        if holder is not None:
            holder.cancel()
            await asyncio.gather(holder, return_exceptions=True)
        await client.aclose()
        await proxy.aclose()
        await writer.delete("budget:paused")
        await writer.aclose()
