"""redis-py 8.1's defaults: RESP3 (RESP2 on a server without HELLO), 5 s timeouts, TCP keepalive."""

from __future__ import annotations

import asyncio
import socket
import time

import pytest

import leanredis
from leanredis.server import RedisServer

from .fakes import FakeServer, answer, split_commands
from .faults import FaultProxy


async def test_a_default_client_speaks_resp3(redis_server: RedisServer) -> None:
    client = leanredis.Redis(host="127.0.0.1", port=redis_server.port)
    try:
        info = await client.client_info()
        assert int(info["resp"]) == 3
        assert client.options.protocol == 3
        assert await client.hgetall("missing") == {}  # redis-py's RESP2 shapes in RESP3 too
    finally:
        await client.aclose()


class WithoutHello:
    """A server from before Redis 6: HELLO and CLIENT SETINFO are unknown commands."""

    def __init__(self) -> None:
        self.seen: list[bytes] = []

    async def __call__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        buffered = b""
        while data := await reader.read(65536):
            commands, buffered = split_commands(buffered + data)
            for command in commands:
                name = command.split(b"\r\n")[2].upper()
                self.seen.append(name)
                if name in (b"HELLO", b"CLIENT"):
                    writer.write(b"-ERR unknown command '" + name + b"', with args beginning with: \r\n")
                elif name == b"AUTH":
                    writer.write(b"+OK\r\n")
                else:
                    writer.write(answer(command))
            await writer.drain()


async def test_a_default_client_falls_back_to_resp2_on_a_server_without_hello() -> None:
    script = WithoutHello()
    server = await FakeServer(lambda index: script).start()
    client = leanredis.Redis(host="127.0.0.1", port=server.port, password="pw")
    explicit = leanredis.Redis(host="127.0.0.1", port=server.port, protocol=3, retry=None)
    try:
        assert await asyncio.wait_for(client.ping(), 5) is True
        assert client.connection.options.protocol == 2
        assert script.seen[0] == b"HELLO" and b"AUTH" in script.seen  # HELLO's AUTH sent again the RESP2 way
        assert await client.get("k") == b"v"
        with pytest.raises(leanredis.ConnectionError, match="does not speak RESP3"):
            await asyncio.wait_for(explicit.ping(), 5)  # protocol=3 asked for: no fallback
    finally:
        await client.aclose()
        await explicit.aclose()
        await server.aclose()


async def test_a_default_client_turns_tcp_keepalive_on_with_redis_py_options(redis_server: RedisServer) -> None:
    client = leanredis.Redis(host="127.0.0.1", port=redis_server.port)
    try:
        await client.ping()
        proto = client.connection._proto
        assert proto is not None and proto.transport is not None
        sock = proto.transport.get_extra_info("socket")
        assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 1
        if hasattr(socket, "TCP_KEEPIDLE"):
            assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE) == 30
            assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL) == 5
            assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT) == 3
    finally:
        await client.aclose()


async def test_a_cache_config_works_with_the_default_protocol(redis_server: RedisServer) -> None:
    cached = leanredis.Redis(host="127.0.0.1", port=redis_server.port, cache_config=leanredis.CacheConfig())
    writer = leanredis.Redis(host="127.0.0.1", port=redis_server.port)
    try:
        await writer.set("default-proto", "1")
        assert await cached.get("default-proto") == b"1"
        assert await cached.get("default-proto") == b"1"
        assert cached.cache_stats()["hits"] == 1
        await writer.set("default-proto", "2")
        await cached.ping()  # a round trip on the cached connection: the invalidation came before it
        assert await cached.get("default-proto") == b"2"
    finally:
        await cached.aclose()
        await writer.aclose()


@pytest.mark.slow
async def test_a_black_holed_server_answers_a_default_client_with_a_timeout_after_5_s(proxy: FaultProxy) -> None:
    proxy.mode = "blackhole"  # accepts and reads, never answers, never closes
    client = leanredis.Redis(host="127.0.0.1", port=proxy.port)
    try:
        started = time.monotonic()
        with pytest.raises(leanredis.TimeoutError) as caught:
            await asyncio.wait_for(client.get("k"), 15)
        took = time.monotonic() - started
        assert 4.5 < took < 8.0, f"timed out after {took:.2f} s, not at the default 5 s"
        assert caught.value.possibly_executed is False  # it never got past the handshake: never written
    finally:
        await client.aclose()


async def test_listening_to_pubsub_outlasts_the_socket_timeout(redis_server: RedisServer) -> None:
    client = leanredis.Redis(host="127.0.0.1", port=redis_server.port, socket_timeout=0.2)
    pubsub = client.pubsub()
    try:
        await pubsub.subscribe("news")
        assert (await pubsub.get_message(timeout=1))["type"] == "subscribe"
        waiting = asyncio.ensure_future(pubsub.get_message(timeout=None))
        await asyncio.sleep(0.6)  # three socket timeouts: the listener must still be waiting, not failed
        assert not waiting.done()
        await client.publish("news", "late")
        message = await asyncio.wait_for(waiting, 5)
        assert message["data"] == b"late"
    finally:
        await pubsub.aclose()
        await client.aclose()
