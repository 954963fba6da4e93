"""Helpers the memory-and-failure tests share: a raw socket to the server, counts of live objects."""

from __future__ import annotations

import asyncio
import gc
import socket
from collections.abc import Callable
from typing import Any

import leanredis
from leanredis.future import CommandFuture
from leanredis.server import RedisServer

# For a primary: a replica's first (diskless) sync starts at once, not after the default 5 s wait for
# more replicas to share it; each set-up with a replica is 5 s shorter.
NO_SYNC_DELAY = ("--repl-diskless-sync-delay", "0")


def raw_command(server: RedisServer, *args: str) -> bytes:
    """Send one command on a plain socket of its own (not through leanredis) and read the reply."""
    payload = f"*{len(args)}\r\n".encode() + b"".join(f"${len(a)}\r\n{a}\r\n".encode() for a in args)
    with socket.create_connection((server.host, server.port), timeout=5) as sock:
        sock.sendall(payload)
        return sock.recv(256)


def pause_server(server: RedisServer, milliseconds: int) -> None:
    """CLIENT PAUSE ... ALL from a socket of its own: every client's commands stall."""
    assert raw_command(server, "CLIENT", "PAUSE", str(milliseconds), "ALL") == b"+OK\r\n"


async def client_id(client: leanredis.Redis) -> int:
    """The server's id of the client's connection: unchanged means no reconnect happened."""
    return int(await client.with_timeout(10).execute_command("CLIENT", "ID"))


async def command_futures() -> int:
    """Live CommandFutures. Counted in a fresh loop step: the handle that resumed us holds the last gather."""
    await asyncio.sleep(0)
    gc.collect()
    return sum(1 for obj in gc.get_objects() if isinstance(obj, CommandFuture))


async def until_ok(call: Any, limit: float) -> Any:
    """Retry ``call()`` on connection errors and timeouts until it answers, for at most ``limit`` s."""

    async def loop() -> Any:
        while True:
            try:
                return await call()
            except (leanredis.ConnectionError, leanredis.TimeoutError):
                await asyncio.sleep(0.05)

    return await asyncio.wait_for(loop(), limit)


# the make_cached fixture (tests/integration/conftest.py): make_cached(**config) -> a caching client
MakeCached = Callable[..., leanredis.Redis]


def cached_client(port: int, **config: Any) -> leanredis.Redis:
    """A RESP3 client of the server on ``port`` with a client-side cache (``config``: CacheConfig's options,
    and ``decode_responses``)."""
    decode = config.pop("decode_responses", False)
    return leanredis.Redis(
        host="127.0.0.1", port=port, protocol=3, decode_responses=decode, cache_config=leanredis.CacheConfig(**config)
    )
