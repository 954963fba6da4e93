"""Fixtures the integration tests share besides tests/conftest.py's: the fault tests' server, proxy and memory
tracing, and the client-side cache tests' clients."""

from __future__ import annotations

import tracemalloc
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

import leanredis
from leanredis.server import RedisServer

from .faults import FaultProxy
from .helpers import MakeCached, cached_client


@pytest.fixture(scope="module")
def debug_server(server_binary: str) -> Iterator[RedisServer]:
    """A server of the test module's own that accepts DEBUG (SLEEP, RELOAD, attributes); a test that changes
    its config or ACLs restores them."""
    server = RedisServer(server_binary, extra_args=["--enable-debug-command", "yes"])
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def proxy(redis_server: RedisServer) -> AsyncIterator[FaultProxy]:
    """A fault proxy in front of the shared server (a module whose tests break another server's connections
    overrides it)."""
    fault = await FaultProxy(redis_server.port).start()
    yield fault
    await fault.aclose()


@pytest.fixture
def traced() -> Iterator[None]:
    """tracemalloc on for the test (``helpers.traced_now`` reads it)."""
    tracemalloc.start()
    try:
        yield
    finally:
        tracemalloc.stop()


@pytest.fixture
async def writer(r: leanredis.Redis) -> AsyncIterator[leanredis.Redis]:
    """``r`` (a plain client on the flushed shared server) as the cache tests name it: it writes what a caching
    client reads. Flushed after the test too: some leave 100,000 keys."""
    yield r
    await r.flushdb()


@pytest.fixture
async def make_cached(redis_server: RedisServer) -> AsyncIterator[MakeCached]:
    """``make_cached(**config)``: a caching client on the shared server (``helpers.cached_client``), closed
    when the test ends."""
    made: list[leanredis.Redis] = []

    def make(**config: Any) -> leanredis.Redis:
        made.append(cached_client(redis_server.port, **config))
        return made[-1]

    yield make
    for client in made:
        await client.aclose()
