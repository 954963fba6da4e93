"""Fixtures the integration tests share besides tests/conftest.py's: the client-side cache tests' clients."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

import leanredis
from leanredis.server import RedisServer

from .helpers import MakeCached, cached_client


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
