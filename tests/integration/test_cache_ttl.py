"""Client-side caching of keys with a TTL: an entry lives no longer than its key on the server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

import leanredis
from leanredis import CacheConfig
from leanredis.server import RedisServer

from .fakes import FakeServer
from .helpers import cached_client


@pytest.fixture
async def cached(redis_server: RedisServer, writer: leanredis.Redis) -> AsyncIterator[leanredis.Redis]:
    """A caching client over 20,000 keys with a long TTL: among so many the server's active expiry takes
    minutes to sample any one key, so a key with a short TTL ends without an invalidation."""
    for start in range(0, 20_000, 5_000):
        await asyncio.gather(*(writer.set(f"long:{i}", "x", ex=3600) for i in range(start, start + 5_000)))
    client = cached_client(redis_server.port)
    try:
        yield client
    finally:
        await client.aclose()


async def reads_until_none(client: leanredis.Redis, key: str, expired_at: float, limit: float) -> list[float]:
    """Read ``key`` through the cache every 10 ms until it reads None (at most ``limit`` s from now);
    the client times at which a read sent after ``expired_at`` still returned a value."""
    loop = asyncio.get_running_loop()
    give_up = loop.time() + limit
    late: list[float] = []
    while loop.time() < give_up:
        sent = loop.time()
        if await client.get(key) is None:
            return late
        if sent >= expired_at:
            late.append(round(sent - expired_at, 3))
        await asyncio.sleep(0.01)
    late.append(-1.0)  # never read None
    return late


async def test_a_key_is_not_served_from_the_cache_past_its_server_side_expiry(
    writer: leanredis.Redis, cached: leanredis.Redis
) -> None:
    # no invalidation comes for "session" (see the fixture): only the TTL the cache asked for ends the entry
    loop = asyncio.get_running_loop()
    await writer.set("session", "valid", px=300)
    expired_at = loop.time() + 0.31  # the server's expiry, at the latest, in this client's clock (1 ms rounding)
    assert await cached.get("session") == b"valid"
    assert await cached.get("session") == b"valid"
    assert cached.cache_stats()["hits"] == 1
    late = await reads_until_none(cached, "session", expired_at, limit=3.0)
    assert not late, f"{len(late)} reads served past the key's expiry on the server (s after it: {late[:3]}...)"
    assert cached.cache_stats()["invalidations"] == 0  # the server said nothing: the entry's own TTL ended it


async def test_a_ttl_set_on_a_cached_key_invalidates_it_and_then_bounds_the_next_entry(
    writer: leanredis.Redis, cached: leanredis.Redis
) -> None:
    loop = asyncio.get_running_loop()
    await writer.set("lock", "held")
    assert await cached.get("lock") == b"held"  # no TTL: cached until the server says otherwise
    await writer.pexpire("lock", 300)  # the server announces EXPIRE as a change of the key
    expired_at = loop.time() + 0.31
    await cached.ping()  # every invalidation sent before its reply has arrived
    assert cached.cache_stats()["invalidations"] == 1
    assert await cached.get("lock") == b"held"  # a miss: read again, with its TTL this time
    assert await cached.get("lock") == b"held"
    assert cached.cache_stats()["hits"] == 1
    late = await reads_until_none(cached, "lock", expired_at, limit=3.0)
    assert not late, f"{len(late)} reads served past the key's expiry on the server (s after it: {late[:3]}...)"


async def read_command(reader: asyncio.StreamReader) -> list[bytes]:
    """One command as clients send it: an array of bulk strings."""
    header = await reader.readline()
    if not header:
        raise ConnectionError("the client closed")
    args = []
    for _ in range(int(header[1:])):
        size = int((await reader.readline())[1:])
        args.append((await reader.readexactly(size + 2))[:-2])
    return args


class ScriptedServer:
    """A RESP3 server that answers the handshake, PING and PTTL, and GETs from a script:
    ``gets`` is a list of (bulk reply, pttl reply, bytes to send after the reply)."""

    def __init__(self, gets: list[tuple[bytes, int, bytes]]) -> None:
        self.gets = gets
        self.served = 0
        self.fake = FakeServer(lambda index: self.serve)

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        pttl = 0
        while True:
            name = (await read_command(reader))[0].upper()
            if name == b"HELLO":
                writer.write(b"%1\r\n+proto\r\n:3\r\n")
            elif name == b"PING":
                writer.write(b"+PONG\r\n")
            elif name == b"PTTL":  # sent right before its GET: answered with that GET's script
                pttl = self.gets[min(self.served, len(self.gets) - 1)][1]
                writer.write(b":%d\r\n" % pttl)
            elif name == b"GET":
                reply, _, after = self.gets[min(self.served, len(self.gets) - 1)]
                self.served += 1
                writer.write(reply + after)
            else:
                writer.write(b"+OK\r\n")


async def test_a_reply_followed_by_a_flush_is_not_served_after_it() -> None:
    # the server ran GET, then FLUSHALL (announced by an invalidation without keys), then a SET by
    # someone else that nobody is told about: tracking forgot every key at the flush
    flush = b">2\r\n$10\r\ninvalidate\r\n_\r\n"
    server = ScriptedServer([(b"$3\r\nold\r\n", -1, flush), (b"$3\r\nnew\r\n", -1, b"")])
    await server.fake.start()
    cached = cached_client(server.fake.port)
    try:
        assert await cached.get("k") == b"old"
        assert await cached.get("k") == b"new", "a reply kept through the flush after it"
    finally:
        await cached.aclose()
        await server.fake.aclose()


async def test_a_read_in_flight_when_the_cache_is_flushed_is_not_cached() -> None:
    # the server ran PTTL, then FLUSHALL (announced before the GET's reply), then the GET, then a SET by
    # someone else: a read in flight across a flush is not kept, whatever its reply says
    flush = b">2\r\n$10\r\ninvalidate\r\n_\r\n"
    server = ScriptedServer([(flush + b"$3\r\nold\r\n", -1, b""), (b"$3\r\nnew\r\n", -1, b"")])
    await server.fake.start()
    cached = cached_client(server.fake.port)
    try:
        assert await cached.get("k") == b"old"
        assert await cached.get("k") == b"new", "the reply of a read in flight across a flush was kept"
        assert cached.cache_stats()["uncached_replies"] == 1
    finally:
        await cached.aclose()
        await server.fake.aclose()


async def test_a_read_in_flight_when_its_key_is_invalidated_is_not_cached() -> None:
    # the server ran PTTL, then a SET of k by someone else (announced before the GET's reply): the
    # reply may be from before or after it, so it is not kept; an invalidation of another key is no matter
    changed = b">2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\nk\r\n"
    other = b">2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\nj\r\n"
    server = ScriptedServer(
        [(changed + b"$3\r\nold\r\n", -1, b""), (other + b"$3\r\nnew\r\n", -1, b""), (b"$4\r\nnewer\r\n", -1, b"")]
    )
    await server.fake.start()
    cached = cached_client(server.fake.port)
    try:
        assert await cached.get("k") == b"old"
        assert await cached.get("k") == b"new", "the reply of a read in flight across its key's change was kept"
        assert await cached.get("k") == b"new", "a read in flight across another key's change was not kept"
        assert cached.cache_stats()["uncached_replies"] == 1
    finally:
        await cached.aclose()
        await server.fake.aclose()


async def test_a_key_missing_at_its_pttl_keeps_an_empty_reply_and_never_a_value() -> None:
    # a nil read of a missing key is cached (its creation is announced); a value with PTTL -2
    # (the key expired between the two commands on a replica, say) is not
    server = ScriptedServer(
        [
            (b"_\r\n", -2, b""),
            (b"$5\r\nvalue\r\n", -2, b""),
            (b"$5\r\nvalue\r\n", -1, b""),
            (b"$5\r\nnever\r\n", -1, b""),
        ]
    )
    await server.fake.start()
    cached = cached_client(server.fake.port)
    try:
        assert await cached.get("missing") is None
        assert await cached.get("missing") is None
        assert server.served == 1 and cached.cache_stats()["hits"] == 1
        assert await cached.get("vanished") == b"value"
        assert await cached.get("vanished") == b"value"  # read again from the server: not kept
        assert server.served == 3
        assert await cached.get("vanished") == b"value"  # kept now (-1: no TTL)
        assert server.served == 3
    finally:
        await cached.aclose()
        await server.fake.aclose()


async def test_a_user_not_allowed_pttl_reads_through_the_cache_and_nothing_is_kept(
    redis_server: RedisServer, writer: leanredis.Redis
) -> None:
    # without its TTL an entry could outlive the key: the read is answered, nothing is cached
    user = "cache-no-pttl"
    await writer.execute_command("ACL", "SETUSER", user, "on", ">pw", "allkeys", "allchannels", "+@all", "-pttl")
    client = leanredis.Redis(
        host="127.0.0.1", port=redis_server.port, protocol=3, username=user, password="pw",
        cache_config=CacheConfig(),
    )
    try:
        await writer.set("k", "one", px=60_000)
        assert await client.get("k") == b"one"
        assert await client.get("k") == b"one"
        stats = client.cache_stats()
        assert stats["entries"] == 0 and stats["hits"] == 0 and stats["misses"] == 2, stats
    finally:
        await client.aclose()
        await writer.execute_command("ACL", "DELUSER", user)
