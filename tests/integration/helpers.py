"""Helpers the memory-and-failure tests share: a raw socket to the server, faults (a pause, a frozen
process, a replica), one outcome per caller, counts of live objects and traced memory."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import signal
import socket
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable, Iterator
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


def pause_server(server: RedisServer, milliseconds: int, mode: str = "ALL") -> None:
    """CLIENT PAUSE from a socket of its own: every client's commands stall (``mode="WRITE"``: its writes)."""
    assert raw_command(server, "CLIENT", "PAUSE", str(milliseconds), mode) == b"+OK\r\n"


@contextlib.contextmanager
def stopped(server: RedisServer) -> Iterator[None]:
    """The server frozen (SIGSTOP) inside the block, running again (SIGCONT) after, whatever happens: its
    sockets stay open, nothing is read or answered."""
    assert server.process is not None
    pid = server.process.pid
    os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(pid, signal.SIGCONT)


@contextlib.contextmanager
def primary_and_replica(server_binary: str, *replica_args: str) -> Iterator[tuple[RedisServer, RedisServer]]:
    """A primary and a replica of it (read-only, as replicas are by default; ``replica_args``: more of its
    options), both stopped after."""
    primary = RedisServer(server_binary, extra_args=NO_SYNC_DELAY)
    primary.start()
    replica = RedisServer(server_binary, extra_args=["--replicaof", "127.0.0.1", str(primary.port), *replica_args])
    try:
        replica.start()
        yield primary, replica
    finally:
        replica.stop()
        primary.stop()


async def client_id(client: leanredis.Redis) -> int:
    """The server's id of the client's connection: unchanged means no reconnect happened."""
    return int(await client.with_timeout(10).execute_command("CLIENT", "ID"))


async def command_futures() -> int:
    """Live CommandFutures. Counted in a fresh loop step: the handle that resumed us holds the last gather."""
    await asyncio.sleep(0)
    gc.collect()
    return sum(1 for obj in gc.get_objects() if isinstance(obj, CommandFuture))


# what a client may hold after a fault and a recovery, beyond what it held before: a new
# protocol object and parser, a few log records; a burst's futures and replies are far more
RETAINED_LIMIT = 256 * 1024


def flatten_captured_log_records() -> None:
    """Turn the log records pytest keeps into plain text: their arguments (errors, whose tracebacks hold
    frames and the commands in them) would otherwise keep failed commands alive past the test's count."""
    for name in (None, "leanredis"):
        for handler in logging.getLogger(name).handlers:
            for record in getattr(handler, "records", ()):
                record.msg, record.args = record.getMessage(), ()


def traced_now() -> int:
    """Bytes tracemalloc sees alive now (the ``traced`` fixture traces), after a collection."""
    gc.collect()
    return tracemalloc.get_traced_memory()[0]


async def one_outcome_each(futures: list[Any], limit: float) -> list[Any]:
    """Every future's single outcome, within ``limit`` s (a hang fails the test), none left pending."""
    results = await asyncio.wait_for(asyncio.gather(*futures, return_exceptions=True), limit)
    assert len(results) == len(futures)
    assert all(fut.done() for fut in futures), "a caller is still pending"
    return results


def kinds(results: list[Any]) -> Counter[str]:
    """Outcomes by kind: 'ok' for a value, else the exception's class name."""
    return Counter("ok" if not isinstance(res, BaseException) else type(res).__name__ for res in results)


async def assert_back_to_baseline(client: leanredis.Redis, baseline: int | None = None) -> None:
    """Nothing in flight, queued, buffered or kept; no command future alive; traced memory back."""
    deadline = time.monotonic() + 5
    while client.stats()["inflight"] and time.monotonic() < deadline:
        await asyncio.sleep(0.02)  # late replies of timed-out commands are still on their way
    stats = client.stats()
    assert (stats["inflight"], stats["queued"], stats["buffered_bytes"], stats["kept_bytes"]) == (0, 0, 0, 0), stats
    flatten_captured_log_records()
    assert await command_futures() == 0, "a command future outlived its caller"
    if baseline is not None:
        grown = traced_now() - baseline
        assert grown < RETAINED_LIMIT, f"{grown} bytes still held after the fault"


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
